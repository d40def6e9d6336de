// Rehearsals of stdio-door sessions (HELO to QUIT with a message, once without SPF and once with
// an SPF check through include, a and mx), run only while the door's start-up snapshot is built
// (scripts/build-door.ts): the code a session runs is compiled then and kept in the snapshot,
// not compiled again at every connection. All of it in memory or private: its own control
// directory (a temporary one, removed after), in-memory streams, DNS answers, queue and log.
// Must leave no state a real session can see.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { DnsAnswer, RecordData, Resolver, RrType } from '../dns/index.js';
import type { Queue, QueueJob } from '../queue/index.js';
import { runStdio } from './stdio.js';

const DOMAIN = 'rehearsal.invalid';
const SENDER = `client.${DOMAIN}`;
const CLIENT_IP = '192.0.2.1';
const DIALOGUE = [
  `EHLO ${SENDER}`,
  `MAIL FROM:<sender@${SENDER}>`,
  `RCPT TO:<postmaster@${DOMAIN}>`,
  'DATA',
  `From: sender@${SENDER}`,
  'Subject: rehearsal',
  '',
  'body',
  '.',
  'RSET',
  'NOOP',
  'QUIT',
  '',
].join('\r\n');

/** The sender's SPF: a and mx miss, the include passes the client. */
const ZONE: ReadonlyMap<string, readonly unknown[]> = new Map<string, readonly unknown[]>([
  [`TXT ${SENDER}`, [[`v=spf1 a mx include:_spf.${DOMAIN} ~all`]]],
  [`A ${SENDER}`, ['192.0.2.10']],
  [`MX ${SENDER}`, [{ preference: 10, exchange: `mx.${DOMAIN}` }]],
  [`A mx.${DOMAIN}`, ['192.0.2.20']],
  [`TXT _spf.${DOMAIN}`, [['v=spf1 ip4:192.0.2.0/24 -all']]],
]);

const zoneResolver: Resolver = {
  lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
    const records = ZONE.get(`${type} ${name.toLowerCase()}`) as readonly RecordData[T][] | undefined;
    return Promise.resolve(records === undefined ? { kind: 'nxdomain' } : { kind: 'records', records });
  },
};

/** A queue that keeps the message in memory, for the rehearsal's result. */
function memoryQueue(message: Buffer[]): Queue {
  const job: QueueJob = {
    qp: '0',
    write: (bytes) => message.push(Buffer.from(bytes)) > 0,
    drained: () => Promise.resolve(true),
    close: () => Promise.resolve({ kind: 'accepted' }),
    abort: () => {},
  };
  return { open: () => Promise.resolve(job) };
}

/** What a rehearsed session answered and logged. */
export interface Rehearsal {
  readonly replies: string;
  readonly log: readonly string[];
  readonly message: string;
}

async function rehearse(controlDir: string, spf: boolean): Promise<Rehearsal> {
  const input = new PassThrough();
  let replies = '';
  const output = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      replies += chunk.toString('latin1');
      done();
    },
  });
  const log: string[] = [];
  const message: Buffer[] = [];
  input.end(Buffer.from(DIALOGUE, 'latin1'));
  await runStdio({
    env: { CONTROLDIR: controlDir, TCPREMOTEIP: CLIENT_IP, TCPLOCALHOST: DOMAIN, ...(spf ? { SPFBEHAVIOR: '3' } : {}) },
    argv: [],
    sink: { line: (text) => log.push(text) },
    queue: memoryQueue(message),
    io: { input, output },
    resolver: zoneResolver,
  });
  return { replies, log, message: Buffer.concat(message).toString('latin1') };
}

/**
 * Runs `rehearsal` with timers that never fire and leave nothing behind: Node keeps the list of
 * an unref'd timer after clearTimeout, and a snapshot would carry it, due at build time plus its
 * delay, into every session. A rehearsal that needed a timer to fire would never end.
 */
async function withInertTimers<T>(rehearsal: () => Promise<T>): Promise<T> {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const inert = { ref: () => inert, unref: () => inert, refresh: () => inert, hasRef: () => false };
  globalThis.setTimeout = (() => inert) as unknown as typeof setTimeout;
  globalThis.clearTimeout = () => {};
  try {
    return await rehearsal();
  } finally {
    Object.assign(globalThis, real);
  }
}

/** Rehearses a session without SPF, then one with it. */
export async function rehearseSessions(): Promise<Rehearsal[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-rehearsal-'));
  try {
    fs.writeFileSync(path.join(dir, 'me'), `${DOMAIN}\n`);
    fs.writeFileSync(path.join(dir, 'rcpthosts'), `${DOMAIN}\n`);
    return await withInertTimers(async () => [await rehearse(dir, false), await rehearse(dir, true)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
