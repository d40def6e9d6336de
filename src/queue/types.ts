// The queue contract shared by the qmail-queue client and the built-in spool. A job receives the
// stored message bytes, then either delivers (envelope sent, verdict awaited) or is dropped.
// Implementations must never report "accepted" unless the message is safely stored.

import type { Envelope } from './envelope.js';
import type { QueueOutcome } from './exit-codes.js';

export interface QueueRequest {
  /** The whole environment the queue program runs with (tcpserver + tcprules + ours). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly envelope: Envelope;
}

export interface QueueJob {
  /** qmail's "qp": the queue program's pid (the spool's message number), '' if none. */
  readonly qp: string;
  /** Stored message bytes; false asks the caller to await drained() before writing more. */
  write(bytes: Buffer): boolean;
  /** Resolves true when more can be written, false when the queue gave up (it is then killed). */
  drained(): Promise<boolean>;
  /** Ends the message; with deliver=false no envelope is sent, so nothing is queued. */
  close(deliver: boolean): Promise<QueueOutcome>;
  /** The client went away: drop everything, queue nothing. */
  abort(): void;
}

export interface Queue {
  /** Rejects with QueueStartError where qmail answers "451 qqt failure (#4.3.0)". */
  open(request: QueueRequest): Promise<QueueJob>;
}

export class QueueStartError extends Error {
  override name = 'QueueStartError';
}
