// The warm path: a check whose answers all come from the resolver's cache runs through
// answerNow() without a lookup() promise, gives the same outcome and trace as a cold check, falls
// back to lookup() for what is not cached, and never serves an answer past its TTL.
import test from 'ava';
import { createResolver, type DnsAnswer, type RecordData, type Resolver, type RrType } from '../../src/dns/index.js';
import { checkHost, type SpfOutcome, type SpfQuery } from '../../src/spf/index.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { txt, zoneOf, type TestZone } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = zoneOf({
  'sender.example': [
    txt('v=spf1 a mx include:_spf.sender.example ~all'),
    { type: 'A', data: '192.0.2.10', ttl: 600 },
    { type: 'MX', data: { preference: 10, exchange: 'mx.sender.example' }, ttl: 600 },
  ],
  'mx.sender.example': [{ type: 'A', data: '192.0.2.20', ttl: 600 }],
  '_spf.sender.example': [{ type: 'TXT', data: ['v=spf1 ip4:198.51.100.0/24 -all'], ttl: 30 }],
});
const PASS_BY_INCLUDE: SpfQuery = { ip: '198.51.100.7', sender: 'u@sender.example', helo: 'h.example' };
const SOFTFAIL: SpfQuery = { ip: '203.0.113.1', sender: 'u@sender.example', helo: 'h.example' };

/** The zone hook, with a memo of every answer that answerNow() serves; counts both kinds of call. */
function memoResolver(zone: TestZone): Resolver & { memo: Map<string, DnsAnswer<unknown>>; lookups: number; now: number } {
  const hook = zoneResolver(zone);
  const memo = new Map<string, DnsAnswer<unknown>>();
  const r = {
    memo,
    lookups: 0,
    now: 0,
    async lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
      r.lookups++;
      const answer = await hook.lookup(name, type);
      memo.set(`${type} ${name}`, answer);
      return answer;
    },
    answerNow<T extends RrType>(name: string, type: T): DnsAnswer<RecordData[T]> | undefined {
      const answer = memo.get(`${type} ${name}`) as DnsAnswer<RecordData[T]> | undefined;
      if (answer !== undefined) r.now++;
      return answer;
    },
  };
  return r;
}

async function traced(query: SpfQuery, resolver: Resolver): Promise<[SpfOutcome, string[]]> {
  const lines: string[] = [];
  const outcome = await checkHost(query, { resolver, trace: (l) => lines.push(l) });
  return [outcome, lines];
}

test('a warm check takes every answer from answerNow and none from lookup, with the same outcome and trace', async (t) => {
  const r = memoResolver(ZONE);
  const cold = await traced(PASS_BY_INCLUDE, r);
  const asked = r.lookups;
  t.true(asked >= 4);
  const warm = await traced(PASS_BY_INCLUDE, r);
  t.is(r.lookups, asked);
  t.is(r.now, asked);
  t.deepEqual(warm, cold);
  t.like(warm[0], { result: 'pass', mechanism: `include:_spf.sender.example` });
});

test('what answerNow does not have is asked of lookup, in the same order', async (t) => {
  const r = memoResolver(ZONE);
  await checkHost(PASS_BY_INCLUDE, { resolver: r });
  r.memo.delete('MX sender.example');
  const before = r.lookups;
  const [outcome] = await traced(SOFTFAIL, r);
  t.is(r.lookups, before + 1);
  t.like(outcome, { result: 'softfail' });
});

test('an answerNow that throws is a DNS error like a lookup that throws: temperror', async (t) => {
  const resolver: Resolver = {
    lookup: () => Promise.reject(new Error('not used')),
    answerNow: () => {
      throw new Error('resolver bug');
    },
  };
  t.like(await checkHost(SOFTFAIL, { resolver }), { result: 'temperror' });
});

test('a warm check through the real resolver sends nothing, until an entry outlives its TTL', async (t) => {
  const server = await startDnsServer(ZONE);
  let clock = 1_000_000;
  const resolver = createResolver({ servers: server.address, attempts: 1, now: () => clock });
  t.teardown(async () => {
    resolver.close();
    await server.close();
  });
  t.like(await checkHost(PASS_BY_INCLUDE, { resolver }), { result: 'pass' });
  const sent = server.counters.udp;
  t.like(await checkHost(PASS_BY_INCLUDE, { resolver }), { result: 'pass' });
  t.is(server.counters.udp, sent, 'warm: all from the cache');
  // _spf.sender.example has a TTL of 30 s: at 29 s it is still served, at 30 s it is asked again.
  clock += 29_000;
  await checkHost(PASS_BY_INCLUDE, { resolver });
  t.is(server.counters.udp, sent);
  clock += 1_000;
  t.is(resolver.answerNow?.('_spf.sender.example', 'TXT'), undefined, 'an expired entry is not served');
  t.like(await checkHost(PASS_BY_INCLUDE, { resolver }), { result: 'pass' });
  t.is(server.counters.udp, sent + 1, 'only the expired entry was asked for');
  // A changed record is seen once the old answer has expired.
  server.setZone(zoneOf({ ...Object.fromEntries(ZONE), '_spf.sender.example': [txt('v=spf1 -all')] }));
  clock += 30_000;
  t.like(await checkHost(PASS_BY_INCLUDE, { resolver }), { result: 'softfail' });
});

test('negative answers stay cached on the warm path for their negative TTL', async (t) => {
  const zone = zoneOf({ 'gone.example': [txt('v=spf1 a:nothing.gone.example -all')] });
  const server = await startDnsServer(zone, { soa: { ttl: 300, minimum: 20 } });
  let clock = 0;
  const resolver = createResolver({ servers: server.address, attempts: 1, now: () => clock });
  t.teardown(async () => {
    resolver.close();
    await server.close();
  });
  const query = { ip: '192.0.2.1', sender: 'u@gone.example', helo: 'h.example' };
  t.like(await checkHost(query, { resolver }), { result: 'fail' });
  const sent = server.counters.udp;
  t.deepEqual(resolver.answerNow?.('nothing.gone.example', 'A'), { kind: 'nxdomain' });
  clock += 19_000;
  t.like(await checkHost(query, { resolver }), { result: 'fail' });
  t.is(server.counters.udp, sent);
  clock += 1_000;
  t.like(await checkHost(query, { resolver }), { result: 'fail' });
  t.is(server.counters.udp, sent + 1);
});
