// The listener's leak check (issue 6, item 3): starts `bin/qfront serve` on 127.0.0.1 with a
// qmail-queue that reads and discards (sinkQueue in test/helpers/leak.ts), warms it up, runs N short sessions of the mix in
// test/helpers/leak.ts (QUIT, HTTP junk then EOF, reset mid-DATA, over-long line, bare LF, a
// delivered message), and prints the listener's open fds and VmRSS before, every 2 000
// sessions, and after the sockets have closed. Exit 1 when fds did not come back or RSS grew more
// than 20 KiB per session. Usage: scripts/leak-check [--sessions 10000] [--parallel 10]

import { startDoor } from '../test/helpers/doors.js';
import { fdCount, rssKiB, runSessions, sinkQueue } from '../test/helpers/leak.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const total = arg('sessions', 10000);
const parallel = arg('parallel', 10);
const warmup = 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const sink = sinkQueue();
const door = await startDoor('listener', { timeoutsmtpd: '5\n' }, { QMAILQUEUE: sink.program, ...(process.env.LEAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.LEAK_NODE_OPTIONS } : {}) });
const pid = door.pid!;
try {
  const at = (label: string): { fds: number; rss: number } => {
    const s = { fds: fdCount(pid), rss: rssKiB(pid) };
    console.log(`${label.padEnd(28)} fds ${String(s.fds).padStart(4)}   VmRSS ${String(s.rss).padStart(7)} KiB`);
    return s;
  };
  at('started');
  await runSessions(door.port, warmup, parallel);
  await sleep(500);
  const before = at(`after ${warmup} warm-up sessions`);
  const started = Date.now();
  for (let done = 0; done < total; ) {
    const n = Math.min(2000, total - done);
    await runSessions(door.port, n, parallel, warmup + done);
    done += n;
    at(`after ${done} sessions`);
  }
  const took = Date.now() - started;
  const deadline = Date.now() + 10000;
  while (fdCount(pid) > before.fds && Date.now() < deadline) await sleep(100);
  await sleep(1000);
  const after = at('settled (sockets closed)');
  const queued = door.stderr().split('\n').filter((l) => l.startsWith('qlogreceived: result=accepted ')).length;
  console.log(`${total} sessions in ${(took / 1000).toFixed(1)} s (${Math.round((total * 1000) / took)}/s, ${parallel} at a time); messages queued: ${queued}`);
  console.log(`fds ${before.fds} -> ${after.fds} (${after.fds - before.fds >= 0 ? '+' : ''}${after.fds - before.fds}); VmRSS ${before.rss} -> ${after.rss} KiB (${after.rss - before.rss >= 0 ? '+' : ''}${after.rss - before.rss} KiB, ${((after.rss - before.rss) / total).toFixed(2)} KiB/session)`);
  const ok = after.fds <= before.fds + 2 && after.rss - before.rss <= total * 20;
  console.log(ok ? 'leak check: ok' : 'leak check: FAILED');
  process.exitCode = ok ? 0 : 1;
} finally {
  await door.stop();
  sink.remove();
}
