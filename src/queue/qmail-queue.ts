// The qmail-queue client (qmail.c): starts $QMAILQUEUE or $QMAILHOME/bin/qmail-queue with the
// message on fd 0, the envelope on fd 1 and the custom-error pipe on fd 4 ($ERROR_FD), in the
// session's environment. Contract: open() fails only where qmail answers "451 qqt failure";
// an exec failure surfaces later as exit 120; close() always settles, via the exit table, a
// crash, or our timeout (the program is then killed). Never reports success without exit 0.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { envelopeBytes } from './envelope.js';
import { QQ, queueOutcome, type QueueOutcome } from './exit-codes.js';
import type { Queue, QueueJob, QueueRequest } from './types.js';
import { QueueStartError } from './types.js';

/** Errors that mean "the program could not be executed": qmail sees these as exit 120. */
const EXEC_FAILURES = new Set(['ENOENT', 'EACCES', 'ENOEXEC', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG', 'EPERM']);
/** How long to wait for the custom-error pipe to drain after the program exits. */
const ERROR_PIPE_GRACE_MS = 200;
const DEFAULT_ERROR_FD = 4;
const MAX_ERROR_FD = 9;
const MAX_CUSTOM_ERROR_BYTES = 1024;

export interface QmailQueueOptions {
  /** Seconds to wait for the program to take data or to exit before killing it. */
  readonly timeoutSeconds: number;
  /** Working directory for the program (QMAILHOME), if it exists. */
  readonly cwd?: string;
}

/** The program qmail-smtpd would run: $QMAILQUEUE (even empty) or $QMAILHOME/bin/qmail-queue. */
export function queueProgram(env: Readonly<Record<string, string | undefined>>): string {
  if (env.QMAILQUEUE !== undefined) return env.QMAILQUEUE;
  return `${env.QMAILHOME ?? '/var/qmail'}/bin/qmail-queue`;
}

/** The descriptor of the custom-error pipe: $ERROR_FD when 3..9, else 4. */
export function errorFd(env: Readonly<Record<string, string | undefined>>): number {
  const n = Number.parseInt(env.ERROR_FD ?? '', 10);
  return n >= 3 && n <= MAX_ERROR_FD ? n : DEFAULT_ERROR_FD;
}

function cleanEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export class QmailQueue implements Queue {
  constructor(private readonly options: QmailQueueOptions) {}

  open(request: QueueRequest): Promise<QueueJob> {
    const program = queueProgram(request.env);
    const fd = errorFd(request.env);
    const stdio: ('pipe' | 'inherit' | 'ignore')[] = ['pipe', 'pipe', 'inherit'];
    while (stdio.length < fd) stdio.push('ignore');
    stdio.push('pipe');
    let child: ChildProcess;
    try {
      child = spawn(program, [], { cwd: this.options.cwd, env: cleanEnv(request.env), stdio });
    } catch (err) {
      return Promise.reject(new QueueStartError((err as NodeJS.ErrnoException).code ?? 'spawn failed'));
    }
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(new QmailQueueJob(child, fd, request, this.options.timeoutSeconds)));
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) return; // a later error: the job handles it
        if (EXEC_FAILURES.has(err.code ?? '')) resolve(new UnstartedJob());
        else reject(new QueueStartError(err.code ?? err.message));
      });
    });
  }
}

/** The program could not be executed: swallow the message, answer as qmail does for exit 120. */
class UnstartedJob implements QueueJob {
  readonly qp = '';
  write(): boolean {
    return true;
  }
  drained(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<QueueOutcome> {
    return Promise.resolve(QQ.cannotExec);
  }
  abort(): void {}
}

/**
 * True once everything written to the pipe reached the kernel; false when the pipe was destroyed
 * first (the program exited or crashed before taking it all).
 */
function flushed(pipe: Writable): Promise<boolean> {
  if (pipe.writableFinished) return Promise.resolve(true);
  if (pipe.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    pipe.once('finish', () => resolve(true));
    pipe.once('close', () => resolve(pipe.writableFinished));
    pipe.once('error', () => resolve(false));
  });
}

class QmailQueueJob implements QueueJob {
  readonly qp: string;
  private readonly message: Writable;
  private readonly envelopePipe: Writable;
  private readonly errorPipe: Readable | undefined;
  private readonly customError: Buffer[] = [];
  private customBytes = 0;
  private writeFailed = false;
  private readonly exited: Promise<number | null>;
  private killTimer: NodeJS.Timeout | undefined;
  private timedOut = false;

  constructor(
    private readonly child: ChildProcess,
    errorFdNumber: number,
    private readonly request: QueueRequest,
    private readonly timeoutSeconds: number,
  ) {
    this.qp = String(child.pid);
    this.message = child.stdio[0] as Writable;
    this.envelopePipe = child.stdio[1] as unknown as Writable;
    this.errorPipe = child.stdio[errorFdNumber] as Readable | undefined;
    const onWriteError = (): void => {
      this.writeFailed = true;
    };
    this.message.on('error', onWriteError);
    this.envelopePipe.on('error', onWriteError);
    // The program may write on fd 1; nobody reads it, but errors must not go unhandled.
    (child.stdio[1] as unknown as Readable).on('error', onWriteError);
    this.errorPipe?.on('data', (b: Buffer) => {
      if (this.customBytes < MAX_CUSTOM_ERROR_BYTES) {
        this.customError.push(b);
        this.customBytes += b.length;
      }
    });
    this.errorPipe?.on('error', () => {});
    child.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
    });
  }

  write(bytes: Buffer): boolean {
    if (this.writeFailed) return true;
    // Node destroys a child's pipes silently when it exits: bytes written then are lost.
    if (this.message.destroyed || this.message.writableEnded) {
      this.writeFailed = true;
      return true;
    }
    return this.message.write(bytes);
  }

  drained(): Promise<boolean> {
    if (!this.message.writableNeedDrain || this.writeFailed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), this.timeoutSeconds * 1000);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.message.off('drain', onDrain);
        this.message.off('close', onClose);
        if (!ok) this.kill(true);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(true);
      this.message.on('drain', onDrain);
      this.message.on('close', onClose);
    });
  }

  async close(deliver: boolean): Promise<QueueOutcome> {
    this.message.end();
    if (deliver && !this.writeFailed) this.envelopePipe.end(envelopeBytes(this.request.envelope));
    else this.envelopePipe.end();
    this.killTimer = setTimeout(() => this.kill(true), this.timeoutSeconds * 1000);
    const [code, messageOk, envelopeOk] = await Promise.all([this.exited, flushed(this.message), flushed(this.envelopePipe)]);
    clearTimeout(this.killTimer);
    if (this.timedOut) return QQ.timeout;
    await this.errorPipeEnded();
    const customError = this.customBytes > 0 ? Buffer.concat(this.customError) : undefined;
    const wroteAll = deliver && !this.writeFailed && messageOk && envelopeOk;
    return queueOutcome({ code, wroteAll, customError });
  }

  abort(): void {
    this.message.destroy();
    this.envelopePipe.destroy();
    // A program that ignores EOF is killed after the timeout instead of lingering.
    this.killTimer = setTimeout(() => this.kill(false), this.timeoutSeconds * 1000);
    this.killTimer.unref();
    this.exited.then(() => clearTimeout(this.killTimer));
  }

  private kill(timedOut: boolean): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.timedOut = timedOut;
    this.child.kill('SIGKILL');
  }

  private errorPipeEnded(): Promise<void> {
    const pipe = this.errorPipe;
    if (pipe === undefined || pipe.readableEnded || pipe.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ERROR_PIPE_GRACE_MS);
      pipe.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
