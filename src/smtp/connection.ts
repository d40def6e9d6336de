// The session driver: moves bytes between a connection and the Session. It frames command lines,
// feeds DATA to the MessageIntake, keeps replies in order and flushes them the way qmail does
// (at once after some commands, otherwise when it next waits for input: that is pipelining),
// applies timeoutsmtpd to every wait for the client, and follows backpressure both ways.
// Both doors end here: it never knows whether the bytes came from tcpserver or our listener.
// Contract: resolves once, with 0 after QUIT and 1 otherwise; never throws; a bug in the engine
// becomes a 421 for this session only.

import type { Readable, Writable } from 'node:stream';
import type { MessageIntake } from './message.js';
import { REPLY } from './replies.js';
import type { Session, Step } from './session.js';

export interface SessionIo {
  readonly input: Readable;
  readonly output: Writable;
}

export interface DriverOptions {
  /** Milliseconds of client silence (or of a stalled write) before giving up. */
  readonly timeoutMs: number;
  /** Longest command line kept; longer ones are discarded and answered 500. */
  readonly maxLineBytes: number;
  /** Called with the error of an engine bug (for the log). */
  readonly onBug: (err: unknown) => void;
  /** Aborted when the server shuts down: the session ends with 421 at its next command wait. */
  readonly signal?: AbortSignal;
}

/** Stop reading while this much unprocessed input is waiting. */
const INPUT_HIGH_WATER = 256 * 1024;
const LF = 10;

export function driveSession(io: SessionIo, session: Session, opts: DriverOptions): Promise<0 | 1> {
  return new Promise((resolve) => new Driver(io, session, opts, resolve).start());
}

class Driver {
  private pending: Buffer = Buffer.alloc(0);
  private replies: string[] = [];
  private intake: MessageIntake | undefined;
  private busy = false;
  private eof = false;
  private closed = false;
  private discarding = false;
  private waitingForDrain = false;
  private stopping = false;
  private outputBroken = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: SessionIo,
    private readonly session: Session,
    private readonly opts: DriverOptions,
    private readonly done: (code: 0 | 1) => void,
  ) {}

  start(): void {
    const { input, output } = this.io;
    this.timer = setTimeout(() => this.onTimer(), this.opts.timeoutMs);
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.onEof());
    input.on('error', () => this.onEof());
    input.on('close', () => this.onEof());
    // A failed write means the client is gone: no more replies, the session ends as at EOF.
    output.on('error', () => {
      this.outputBroken = true;
      this.onEof();
    });
    output.on('drain', () => {
      this.waitingForDrain = false;
      this.timer?.refresh();
      if (!this.busy && !this.closed) input.resume();
    });
    const signal = this.opts.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.stopping = true;
      else signal.addEventListener('abort', () => this.requestStop(), { once: true });
    }
    this.replies.push(this.session.greeting());
    this.flush();
    if (this.stopping) this.stopIfWaiting();
  }

  private requestStop(): void {
    this.stopping = true;
    if (!this.busy) this.stopIfWaiting();
  }

  /** Shutting down and waiting for a command (not in DATA): say 421 and close. */
  private stopIfWaiting(): boolean {
    if (!this.stopping || this.closed || this.intake !== undefined) return false;
    this.apply({ reply: REPLY.shuttingDown, end: 'fatal' });
    return true;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.timer?.refresh();
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.busy) {
      if (this.pending.length > INPUT_HIGH_WATER) this.io.input.pause();
      return;
    }
    void this.pump();
  }

  private onEof(): void {
    if (this.eof) return;
    this.eof = true;
    if (!this.busy) void this.pump();
  }

  private onTimer(): void {
    if (this.closed) return;
    if (this.busy) {
      this.timer?.refresh();
      return;
    }
    if (this.waitingForDrain) {
      this.finish(1, false);
      return;
    }
    const intake = this.intake;
    this.intake = undefined;
    this.apply(this.session.timedOut(intake));
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      while (!this.closed && (await this.step())) {
        /* keep going while there is input to act on */
      }
      if (this.closed) return;
      if (this.eof) {
        const intake = this.intake;
        this.intake = undefined;
        this.session.clientGone(intake);
        this.finish(1, true);
        return;
      }
      if (this.stopIfWaiting()) return;
      this.flush();
      this.timer?.refresh();
      if (!this.waitingForDrain) this.io.input.resume();
    } catch (err) {
      this.opts.onBug(err);
      this.intake?.abort();
      this.replies.push(REPLY.localProblem);
      this.finish(1, true);
    } finally {
      this.busy = false;
    }
  }

  /** Acts on the buffered input once; false when more input is needed. */
  private async step(): Promise<boolean> {
    if (this.pending.length === 0) return false;
    if (this.intake !== undefined) return this.stepData(this.intake);
    const lf = this.pending.indexOf(LF);
    if (this.discarding) {
      if (lf === -1) {
        this.pending = Buffer.alloc(0);
        return false;
      }
      this.pending = this.pending.subarray(lf + 1);
      this.discarding = false;
      this.apply(this.session.lineTooLong(this.opts.maxLineBytes));
      return true;
    }
    if (lf === -1) {
      if (this.pending.length > this.opts.maxLineBytes) {
        this.discarding = true;
        this.pending = Buffer.alloc(0);
      }
      return false;
    }
    if (lf > this.opts.maxLineBytes) {
      this.pending = this.pending.subarray(lf + 1);
      this.apply(this.session.lineTooLong(this.opts.maxLineBytes));
      return true;
    }
    const line = this.pending.toString('latin1', 0, lf);
    this.pending = this.pending.subarray(lf + 1);
    const result = this.session.command(line);
    this.apply(result instanceof Promise ? await result : result);
    return true;
  }

  private async stepData(intake: MessageIntake): Promise<boolean> {
    const { step, wait } = intake.feed(this.pending);
    this.pending = this.pending.subarray(step.consumed);
    if (step.strayLf) {
      this.intake = undefined;
      this.apply(this.session.strayLf(intake));
      return false;
    }
    if (wait !== undefined) {
      this.io.input.pause();
      await wait;
    }
    if (step.ended) {
      this.intake = undefined;
      this.apply(await this.session.dataEnded(intake));
    }
    return true;
  }

  private apply(step: Step): void {
    if (step.reply !== undefined) this.replies.push(step.reply);
    if (step.intake !== undefined) this.intake = step.intake;
    if (step.end !== undefined) this.finish(step.end === 'quit' ? 0 : 1, true);
    else if (step.flush) this.flush();
  }

  private flush(): void {
    if (this.outputBroken) this.replies = [];
    if (this.replies.length === 0 || this.closed) return;
    const text = `${this.replies.join('\r\n')}\r\n`;
    this.replies = [];
    if (!this.io.output.write(Buffer.from(text, 'latin1'))) {
      this.waitingForDrain = true;
      this.io.input.pause();
    }
  }

  private finish(code: 0 | 1, sendPending: boolean): void {
    if (this.closed) return;
    if (sendPending) this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    const { input, output } = this.io;
    if (this.intake !== undefined) this.intake.abort();
    output.end();
    if (input !== (output as unknown)) input.destroy();
    else input.resume();
    this.done(code);
  }
}
