// Runs bin/qmail-smtpd under the real ucspi-tcp tcpserver on 127.0.0.1, the way the classic run
// script does (tcpserver -v -R -H -l NAME -x rules.cdb -c 10 127.0.0.1 PORT qmail-smtpd), with
// rules compiled by the real tcprules, a control directory and a fake qmail-queue built per
// test, and a clean environment (env -i: PATH, CONTROLDIR, QMAILQUEUE, FAKEQQ_* and what the
// test adds; never NODE_EXTRA_CA_CERTS or other variables of the test runner).
// Contract: startServer() resolves once tcpserver listens (its "status: 0/N" line follows
// listen()); stop() kills tcpserver's whole process group, sessions and queue programs included.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeQueue, type FakeQueue, type FakeQueueOptions } from './fake-queue.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const QMAIL_SMTPD = path.join(ROOT, 'bin/qmail-smtpd');

/** The control directory of the spec's transcripts (spec qmail-smtpd.md 3.3). */
export const DEFAULT_CONTROL: Readonly<Record<string, string>> = {
  me: 'mail.example.org\n',
  rcpthosts: 'example.org\n.example.net\n',
  badmailfrom: 'bad@example.com\n@spam.example\n',
  // A session a test forgot to close must not outlive the test run by qmail's 20 minutes.
  timeoutsmtpd: '30\n',
};

export interface ServerOptions {
  /** tcprules source text; default ":allow". */
  readonly rules?: string;
  /** Control files merged over DEFAULT_CONTROL; null removes one. */
  readonly control?: Readonly<Record<string, string | null>>;
  /** Options for the fake qmail-queue (FAKEQQ_*). */
  readonly fakeqq?: FakeQueueOptions;
  /** QMAILQUEUE; default the fake. */
  readonly queueProgram?: string;
  /** More environment for tcpserver (and so for every session). */
  readonly env?: Readonly<Record<string, string>>;
  /** tcpserver -l; default "mx.example". */
  readonly localName?: string;
  /** The program tcpserver runs; default bin/qmail-smtpd. */
  readonly program?: string;
}

export interface Server {
  readonly port: number;
  /** The per-test temporary directory (control/, rules.cdb, ...). */
  readonly dir: string;
  readonly controlDir: string;
  readonly queue: FakeQueue;
  /** Everything written on tcpserver's stderr so far: its -v lines and the sessions' log lines. */
  stderr(): string;
  /** Resolves with the first stderr line matching `re` (waiting for it, at most timeoutMs). */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** A port that was free a moment ago (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function writeControl(dir: string, control: Readonly<Record<string, string | null>>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(control)) {
    if (content !== null) fs.writeFileSync(path.join(dir, name), content, 'latin1');
  }
}

export function compileRules(dir: string, rules: string): string {
  const cdb = path.join(dir, 'rules.cdb');
  const r = spawnSync('tcprules', [cdb, path.join(dir, 'rules.tmp')], { input: rules, encoding: 'latin1' });
  if (r.status !== 0) throw new Error(`tcprules failed (${r.status}): ${r.stderr}`);
  return cdb;
}

export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-e2e-'));
  const controlDir = path.join(dir, 'control');
  writeControl(controlDir, { ...DEFAULT_CONTROL, ...opts.control });
  const cdb = compileRules(dir, opts.rules ?? ':allow\n');
  const queue = createFakeQueue();
  const env: Record<string, string> = {
    PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    CONTROLDIR: controlDir,
    QMAILQUEUE: opts.queueProgram ?? queue.program,
    ...queue.env(opts.fakeqq),
    ...opts.env,
  };
  const program = opts.program ?? QMAIL_SMTPD;
  const localName = opts.localName ?? 'mx.example';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = await launch(port, cdb, localName, program, env);
    if ('server' in started) {
      const { child, output } = started;
      return makeServer(child, output, port, dir, controlDir, queue);
    }
    if (!started.inUse || attempt >= 10) {
      queue.remove();
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`tcpserver did not start: ${started.stderr}`);
    }
  }
}

interface Output {
  text: string;
  waiters: Set<() => void>;
}

type Launch = { server: true; child: ChildProcess; output: Output } | { inUse: boolean; stderr: string };

function launch(port: number, cdb: string, localName: string, program: string, env: Record<string, string>): Promise<Launch> {
  const args = ['-v', '-R', '-H', '-l', localName, '-x', cdb, '-c', '10', '127.0.0.1', String(port), program];
  // detached: tcpserver leads a process group holding every session and queue program.
  const child = spawn('tcpserver', args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  live.add(child);
  const output: Output = { text: '', waiters: new Set() };
  child.stderr!.setEncoding('latin1');
  child.stderr!.on('data', (s: string) => {
    output.text += s;
    for (const w of [...output.waiters]) w();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      cleanup();
      killGroup(child, 'SIGKILL');
      live.delete(child);
      resolve({ inUse: false, stderr: `no status line after 5 s: ${output.text}` });
    }, 5000);
    const check = (): void => {
      if (/^tcpserver: status: 0\//m.test(output.text)) {
        cleanup();
        resolve({ server: true, child, output });
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      live.delete(child);
      resolve({ inUse: /address already used/.test(output.text), stderr: `exit ${code}: ${output.text}` });
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      output.waiters.delete(check);
      child.off('exit', onExit);
    };
    output.waiters.add(check);
    child.once('exit', onExit);
    child.once('error', () => onExit(null));
  });
}

function makeServer(child: ChildProcess, output: Output, port: number, dir: string, controlDir: string, queue: FakeQueue): Server {
  let stopped: Promise<void> | undefined;
  return {
    port,
    dir,
    controlDir,
    queue,
    stderr: () => output.text,
    waitForStderr(re, timeoutMs = 5000) {
      // Complete lines only: a line can arrive in two chunks.
      const find = (): string | undefined => output.text.split('\n').slice(0, -1).find((l) => re.test(l));
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = find();
          if (line === undefined) return;
          clearTimeout(timer);
          output.waiters.delete(check);
          resolve(line);
        };
        const timer = setTimeout(() => {
          output.waiters.delete(check);
          reject(new Error(`no stderr line matching ${re} within ${timeoutMs} ms; stderr was:\n${output.text}`));
        }, timeoutMs);
        output.waiters.add(check);
        check();
      });
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const done = (): void => {
          live.delete(child);
          queue.remove();
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) {
          killGroup(child, 'SIGKILL');
          done();
          return;
        }
        const force = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
        child.once('exit', () => {
          clearTimeout(force);
          killGroup(child, 'SIGKILL');
          done();
        });
        killGroup(child, 'SIGTERM');
      });
      return stopped;
    },
  };
}
