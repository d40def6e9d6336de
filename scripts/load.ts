// A simple load run against an SMTP server on loopback: S concurrent clients, each opening
// connections that send K messages of B bytes (MAIL/RCPT/DATA pipelined, as PIPELINING allows),
// until N messages were accepted. Prints messages per second and per-message latency.
// Usage: node dist/scripts/load.js --port 2525 [--messages 2000] [--sessions 20]
//        [--per-connection 1] [--size 1024] [--to postmaster@localhost]
// Not a benchmark against peers (that is scripts/bench, a later issue): a quick figure.

import * as net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '2525' },
    messages: { type: 'string', default: '2000' },
    sessions: { type: 'string', default: '20' },
    'per-connection': { type: 'string', default: '1' },
    size: { type: 'string', default: '1024' },
    to: { type: 'string', default: 'postmaster@localhost' },
  },
});
const host = values.host!;
if (host !== '127.0.0.1' && host !== '::1') throw new Error('load runs target loopback only');
const port = Number(values.port);
const total = Number(values.messages);
const sessions = Number(values.sessions);
const perConnection = Number(values['per-connection']);
const size = Number(values.size);

const line = 'x'.repeat(74);
let body = 'Subject: load\r\n\r\n';
while (body.length < size) body += `${line}\r\n`;
const transaction = `MAIL FROM:<load@example.com>\r\nRCPT TO:<${values.to}>\r\nDATA\r\n`;

/** Reads replies off a socket, one complete reply (last line "NNN ") at a time. */
class Replies {
  private buf = '';
  private waiters: ((r: string) => void)[] = [];
  private ready: string[] = [];
  constructor(socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (s: string) => {
      this.buf += s;
      let i: number;
      let start = 0;
      while ((i = this.buf.indexOf('\r\n', start)) !== -1) {
        const l = this.buf.slice(start, i);
        start = i + 2;
        if (l[3] !== '-') {
          const w = this.waiters.shift();
          if (w) w(l);
          else this.ready.push(l);
        }
      }
      this.buf = this.buf.slice(start);
    });
  }
  next(): Promise<string> {
    const r = this.ready.shift();
    if (r !== undefined) return Promise.resolve(r);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

let accepted = 0;
let failed = 0;
let started = 0;
const latencies: number[] = [];

async function connection(): Promise<void> {
  const socket = net.connect({ host, port });
  socket.on('error', () => {});
  const replies = new Replies(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (!(await replies.next()).startsWith('220')) throw new Error('no greeting');
  socket.write('EHLO load.example\r\n');
  await replies.next();
  for (let k = 0; k < perConnection && started < total; k++) {
    started++;
    const t0 = performance.now();
    socket.write(transaction);
    const r = [await replies.next(), await replies.next(), await replies.next()];
    if (!r[2]!.startsWith('354')) {
      failed++;
      continue;
    }
    socket.write(`${body}.\r\n`);
    const end = await replies.next();
    latencies.push(performance.now() - t0);
    if (end.startsWith('250')) accepted++;
    else failed++;
  }
  socket.write('QUIT\r\n');
  await replies.next();
  socket.destroy();
}

async function worker(): Promise<void> {
  while (started < total) await connection();
}

const t0 = performance.now();
await Promise.all(Array.from({ length: sessions }, worker));
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1);
console.log(
  `messages ${accepted} accepted, ${failed} failed in ${seconds.toFixed(2)} s: ${(accepted / seconds).toFixed(0)} msgs/s; ` +
    `latency p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms (${sessions} sessions, ${perConnection}/connection, ${size} B)`,
);
