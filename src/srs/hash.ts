// The SRS hash (spec srs.md 3): the first N characters of the standard-base64 HMAC-SHA1, keyed
// with the secret's bytes, over the ASCII-lower-cased fields joined with nothing between them.
// Verification tries every secret in constant time, case-insensitively, and accepts between
// hash-min and hash-length characters (spec 15.2). Never JavaScript toLowerCase(): A-Z only.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { asciiLower } from '../util/ascii.js';
import { MAX_HASH_CHARS, MIN_HASH_CHARS } from './limits.js';

/** `n` brought into the lengths a hash can have (1..27). */
export function clampHashChars(n: number): number {
  if (!Number.isFinite(n)) return MAX_HASH_CHARS;
  return Math.min(MAX_HASH_CHARS, Math.max(MIN_HASH_CHARS, Math.trunc(n)));
}

/**
 * The hash of `fields` under `secret`, `length` characters long (at most 27). Secret and fields
 * are latin1 strings (one char per octet); the HMAC sees exactly those octets.
 */
export function srsHash(secret: string, fields: readonly string[], length: number): string {
  const mac = createHmac('sha1', Buffer.from(secret, 'latin1'));
  for (const field of fields) mac.update(Buffer.from(asciiLower(field), 'latin1'));
  // Node's base64 is the standard alphabet with '=' padding; the hash never includes the padding.
  return mac.digest('base64').replace(/=+$/, '').slice(0, clampHashChars(length));
}

export type HashVerdict = 'ok' | 'too-short' | 'invalid';

export interface HashPolicy {
  readonly hashMin: number;
  readonly hashLength: number;
}

/** Only octets can ever match; a wider char would be truncated by the latin1 conversion. */
const NOT_LATIN1 = /[^\x00-\xff]/;

/**
 * Does `presented` sign `fields` under any of `secrets`? Shorter than hash-min: 'too-short'.
 * Longer than hash-length, or no secret gives it: 'invalid'. Every secret is compared, with
 * timingSafeEqual and no early exit, so neither the time taken nor the result says which matched.
 */
export function verifyHash(presented: string, fields: readonly string[], secrets: readonly string[], policy: HashPolicy): HashVerdict {
  const longest = clampHashChars(policy.hashLength);
  const shortest = Math.min(clampHashChars(policy.hashMin), longest);
  if (presented.length < shortest) return 'too-short';
  if (presented.length > longest || NOT_LATIN1.test(presented)) return 'invalid';
  const wanted = Buffer.from(asciiLower(presented), 'latin1');
  let matched = false;
  for (const secret of secrets) {
    const computed = Buffer.from(asciiLower(srsHash(secret, fields, presented.length)), 'latin1');
    // Equal lengths by construction (presented.length <= 27 chars, all of them real hash chars).
    if (timingSafeEqual(computed, wanted)) matched = true;
  }
  return matched ? 'ok' : 'invalid';
}
