// Explanations of a fail (RFC 7208 6.2) and the admin's default explanation in qmail-spf's rc5
// dialect (spec qmail-smtpd.md 3.8.5): x-macros only in that local text, never in DNS text.
import test from 'ava';
import { checkHost, expandLocalText, type SpfOptions, type SpfQuery } from '../../src/spf/index.js';
import { txt, type TestZone, type ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['fail.example', [txt('v=spf1 -all')]],
  ['neutral.example', [txt('v=spf1 ?all exp=why.example')]],
  ['exp.example', [txt('v=spf1 -all exp=why.example')]],
  ['why.example', [txt("%{i} is not one of %{d}'s designated mail servers.")]],
  ['xexp.example', [txt('v=spf1 -all exp=xwhy.example')]],
  ['xwhy.example', [txt('%{xr} says no')]],
  ['xspec.example', [txt('v=spf1 a:%{xr}.example -all')]],
  ['ptr.example', [txt('v=spf1 -all')]],
  ['7.2.0.192.in-addr.arpa', [{ type: 'PTR', data: 'client.ptr.example' }]],
  ['client.ptr.example', [{ type: 'A', data: '192.0.2.7' }]],
]);
const resolver = zoneResolver(ZONE);

async function explain(sender: string, options: Partial<SpfOptions> = {}, query: Partial<SpfQuery> = {}) {
  return checkHost({ ip: '192.0.2.7', sender, helo: 'client.example', receiver: 'mx 1.example', ...query }, { resolver, ...options });
}

test('x-macros in the default explanation: receiver, "SPF record at", problem, escaped forms', async (t) => {
  const o = await explain('u@fail.example', { defaultExplanation: 'See %{xS}: %{xr} / %{xR} [%{xe}]' });
  t.is(o.explanation, 'See SPF%20record%20at%20fail.example: mx 1.example / mx%201.example []');
});

test('%{xs} is "local policy" when the local guess decided the fail', async (t) => {
  const o = await explain('u@nxdomain.example', { guess: '-ip4:192.0.2.0/24', defaultExplanation: '%{xs} rejects %{i}' });
  t.like(o, { result: 'fail', local: true, explanation: 'local policy rejects 192.0.2.7' });
});

test('RFC macros, %% %_ %- and a stray "%" in the local text', async (t) => {
  const defaultExplanation = '%{s} from %{c} (%{v}) at %{t}: 100%% %_%- sure %{ and 5% more';
  const o = await explain('', { defaultExplanation, now: () => 1234 }, { helo: 'fail.example' });
  t.is(o.explanation, 'postmaster@fail.example from 192.0.2.7 (in-addr) at 1234: 100%  %20 sure %{ and 5% more');
});

test('%{p} in the default explanation is the validated client name, looked up when used', async (t) => {
  const o = await explain('u@ptr.example', { defaultExplanation: 'from %{p}' });
  t.is(o.explanation, 'from client.ptr.example');
});

test('exp= text wins over the default explanation', async (t) => {
  const o = await explain('u@exp.example', { defaultExplanation: 'DEFAULT' });
  t.is(o.explanation, "192.0.2.7 is not one of exp.example's designated mail servers.");
});

test('an x-macro in exp= text from DNS is a syntax error: the default explanation is used', async (t) => {
  const o = await explain('u@xexp.example', { defaultExplanation: 'DEFAULT' });
  t.like(o, { result: 'fail', explanation: 'DEFAULT' });
});

test('an x-macro in a record\'s domain-spec is a permerror', async (t) => {
  const o = await explain('u@xspec.example');
  t.is(o.result, 'permerror');
});

test('no explanation for results other than fail, and none without exp= or a default', async (t) => {
  t.is((await explain('u@neutral.example', { defaultExplanation: 'DEFAULT' })).explanation, undefined);
  t.is((await explain('u@fail.example')).explanation, undefined);
});

test('expandLocalText explains any outcome without DNS; %{xe} is the problem text', (t) => {
  const query: SpfQuery = { ip: '::ffff:192.0.2.7', sender: 'a b@x.example', helo: 'h.example', receiver: 'mx.example.org' };
  const outcome = {
    result: 'permerror', identity: 'mailfrom', domain: 'x.example', sender: 'a b@x.example',
    recordDomain: 'x.example', local: false, problem: 'Bad SPF record at x.example: unknown mechanism "moo"', lookups: 0,
  } as const;
  t.deepEqual(expandLocalText('%{xe}|%{xE}|%{S}|%{l}|%{i}|%{p}|%{xR}', outcome, query).split('|'), [
    'Bad SPF record at x.example: unknown mechanism "moo"',
    'Bad%20SPF%20record%20at%20x.example%3A%20unknown%20mechanism%20%22moo%22',
    'a%20b%40x.example',
    'a b',
    '192.0.2.7',
    'unknown',
    'mx.example.org',
  ]);
  t.is(expandLocalText('%{p} %{t}', outcome, query, { ptrName: 'c.example', now: () => 7 }), 'c.example 7');
  t.is(expandLocalText('%{xs}', { ...outcome, local: true }, query), 'local policy');
});
