// One DATA transaction in flight: the Received line, then the client's bytes through the DATA
// reader into the queue job, and at the end qmail's verdict order: queue accepted, else too many
// hops (554), else over databytes (552), else the queue's own text. A message that broke a limit
// is never delivered: its queue job gets no envelope, so nothing can be queued.

import type { QueueJob, QueueOutcome } from '../queue/index.js';
import { DataReader, type DataStep } from './data.js';
import { acceptedReply, queueReply, REPLY } from './replies.js';

export interface MessageVerdict {
  readonly reply: string;
  readonly accepted: boolean;
  /** qlogreceived reason and detail. */
  readonly reason: 'queueaccept' | 'message_loop' | 'databytes_limit_exceeded' | 'queuereject' | 'queue_delay';
  readonly detail: string;
}

export interface FeedResult {
  readonly step: DataStep;
  /** Set when the queue is full: await it before feeding more. */
  readonly wait: Promise<void> | undefined;
}

export class MessageIntake {
  private readonly reader = new DataReader();
  private overflow = false;
  private queueGaveUp = false;

  constructor(
    private readonly job: QueueJob,
    header: string,
    private readonly databytes: number,
  ) {
    job.write(Buffer.from(header, 'latin1'));
  }

  get qp(): string {
    return this.job.qp;
  }

  /** Stored message bytes so far (without our Received line). */
  get size(): number {
    return this.reader.stored;
  }

  feed(chunk: Buffer): FeedResult {
    const step = this.reader.feed(chunk);
    if (this.databytes > 0 && this.reader.stored > this.databytes) this.overflow = true;
    if (step.output.length === 0 || !this.delivering()) return { step, wait: undefined };
    if (this.job.write(step.output)) return { step, wait: undefined };
    const wait = this.job.drained().then((ok) => {
      if (!ok) this.queueGaveUp = true;
    });
    return { step, wait };
  }

  async close(now: () => number): Promise<MessageVerdict> {
    const outcome: QueueOutcome = await this.job.close(this.delivering());
    if (outcome.kind === 'accepted') {
      return { reply: acceptedReply(Math.floor(now() / 1000), this.job.qp), accepted: true, reason: 'queueaccept', detail: '' };
    }
    if (this.reader.tooManyHops) return { reply: REPLY.tooManyHops, accepted: false, reason: 'message_loop', detail: '' };
    if (this.overflow) return { reply: REPLY.tooBig, accepted: false, reason: 'databytes_limit_exceeded', detail: '' };
    return {
      reply: queueReply(outcome.permanent, outcome.text),
      accepted: false,
      reason: outcome.permanent ? 'queuereject' : 'queue_delay',
      detail: outcome.text,
    };
  }

  /** The client vanished or broke the protocol: queue nothing. */
  abort(): void {
    this.job.abort();
  }

  private delivering(): boolean {
    return !this.overflow && !this.reader.tooManyHops && !this.queueGaveUp;
  }
}
