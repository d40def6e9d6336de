// The built-in spool: a stand-in for qmail-queue for the embedded default and for trying qfront
// out. Each accepted message becomes one file DIR/new/<inode>: "X-Envelope-From: <sender>" and
// one "X-Envelope-To: <recipient>" per recipient (xtext, RFC 3461, for bytes outside 0x21-0x7E,
// '+' and '='), then the message exactly as qmail-queue would read it. Written in DIR/tmp,
// fsync'ed, then linked into DIR/new, so a file in new/ is always complete. qp = the inode.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Envelope } from './envelope.js';
import { QQ, type QueueOutcome } from './exit-codes.js';
import type { Queue, QueueJob, QueueRequest } from './types.js';
import { QueueStartError } from './types.js';

const WRITE_ERROR: QueueOutcome = { kind: 'failed', permanent: false, text: 'qq write error or disk full (#4.3.0)' };

/** RFC 3461 xtext: '+' and '=' and bytes outside 0x21-0x7E as "+HH". */
export function xtext(s: string): string {
  return s.replace(/[^\x21-\x2a\x2c-\x3c\x3e-\x7e]/g, (c) => `+${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Inverse of xtext(). */
export function unxtext(s: string): string {
  return s.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

export function spoolHeader(envelope: Envelope): string {
  let s = `X-Envelope-From: <${xtext(envelope.sender)}>\n`;
  for (const r of envelope.recipients) s += `X-Envelope-To: <${xtext(r)}>\n`;
  return s;
}

export class Spool implements Queue {
  private seq = 0;

  constructor(readonly dir: string) {}

  /** Creates DIR/tmp and DIR/new; owner is set when the listener will drop privileges. */
  static prepare(dir: string, owner?: { uid: number; gid: number }): Spool {
    // Parents may be created on the way; they must stay traversable for the session user.
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const sub of ['', 'tmp', 'new']) {
      const p = path.join(dir, sub);
      fs.mkdirSync(p, { recursive: true });
      fs.chmodSync(p, 0o750);
      if (owner !== undefined) fs.chownSync(p, owner.uid, owner.gid);
    }
    return new Spool(dir);
  }

  open(request: QueueRequest): Promise<QueueJob> {
    const name = `${Date.now()}.${process.pid}.${++this.seq}`;
    const tmp = path.join(this.dir, 'tmp', name);
    try {
      const fd = fs.openSync(tmp, 'wx', 0o640);
      const ino = fs.fstatSync(fd).ino;
      const stream = fs.createWriteStream('', { fd, autoClose: false });
      stream.write(spoolHeader(request.envelope), 'latin1');
      return Promise.resolve(new SpoolJob(this.dir, tmp, String(ino), fd, stream));
    } catch (err) {
      return Promise.reject(new QueueStartError(`spool: ${(err as NodeJS.ErrnoException).code ?? String(err)}`));
    }
  }
}

class SpoolJob implements QueueJob {
  private failed = false;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly tmp: string,
    readonly qp: string,
    private readonly fd: number,
    private readonly stream: fs.WriteStream,
  ) {
    stream.on('error', () => {
      this.failed = true;
    });
  }

  write(bytes: Buffer): boolean {
    return this.failed ? true : this.stream.write(bytes);
  }

  drained(): Promise<boolean> {
    if (!this.stream.writableNeedDrain || this.failed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve(true);
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }

  async close(deliver: boolean): Promise<QueueOutcome> {
    if (!deliver || this.failed) {
      this.discard();
      return QQ.readError;
    }
    try {
      await new Promise<void>((resolve, reject) => {
        this.stream.once('error', reject);
        this.stream.end(resolve);
      });
      await promisify(fs.fsync)(this.fd);
      this.closed = true;
      await promisify(fs.close)(this.fd);
      await this.link();
      await fs.promises.unlink(this.tmp);
      return { kind: 'accepted' };
    } catch {
      this.discard();
      return WRITE_ERROR;
    }
  }

  abort(): void {
    this.discard();
  }

  private async link(): Promise<void> {
    const target = path.join(this.dir, 'new', this.qp);
    try {
      await fs.promises.link(this.tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await fs.promises.link(this.tmp, `${target}.${Date.now()}`);
    }
  }

  private discard(): void {
    this.stream.destroy();
    if (!this.closed) {
      this.closed = true;
      fs.close(this.fd, () => {});
    }
    fs.rm(this.tmp, { force: true }, () => {});
  }
}
