// An in-memory Queue for engine tests: keeps every message and envelope, answers with the
// outcome of a chosen qmail-queue exit code (through the real exit-code table).
import { queueOutcome, type Envelope, type Queue, type QueueJob, type QueueOutcome, type QueueRequest } from '../../src/queue/index.js';
import { QueueStartError } from '../../src/queue/index.js';

export interface Stored {
  readonly envelope: Envelope;
  readonly message: Buffer;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export class MemoryQueue implements Queue {
  readonly stored: Stored[] = [];
  readonly dropped: Buffer[] = [];
  exitCode = 0;
  failStart = false;
  private pid = 1000;

  open(request: QueueRequest): Promise<QueueJob> {
    if (this.failStart) return Promise.reject(new QueueStartError('EAGAIN'));
    const chunks: Buffer[] = [];
    const qp = String(++this.pid);
    const close = (deliver: boolean): Promise<QueueOutcome> => {
      const message = Buffer.concat(chunks);
      if (!deliver) {
        this.dropped.push(message);
        return Promise.resolve(queueOutcome({ code: 54, wroteAll: false }));
      }
      const outcome = queueOutcome({ code: this.exitCode, wroteAll: true });
      if (outcome.kind === 'accepted') this.stored.push({ envelope: request.envelope, message, env: request.env });
      return Promise.resolve(outcome);
    };
    return Promise.resolve({
      qp,
      write: (b: Buffer) => {
        chunks.push(Buffer.from(b));
        return true;
      },
      drained: () => Promise.resolve(true),
      close,
      abort: () => {
        this.dropped.push(Buffer.concat(chunks));
      },
    });
  }
}
