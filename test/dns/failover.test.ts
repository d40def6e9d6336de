// Several servers: a dead, silent, failing or refusing one is passed over for the next, each
// round retries the list, and the final failure says what went wrong. Also DNSCACHEIP wiring.

import test from 'ava';
import { createResolver, type DnsResolver } from '../../src/dns/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { closedPort } from './raw-server.js';
import { BASE_ZONE } from './zone-fixtures.js';

/** Per-try timeout where a test expects tries to time out. */
const FAST_MS = 200;
/** Per-try timeout elsewhere: long enough that a loaded machine does not fail a test, and that
 * finishing well before it proves no timeout was waited out. */
const SLOW_MS = 3000;
const A_RECORDS = { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] };

let good: TestDnsServer;
const cleanup: (() => unknown)[] = [];

test.before(async () => {
  good = await startDnsServer(BASE_ZONE);
});
test.after.always(async () => {
  for (const c of cleanup) await c();
  await good?.close();
});

async function server(mode: 'servfail' | 'refused' | 'drop'): Promise<TestDnsServer> {
  const s = await startDnsServer(BASE_ZONE, { mode });
  cleanup.push(() => s.close());
  return s;
}

function resolver(servers: string[], attempts = 1, timeoutMs = SLOW_MS): DnsResolver {
  const r = createResolver({ servers, timeoutMs, attempts, cache: false });
  cleanup.push(() => r.close());
  return r;
}

test('a server with nothing on its port is passed over at once', async (t) => {
  const dead = `127.0.0.1:${await closedPort()}`;
  const r = resolver([dead, good.address]);
  const started = Date.now();
  t.deepEqual(await r.lookup('a.test', 'A'), A_RECORDS);
  t.is(r.counters.udpQueries, 2);
  // ICMP port unreachable ends the try; no need to wait out the timeout.
  t.true(Date.now() - started < SLOW_MS / 2, `took ${Date.now() - started} ms`);
});

test('only a dead server: a network failure', async (t) => {
  const dead = `127.0.0.1:${await closedPort()}`;
  t.like(await resolver([dead]).lookup('a.test', 'A'), { kind: 'error', failure: 'network' });
});

test('a silent server is passed over after the timeout', async (t) => {
  const silent = await server('drop');
  const started = Date.now();
  t.deepEqual(await resolver([silent.address, good.address], 1, FAST_MS).lookup('a.test', 'A'), A_RECORDS);
  t.is(silent.counters.udp, 1);
  t.true(Date.now() - started >= FAST_MS - 5);
});

test('a SERVFAIL server is passed over for the next', async (t) => {
  const failing = await server('servfail');
  t.deepEqual(await resolver([failing.address, good.address]).lookup('a.test', 'A'), A_RECORDS);
  t.is(failing.counters.udp, 1);
});

test('a REFUSED server is passed over for the next', async (t) => {
  const refusing = await server('refused');
  t.deepEqual(await resolver([refusing.address, good.address]).lookup('a.test', 'A'), A_RECORDS);
  t.is(refusing.counters.udp, 1);
});

test('each round asks every server again; SERVFAIL everywhere is servfail', async (t) => {
  const one = await server('servfail');
  const two = await server('servfail');
  const answer = await resolver([one.address, two.address], 2).lookup('a.test', 'A');
  t.like(answer, { kind: 'error', failure: 'servfail' });
  t.is(one.counters.udp, 2);
  t.is(two.counters.udp, 2);
});

test('silence everywhere is timeout, after attempts x servers tries', async (t) => {
  const one = await server('drop');
  const two = await server('drop');
  const r = resolver([one.address, two.address], 2, FAST_MS);
  const answer = await r.lookup('a.test', 'A');
  t.like(answer, { kind: 'error', failure: 'timeout' });
  t.is(r.counters.udpQueries, 4);
});

test('the failure reported is the last server tried', async (t) => {
  const failing = await server('servfail');
  const refusing = await server('refused');
  t.like(await resolver([failing.address, refusing.address]).lookup('a.test', 'A'), { kind: 'error', failure: 'refused' });
  t.like(await resolver([refusing.address, failing.address]).lookup('a.test', 'A'), { kind: 'error', failure: 'servfail' });
});

test('DNSCACHEIP from the environment picks the servers, in order', async (t) => {
  const failing = await server('servfail');
  const r = createResolver({ env: { DNSCACHEIP: `${failing.address}, ${good.address} bogus` }, timeoutMs: SLOW_MS, attempts: 1 });
  cleanup.push(() => r.close());
  t.is(r.serverSource, 'DNSCACHEIP');
  t.deepEqual(r.invalidServers, [{ source: 'DNSCACHEIP', entry: 'bogus' }]);
  t.deepEqual(await r.lookup('a.test', 'A'), A_RECORDS);
  t.is(failing.counters.udp, 1);
});

test('no usable server configured: every lookup is a network failure', async (t) => {
  const r = resolver(['not-an-address']);
  t.deepEqual(r.servers, []);
  t.like(await r.lookup('a.test', 'A'), { kind: 'error', failure: 'network' });
});

test('a server the system cannot even connect to is a network failure, at once', async (t) => {
  const started = Date.now();
  const answer = await resolver(['[fe80::1%nosuchif0]:53']).lookup('a.test', 'A');
  t.like(answer, { kind: 'error', failure: 'network' });
  t.true(Date.now() - started < SLOW_MS / 2);
});
