// What DATA decides before the queue opens: the envelope sender the queue gets. With SRS on, a
// relayed transaction's sender is rewritten (policy/srs-forward.ts); the rewrite, or a sender
// the codec could not rewrite, becomes one note line for the log. Never replies, never logs
// itself, never refuses the message. Spec srs.md 7 and 9; qmail-smtpd.md 6.4 (note lines).

import { srsSender, type PolicySettings } from '../policy/index.js';

export interface OutgoingSender {
  /** The envelope sender handed to the queue. */
  readonly sender: string;
  /** A note for the log ("srs: ..."), when something happened to the sender. */
  readonly note?: string;
}

/** `relayed`: some recipient was accepted through RELAYCLIENT from outside rcpthosts. */
export function outgoingSender(policy: PolicySettings, sender: string, relayed: boolean, nowMs: number): OutgoingSender {
  const d = srsSender(policy, sender, relayed, nowMs);
  if (d.kind === 'rewrite') return { sender: d.address, note: `srs: rewrote ${sender} to ${d.address}` };
  if (d.kind === 'error') return { sender, note: `srs: kept ${sender}, cannot rewrite it: ${d.reason}` };
  return { sender };
}
