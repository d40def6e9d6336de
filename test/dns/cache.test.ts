// The answer cache: hits send nothing, entries age out by TTL on an injected clock, NXDOMAIN
// and NODATA are kept for the SOA's negative TTL, failures are never kept, size is bounded.

import test, { type ExecutionContext } from 'ava';
import { AnswerCache, MAX_CACHE_TTL, MAX_NEGATIVE_TTL } from '../../src/dns/cache.js';
import { DEFAULT_NEGATIVE_TTL, createResolver, type DnsResolver, type ResolverOptions } from '../../src/dns/index.js';
import { startDnsServer, type DnsServerOptions, type TestDnsServer } from '../helpers/dns-server.js';
import { BASE_ZONE } from './zone-fixtures.js';

/** Per-try timeout: short for the silent server, generous for the rest. */
const FAST_MS = 250;
const SLOW_MS = 3000;
const SECOND = 1000;

interface Setup {
  readonly server: TestDnsServer;
  readonly resolver: DnsResolver;
  /** Moves the injected clock forward. */
  advance(seconds: number): void;
}

// Each test gets its own server so query counters belong to it alone.
async function setup(t: { teardown(fn: () => unknown): void }, serverOpts: DnsServerOptions = {}, resolverOpts: ResolverOptions = {}): Promise<Setup> {
  const server = await startDnsServer(BASE_ZONE, serverOpts);
  let clock = 1_000_000;
  const timeoutMs = serverOpts.mode === 'drop' ? FAST_MS : SLOW_MS;
  const resolver = createResolver({ servers: server.address, timeoutMs, attempts: 1, now: () => clock, ...resolverOpts });
  t.teardown(async () => {
    resolver.close();
    await server.close();
  });
  return { server, resolver, advance: (s) => (clock += s * SECOND) };
}

/** Looks `name` (A) up at 0 s, at `seconds` - 1 (a cache hit) and at `seconds` (asked again): cached exactly that long. */
async function cachedFor(t: ExecutionContext, { server, resolver, advance }: Setup, name: string, seconds: number): Promise<void> {
  await resolver.lookup(name, 'A');
  advance(seconds - 1);
  await resolver.lookup(name, 'A');
  t.is(server.counters.udp, 1, `${name}: still cached after ${seconds - 1} s`);
  advance(1);
  await resolver.lookup(name, 'A');
  t.is(server.counters.udp, 2, `${name}: asked again after ${seconds} s`);
}

test('a second lookup is a cache hit: nothing sent, same answer, any ASCII case', async (t) => {
  const { server, resolver } = await setup(t);
  const first = await resolver.lookup('mx.test', 'MX');
  t.deepEqual(await resolver.lookup('MX.TEST', 'MX'), first);
  t.is(server.counters.udp, 1);
  t.is(resolver.counters.cacheHits, 1);
});

test('the same name with another type is another entry', async (t) => {
  const { server, resolver } = await setup(t);
  await resolver.lookup('a.test', 'A');
  await resolver.lookup('a.test', 'TXT');
  t.is(server.counters.udp, 2);
});

test('records expire after the smallest TTL used, CNAMEs included', async (t) => {
  // alias.test (CNAME, ttl 30) -> mid.test (CNAME, ttl 200) -> a.test (A, ttl 100)
  await cachedFor(t, await setup(t), 'alias.test', 30);
});

test('NXDOMAIN and NODATA are cached for min(SOA TTL, SOA MINIMUM)', async (t) => {
  const { server, resolver, advance } = await setup(t, { soa: { ttl: 300, minimum: 20 } });
  t.deepEqual(await resolver.lookup('missing.test', 'A'), { kind: 'nxdomain' });
  t.deepEqual(await resolver.lookup('a.test', 'MX'), { kind: 'nodata' });
  advance(19);
  t.deepEqual(await resolver.lookup('missing.test', 'A'), { kind: 'nxdomain' });
  t.deepEqual(await resolver.lookup('a.test', 'MX'), { kind: 'nodata' });
  t.is(server.counters.udp, 2);
  advance(1);
  await resolver.lookup('missing.test', 'A');
  await resolver.lookup('a.test', 'MX');
  t.is(server.counters.udp, 4);
});

test('the SOA TTL limits the negative TTL when it is below MINIMUM', async (t) => {
  await cachedFor(t, await setup(t, { soa: { ttl: 10, minimum: 600 } }), 'missing.test', 10);
});

test('without an SOA a negative answer is cached for the default', async (t) => {
  await cachedFor(t, await setup(t, { soa: null }), 'missing.test', DEFAULT_NEGATIVE_TTL);
});

