// What an SpfOutcome says beyond the result: identity and sender (RFC 7208 2.3, 2.4, 4.3 plus
// qmail-spf's no-"@" rule), recordDomain and mechanism through include and redirect, the lookup
// count, and that odd input or a misbehaving resolver never makes checkHost() throw.
import test from 'ava';
import type { Resolver } from '../../src/dns/types.js';
import { checkHost } from '../../src/spf/index.js';
import { txt, type TestZone, type ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['top.example', [txt('v=spf1 ip4:192.0.2.1 include:inc.example -all')]],
  ['inc.example', [txt('v=spf1 ip4:198.51.100.0/24 ~all')]],
  ['red.example', [txt('v=spf1 redirect=target.example')]],
  ['target.example', [txt('v=spf1 ip4:203.0.113.0/24 -all')]],
  ['open-red.example', [txt('v=spf1 redirect=open.example')]],
  ['open.example', [txt('v=spf1 ip4:203.0.113.0/24')]],
  ['inc-dead.example', [txt('v=spf1 include:dead-inner.example -all')]],
  ['dead-inner.example', [txt('v=spf1 a:dead.example -all')]],
  ['dead.example', [{ type: 'TIMEOUT' }]],
  ['inc-none.example', [txt('v=spf1 include:nxdomain.example -all')]],
  ['inc-bad.example', [txt('v=spf1 include:bad.example -all')]],
  ['bad.example', [txt('v=spf1 moo')]],
  ['helo.example', [txt('v=spf1 ip4:192.0.2.1 -all')]],
  ['mapped.example', [txt('v=spf1 ip4:192.0.2.0/24 -all')]],
]);
const resolver = zoneResolver(ZONE);
const check = (ip: string, sender: string, helo = 'helo.example') => checkHost({ ip, sender, helo }, { resolver });

test('a match inside an include is reported as the include term of the including record', async (t) => {
  const o = await check('198.51.100.9', 'u@top.example');
  t.like(o, { result: 'pass', recordDomain: 'top.example', mechanism: 'include:inc.example', lookups: 1 });
});

test('an include whose target does not pass falls through to the next term', async (t) => {
  const o = await check('10.0.0.1', 'u@top.example');
  t.like(o, { result: 'fail', recordDomain: 'top.example', mechanism: '-all' });
});

test('after a redirect the target record and its term decide', async (t) => {
  const o = await check('10.0.0.1', 'u@red.example');
  t.like(o, { result: 'fail', domain: 'red.example', recordDomain: 'target.example', mechanism: '-all', lookups: 1 });
});

test('a redirect target without a match is neutral at the target, with no mechanism', async (t) => {
  const o = await check('10.0.0.1', 'u@open-red.example');
  t.like(o, { result: 'neutral', recordDomain: 'open.example' });
  t.is(o.mechanism, undefined);
});

test('a DNS error inside an include names the inner record and term', async (t) => {
  const o = await check('10.0.0.1', 'u@inc-dead.example');
  t.like(o, { result: 'temperror', recordDomain: 'dead-inner.example', mechanism: 'a:dead.example', problem: 'DNS timeout on A dead.example' });
});

test('an include of a domain without a record is a permerror of the include term', async (t) => {
  const o = await check('10.0.0.1', 'u@inc-none.example');
  t.like(o, { result: 'permerror', recordDomain: 'inc-none.example', mechanism: 'include:nxdomain.example' });
});

test('a bad included record is a permerror at that record', async (t) => {
  const o = await check('10.0.0.1', 'u@inc-bad.example');
  t.like(o, { result: 'permerror', recordDomain: 'bad.example' });
  t.regex(o.problem ?? '', /unknown mechanism "moo"/);
});

const identities: [label: string, sender: string, helo: string, identity: 'mailfrom' | 'helo', domain: string, checked: string][] = [
  ['the null sender is checked as postmaster@HELO', '', 'helo.example', 'helo', 'helo.example', 'postmaster@helo.example'],
  ['a sender without "@" is checked as the HELO identity (qmail-spf)', 'bounce', 'helo.example', 'helo', 'helo.example', 'postmaster@helo.example'],
  ['an empty local part becomes postmaster', '@top.example', 'x', 'mailfrom', 'top.example', 'postmaster@top.example'],
  ['the domain is the part after the last "@"', '"a@b"@top.example', 'x', 'mailfrom', 'top.example', '"a@b"@top.example'],
  ['a HELO with "@" counts from after its last "@" (qmail-spf P)', '', 'user@helo.example', 'helo', 'helo.example', 'postmaster@helo.example'],
];
for (const [label, sender, helo, identity, domain, checked] of identities) {
  test(label, async (t) => {
    const o = await check('192.0.2.1', sender, helo);
    t.like(o, { identity, domain, sender: checked });
  });
}

test('an IPv4-mapped IPv6 client is checked as IPv4', async (t) => {
  t.is((await check('::FFFF:192.0.2.44', 'u@mapped.example')).result, 'pass');
});

test('a client address that is not an IP address is a permerror without DNS', async (t) => {
  const o = await check('192.0.2.300', 'u@mapped.example');
  t.like(o, { result: 'permerror', lookups: 0 });
});

test('a resolver that throws gives temperror, not an exception', async (t) => {
  const throwing: Resolver = { lookup: () => Promise.reject(new Error('socket closed')) };
  const o = await checkHost({ ip: '192.0.2.1', sender: 'u@top.example', helo: 'h' }, { resolver: throwing });
  t.like(o, { result: 'temperror', problem: 'DNS network error on TXT top.example' });
});

test('a resolver answering "bad name" is taken as a name that does not exist', async (t) => {
  const badName: Resolver = { lookup: async () => ({ kind: 'error', failure: 'badname', detail: 'label too long' }) };
  const o = await checkHost({ ip: '192.0.2.1', sender: 'u@top.example', helo: 'h' }, { resolver: badName });
  t.is(o.result, 'none');
});
