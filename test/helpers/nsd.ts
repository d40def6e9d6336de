// Debian's nsd as a DNS server we did not write, for test/e2e/dns-stock-server.test.ts and
// scripts/bench-spf.ts: started unprivileged on 127.0.0.1 and a free port (UDP and TCP) with zone
// files written to a temp dir, polled until it answers, stopped with its whole process group.
// A missing nsd is an error with an install hint, never a skip.

import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createResolver } from '../../src/dns/index.js';
import { findProgram } from './programs.js';
import { makeTempDir, removeTempDir } from './tmp-dir.js';

/** How long nsd may take to answer its first query. */
const STARTUP_MS = 5000;
/** Poll interval and per-try timeout while waiting for nsd. */
const POLL_MS = 100;
/** Ports tried when nsd fails to start (another process took the free port meanwhile). */
const START_TRIES = 5;
/** Grace period between SIGTERM and SIGKILL when stopping nsd. */
const STOP_MS = 2000;
/** Lines of nsd's log quoted when it fails to start. */
const LOG_LINES = 10;

export interface NsdZone {
  /** The zone's name, no trailing dot; written to `<name>.zone`. */
  readonly name: string;
  /** Resource records in zone-file syntax, owners relative to the zone (SOA and NS are added). */
  readonly records: readonly string[];
  /** Default TTL of the records; 300 unless given. */
  readonly ttl?: number;
  /** SOA MINIMUM, the TTL of negative answers (RFC 2308); 60 unless given. */
  readonly negativeTtl?: number;
}

export interface NsdOptions {
  /** Absolute name in every zone's SOA and NS; a zone should give it an A record. Default ns.<first zone>. */
  readonly nameServer?: string;
  /** A name whose A record nsd serves once every zone is loaded; default the name server. */
  readonly readyName?: string;
  /** The port to use; without it a free one, and another if nsd could not bind it. */
  readonly port?: number;
  /** nsd's response rate limiting (rrl-ratelimit, rrl-whitelist-ratelimit): nsd's default unless false. */
  readonly rateLimit?: boolean;
  /** minimal-responses: yes (no additional section); nsd's default unless true. */
  readonly minimalResponses?: boolean;
  /** ipv4-edns-size, the UDP reply limit; nsd's default unless given. */
  readonly ednsSize?: number;
  /** Command words nsd runs under, e.g. ['taskset', '-c', '1'] (it must exec nsd in its place). */
  readonly launcher?: readonly string[];
}

export interface Nsd {
  /** "127.0.0.1:port", as DnsConfig servers and DNSCACHEIP take it. */
  readonly address: string;
  readonly port: number;
  /** SIGTERM, SIGKILL to the process group after a grace period, then the temp dir removed. */
  stop(): Promise<void>;
}

export function findNsd(): string {
  return findProgram('nsd', 'nsd');
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => tcp.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true)));
    if (ok) await new Promise<void>((r) => tcp.close(() => r()));
    await new Promise<void>((r) => udp.close(() => r()));
    if (ok) return port;
  }
}

function zoneText(zone: NsdZone, nameServer: string): string {
  const head = [
    `$ORIGIN ${zone.name}.`,
    `$TTL ${zone.ttl ?? 300}`,
    `@ IN SOA ${nameServer}. hostmaster.${zone.name}. 1 3600 600 86400 ${zone.negativeTtl ?? 60}`,
    `@ IN NS ${nameServer}.`,
  ];
  return [...head, ...zone.records, ''].join('\n');
}

function configText(dir: string, port: number, zones: readonly NsdZone[], opts: NsdOptions): string {
  return [
    'server:', '  ip-address: 127.0.0.1', `  port: ${port}`, `  zonesdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`, `  logfile: "${dir}/nsd.log"`, '  database: ""', '  username: ""', '  chroot: ""',
    `  zonelistfile: "${dir}/zone.list"`, `  xfrdfile: "${dir}/xfrd.state"`, `  xfrdir: "${dir}"`, '  server-count: 1',
    ...(opts.ednsSize !== undefined ? [`  ipv4-edns-size: ${opts.ednsSize}`] : []),
    ...(opts.minimalResponses === true ? ['  minimal-responses: yes'] : []),
    ...(opts.rateLimit === false ? ['  rrl-ratelimit: 0', '  rrl-whitelist-ratelimit: 0'] : []),
    'remote-control:', '  control-enable: no',
    ...zones.flatMap((z) => ['zone:', `  name: ${z.name}`, `  zonefile: ${z.name}.zone`]),
    '',
  ].join('\n');
}

function logTail(dir: string): string {
  const log = path.join(dir, 'nsd.log');
  return fs.existsSync(log) ? fs.readFileSync(log, 'latin1').trim().split('\n').slice(-LOG_LINES).join('\n') : '(no log)';
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts nsd and waits until it answers; undefined if it exited first (port taken, say). */
async function tryStart(dir: string, port: number, zones: readonly NsdZone[], opts: NsdOptions, readyName: string): Promise<ChildProcess | undefined> {
  const conf = path.join(dir, 'nsd.conf');
  fs.writeFileSync(conf, configText(dir, port, zones, opts));
  const [command, ...args] = [...(opts.launcher ?? []), findNsd(), '-d', '-c', conf];
  // Its own process group: nsd forks (xfrd, main, server), and a SIGKILL must reach them all.
  const child = spawn(command!, args, { stdio: 'ignore', detached: true });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  const probe = createResolver({ servers: `127.0.0.1:${port}`, timeoutMs: POLL_MS, attempts: 1, cache: false });
  const until = Date.now() + STARTUP_MS;
  try {
    while (!exited && Date.now() < until) {
      if ((await probe.lookup(readyName, 'A')).kind === 'records') return child;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    probe.close();
  }
  if (!exited) {
    killGroup(child);
    throw new Error(`nsd did not answer for ${readyName} on 127.0.0.1:${port} within ${STARTUP_MS} ms:\n${logTail(dir)}`);
  }
  return undefined;
}

/** nsd serving `zones` on 127.0.0.1, answering; stop() it (it is killed too should the process exit first). */
export async function startNsd(zones: readonly NsdZone[], opts: NsdOptions = {}): Promise<Nsd> {
  if (zones.length === 0) throw new Error('startNsd: no zones');
  const nameServer = opts.nameServer ?? `ns.${zones[0]!.name}`;
  const dir = makeTempDir('qfront-nsd-');
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    for (const z of zones) fs.writeFileSync(path.join(dir, `${z.name}.zone`), zoneText(z, nameServer));
    const tries = opts.port === undefined ? START_TRIES : 1;
    for (let i = 0; i < tries && child === undefined; i++) {
      port = opts.port ?? (await freePort());
      child = await tryStart(dir, port, zones, opts, opts.readyName ?? nameServer);
    }
    if (child === undefined) {
      const why = opts.port === undefined ? `${tries} times` : `on port ${opts.port} (taken?)`;
      throw new Error(`nsd exited at start ${why}:\n${logTail(dir)}`);
    }
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  const running = child;
  // Should this process end without stop(), nsd must not outlive it.
  const killNow = (): void => {
    if (running.exitCode === null) killGroup(running);
  };
  process.once('exit', killNow);
  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    if (running.exitCode === null && running.signalCode === null) {
      const gone = new Promise<void>((r) => running.once('exit', () => r()));
      running.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(running), STOP_MS);
      await gone;
      clearTimeout(timer);
    }
    process.off('exit', killNow);
    removeTempDir(dir);
  };
  return { address: `127.0.0.1:${port}`, port, stop: () => (stopped ??= stop()) };
}
