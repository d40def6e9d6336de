// Memory of the listener (issue 5, item 5): `bin/qfront serve` on 127.0.0.1 in a clean
// environment with a qmail-queue that reads and discards; prints its VmRSS (a) after a warm-up,
// (b) holding 1 000 idle connections (and so the RSS per idle connection), (c) at its peak while
// 200 sessions deliver at once, and (d) after every 10 000 of a 100 000-message run (20
// sessions), with the growth from the first to the last tenth. Exit 1 when that growth exceeds
// 16 MiB (a leak of 160 bytes a message would show). Not a timed test: a report.
// Usage: scripts/bench-memory [--messages 100000] [--idle 1000] [--peak-sessions 200]

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AS_ROOT } from '../test/helpers/listener.js';
import { rssKiB, sinkQueue } from '../test/helpers/leak.js';
import { freePort } from '../test/helpers/tcpserver.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    idle: { type: 'string', default: '1000' },
    'peak-sessions': { type: 'string', default: '200' },
  },
});
const messages = Number(values.messages);
const idle = Number(values.idle);
const peakSessions = Number(values['peak-sessions']);
const GROWTH_LIMIT_KIB = 16 * 1024;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = (name: string): string => path.join(ROOT, 'dist/scripts', name);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs one of our scripts to its end; resolves with its stdout. */
function run(name: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [script(name), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    c.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${name} exited ${code}`))));
  });
}

const sink = sinkQueue();
const port = await freePort();
const server: ChildProcess = spawn(
  process.execPath,
  [path.join(ROOT, 'bin/qfront'), 'serve', '--listen', `127.0.0.1:${port}`, '--control', path.join(ROOT, 'control'),
    '--concurrency', String(Math.max(idle, peakSessions) + 100), ...(AS_ROOT ? ['--user', 'nobody', '--group', 'nogroup'] : [])],
  { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', QMAILQUEUE: sink.program }, stdio: ['ignore', 'ignore', 'pipe'] },
);
await new Promise<void>((resolve, reject) => {
  let text = '';
  server.stderr!.setEncoding('latin1').on('data', (s: string) => {
    if (text.length < 4096) text += s;
    if (/^qfront: listening on /m.test(text)) resolve();
  });
  server.once('exit', (code) => reject(new Error(`qfront serve exited ${code}: ${text}`)));
});
const pid = server.pid!;
const load = (n: number, sessions: number): Promise<string> =>
  run('load.js', ['--port', String(port), '--messages', String(n), '--sessions', String(sessions), '--to', 'postmaster@example.org']);

try {
  console.log(`qfront serve (pid ${pid}), clean environment, qmail-queue = read and discard`);
  console.log(`started                        VmRSS ${rssKiB(pid)} KiB`);
  await load(2000, 20);
  await sleep(500);
  const base = rssKiB(pid);
  console.log(`after 2 000 messages (warm)    VmRSS ${base} KiB`);

  const holding = spawn(process.execPath, [script('hold-connections.js'), '--port', String(port), '--count', String(idle), '--hold', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => holding.stdout!.setEncoding('utf8').on('data', (s: string) => (/holding \d+ open/.test(s) ? resolve() : undefined)));
  await sleep(1000);
  const held = rssKiB(pid);
  console.log(`holding ${idle} idle connections VmRSS ${held} KiB: ${(((held - base) * 1024) / idle / 1024).toFixed(1)} KiB per idle connection`);
  holding.kill('SIGTERM');
  await new Promise((r) => holding.once('exit', r));
  await sleep(1000);

  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 50);
  const peakRun = await load(10 * peakSessions, peakSessions);
  clearInterval(sampler);
  console.log(`${peakSessions} sessions at once: peak VmRSS ${peak} KiB (${peakRun})`);

  const tenth = Math.max(1, Math.floor(messages / 10));
  const marks: number[] = [];
  const t0 = Date.now();
  for (let done = 0; done < messages; done += tenth) {
    await load(tenth, 20);
    marks.push(rssKiB(pid));
    console.log(`after ${String(done + tenth).padStart(7)} messages          VmRSS ${marks.at(-1)} KiB  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const growth = marks.at(-1)! - marks[0]!;
  console.log(`growth from the first tenth to the end: ${growth} KiB (limit ${GROWTH_LIMIT_KIB} KiB)`);
  console.log(`fds open at the end: ${fs.readdirSync(`/proc/${pid}/fd`).length}`);
  process.exitCode = growth > GROWTH_LIMIT_KIB ? 1 : 0;
} finally {
  server.kill('SIGKILL');
  sink.remove();
}
