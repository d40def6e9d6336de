// Opens N SMTP connections to a server on loopback, reads each first reply, and holds the
// connections idle (for measuring a listener by hand: its RSS and fds per idle session, what
// happens over --concurrency). Prints the tally of first replies and the time taken, then holds
// them for --hold seconds (0: until SIGINT/SIGTERM) and closes them all.
// Usage: node dist/scripts/hold-connections.js --port 2525 [--count 2000] [--parallel 200] [--hold 0]
// The process needs more than COUNT fds (ulimit -n).

import * as net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '2525' },
    count: { type: 'string', default: '2000' },
    parallel: { type: 'string', default: '200' },
    hold: { type: 'string', default: '0' },
  },
});
const host = values.host!;
if (host !== '127.0.0.1' && host !== '::1') throw new Error('hold-connections targets loopback only');
const port = Number(values.port);
const count = Number(values.count);
const parallel = Number(values.parallel);
const holdS = Number(values.hold);

const sockets: net.Socket[] = [];

/** Connects and resolves with the first reply line (or what went wrong). */
function open(): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    sockets.push(s);
    let buf = '';
    const timer = setTimeout(() => done('no reply within 10 s'), 10000);
    function done(what: string): void {
      clearTimeout(timer);
      s.removeAllListeners('data');
      resolve(what);
    }
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\r\n');
      if (i !== -1) done(buf.slice(0, i));
    });
    s.on('error', (err) => done(`error: ${err.message}`));
    s.on('close', () => done(buf === '' ? 'closed without a reply' : `partial: ${buf}`));
  });
}

const tally = new Map<string, number>();
let next = 0;
const t0 = Date.now();
await Promise.all(
  Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      next++;
      const first = await open();
      tally.set(first, (tally.get(first) ?? 0) + 1);
    }
  }),
);
console.log(`opened ${count} connections in ${Date.now() - t0} ms`);
for (const [line, n] of tally) console.log(`${String(n).padStart(6)}  ${line}`);
// Refused connections close just after their reply: give those closes a moment to arrive.
await new Promise((r) => setTimeout(r, 300));
const open_ = sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
console.log(`holding ${open_} open connections${holdS > 0 ? ` for ${holdS} s` : ' (Ctrl-C to close)'}`);

const finish = (): void => {
  for (const s of sockets) s.destroy();
  console.log('closed');
  process.exit(0);
};
process.on('SIGINT', finish);
process.on('SIGTERM', finish);
if (holdS > 0) setTimeout(finish, holdS * 1000);
else setInterval(() => {}, 1 << 30);
