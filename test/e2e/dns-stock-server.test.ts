// qfront's DNS client and SPF evaluator against a DNS server we did not write: Debian's nsd,
// started unprivileged on 127.0.0.1 and a free high port with zone files written here.
// Checks record types, NXDOMAIN vs NODATA, EDNS0 over UDP, truncation then TCP, and SPF.
// Never binds anything but loopback, never skips: a missing nsd fails with an install hint.

import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import test from 'ava';
import { EDNS_UDP_PAYLOAD, createResolver, type DnsResolver } from '../../src/dns/index.js';
import { checkHost } from '../../src/spf/index.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

/** Where Debian's nsd package puts the daemon (often not in a normal user's PATH). */
const NSD_FALLBACK_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
const ZONE = 'qfront.test';
const REVERSE_ZONE = '2.0.192.in-addr.arpa';
/** The SMTP client of the SPF checks; also has a PTR record. */
const CLIENT_IP = '192.0.2.77';
/** nsd's UDP reply limit, stated rather than left to its default: room for test (c), not (d). */
const NSD_EDNS_SIZE = 1232;
/** Reply limit of DNS without EDNS0 (RFC 1035 4.2.1). */
const PLAIN_UDP_LIMIT = 512;
/** Longest character-string in a TXT RR (RFC 1035 3.3). */
const MAX_CHARACTER_STRING = 255;
/** TXT RRset size for the EDNS0 test: over 512, under the 1232 both sides allow. */
const MEDIUM_TXT_OCTETS = 1000;
/** Size of the long SPF record: well over the 1232 advertised, so UDP replies are truncated. */
const LONG_SPF_OCTETS = 2048;
/** Per-try timeout of the resolvers under test; nothing here should need a retry. */
const TIMEOUT_MS = 2000;
/** How long nsd may take to answer its first query. */
const STARTUP_MS = 5000;
/** Poll interval and per-try timeout while waiting for nsd. */
const POLL_MS = 100;
/** Ports tried when nsd fails to start (another process took the free port meanwhile). */
const START_TRIES = 5;
/** Grace period between SIGTERM and SIGKILL when stopping nsd. */
const STOP_MS = 2000;

/** The 1000-octet TXT RR as four character-strings of this size. */
const MEDIUM_STRING_OCTETS = 250;
const MEDIUM_TXT = chunk('m'.repeat(MEDIUM_TXT_OCTETS), MEDIUM_STRING_OCTETS);
/** ip4 terms that match nothing, then the client's address: the record only passes if read whole. */
const LONG_SPF = longSpfRecord(LONG_SPF_OCTETS, `ip4:${CLIENT_IP} -all`);

function chunk(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function longSpfRecord(octets: number, tail: string): string {
  let text = 'v=spf1';
  for (let i = 0; text.length + tail.length < octets; i++) text += ` ip4:198.51.${100 + Math.floor(i / 256)}.${i % 256}`;
  return `${text} ${tail}`;
}

/** TXT RDATA in zone-file syntax: each string quoted, at most 255 octets each. */
function txt(strings: readonly string[]): string {
  for (const s of strings) {
    if (/["\\]/.test(s) || s.length > MAX_CHARACTER_STRING) throw new Error(`TXT string unfit for this zone writer: ${s.slice(0, 40)}`);
  }
  return strings.map((s) => `"${s}"`).join(' ');
}

function zoneFile(): string {
  return [
    `$ORIGIN ${ZONE}.`,
    '$TTL 300',
    `@ IN SOA ns.${ZONE}. hostmaster.${ZONE}. 1 3600 600 86400 60`,
    `@ IN NS ns.${ZONE}.`,
    'ns IN A 127.0.0.1',
    'a IN A 192.0.2.1',
    'a IN A 192.0.2.2',
    'v6 IN AAAA 2001:db8::1',
    'mx IN MX 10 mail.a',
    'mx IN MX 20 backup.a',
    `txt IN TXT ${txt(['v=spf1 -all'])}`,
    `txt IN TXT ${txt(['two ', 'strings'])}`,
    // Owner below an otherwise empty name: "ent" exists as an empty non-terminal (NODATA).
    'leaf.ent IN A 192.0.2.9',
    `medium IN TXT ${txt(MEDIUM_TXT)}`,
    `long-spf IN TXT ${txt(chunk(LONG_SPF, MAX_CHARACTER_STRING))}`,
    `closed IN TXT ${txt(['v=spf1 -all'])}`,
    `mixed IN MX 10 mail.mixed`,
    `mail.mixed IN A 192.0.2.25`,
    `mixed IN TXT ${txt([`v=spf1 mx include:long-spf.${ZONE} -all`])}`,
    '',
  ].join('\n');
}

function reverseZoneFile(): string {
  return [
    `$ORIGIN ${REVERSE_ZONE}.`,
    '$TTL 300',
    `@ IN SOA ns.${ZONE}. hostmaster.${ZONE}. 1 3600 600 86400 60`,
    `@ IN NS ns.${ZONE}.`,
    `${CLIENT_IP.split('.')[3]} IN PTR client.${ZONE}.`,
    '',
  ].join('\n');
}

function nsdConfig(dir: string, port: number): string {
  return [
    'server:', '  ip-address: 127.0.0.1', `  port: ${port}`, `  zonesdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`, `  logfile: "${dir}/nsd.log"`, '  database: ""', '  username: ""', '  chroot: ""',
    `  zonelistfile: "${dir}/zone.list"`, `  xfrdfile: "${dir}/xfrd.state"`, `  xfrdir: "${dir}"`,
    '  server-count: 1', `  ipv4-edns-size: ${NSD_EDNS_SIZE}`,
    // Response rate limiting (on by default) drops replies to a busy source: a lost reply here
    // would be a flaky timeout, not a finding.
    '  rrl-ratelimit: 0', '  rrl-whitelist-ratelimit: 0',
    'remote-control:', '  control-enable: no',
    'zone:', `  name: ${ZONE}`, `  zonefile: ${ZONE}.zone`,
    'zone:', `  name: ${REVERSE_ZONE}`, `  zonefile: ${REVERSE_ZONE}.zone`,
    '',
  ].join('\n');
}

function findNsd(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...NSD_FALLBACK_DIRS];
  const found = dirs.map((d) => path.join(d, 'nsd')).find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
  if (found !== undefined) return found;
  throw new Error(`nsd not found in PATH or ${NSD_FALLBACK_DIRS.join(', ')}: install it (apt-get install -y nsd; scripts/test does)`);
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const udp = dgram.createSocket('udp4');
  const port = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
  const tcp = net.createServer();
  const ok = await new Promise<boolean>((resolve) => tcp.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true)));
  if (ok) await new Promise<void>((r) => tcp.close(() => r()));
  await new Promise<void>((r) => udp.close(() => r()));
  return ok ? port : freePort();
}

