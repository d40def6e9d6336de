// RCPT to our SRS domain: a bounce coming home (spec srs.md 8, 9 and 15). A recipient in the SRS
// domain (ASCII case-insensitive) with an SRS0/SRS1 local part is verified by the codec: valid,
// it becomes the address it stands for; forged, expired or malformed, it is refused; and a valid
// one takes bounces only (qmail's srsfilter drops other mail silently; we refuse it instead).
// Any other recipient is not ours to judge here: undefined, and the normal checks go on. Pure.

import type { SrsControl } from '../control/index.js';
import { aliasDomainOf, isSrsLocalPart, SRS_ERRORS, srsReverse } from '../srs/index.js';
import { asciiEqualsIgnoreCase } from '../util/ascii.js';
import type { Rejection, SrsFailure } from './types.js';

export type SrsRecipientVerdict =
  | { readonly kind: 'accept'; readonly address: string; readonly tag: 'srs0' | 'srs1' }
  | { readonly kind: 'reject'; readonly rejection: Rejection };

/** The codec's reasons (libsrs2's texts) by what they mean for the log; any other is 'syntax'. */
const FAILURE_OF: Readonly<Record<string, SrsFailure>> = {
  [SRS_ERRORS.hashInvalid]: 'badhash',
  [SRS_ERRORS.hashTooShort]: 'badhash',
  [SRS_ERRORS.stampOutOfDate]: 'expired',
};

export function checkSrsRecipient(
  srs: SrsControl | undefined,
  sender: string,
  recipient: string,
  nowMs: number,
): SrsRecipientVerdict | undefined {
  if (srs === undefined) return undefined;
  const at = recipient.lastIndexOf('@');
  if (at === -1 || !asciiEqualsIgnoreCase(recipient.slice(at + 1), aliasDomainOf(srs.domain))) return undefined;
  const local = recipient.slice(0, at);
  if (!isSrsLocalPart(local)) return undefined;
  // Nothing can verify without a secret: our configuration's fault, so temporary.
  if (srs.verifySecrets.length === 0) return refuse('nosecrets');
  const r = srsReverse(local, srs, nowMs);
  if (r.kind === 'not-srs') return undefined;
  if (r.kind === 'invalid') return refuse(FAILURE_OF[r.reason] ?? 'syntax');
  if (sender !== '') return refuse('notbounce');
  return { kind: 'accept', address: r.address, tag: r.tag === 'SRS1' ? 'srs1' : 'srs0' };
}

const refuse = (detail: SrsFailure): SrsRecipientVerdict => ({ kind: 'reject', rejection: { reason: 'srs', detail } });
