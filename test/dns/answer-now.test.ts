// answerNow(): what lookup() would answer when no query is needed, given at once. A cache hit is
// counted and observed like lookup()'s; a miss sends and counts nothing; an expired entry is a
// miss; bad names and a closed resolver are answered at once, as lookup() answers them.
import test from 'ava';
import { createResolver, type DnsAnswer, type DnsResolver, type RrType } from '../../src/dns/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { BASE_ZONE } from './zone-fixtures.js';

const SECOND = 1000;

interface Setup {
  readonly server: TestDnsServer;
  readonly resolver: DnsResolver;
  readonly seen: [string, RrType, DnsAnswer<unknown>, boolean][];
  advance(seconds: number): void;
}

async function setup(t: { teardown(fn: () => unknown): void }, cache = true): Promise<Setup> {
  const server = await startDnsServer(BASE_ZONE, { soa: { ttl: 300, minimum: 20 } });
  let clock = 5_000_000;
  const seen: Setup['seen'] = [];
  const resolver = createResolver({ servers: server.address, attempts: 1, cache, now: () => clock, onLookup: (...a) => seen.push(a) });
  t.teardown(async () => {
    resolver.close();
    await server.close();
  });
  return { server, resolver, seen, advance: (s) => (clock += s * SECOND) };
}

test('a miss sends nothing and counts nothing; after lookup() the answer is there at once', async (t) => {
  const { server, resolver, seen } = await setup(t);
  t.is(resolver.answerNow('a.test', 'A'), undefined);
  t.is(server.counters.udp, 0);
  t.like(resolver.counters, { lookups: 0, cacheHits: 0 });
  t.deepEqual(seen, []);
  const looked = await resolver.lookup('a.test', 'A');
  t.deepEqual(resolver.answerNow('a.test', 'A'), looked);
  t.is(server.counters.udp, 1);
  t.like(resolver.counters, { lookups: 2, cacheHits: 1 });
  t.deepEqual(seen.at(-1), ['a.test', 'A', looked, true]);
});

test('answerNow hands out the cached answer itself, for any ASCII case and a trailing dot', async (t) => {
  const { resolver } = await setup(t);
  await resolver.lookup('mx.test', 'MX');
  const hit = resolver.answerNow('mx.test', 'MX');
  t.is(resolver.answerNow('MX.Test.', 'MX'), hit);
  t.is(resolver.answerNow('mx.test', 'TXT'), undefined);
});

test('an entry is served until its TTL is over, then answerNow misses and lookup() asks again', async (t) => {
  const { server, resolver, advance } = await setup(t);
  await resolver.lookup('a.test', 'A'); // TTL 100
  advance(99);
  t.like(resolver.answerNow('a.test', 'A'), { kind: 'records' });
  advance(1);
  t.is(resolver.answerNow('a.test', 'A'), undefined);
  t.is(server.counters.udp, 1);
  await resolver.lookup('a.test', 'A');
  t.is(server.counters.udp, 2);
  t.like(resolver.answerNow('a.test', 'A'), { kind: 'records' });
});

test('NXDOMAIN and NODATA are served at once for their negative TTL', async (t) => {
  const { resolver, advance } = await setup(t);
  await resolver.lookup('missing.test', 'A');
  await resolver.lookup('a.test', 'MX');
  advance(19);
  t.deepEqual(resolver.answerNow('missing.test', 'A'), { kind: 'nxdomain' });
  t.deepEqual(resolver.answerNow('a.test', 'MX'), { kind: 'nodata' });
  advance(1);
  t.is(resolver.answerNow('missing.test', 'A'), undefined);
  t.is(resolver.answerNow('a.test', 'MX'), undefined);
});

test('failures are never served from the cache', async (t) => {
  const { server, resolver } = await setup(t);
  server.setMode('servfail');
  t.like(await resolver.lookup('a.test', 'A'), { kind: 'error', failure: 'servfail' });
  t.is(resolver.answerNow('a.test', 'A'), undefined);
});

test('a bad name and a closed resolver are answered at once, as lookup() answers them', async (t) => {
  const { resolver, seen } = await setup(t);
  t.deepEqual(resolver.answerNow('a..test', 'A'), await resolver.lookup('a..test', 'A'));
  t.like(resolver.answerNow('a..test', 'A'), { kind: 'error', failure: 'badname' });
  t.is(seen.length, 3);
  resolver.close();
  t.like(resolver.answerNow('a.test', 'A'), { kind: 'error', failure: 'network', detail: 'resolver closed' });
});

test('without a cache answerNow only ever answers bad names', async (t) => {
  const { resolver } = await setup(t, false);
  await resolver.lookup('a.test', 'A');
  t.is(resolver.answerNow('a.test', 'A'), undefined);
  t.like(resolver.answerNow('', 'A'), { kind: 'error', failure: 'badname' });
});
