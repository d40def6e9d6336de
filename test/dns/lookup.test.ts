// Lookups against the test server: each record type, TXT over TCP, the kinds of negative and
// failed answers kept apart, CNAME handling, unusual names, and an IPv6 server.

import test from 'ava';
import { createResolver, type DnsResolver } from '../../src/dns/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { BASE_ZONE, BIG_TXT, ODD_NAME, split255 } from './zone-fixtures.js';

/** Per-try timeout where a test expects a timeout; others use a generous one. */
const FAST_MS = 250;
const SLOW_MS = 3000;

let server: TestDnsServer;
const resolvers: DnsResolver[] = [];

test.before(async () => {
  server = await startDnsServer(BASE_ZONE);
});
test.after.always(async () => {
  for (const r of resolvers) r.close();
  await server?.close();
});

function resolver(servers: string | string[] = server.address, timeoutMs = SLOW_MS): DnsResolver {
  const r = createResolver({ servers, timeoutMs, attempts: 1, cache: false });
  resolvers.push(r);
  return r;
}

test('A records, all of them, in order', async (t) => {
  t.deepEqual(await resolver().lookup('a.test', 'A'), { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] });
});

test('AAAA records in compressed form', async (t) => {
  t.deepEqual(await resolver().lookup('v6.test', 'AAAA'), { kind: 'records', records: ['2001:db8::1'] });
});

test('MX records with preference and exchange', async (t) => {
  t.deepEqual(await resolver().lookup('mx.test', 'MX'), {
    kind: 'records',
    records: [
      { preference: 10, exchange: 'mail.a.test' },
      { preference: 20, exchange: 'backup.a.test' },
    ],
  });
});

test('TXT records: one array per RR, character-strings not joined', async (t) => {
  t.deepEqual(await resolver().lookup('txt.test', 'TXT'), { kind: 'records', records: [['v=spf1 -all'], ['two ', 'strings']] });
});

test('TXT octets 0x80-0xFF come back byte for byte as latin1', async (t) => {
  t.deepEqual(await resolver().lookup('latin1.test', 'TXT'), { kind: 'records', records: [['caf\xe9 \xff\x80']] });
});

test('PTR records', async (t) => {
  t.deepEqual(await resolver().lookup('1.2.0.192.in-addr.arpa', 'PTR'), { kind: 'records', records: ['a.test'] });
});

test('a 2 KiB TXT record arrives truncated over UDP and whole over TCP', async (t) => {
  const r = resolver();
  const tcpBefore = server.counters.tcp;
  const answer = await r.lookup('big.test', 'TXT');
  t.deepEqual(answer, { kind: 'records', records: [split255(BIG_TXT)] });
  t.true(server.counters.tcp > tcpBefore);
  t.is(r.counters.tcpQueries, 1);
  t.is(r.counters.udpQueries, 1);
});

test('names match case-insensitively; a trailing dot is accepted', async (t) => {
  const r = resolver();
  t.deepEqual(await r.lookup('A.Test', 'A'), { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] });
  t.deepEqual(await r.lookup('a.test.', 'A'), { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] });
});

test('NXDOMAIN, NODATA, timeout are three different answers', async (t) => {
  const r = resolver();
  t.deepEqual(await r.lookup('missing.test', 'A'), { kind: 'nxdomain' });
  t.deepEqual(await r.lookup('a.test', 'MX'), { kind: 'nodata' });
  const slow = await resolver(server.address, FAST_MS).lookup('slow.test', 'TXT');
  t.is(slow.kind, 'error');
  if (slow.kind === 'error') t.is(slow.failure, 'timeout');
  // The same owner still answers types it has.
  t.deepEqual(await r.lookup('slow.test', 'A'), { kind: 'records', records: ['192.0.2.3'] });
});

test('SERVFAIL and REFUSED are failures of their own kind', async (t) => {
  const failing = await startDnsServer(BASE_ZONE, { mode: 'servfail' });
  const refusing = await startDnsServer(BASE_ZONE, { mode: 'refused' });
  try {
    const a = await resolver(failing.address).lookup('a.test', 'A');
    t.like(a, { kind: 'error', failure: 'servfail' });
    const b = await resolver(refusing.address).lookup('a.test', 'A');
    t.like(b, { kind: 'error', failure: 'refused' });
  } finally {
    await failing.close();
    await refusing.close();
  }
});

test('a CNAME chain is followed from the query name to the records', async (t) => {
  t.deepEqual(await resolver().lookup('alias.test', 'A'), { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] });
});

test('a CNAME loop is NODATA, and a chain to a missing name is NXDOMAIN', async (t) => {
  const r = resolver();
  t.deepEqual(await r.lookup('loop1.test', 'A'), { kind: 'nodata' });
  t.deepEqual(await r.lookup('dangling.test', 'A'), { kind: 'nxdomain' });
});

test("names with ':' '%' '_' and other printable ASCII are queried as they are", async (t) => {
  t.deepEqual(await resolver().lookup(ODD_NAME, 'TXT'), { kind: 'records', records: [['odd']] });
  t.deepEqual(await resolver().lookup('x:y%z.test', 'TXT'), { kind: 'nxdomain' });
});

test('bad names fail with badname and send nothing', async (t) => {
  const r = resolver();
  const bad = ['', '.', 'a..test', '.a.test', 'x'.repeat(64) + '.test', `${'abcdefg.'.repeat(31)}abcdef`, 'snow\u2603.test'];
  for (const name of bad) {
    const answer = await r.lookup(name, 'A');
    t.like(answer, { kind: 'error', failure: 'badname' }, JSON.stringify(name));
  }
  t.is(r.counters.udpQueries, 0);
  // The longest legal forms do go out: a 63-octet label, a 253-octet name.
  t.deepEqual(await r.lookup('x'.repeat(63) + '.test', 'A'), { kind: 'nxdomain' });
  const longest = `${'abcdefg.'.repeat(31)}abcde`;
  t.is(longest.length, 253);
  t.deepEqual(await r.lookup(longest, 'A'), { kind: 'nxdomain' });
});

test('an IPv6 server at [::1]:PORT', async (t) => {
  const v6 = await startDnsServer(BASE_ZONE, { host: '::1' });
  try {
    t.regex(v6.address, /^\[::1\]:\d+$/);
    t.deepEqual(await resolver(v6.address).lookup('v6.test', 'AAAA'), { kind: 'records', records: ['2001:db8::1'] });
    t.deepEqual(await resolver(v6.address).lookup('big.test', 'TXT'), { kind: 'records', records: [split255(BIG_TXT)] });
    t.is(v6.counters.tcp, 1);
  } finally {
    await v6.close();
  }
});

test('maxUdpPayload forces TCP for answers above it', async (t) => {
  const small = await startDnsServer(BASE_ZONE, { maxUdpPayload: 40 });
  try {
    const r = resolver(small.address);
    t.deepEqual(await r.lookup('txt.test', 'TXT'), { kind: 'records', records: [['v=spf1 -all'], ['two ', 'strings']] });
    t.is(small.counters.tcp, 1);
    t.is(r.counters.tcpQueries, 1);
  } finally {
    await small.close();
  }
});
