// qmail-queue for the listener, through queue-spawner: the message is written to a private
// temporary file while it arrives, the envelope beside it, and at the end of DATA the helper
// starts the program with the two files as fd 0 and fd 1 (qmail-queue reads both to EOF, so a
// file serves as well as a pipe). Same exit table, timeout and custom-error text as QmailQueue.
// Contract: accepted only on exit 0 after both files were written whole; temporary files never
// outlive the run (the helper unlinks them once opened; we unlink them on every other path).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { envelopeBytes } from './envelope.js';
import { QQ, queueOutcome, type QueueOutcome } from './exit-codes.js';
import { errorFd, queueProgram, type QmailQueueOptions } from './qmail-queue.js';
import { Spawner, type RunEnd } from './spawner.js';
import type { Queue, QueueJob, QueueRequest } from './types.js';
import { QueueStartError } from './types.js';

/** qmail-queue's "write error or disk full": what a failed write of our own file amounts to. */
const WRITE_FAILED_CODE = 53;
/** Files in memory when possible: they live for a few milliseconds and must not cost disk I/O. */
const MEMORY_TMP = '/dev/shm';

function tmpBase(env: Readonly<Record<string, string | undefined>>): string {
  if (env.QFRONT_TMPDIR) return env.QFRONT_TMPDIR;
  try {
    fs.accessSync(MEMORY_TMP, fs.constants.W_OK);
    return MEMORY_TMP;
  } catch {
    return os.tmpdir();
  }
}

export class SpawnerQueue implements Queue {
  private readonly spawner = new Spawner();
  private dir: string | undefined;
  private seq = 0;

  constructor(private readonly options: QmailQueueOptions) {}

  open(request: QueueRequest): Promise<QueueJob> {
    try {
      const base = path.join(this.workDir(request.env), String(++this.seq));
      const fd = fs.openSync(base, 'wx', 0o600);
      return Promise.resolve(new SpawnedJob(this.spawner, request, base, fd, this.options));
    } catch (err) {
      return Promise.reject(new QueueStartError((err as NodeJS.ErrnoException).code ?? 'open failed'));
    }
  }

  /** A private directory, made on first use (after the listener dropped root), removed at exit. */
  private workDir(env: Readonly<Record<string, string | undefined>>): string {
    if (this.dir !== undefined) return this.dir;
    const dir = fs.mkdtempSync(path.join(tmpBase(env), 'qfront-qq-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    this.dir = dir;
    return dir;
  }
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone: the helper took it
  }
}

class SpawnedJob implements QueueJob {
  private pid = '';
  private fd: number | undefined;
  private writeFailed = false;

  constructor(
    private readonly spawner: Spawner,
    private readonly request: QueueRequest,
    private readonly base: string,
    fd: number,
    private readonly options: QmailQueueOptions,
  ) {
    this.fd = fd;
  }

  get qp(): string {
    return this.pid;
  }

  /** Synchronous on purpose: a write to a fresh temporary file only copies into the page cache. */
  write(bytes: Buffer): boolean {
    if (this.fd === undefined || this.writeFailed) return true;
    try {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off);
    } catch {
      this.writeFailed = true;
    }
    return true;
  }

  drained(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async close(deliver: boolean): Promise<QueueOutcome> {
    this.closeFile();
    const envelopeFile = `${this.base}.e`;
    if (!deliver || this.writeFailed) {
      unlinkQuietly(this.base);
      return deliver ? queueOutcome({ code: WRITE_FAILED_CODE, wroteAll: false }) : QQ.readError;
    }
    try {
      fs.writeFileSync(envelopeFile, envelopeBytes(this.request.envelope), { flag: 'wx', mode: 0o600 });
    } catch {
      unlinkQuietly(this.base);
      return queueOutcome({ code: WRITE_FAILED_CODE, wroteAll: false });
    }
    const { id, ended } = this.spawner.run(
      {
        program: queueProgram(this.request.env),
        cwd: this.options.cwd,
        messageFile: this.base,
        envelopeFile,
        errorFd: errorFd(this.request.env),
        env: this.request.env,
      },
      (pid) => {
        this.pid = String(pid);
      },
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.spawner.kill(id);
    }, this.options.timeoutSeconds * 1000);
    const end = await ended;
    clearTimeout(timer);
    if (timedOut && end.kind !== 'exit') return QQ.timeout;
    return outcomeOf(end, this.base, envelopeFile);
  }

  abort(): void {
    this.closeFile();
    unlinkQuietly(this.base);
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      this.writeFailed = true;
    }
    this.fd = undefined;
  }
}

function outcomeOf(end: RunEnd, messageFile: string, envelopeFile: string): QueueOutcome {
  switch (end.kind) {
    case 'exit':
      return queueOutcome({ code: end.code, wroteAll: end.readAll, customError: end.customError });
    case 'signal':
      return queueOutcome({ code: null, wroteAll: end.readAll, customError: end.customError });
    case 'not-started':
      unlinkQuietly(messageFile);
      unlinkQuietly(envelopeFile);
      unlinkQuietly(`${envelopeFile}.err`);
      return QQ.startFailed;
    case 'lost':
      return QQ.waitSurprise;
  }
}
