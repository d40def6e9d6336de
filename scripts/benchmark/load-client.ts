// The benchmark's load client, run as its own process so its CPU is never counted as the
// server's: S concurrent sessions, each a connection that says EHLO then sends up to K messages
// of B bytes (MAIL, RCPT, DATA; the three pipelined only when the server offers PIPELINING),
// then QUIT and reconnects, until N messages were sent or the time bound passed. After the bound
// no message is started but each session's first (so a server slow to greet 200 sessions still
// shows its rate, not zero); at bound + grace every connection is cut. Prints one JSON line
// (LoadResult). Targets loopback only; every reply other than the expected one is an error.

import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { ReplyReader, type Reply } from './smtp-replies.js';
import { messageBody } from './message.js';
import type { LoadResult } from './load-result.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    sessions: { type: 'string', default: '20' },
    'per-connection': { type: 'string', default: '1' },
    size: { type: 'string', default: '1024' },
    messages: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '3' },
    grace: { type: 'string', default: '30' },
    from: { type: 'string', default: 'load@sender.bench' },
    to: { type: 'string', default: 'postmaster@rcpt.bench' },
    helo: { type: 'string', default: '[127.0.0.1]' },
    pipelining: { type: 'string', default: 'auto' },
  },
});

const host = values.host ?? '127.0.0.1';
if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '::1') throw new Error('the load client targets loopback only');
const port = Number(values.port);
const sessions = Number(values.sessions);
const perConnection = Number(values['per-connection']);
const cap = Number(values.messages);
const boundMs = Number(values.seconds) * 1000;
const graceMs = Number(values.grace) * 1000;
const mayPipeline = values.pipelining !== 'off';
const body = Buffer.concat([messageBody(Number(values.size), values.from!, values.to!), Buffer.from('.\r\n', 'latin1')]);
const transaction = [`MAIL FROM:<${values.from}>\r\n`, `RCPT TO:<${values.to}>\r\n`, 'DATA\r\n'];

let started = 0;
let accepted = 0;
let errors = 0;
let connections = 0;
let pipelined = 0;
let lastDone = 0;
const errorKinds = new Map<string, number>();
const latencies: number[] = [];
const open = new Set<net.Socket>();

function error(kind: string): void {
  errors++;
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
}

/** A reply as an error label: code and the start of its text, digits blanked (queue ids). */
function label(where: string, r: Reply): string {
  return `${where}: ${(r.lines.at(-1) ?? '').slice(0, 60).replace(/\d{4,}/g, '#')}`;
}

const t0 = performance.now();
const mayStart = (): boolean => started < cap && performance.now() - t0 < boundMs;

/** One connection; false when it ended in an error (the caller reconnects after a pause). */
async function connection(session: { sent: number }): Promise<boolean> {
  const socket = net.connect({ host, port, noDelay: true });
  open.add(socket);
  socket.on('error', () => {});
  const replies = new ReplyReader(socket);
  connections++;
  try {
    const greeting = await replies.next();
    if (greeting.code !== 220) return (error(label('greeting', greeting)), false);
    socket.write(`EHLO ${values.helo}\r\n`);
    const ehlo = await replies.next();
    if (ehlo.code !== 250) return (error(label('EHLO', ehlo)), false);
    const pipelining = mayPipeline && ehlo.lines.some((l) => /^250[- ]PIPELINING\b/i.test(l));
    if (pipelining) pipelined++;
    for (let k = 0; k < perConnection && (mayStart() || (session.sent === 0 && started < cap)); k++) {
      started++;
      session.sent++;
      const begun = performance.now();
      let ok = true;
      if (pipelining) socket.write(transaction.join(''));
      for (const [i, command] of transaction.entries()) {
        if (!pipelining) socket.write(command);
        const r = await replies.next();
        const wanted = i === 2 ? 354 : 250;
        if (r.code !== wanted && ok) {
          error(label(command.slice(0, 4), r));
          ok = false;
        }
        if (!ok && !pipelining) break;
      }
      if (!ok) return false;
      socket.write(body);
      const end = await replies.next();
      const done = performance.now();
      if (end.code !== 250) return (error(label('end of DATA', end)), false);
      accepted++;
      lastDone = done;
      latencies.push(done - begun);
    }
    socket.write('QUIT\r\n');
    await replies.next().catch(() => undefined);
    return true;
  } catch (err) {
    error(`connection: ${err instanceof Error ? err.message.slice(0, 60) : String(err)}`);
    return false;
  } finally {
    socket.destroy();
    open.delete(socket);
  }
}

async function session(): Promise<void> {
  const state = { sent: 0 };
  do {
    if (!(await connection(state))) await new Promise((r) => setTimeout(r, 10));
  } while (mayStart());
}

const hardStop = setTimeout(() => {
  for (const s of open) s.destroy(new Error('cut at the hard time limit'));
}, boundMs + graceMs);
await Promise.all(Array.from({ length: sessions }, session));
clearTimeout(hardStop);

latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
const result: LoadResult = {
  accepted,
  errors,
  errorKinds: Object.fromEntries(errorKinds),
  seconds: ((lastDone || performance.now()) - t0) / 1000,
  p50Ms: pct(0.5),
  p99Ms: pct(0.99),
  connections,
  pipelinedConnections: pipelined,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
