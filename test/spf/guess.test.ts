// qmail-spf "spfguess" (spec qmail-smtpd.md 3.8.6): for a domain without an SPF record the guess
// terms, then the local rules, stand in for a record. A match is local policy; anything else,
// DNS errors inside the guess included, leaves the result none.
import test from 'ava';
import { checkHost } from '../../src/spf/index.js';
import type { TestZone, ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['norecord.example', [
    { type: 'A', data: '192.0.2.10' },
    { type: 'MX', data: { preference: 10, exchange: 'mx.norecord.example' } },
    { type: 'TXT', data: ['google-site-verification=abc'] },
  ]],
  ['mx.norecord.example', [{ type: 'A', data: '192.0.2.20' }]],
  ['broken.example', [{ type: 'A', data: '192.0.2.30' }]],
  ['dead.example', [{ type: 'TIMEOUT' }]],
  ['withrecord.example', [{ type: 'TXT', data: ['v=spf1 -all'] }]],
]);
const resolver = zoneResolver(ZONE);
const GUESS = 'a/24 mx/24';

const check = (ip: string, sender: string, options: { guess?: string; localRules?: string } = {}) =>
  checkHost({ ip, sender, helo: 'client.example' }, { resolver, ...options });

test('a guess term matching a domain without a record is a local pass', async (t) => {
  const o = await check('192.0.2.77', 'u@norecord.example', { guess: GUESS });
  t.like(o, { result: 'pass', local: true, recordDomain: 'norecord.example', mechanism: 'a/24' });
});

test('guess terms are evaluated in order, mx after a', async (t) => {
  const o = await check('192.0.2.20', 'u@norecord.example', { guess: 'a mx' });
  t.like(o, { result: 'pass', local: true, mechanism: 'mx', lookups: 2 });
});

test('the local rules follow the guess when the domain has no record', async (t) => {
  const o = await check('10.9.9.1', 'u@norecord.example', { guess: GUESS, localRules: 'ip4:10.9.9.0/24' });
  t.like(o, { result: 'pass', local: true, mechanism: 'ip4:10.9.9.0/24' });
});

test('local rules alone also stand in for a missing record', async (t) => {
  const o = await check('10.9.9.1', 'u@nxdomain.example', { localRules: 'ip4:10.9.9.0/24' });
  t.like(o, { result: 'pass', local: true, recordDomain: 'nxdomain.example' });
});

test('a qualified guess term gives its own result, still as local policy', async (t) => {
  const o = await check('198.51.100.1', 'u@norecord.example', { guess: `${GUESS} ?all` });
  t.like(o, { result: 'neutral', local: true, mechanism: '?all' });
});

test('no guess match leaves none', async (t) => {
  const o = await check('198.51.100.1', 'u@norecord.example', { guess: GUESS });
  t.like(o, { result: 'none', local: false, problem: 'No SPF record at norecord.example' });
  t.is(o.mechanism, undefined);
});

test('a DNS error inside the guess counts as none', async (t) => {
  const o = await check('198.51.100.1', 'u@broken.example', { guess: 'a exists:dead.example' });
  t.is(o.result, 'none');
  t.regex(o.problem ?? '', /local guess gave temperror: DNS timeout on A dead\.example/);
});

test('a guess never replaces a published record', async (t) => {
  const o = await check('192.0.2.30', 'u@withrecord.example', { guess: 'ip4:192.0.2.0/24' });
  t.like(o, { result: 'fail', local: false });
});

test('a domain whose TXT lookup fails is temperror, the guess is not tried', async (t) => {
  const o = await check('192.0.2.1', 'u@dead.example', { guess: 'ip4:192.0.2.0/24' });
  t.like(o, { result: 'temperror', problem: 'DNS timeout on TXT dead.example' });
});

test('an invalid domain stays none without a guess or any lookup', async (t) => {
  const o = await check('192.0.2.1', 'u@localhost', { guess: 'ip4:192.0.2.0/24' });
  t.like(o, { result: 'none', local: false, lookups: 0 });
});
