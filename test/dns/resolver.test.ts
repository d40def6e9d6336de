// The resolver around the client: identical queries in flight are sent once, every lookup is
// reported to onLookup, close() ends running lookups, and an idle resolver holds no process.

import test from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createResolver, type DnsAnswer, type DnsResolver, type RrType } from '../../src/dns/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { BASE_ZONE } from './zone-fixtures.js';

/** Per-try timeout; no test here waits one out. */
const TIMEOUT_MS = 3000;
let server: TestDnsServer;
let silent: TestDnsServer;

test.before(async () => {
  server = await startDnsServer(BASE_ZONE);
  silent = await startDnsServer(BASE_ZONE, { mode: 'drop' });
});
test.after.always(async () => {
  await server?.close();
  await silent?.close();
});

test('identical lookups in flight share one query (names compared case-insensitively)', async (t) => {
  const own = await startDnsServer(BASE_ZONE);
  const r = createResolver({ servers: own.address, timeoutMs: TIMEOUT_MS, cache: false });
  const answers = await Promise.all([r.lookup('mx.test', 'MX'), r.lookup('MX.test', 'MX'), r.lookup('mx.test', 'TXT')]);
  r.close();
  await own.close();
  t.is(answers[0].kind, 'records');
  t.deepEqual(answers[1], answers[0]);
  t.deepEqual(answers[2], { kind: 'nodata' });
  t.is(own.counters.udp, 2);
  t.is(r.counters.joined, 1);
  t.is(r.counters.lookups, 3);
});

test('onLookup sees every lookup with the name as asked and where the answer came from', async (t) => {
  const seen: [string, RrType, DnsAnswer<unknown>, boolean][] = [];
  const r = createResolver({ servers: server.address, timeoutMs: TIMEOUT_MS, onLookup: (...args) => seen.push(args) });
  await r.lookup('V6.test', 'AAAA');
  await r.lookup('v6.test', 'AAAA');
  await r.lookup('a..test', 'A');
  r.close();
  t.deepEqual(seen, [
    ['V6.test', 'AAAA', { kind: 'records', records: ['2001:db8::1'] }, false],
    ['v6.test', 'AAAA', { kind: 'records', records: ['2001:db8::1'] }, true],
    ['a..test', 'A', { kind: 'error', failure: 'badname', detail: 'empty label' }, false],
  ]);
});

test('an observer that throws does not break the lookup', async (t) => {
  const r = createResolver({
    servers: server.address,
    onLookup: () => {
      throw new Error('observer bug');
    },
  });
  t.deepEqual(await r.lookup('v6.test', 'AAAA'), { kind: 'records', records: ['2001:db8::1'] });
  r.close();
});

test('close() ends a lookup in flight at once and refuses later ones', async (t) => {
  const r: DnsResolver = createResolver({ servers: silent.address, timeoutMs: 5000 });
  const started = Date.now();
  const pending = r.lookup('a.test', 'A');
  setTimeout(() => r.close(), 20);
  t.like(await pending, { kind: 'error', failure: 'network', detail: 'resolver closed' });
  t.true(Date.now() - started < 1000);
  t.like(await r.lookup('a.test', 'A'), { kind: 'error', failure: 'network' });
});

test('timeoutMs and attempts that make no sense are refused when the resolver is built', (t) => {
  t.throws(() => createResolver({ servers: server.address, timeoutMs: 0 }), { instanceOf: RangeError });
  t.throws(() => createResolver({ servers: server.address, attempts: 0.5 }), { instanceOf: RangeError });
});

test('a script awaiting a lookup gets its answer, then exits with the resolver left open', async (t) => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const index = path.resolve(here, '../../src/dns/index.js');
  const script = [
    `const { createResolver } = await import(${JSON.stringify(index)});`,
    `const r = createResolver({ servers: process.argv[1], timeoutMs: ${TIMEOUT_MS} });`,
    `console.log(JSON.stringify(await r.lookup('a.test', 'A')));`,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, server.address], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill(), 5000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(killer);
  t.is(code, 0);
  t.deepEqual(JSON.parse(out), { kind: 'records', records: ['192.0.2.1', '192.0.2.2'] });
});
