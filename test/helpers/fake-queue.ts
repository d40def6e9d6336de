// The test side of test/fixtures/fake-qmail-queue: a temporary FAKEQQ_DIR and readers for what
// the fake stored (exact message and envelope bytes, the environment it ran with). Contract:
// only complete deliveries (envelope ending in NUL NUL) appear in messages(); a DATA that was
// aborted leaves a pid in aborted(). Never deletes anything but its own temporary directory.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/fake-qmail-queue in the source tree (this file runs from dist/test/helpers). */
export const FAKE_QMAIL_QUEUE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/fixtures/fake-qmail-queue',
);

export interface StoredMessage {
  /** The fake's process id: the "qp" number of qmail-smtpd's "250 ok ... qp N". */
  readonly pid: number;
  /** Everything read on fd 0: Received line(s) plus the message, LF line ends. */
  readonly message: Buffer;
  /** Everything read on fd 1: "F" sender NUL ("T" recipient NUL)* NUL. */
  readonly envelope: Buffer;
  /** The program's environment. */
  readonly environ: Record<string, string>;
}

export interface FakeQueue {
  readonly dir: string;
  /** The program to put in QMAILQUEUE. */
  readonly program: string;
  /** Environment for the fake: FAKEQQ_DIR plus the given options (FAKEQQ_EXIT, ...). */
  env(options?: FakeQueueOptions): Record<string, string>;
  /** Every complete delivery so far, oldest first. */
  messages(): StoredMessage[];
  /** The one stored with this pid (the qp of a 250 reply); throws when there is none. */
  message(pid: number | string): StoredMessage;
  /** Pids of runs that saw an incomplete envelope and kept nothing. */
  aborted(): number[];
  /** Pids of FAKEQQ_NOREAD runs (they exit right after creating the file). */
  noRead(): number[];
  /** Waits until `count` runs have finished (stored or aborted), at most timeoutMs. */
  waitForRuns(count: number, timeoutMs?: number): Promise<void>;
  remove(): void;
}

export interface FakeQueueOptions {
  /** Exit status, or words for successive runs ("31 0", "crash 0"); the last repeats. */
  readonly exit?: string | number;
  readonly sleep?: number;
  readonly crash?: boolean;
  readonly errText?: string;
  readonly noRead?: boolean;
}

/** Parses `env` output; a value with a newline continues on the next line. */
export function parseEnviron(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, eq))) {
      last = line.slice(0, eq);
      out[last] = line.slice(eq + 1);
    } else if (last !== undefined && line !== '') {
      out[last] += `\n${line}`;
    }
  }
  return out;
}

/** Splits envelope bytes as qmail-queue reads them: ["Fs@x", "Ta@y", ...] (the final NUL dropped). */
export function envelopeParts(envelope: Buffer): string[] {
  const text = envelope.toString('latin1');
  if (!text.endsWith('\0\0')) throw new Error(`incomplete envelope: ${JSON.stringify(text)}`);
  return text.slice(0, -2).split('\0');
}

export function createFakeQueue(): FakeQueue {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fakeqq-'));
  const pidsWith = (suffix: string): number[] =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix) && !f.startsWith('.'))
      .map((f) => Number(f.slice(0, -suffix.length)))
      .sort((a, b) => mtime(a, suffix) - mtime(b, suffix) || a - b);
  const mtime = (pid: number, suffix: string): number => fs.statSync(path.join(dir, `${pid}${suffix}`)).mtimeMs;
  const read = (pid: number): StoredMessage => ({
    pid,
    message: fs.readFileSync(path.join(dir, `${pid}.msg`)),
    envelope: fs.readFileSync(path.join(dir, `${pid}.env`)),
    environ: parseEnviron(fs.readFileSync(path.join(dir, `${pid}.environ`), 'latin1')),
  });
  return {
    dir,
    program: FAKE_QMAIL_QUEUE,
    env(options = {}) {
      const e: Record<string, string> = { FAKEQQ_DIR: dir };
      if (options.exit !== undefined) e.FAKEQQ_EXIT = String(options.exit);
      if (options.sleep !== undefined) e.FAKEQQ_SLEEP = String(options.sleep);
      if (options.crash) e.FAKEQQ_CRASH = '1';
      if (options.errText !== undefined) e.FAKEQQ_ERRTEXT = options.errText;
      if (options.noRead) e.FAKEQQ_NOREAD = '1';
      return e;
    },
    messages: () => pidsWith('.msg').map(read),
    message(pid) {
      const n = Number(pid);
      if (!fs.existsSync(path.join(dir, `${n}.msg`))) {
        throw new Error(`fake qmail-queue stored nothing with pid ${n} (have: ${pidsWith('.msg').join(', ') || 'none'})`);
      }
      return read(n);
    },
    aborted: () => pidsWith('.aborted'),
    noRead: () => pidsWith('.noread'),
    async waitForRuns(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const runs = pidsWith('.msg').length + pidsWith('.aborted').length;
        if (runs >= count) return;
        if (Date.now() > deadline) throw new Error(`fake qmail-queue: ${runs} of ${count} runs finished after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
