// Runs the real `bin/qfront serve` (the listener door) on 127.0.0.1 or ::1 for end-to-end tests:
// rules compiled by the real tcprules, a control directory and the fake qmail-queue built per
// test, a clean environment (no NODE_EXTRA_CA_CERTS), and `--user nobody` when the tests run as
// root (the listener refuses to run sessions as root), so test directories are opened up for
// that user. Resolves once the daemon logs "qfront: listening"; stop() ends it.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeQueue, type FakeQueue, type FakeQueueOptions } from './fake-queue.js';
import { compileRules, DEFAULT_CONTROL, freePort, writeControl } from './tcpserver.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const QFRONT = path.join(ROOT, 'bin/qfront');
export const AS_ROOT = process.getuid?.() === 0;

export interface ListenerOptions {
  readonly rules?: string;
  readonly control?: Readonly<Record<string, string | null>>;
  readonly fakeqq?: FakeQueueOptions;
  /** Use the built-in spool (no QMAILQUEUE) in this directory. */
  readonly spool?: boolean;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Listen on ::1 instead of 127.0.0.1. */
  readonly ipv6?: boolean;
}

export interface Listener {
  readonly port: number;
  readonly host: string;
  readonly dir: string;
  readonly controlDir: string;
  readonly rulesFile: string;
  readonly spoolDir: string;
  readonly queue: FakeQueue;
  readonly child: ChildProcess;
  stderr(): string;
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process has ended. */
  exited(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Makes a path readable and writable for the session user (tests run as root). */
function openUp(p: string): void {
  if (AS_ROOT) fs.chmodSync(p, 0o777);
}

export async function startListener(opts: ListenerOptions = {}): Promise<Listener> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-listener-'));
  openUp(dir);
  const controlDir = path.join(dir, 'control');
  writeControl(controlDir, { ...DEFAULT_CONTROL, ...opts.control });
  openUp(controlDir);
  const rulesFile = compileRules(dir, opts.rules ?? ':allow\n');
  const queue = createFakeQueue();
  openUp(queue.dir);
  const spoolDir = path.join(dir, 'spool');
  const port = await freePort();
  const host = opts.ipv6 ? '::1' : '127.0.0.1';
  const args = [
    'serve',
    '--listen', opts.ipv6 ? `[::1]:${port}` : `127.0.0.1:${port}`,
    '--rules', rulesFile,
    '--control', controlDir,
    '--local-host', 'mx.example',
    ...(opts.spool ? ['--spool', spoolDir] : []),
    ...(AS_ROOT ? ['--user', 'nobody', '--group', 'nogroup'] : []),
    ...(opts.args ?? []),
  ];
  const env: Record<string, string> = {
    PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    ...(opts.spool ? {} : { QMAILQUEUE: queue.program }),
    ...queue.env(opts.fakeqq),
    ...opts.env,
  };
  const child = spawn(process.execPath, [QFRONT, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  child.stderr!.setEncoding('latin1');
  child.stderr!.on('data', (s: string) => {
    text += s;
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForStderr = (re: RegExp, timeoutMs = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = text.split('\n').find((l) => re.test(l));
        if (line !== undefined) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(line);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no stderr line matching ${re} within ${timeoutMs} ms; got:\n${text}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  await Promise.race([
    waitForStderr(/^qfront: listening on /, 10000),
    exit.then((code) => {
      throw new Error(`qfront serve exited ${code}: ${text}`);
    }),
  ]);
  return {
    port,
    host,
    dir,
    controlDir,
    rulesFile,
    spoolDir,
    queue,
    child,
    stderr: () => text,
    waitForStderr,
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exit;
      }
      queue.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
