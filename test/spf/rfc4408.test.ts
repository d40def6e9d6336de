// The older RFC 4408 suite (test/spf/fixtures/rfc4408-tests.yml, 191 tests) run against our RFC
// 7208 evaluator. Where RFC 7208 settled or changed the answer, CHANGED_BY_7208 gives the one
// result 7208 requires and why; every other test must pass exactly as the 4408 suite says.
import test from 'ava';
import { checkHost, type SpfResult } from '../../src/spf/index.js';
import { loadSuite, suitePath } from '../helpers/spf-suite.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

interface Changed {
  readonly result: SpfResult;
  readonly reason: string;
}

const UNDEFINED_BY_7208 = '7208 4.8 leaves an unqueryable target name undefined; the 7208 suite prefers no match';

const CHANGED_BY_7208: Readonly<Record<string, Changed>> = {
  // 4408 allowed checking the SPF RR type (99) first or alone; 7208 queries TXT only (3.1, 4.4).
  txtonly: { result: 'fail', reason: '7208 4.4: TXT is the only record queried, and it holds "-all"' },
  spfonly: { result: 'none', reason: '7208 4.4: the type-99 record is never queried, so there is no record' },
  spftimeout: { result: 'fail', reason: '7208 4.4: only the type-99 query times out, and it is never sent' },
  txttimeout: { result: 'temperror', reason: '7208 4.4: the TXT query is the only one, and a timeout there is temperror' },
  nospftxttimeout: { result: 'temperror', reason: '7208 4.4: a TXT timeout is temperror, not none' },
  spfoverride: { result: 'fail', reason: '7208 4.5: SPF-type records no longer override TXT; the TXT "-all" decides' },
  multitxt1: { result: 'permerror', reason: '7208 4.5: two v=spf1 TXT records are a permerror; no SPF RR overrides them' },
  multispf2: { result: 'pass', reason: '7208 4.5: the two SPF-type records are ignored; the single TXT record passes' },
  // Clarifications of what 4408 left open.
  'exists-dnserr': { result: 'temperror', reason: '7208 5 (and 5.7): a DNS timeout inside a mechanism is temperror' },
  'cidr6-0-ip4': { result: 'neutral', reason: '7208 5.6: an IPv4 client is matched by ip4 mechanisms only, never by ip6' },
  'cidr6-ip4': { result: 'neutral', reason: '7208 5 and 5.6: an IPv4-mapped client is an IPv4 client; ip6 never matches it' },
  'mx-limit': { result: 'permerror', reason: '7208 4.6.4: more than 10 MX names makes the mx mechanism a permerror' },
  // Still undefined in 7208 (4.8); the 7208 suite's preferred answer flipped from permerror to
  // no match, by analogy with 4.3 (a name that cannot be queried does not exist).
  'invalid-domain-empty-label': { result: 'fail', reason: UNDEFINED_BY_7208 },
  'invalid-domain-long': { result: 'fail', reason: UNDEFINED_BY_7208 },
  'invalid-domain-long-via-macro': { result: 'fail', reason: UNDEFINED_BY_7208 },
};

const scenarios = loadSuite(suitePath('rfc4408-tests.yml'));
const names = new Set(scenarios.flatMap((s) => s.tests.map((t) => t.name)));

test('the 4408 suite holds 15 scenarios and 191 tests; 15 are answered differently under 7208', (t) => {
  t.is(scenarios.length, 15);
  t.is(names.size, 191);
  t.is(Object.keys(CHANGED_BY_7208).length, 15);
});

test('every changed case names a 4408 test whose accepted results include the 7208 answer', (t) => {
  for (const [name, changed] of Object.entries(CHANGED_BY_7208)) {
    t.true(names.has(name), name);
    const spec = scenarios.flatMap((s) => s.tests).find((x) => x.name === name);
    t.true(spec?.result.includes(changed.result), `${name}: 4408 accepted ${spec?.result.join(' or ')}`);
  }
});

for (const scenario of scenarios) {
  const resolver = zoneResolver(scenario.zone);
  for (const spec of scenario.tests) {
    const changed = CHANGED_BY_7208[spec.name];
    const label = changed === undefined ? spec.name : `${spec.name} (changed by 7208: ${changed.result})`;
    test(label, async (t) => {
      const outcome = await checkHost(
        { ip: spec.host, sender: spec.mailfrom, helo: spec.helo },
        { resolver, defaultExplanation: 'DEFAULT' },
      );
      if (changed !== undefined) {
        t.is(outcome.result, changed.result, changed.reason);
      } else {
        t.true(spec.result.includes(outcome.result), `got ${outcome.result} (${outcome.problem ?? ''}), want ${spec.result.join(' or ')}`);
      }
      if (spec.explanation !== undefined && outcome.result === 'fail') t.is(outcome.explanation, spec.explanation);
    });
  }
}
