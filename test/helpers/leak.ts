// Resource checks for the listener: its open file descriptors and resident memory (from /proc),
// and a mix of short sessions that touches every way a session can end (QUIT, EOF after junk, a
// reset mid-DATA, an over-long line, a bare LF in DATA, a delivered message). Used by
// test/e2e/abuse.test.ts (2 000 sessions) and scripts/leak-check (10 000).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SmtpClient } from './smtp-client.js';

/**
 * A qmail-queue that reads the message and the envelope, keeps nothing and exits 0: the fake
 * qmail-queue's run counter costs one mkdir per earlier run, too slow for thousands of messages.
 * Returns the program's path (in its own temporary directory, made world-readable for the
 * listener's session user) and a function that removes it.
 */
export function sinkQueue(): { program: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sinkqq-'));
  fs.chmodSync(dir, 0o755);
  const program = path.join(dir, 'qmail-queue');
  fs.writeFileSync(program, '#!/bin/sh\ncat > /dev/null && cat <&1 > /dev/null\n', { mode: 0o755 });
  return { program, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function fdCount(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** Session `i` of the mix (i % 10 picks the kind; one in ten delivers, one in ten hits a bare LF). */
export async function shortSession(port: number, i: number): Promise<void> {
  const c = await SmtpClient.connect(port);
  try {
    await c.reply();
    switch (i % 10) {
      case 1:
      case 6:
        c.send('GET / HTTP/1.1\r\n\r\n');
        await c.reply();
        await c.reply();
        c.end();
        await c.waitClose();
        break;
      case 2:
        c.send('MAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n');
        for (let k = 0; k < 3; k++) await c.reply();
        c.send('half a mess');
        c.socket.resetAndDestroy();
        break;
      case 3:
      case 8:
        c.send(`NOOP ${'z'.repeat(17000)}\r\nRSET\r\nQUIT\r\n`);
        await c.waitClose();
        break;
      case 4:
        c.send('MAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n');
        for (let k = 0; k < 3; k++) await c.reply();
        c.send('x\n.\r\n');
        await c.waitClose();
        break;
      case 9:
        c.send('HELO c\r\nMAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n');
        for (let k = 0; k < 4; k++) await c.reply();
        c.send('Subject: leak check\r\n\r\nbody\r\n.\r\nQUIT\r\n');
        await c.waitClose();
        break;
      default:
        c.send('HELO c\r\nNOOP\r\nQUIT\r\n');
        await c.waitClose();
    }
  } finally {
    c.destroy();
  }
}

/** Runs sessions first..first+count-1 of the mix, `parallel` at a time. */
export async function runSessions(port: number, count: number, parallel: number, first = 0): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await shortSession(port, first + next++);
    }),
  );
}
