// Reverse (spec srs.md 8, 15.2-15.4): an SRS0 local part back to the original sender, an SRS1
// to the first forwarder's SRS0 address. Contract: the domain after the first '@' is ignored and
// may be absent; stamp first, then hash, as libsrs2, with its error texts. Never throws, never
// loops on input length, never accepts a hash longer than hash-length or a stamp not 2 chars.

import { localPartOf, parseSrs0, parseSrs1, srsTagOf } from './address.js';
import { SRS_ERRORS } from './errors.js';
import { verifyHash, type HashVerdict } from './hash.js';
import { SRS0_TAG, SRS1_TAG } from './limits.js';
import { checkTimestamp } from './timestamp.js';
import type { ReverseOutcome, SrsSettings } from './types.js';

const invalid = (reason: string): ReverseOutcome => ({ kind: 'invalid', reason });

function hashFailure(verdict: Exclude<HashVerdict, 'ok'>): ReverseOutcome {
  return invalid(verdict === 'too-short' ? SRS_ERRORS.hashTooShort : SRS_ERRORS.hashInvalid);
}

/** What `address` (an SRS address, or just its local part) stands for, checked at `nowMs`. */
export function srsReverse(address: string, s: SrsSettings, nowMs: number): ReverseOutcome {
  const local = localPartOf(address);
  const tag = srsTagOf(local);
  if (tag === undefined) return { kind: 'not-srs' };
  if (tag === SRS1_TAG) {
    const parsed = parseSrs1(local);
    if (!parsed.ok) return invalid(parsed.reason);
    const { hash, host, tail } = parsed.value;
    // SRS1 carries no stamp: it lives as long as a secret that signed it is configured.
    const verdict = verifyHash(hash, [host, tail], s.verifySecrets, s);
    if (verdict !== 'ok') return hashFailure(verdict);
    return { kind: 'reversed', address: `${SRS0_TAG}${tail}@${host}`, tag: SRS1_TAG };
  }
  const parsed = parseSrs0(local);
  if (!parsed.ok) return invalid(parsed.reason);
  const { hash, stamp, host, user } = parsed.value;
  const stale = checkTimestamp(stamp, nowMs, s.maxAge);
  if (stale !== undefined) return invalid(stale);
  const verdict = verifyHash(hash, [stamp, host, user], s.verifySecrets, s);
  if (verdict !== 'ok') return hashFailure(verdict);
  return { kind: 'reversed', address: `${user}@${host}`, tag: SRS0_TAG };
}
