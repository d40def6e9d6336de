// Forward rewriting, Guarded scheme (spec srs.md 7 steps 2-7, 15.1): a plain sender becomes
// SRS0, an SRS0 or SRS1 sender becomes SRS1 pointing at the first forwarder, byte for byte as
// libsrs2 writes them. Contract: never throws; 'unchanged' only for a sender in the alias domain.
// Never the caller's rules (null sender, #@[], rcpthosts): those are decided before this.

import { asciiEqualsIgnoreCase } from '../util/ascii.js';
import { parseSrs1, srs0Tail, srsTagOf } from './address.js';
import { SRS_ERRORS } from './errors.js';
import { srsHash } from './hash.js';
import { FIELD_SEPARATOR as EQ, SRS0_TAG, SRS1_TAG } from './limits.js';
import { srsTimestamp } from './timestamp.js';
import type { ForwardOutcome, SrsSettings } from './types.js';

/** The alias domain: a full address may be configured, only what follows its last '@' counts. */
export function aliasDomainOf(configured: string): string {
  return configured.slice(configured.lastIndexOf('@') + 1);
}

const fail = (reason: string): ForwardOutcome => ({ kind: 'error', reason });

/** The fields to sign and the address without its hash, once the sender's kind is known. */
interface Draft {
  readonly tag: string;
  readonly signed: readonly string[];
  /** What follows the hash: '=' and the fields as written. */
  readonly after: string;
}

function draftFor(local: string, domain: string, nowMs: number): Draft | string {
  const tag = srsTagOf(local);
  if (tag === SRS1_TAG) {
    // Another forwarder's SRS1: keep its first-hop host and SRS0 tail, drop its hash.
    const parsed = parseSrs1(local);
    if (!parsed.ok) return parsed.reason;
    const { host, tail } = parsed.value;
    return { tag: SRS1_TAG, signed: [host, tail], after: EQ + host + EQ + tail };
  }
  if (tag === SRS0_TAG) {
    // A first forwarder's SRS0: wrap it, unchecked, with its host as the first hop.
    const tail = srs0Tail(local);
    return { tag: SRS1_TAG, signed: [domain, tail], after: EQ + domain + EQ + tail };
  }
  const stamp = srsTimestamp(nowMs);
  return { tag: SRS0_TAG, signed: [stamp, domain, local], after: EQ + stamp + EQ + domain + EQ + local };
}

/** The envelope sender to use when `sender` is forwarded at `nowMs` (milliseconds, UTC). */
export function srsForward(sender: string, s: SrsSettings, nowMs: number): ForwardOutcome {
  const alias = aliasDomainOf(s.domain);
  const at = sender.indexOf('@');
  if (at === -1) return fail(SRS_ERRORS.noAtSign);
  // libsrs2 would split a@b@c at the first '@' and mint an address that never reverses (R075).
  if (sender.indexOf('@', at + 1) !== -1) return fail(SRS_ERRORS.manyAtSigns);
  const local = sender.slice(0, at);
  const domain = sender.slice(at + 1);
  if (!s.alwaysRewrite && asciiEqualsIgnoreCase(domain, alias)) return { kind: 'unchanged', address: sender };
  const draft = draftFor(local, domain, nowMs);
  if (typeof draft === 'string') return fail(draft);
  // As libsrs2: a malformed SRS1 is reported before a missing secret.
  if (s.signSecret === undefined) return fail(SRS_ERRORS.noSecrets);
  const hash = srsHash(s.signSecret, draft.signed, s.hashLength);
  return { kind: 'rewritten', address: `${draft.tag}${s.separator}${hash}${draft.after}@${alias}` };
}