interface Nsd {
  readonly child: ChildProcess;
  readonly address: string;
}

function logTail(dir: string): string {
  const log = path.join(dir, 'nsd.log');
  return fs.existsSync(log) ? fs.readFileSync(log, 'latin1').trim().split('\n').slice(-5).join('\n') : '(no log)';
}

/** Starts nsd and waits until it answers; undefined if it exited first (port taken, say). */
async function tryStart(nsd: string, dir: string): Promise<Nsd | undefined> {
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'nsd.conf'), nsdConfig(dir, port));
  // Its own process group: nsd forks (xfrd, main, server), and a SIGKILL must reach them all.
  const child = spawn(nsd, ['-d', '-c', path.join(dir, 'nsd.conf')], { stdio: 'ignore', detached: true });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  const address = `127.0.0.1:${port}`;
  const probe = createResolver({ servers: address, timeoutMs: POLL_MS, attempts: 1, cache: false });
  const until = Date.now() + STARTUP_MS;
  try {
    while (!exited && Date.now() < until) {
      const answer = await probe.lookup(`ns.${ZONE}`, 'A');
      if (answer.kind === 'records') return { child, address };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    probe.close();
  }
  if (!exited) {
    killGroup(child);
    throw new Error(`nsd did not answer within ${STARTUP_MS} ms:\n${logTail(dir)}`);
  }
  return undefined;
}

let dir: string | undefined;
let server: Nsd | undefined;
const resolvers: DnsResolver[] = [];
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}
const killNow = (): void => {
  if (server?.child.exitCode === null) killGroup(server.child);
};

test.before(async () => {
  const nsd = findNsd();
  dir = makeTempDir('qfront-nsd-');
  fs.writeFileSync(path.join(dir, `${ZONE}.zone`), zoneFile());
  fs.writeFileSync(path.join(dir, `${REVERSE_ZONE}.zone`), reverseZoneFile());
  for (let i = 0; i < START_TRIES && server === undefined; i++) server = await tryStart(nsd, dir);
  if (server === undefined) throw new Error(`nsd exited at start ${START_TRIES} times:\n${logTail(dir)}`);
  // Should the worker die without running after.always, nsd must not outlive it.
  process.once('exit', killNow);
});

test.after.always(async () => {
  for (const r of resolvers) r.close();
  const child = server?.child;
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(child), STOP_MS);
    await gone;
    clearTimeout(timer);
  }
  process.off('exit', killNow);
  if (dir !== undefined) removeTempDir(dir);
});

/** A resolver of its own per test (counters and no cache), closed at the end of the file. */
function resolver(): DnsResolver {
  const r = createResolver({ servers: server!.address, timeoutMs: TIMEOUT_MS, attempts: 1, cache: false });
  resolvers.push(r);
  return r;
}

/** Octets of a TXT RRset's data: each string plus its length octet. */
function txtOctets(strings: readonly string[]): number {
  return strings.reduce((n, s) => n + 1 + s.length, 0);
}

