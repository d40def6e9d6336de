// The base qmail-smtpd policy, per phase, as pure functions of the session's settings.
// MAIL: badmailfrom is decided here but reported at each RCPT (qmail's flagbarf).
// RCPT: deferred sender rejections first, then an SRS address in our SRS domain (decoded, or
// refused), then RELAYCLIENT (its value appended to the address, rcpthosts skipped) or
// rcpthosts. Never touches files or sockets.
// A missing rcpthosts accepts every domain, as qmail does (an open relay): each recipient accepted
// that way carries the qlog detail OPEN_RELAY_DETAIL, so the log says so on every such line.

import type { ControlSnapshot } from '../control/index.js';
import { badMailFromEntry } from './badmailfrom.js';
import { inRcptHosts } from './rcpthosts.js';
import { checkSrsRecipient } from './srs-recipient.js';
import type { RecipientVerdict, SenderVerdict } from './types.js';

/** qlog detail of a recipient accepted only because control/rcpthosts is missing. */
export const OPEN_RELAY_DETAIL = 'rcpthosts_missing_open_relay';

export interface PolicySettings {
  readonly control: ControlSnapshot;
  /** RELAYCLIENT from the environment; undefined when unset (empty string is set). */
  readonly relayClient: string | undefined;
}

/** What RCPT knows about its transaction. */
export interface RecipientQuery {
  /** The envelope sender as given at MAIL ('' for a bounce). */
  readonly sender: string;
  readonly verdict: SenderVerdict;
  /** Milliseconds since the epoch: SRS0 day stamps are checked against it. */
  readonly nowMs: number;
}

export function checkSender(settings: PolicySettings, sender: string): SenderVerdict {
  const bmf = badMailFromEntry(sender, settings.control.badmailfrom);
  if (bmf === undefined) return { deferred: [] };
  return { deferred: [{ reason: 'badmailfrom', detail: bmf }] };
}

export function checkRecipient(settings: PolicySettings, query: RecipientQuery, recipient: string): RecipientVerdict {
  const ours = inRcptHosts(recipient, settings.control.rcpthosts);
  const first = query.verdict.deferred[0];
  if (first !== undefined) return { kind: 'reject', rejection: first, inRcptHosts: ours };
  const srs = checkSrsRecipient(settings.control.srs, query.sender, recipient, query.nowMs);
  if (srs?.kind === 'reject') return { kind: 'reject', rejection: srs.rejection, inRcptHosts: ours };
  if (srs?.kind === 'accept') return { kind: 'accept', address: srs.address, reason: 'srs', detail: srs.tag, inRcptHosts: ours };
  if (settings.relayClient !== undefined) {
    return { kind: 'accept', address: recipient + settings.relayClient, reason: 'relayclient', inRcptHosts: ours };
  }
  if (!ours) {
    return {
      kind: 'reject',
      rejection: { reason: 'not_in_rcpthosts', detail: '' },
      inRcptHosts: ours,
    };
  }
  if (settings.control.rcpthosts === undefined) {
    return { kind: 'accept', address: recipient, reason: 'rcpthosts', detail: OPEN_RELAY_DETAIL, inRcptHosts: ours };
  }
  return { kind: 'accept', address: recipient, reason: 'rcpthosts', inRcptHosts: ours };
}
