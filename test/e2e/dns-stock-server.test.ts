// qfront's DNS client and SPF evaluator against a DNS server we did not write: Debian's nsd,
// started unprivileged on 127.0.0.1 and a free high port by test/helpers/nsd.ts, zones from here.
// Checks record types, NXDOMAIN vs NODATA, EDNS0 over UDP, truncation then TCP, and SPF.
// Never binds anything but loopback, never skips: a missing nsd fails with an install hint.

import test from 'ava';
import { EDNS_UDP_PAYLOAD, createResolver, type DnsResolver } from '../../src/dns/index.js';
import { checkHost } from '../../src/spf/index.js';
import { startNsd, type Nsd } from '../helpers/nsd.js';

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

/** The forward zone's records (nsd.ts adds the SOA and the NS ns.qfront.test). */
const ZONE_RECORDS = [
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
];
const REVERSE_RECORDS = [`${CLIENT_IP.split('.')[3]} IN PTR client.${ZONE}.`];

let server: Nsd | undefined;
const resolvers: DnsResolver[] = [];

test.before(async () => {
  server = await startNsd([{ name: ZONE, records: ZONE_RECORDS }, { name: REVERSE_ZONE, records: REVERSE_RECORDS }], {
    ednsSize: NSD_EDNS_SIZE,
    // Response rate limiting (on by default) drops replies to a busy source: a lost reply here
    // would be a flaky timeout, not a finding.
    rateLimit: false,
  });
});

test.after.always(async () => {
  for (const r of resolvers) r.close();
  await server?.stop();
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
