// Starting and stopping the servers under test: a clean environment (only PATH and what each
// server needs: this machine's NODE_EXTRA_CA_CERTS alone adds ~100 ms to every Node start), the
// server's own process group and account (measure.ts), its output to a log file; stopping is
// SIGTERM to the group and every process in the account, then SIGKILL after a grace period.
// Loopback only: ports are picked free on 127.0.0.1. Never signals a process it did not start.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { ServerAccount } from './measure.js';

export const LOOPBACK = '127.0.0.1';
const STOP_GRACE_MS = 3000;
const GREETING_POLL_MS = 100;

/** PATH for every server: node's directory first, then the system's. */
export function cleanPath(): string {
  return [path.dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
}

export function cleanEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: cleanPath(), ...extra };
}

export interface Launched {
  readonly child: ChildProcess;
  /** Resolves with a description once the launched process has exited. */
  readonly exited: Promise<string>;
  /** The server's own way to stop (postfix stop); default SIGTERM to the launched process. */
  gracefulStop?: () => Promise<void>;
}

export function launch(
  account: ServerAccount,
  argv: readonly string[],
  opts: { env: Record<string, string>; cwd?: string; log: string },
): Launched {
  const wrapped = account.wrap(argv);
  const out = fs.openSync(opts.log, 'a');
  const child = spawn(wrapped[0]!, wrapped.slice(1), { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (child.pid !== undefined) account.setRoot(child.pid);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal !== null ? `killed by ${signal}` : `exited ${code}`));
    child.once('error', (err) => resolve(`could not start: ${err.message}`));
  });
  return { child, exited };
}

let namespaceWorks: boolean | undefined;

/** Whether `unshare -m` (a private mount namespace) works here; asked once. */
export function mountNamespaceWorks(): boolean {
  if (namespaceWorks === undefined) {
    try {
      execFileSync('unshare', ['-m', 'true'], { stdio: 'ignore' });
      namespaceWorks = true;
    } catch {
      namespaceWorks = false;
    }
  }
  return namespaceWorks;
}

/**
 * argv run in a private mount namespace where /etc/resolv.conf is a bind mount of `resolvConf`:
 * for resolvers that read nothing else. The machine's /etc/resolv.conf is never touched.
 */
export function withResolvConf(resolvConf: string, argv: readonly string[]): string[] {
  return ['unshare', '-m', '/bin/sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf, ...argv];
}

/** Runs a command to completion (set-up steps such as postfix check); rejects on failure. */
export function runStep(argv: readonly string[], opts: { env: Record<string, string>; log: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(opts.log, 'a');
    const child = spawn(argv[0]!, argv.slice(1), { env: opts.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code} (see ${opts.log})`))));
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitEmpty(account: ServerAccount, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && account.pids().length > 0) await sleep(50);
}

/**
 * Stops a launched server and everything in its account; true when nothing was left behind.
 * The server first stops itself (its parent reaps its children), then its process group and
 * every process in its account get SIGTERM, then SIGKILL.
 */
export async function stop(launched: Launched | undefined, account: ServerAccount): Promise<boolean> {
  const group = launched?.child.pid;
  if (launched?.gracefulStop !== undefined) await launched.gracefulStop().catch(() => undefined);
  else if (group !== undefined) signal(group, 'SIGTERM');
  await waitEmpty(account, STOP_GRACE_MS);
  if (group !== undefined) signal(-group, 'SIGTERM');
  for (const pid of account.pids()) signal(pid, 'SIGTERM');
  await waitEmpty(account, STOP_GRACE_MS / 3);
  if (group !== undefined) signal(-group, 'SIGKILL');
  for (const pid of account.pids()) signal(pid, 'SIGKILL');
  for (let i = 0; i < 20 && account.pids().length > 0; i++) await sleep(50);
  const clean = account.pids().length === 0;
  account.remove();
  return clean;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** One connection that reads the greeting and says QUIT; resolves with the greeting's code. */
function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    let text = '';
    const done = (code: number): void => {
      socket.destroy();
      resolve(code);
    };
    socket.setTimeout(5000, () => done(0));
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const last = /^(\d{3}) .*\r\n/m.exec(text);
      if (last === null) return;
      socket.end('QUIT\r\n');
      done(Number(last[1]));
    });
  });
}

/** Waits for a 220 greeting on the port; rejects when the server exits or time runs out. */
export async function waitForGreeting(port: number, launched: Launched, timeoutMs: number): Promise<void> {
  let exited: string | undefined;
  void launched.exited.then((how) => {
    exited = how;
  });
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`server ${exited} before greeting`);
    last = await probe(port);
    if (last === 220) return;
    await sleep(GREETING_POLL_MS);
  }
  throw new Error(`no 220 greeting on port ${port} within ${timeoutMs / 1000} s (last reply ${last || 'none'})`);
}
