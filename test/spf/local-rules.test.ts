// qmail-spf "spfrules" (spec qmail-smtpd.md 3.8.6): where the local rules go in a record, and
// that they apply to the sender's record and its redirect target but never to an include.
import test from 'ava';
import { checkHost, insertLocalRules, parseLocalTerms, parseRecord } from '../../src/spf/index.js';
import { txt, type TestZone, type ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const RULES = 'include:spf.trusted-forwarder.org';

function spliced(record: string, rules = RULES): string {
  const parsed = parseRecord(record);
  const local = parseLocalTerms(rules);
  if (!parsed.ok || !local.ok) throw new Error('test record does not parse');
  return insertLocalRules(parsed.value.directives, local.value).directives.map((d) => d.text).join(' ');
}

const insertion: [record: string, expected: string][] = [
  // The examples of spec 3.8.6: rules go in.
  ['v=spf1 mx -all', `mx ${RULES} -all`],
  ['v=spf1 mx ?all', `mx ${RULES} ?all`],
  ['v=spf1 mx -ip4:1.2.3.4 -all', `mx ${RULES} -ip4:1.2.3.4 -all`],
  // ... and stay out.
  ['v=spf1 -all', '-all'],
  ['v=spf1 mx', 'mx'],
  ['v=spf1 +all', '+all'],
  // Further cases of the same rule.
  ['v=spf1 mx ~all', `mx ${RULES} ~all`],
  ['v=spf1 mx all', 'mx all'],
  ['v=spf1 -ip4:1.2.3.4 -all', '-ip4:1.2.3.4 -all'],
  ['v=spf1 mx ~ip4:1.2.3.4 -all', `mx ~ip4:1.2.3.4 ${RULES} -all`],
  ['v=spf1 mx -all ip4:1.2.3.4', 'mx -all ip4:1.2.3.4'],
  ['v=spf1 a mx -all exp=explain.example', `a mx ${RULES} -all`],
];

for (const [record, expected] of insertion) {
  test(`local rules in "${record}" give "${expected}"`, (t) => {
    t.is(spliced(record), expected);
  });
}

test('local rules may start with "v=spf1" and must not hold modifiers or bad terms', (t) => {
  const withVersion = parseLocalTerms('v=spf1 ip4:10.0.0.0/8 a:relay.example');
  t.deepEqual(withVersion.ok ? withVersion.value.map((d) => d.text) : [], ['ip4:10.0.0.0/8', 'a:relay.example']);
  t.false(parseLocalTerms('redirect=elsewhere.example').ok);
  t.false(parseLocalTerms('ip4:10.0.0.300').ok);
});

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['top.example', [txt('v=spf1 include:inner.example -all')]],
  ['inner.example', [txt('v=spf1 a:nowhere.example -all')]],
  ['via-redirect.example', [txt('v=spf1 redirect=target.example')]],
  ['target.example', [txt('v=spf1 a:nowhere.example -all')]],
  ['nowhere.example', [{ type: 'A', data: '192.0.2.99' }]],
  ['forwarder.example', [txt('v=spf1 ip4:10.9.9.0/24 -all')]],
  ['plain.example', [txt('v=spf1 -all')]],
]);
const resolver = zoneResolver(ZONE);
const FORWARDER = 'include:forwarder.example';

test('a local rule match in the sender\'s record is a local pass decided at that record', async (t) => {
  const o = await checkHost({ ip: '10.9.9.1', sender: 'u@top.example', helo: 'h' }, { resolver, localRules: FORWARDER });
  t.like(o, { result: 'pass', local: true, recordDomain: 'top.example', mechanism: FORWARDER });
});

test('local rules are not spliced into an included record', async (t) => {
  const trace: string[] = [];
  const o = await checkHost(
    { ip: '10.9.9.1', sender: 'u@top.example', helo: 'h' },
    { resolver, localRules: FORWARDER, trace: (l) => trace.push(l) },
  );
  t.is(trace.filter((l) => l.includes('local rules inserted')).length, 1);
  t.true(trace.some((l) => l === 'top.example: local rules inserted before "-all"'));
  t.is(o.result, 'pass');
});

test('local rules follow a redirect: the target record is the sender\'s policy', async (t) => {
  const o = await checkHost({ ip: '10.9.9.1', sender: 'u@via-redirect.example', helo: 'h' }, { resolver, localRules: FORWARDER });
  t.like(o, { result: 'pass', local: true, recordDomain: 'target.example', mechanism: FORWARDER });
});

test('without a match the record decides as published, not as local policy', async (t) => {
  const o = await checkHost({ ip: '10.1.1.1', sender: 'u@top.example', helo: 'h' }, { resolver, localRules: FORWARDER });
  t.like(o, { result: 'fail', local: false, mechanism: '-all', recordDomain: 'top.example' });
});

test('a record that is only "-all" gets no local rules', async (t) => {
  const o = await checkHost({ ip: '10.9.9.1', sender: 'u@plain.example', helo: 'h' }, { resolver, localRules: FORWARDER });
  t.like(o, { result: 'fail', local: false });
});

test('a local rule that can never work is skipped, so the domain\'s fail still stands', async (t) => {
  const o = await checkHost({ ip: '10.1.1.1', sender: 'u@top.example', helo: 'h' }, { resolver, localRules: 'include:no-record.example' });
  t.like(o, { result: 'fail', mechanism: '-all', local: false });
});

test('local rules that do not parse are ignored, and the trace says so', async (t) => {
  const trace: string[] = [];
  const o = await checkHost(
    { ip: '10.9.9.1', sender: 'u@top.example', helo: 'h' },
    { resolver, localRules: 'ip4:10.9.9.0/99', trace: (l) => trace.push(l) },
  );
  t.is(o.result, 'fail');
  t.true(trace[0]?.startsWith('local rules ignored: "ip4:10.9.9.0/99"'));
});