test('A, AAAA, MX, TXT and PTR answers come through as nsd serves them', async (t) => {
  const r = resolver();
  const a = await r.lookup(`a.${ZONE}`, 'A');
  t.is(a.kind, 'records');
  if (a.kind === 'records') t.deepEqual([...a.records].sort(), ['192.0.2.1', '192.0.2.2']);
  t.deepEqual(await r.lookup(`v6.${ZONE}`, 'AAAA'), { kind: 'records', records: ['2001:db8::1'] });
  const exchanges = [
    { preference: 10, exchange: `mail.a.${ZONE}` },
    { preference: 20, exchange: `backup.a.${ZONE}` },
  ];
  const mx = await r.lookup(`mx.${ZONE}`, 'MX');
  t.is(mx.kind, 'records');
  if (mx.kind === 'records') t.deepEqual([...mx.records].sort((x, y) => x.preference - y.preference), exchanges);
  // nsd compresses the exchange names against the question, so they come back in its case.
  const shouted = await r.lookup(`MX.${ZONE.toUpperCase()}`, 'MX');
  t.is(shouted.kind, 'records');
  if (shouted.kind === 'records') {
    const lowered = shouted.records.map((m) => ({ ...m, exchange: m.exchange.toLowerCase() })).sort((x, y) => x.preference - y.preference);
    t.deepEqual(lowered, exchanges);
  }
  const text = await r.lookup(`txt.${ZONE}`, 'TXT');
  t.is(text.kind, 'records');
  // Each RR keeps its character-strings apart; joining them is SPF's business.
  if (text.kind === 'records') t.deepEqual([...text.records].sort((x, y) => x.length - y.length), [['v=spf1 -all'], ['two ', 'strings']]);
  const reversed = CLIENT_IP.split('.').reverse().join('.');
  t.deepEqual(await r.lookup(`${reversed}.in-addr.arpa`, 'PTR'), { kind: 'records', records: [`client.${ZONE}`] });
});

test('NXDOMAIN and NODATA stay apart, an empty non-terminal being NODATA', async (t) => {
  const r = resolver();
  t.deepEqual(await r.lookup(`missing.${ZONE}`, 'A'), { kind: 'nxdomain' });
  t.deepEqual(await r.lookup(`missing.${ZONE}`, 'TXT'), { kind: 'nxdomain' });
  t.deepEqual(await r.lookup(`a.${ZONE}`, 'MX'), { kind: 'nodata' });
  t.deepEqual(await r.lookup(`v6.${ZONE}`, 'A'), { kind: 'nodata' });
  t.deepEqual(await r.lookup(`ent.${ZONE}`, 'A'), { kind: 'nodata' });
  t.deepEqual(await r.lookup(`leaf.ent.${ZONE}`, 'A'), { kind: 'records', records: ['192.0.2.9'] });
});

test('EDNS0: a TXT RRset of about 1000 octets arrives in one UDP reply', async (t) => {
  t.true(txtOctets(MEDIUM_TXT) > PLAIN_UDP_LIMIT, 'without EDNS0 this reply could not fit in UDP');
  const r = resolver();
  t.deepEqual(await r.lookup(`medium.${ZONE}`, 'TXT'), { kind: 'records', records: [MEDIUM_TXT] });
  t.like(r.counters, { udpQueries: 1, tcpQueries: 0 });
});

test('a TXT RRset over the EDNS0 payload comes truncated over UDP, then whole over TCP', async (t) => {
  const strings = chunk(LONG_SPF, MAX_CHARACTER_STRING);
  t.true(txtOctets(strings) > EDNS_UDP_PAYLOAD + 50);
  const r = resolver();
  t.deepEqual(await r.lookup(`long-spf.${ZONE}`, 'TXT'), { kind: 'records', records: [strings] });
  t.like(r.counters, { udpQueries: 1, tcpQueries: 1 });
});

test('SPF over nsd: a long record ending in the client ip4 passes, include and mx too; -all fails', async (t) => {
  const r = resolver();
  const trace: string[] = [];
  const check = (sender: string) =>
    checkHost({ ip: CLIENT_IP, sender, helo: 'client.example' }, { resolver: r, trace: (l) => trace.push(l) });

  const long = await check(`someone@long-spf.${ZONE}`);
  t.like(long, { result: 'pass', mechanism: `ip4:${CLIENT_IP}`, recordDomain: `long-spf.${ZONE}` }, trace.join('\n'));
  t.true(r.counters.tcpQueries >= 1, 'the long record had to come over TCP');

  const included = await check(`someone@mixed.${ZONE}`);
  t.like(included, { result: 'pass', mechanism: `include:long-spf.${ZONE}`, lookups: 2 }, trace.join('\n'));

  const closed = await check(`someone@closed.${ZONE}`);
  t.like(closed, { result: 'fail', mechanism: '-all', recordDomain: `closed.${ZONE}` }, trace.join('\n'));

  const unknown = await check(`someone@missing.${ZONE}`);
  t.like(unknown, { result: 'none' }, trace.join('\n'));
});
