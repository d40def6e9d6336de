// The RFC 7208 conformance suite (test/spf/fixtures/rfc7208-tests.yml, 203 tests) through the
// resolver hook: every test must give one of its accepted results and, where the suite names
// one, exactly its explanation ("DEFAULT" = our default explanation was used). No skips.
import test from 'ava';
import { checkHost } from '../../src/spf/index.js';
import { loadSuite, suitePath } from '../helpers/spf-suite.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const scenarios = loadSuite(suitePath('rfc7208-tests.yml'));

test('the suite holds 16 scenarios and 203 tests', (t) => {
  t.is(scenarios.length, 16);
  t.is(scenarios.reduce((n, s) => n + s.tests.length, 0), 203);
});

for (const scenario of scenarios) {
  const resolver = zoneResolver(scenario.zone);
  for (const spec of scenario.tests) {
    test(spec.name, async (t) => {
      const trace: string[] = [];
      const outcome = await checkHost(
        { ip: spec.host, sender: spec.mailfrom, helo: spec.helo },
        { resolver, defaultExplanation: 'DEFAULT', trace: (l) => trace.push(l) },
      );
      const got = `got ${outcome.result} (${outcome.problem ?? 'no problem'}), want ${spec.result.join(' or ')}`;
      t.true(spec.result.includes(outcome.result), `${scenario.description}: ${got}\n${trace.join('\n')}`);
      if (spec.explanation !== undefined) t.is(outcome.explanation, spec.explanation, trace.join('\n'));
    });
  }
}