test('failures are not cached', async (t) => {
  const { server, resolver } = await setup(t, { mode: 'servfail' });
  t.like(await resolver.lookup('a.test', 'A'), { kind: 'error', failure: 'servfail' });
  server.setMode('answer');
  t.deepEqual(await resolver.lookup('a.test', 'A'), { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] });
  t.is(server.counters.udp, 2);
  t.is(resolver.counters.cacheHits, 0);
});

test('timeouts are not cached', async (t) => {
  const { server, resolver } = await setup(t, { mode: 'drop' });
  t.like(await resolver.lookup('a.test', 'A'), { kind: 'error', failure: 'timeout' });
  server.setMode('answer');
  t.is((await resolver.lookup('a.test', 'A')).kind, 'records');
});

test('cache: false sends every lookup', async (t) => {
  const { server, resolver } = await setup(t, {}, { cache: false });
  await resolver.lookup('a.test', 'A');
  await resolver.lookup('a.test', 'A');
  t.is(server.counters.udp, 2);
});

test('a bounded cache drops its oldest entry', async (t) => {
  const { server, resolver } = await setup(t, {}, { cache: { maxEntries: 2 } });
  for (const name of ['a.test', 'v6.test', 'mx.test']) await resolver.lookup(name, 'A');
  t.is(server.counters.udp, 3);
  await resolver.lookup('mx.test', 'A');
  await resolver.lookup('v6.test', 'A');
  t.is(server.counters.udp, 3);
  await resolver.lookup('a.test', 'A');
  t.is(server.counters.udp, 4);
});

test('AnswerCache caps TTLs, skips zero TTLs and errors', (t) => {
  let now = 0;
  const cache = new AnswerCache({ now: () => now });
  const records = { kind: 'records', records: ['192.0.2.1'] } as const;
  cache.set('long.test', 'A', records, 10 * MAX_CACHE_TTL);
  cache.set('neg.test', 'A', { kind: 'nxdomain' }, 10 * MAX_NEGATIVE_TTL);
  cache.set('zero.test', 'A', records, 0);
  cache.set('err.test', 'A', { kind: 'error', failure: 'servfail', detail: 'x' }, 300);
  t.is(cache.size, 2);
  now = (MAX_NEGATIVE_TTL - 1) * SECOND;
  t.deepEqual(cache.get('neg.test', 'A'), { kind: 'nxdomain' });
  now = MAX_NEGATIVE_TTL * SECOND;
  t.is(cache.get('neg.test', 'A'), undefined);
  now = (MAX_CACHE_TTL - 1) * SECOND;
  t.deepEqual(cache.get('LONG.test', 'A'), records);
  now = MAX_CACHE_TTL * SECOND;
  t.is(cache.get('long.test', 'A'), undefined);
});

test('AnswerCache folds only A-Z in keys', (t) => {
  const cache = new AnswerCache();
  cache.set('\xe9.test', 'A', { kind: 'nodata' }, 60);
  t.deepEqual(cache.get('\xe9.TEST', 'A'), { kind: 'nodata' });
  t.is(cache.get('\xc9.test', 'A'), undefined);
});

test('AnswerCache drops the oldest entry whatever its type, and a refreshed entry counts as new', (t) => {
  const cache = new AnswerCache({ maxEntries: 3 });
  const nodata = { kind: 'nodata' } as const;
  cache.set('one.test', 'TXT', nodata, 60);
  cache.set('two.test', 'A', nodata, 60);
  cache.set('three.test', 'MX', nodata, 60);
  cache.set('ONE.test', 'TXT', { kind: 'nxdomain' }, 60); // refreshed: now the youngest
  cache.set('four.test', 'AAAA', nodata, 60);
  t.is(cache.size, 3);
  t.is(cache.get('two.test', 'A'), undefined);
  t.deepEqual(cache.get('one.test', 'TXT'), { kind: 'nxdomain' });
  t.deepEqual(cache.get('three.test', 'MX'), nodata);
  t.deepEqual(cache.get('four.test', 'AAAA'), nodata);
});

test('AnswerCache: an expired entry found by get() leaves the cache', (t) => {
  let now = 0;
  const cache = new AnswerCache({ now: () => now });
  cache.set('a.test', 'A', { kind: 'nodata' }, 10);
  cache.set('a.test', 'TXT', { kind: 'nodata' }, 20);
  now = 10 * SECOND;
  t.is(cache.get('a.test', 'A'), undefined);
  t.is(cache.size, 1);
  t.deepEqual(cache.get('a.test', 'TXT'), { kind: 'nodata' });
  cache.clear();
  t.is(cache.size, 0);
  t.is(cache.get('a.test', 'TXT'), undefined);
});
