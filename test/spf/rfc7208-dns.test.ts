// The RFC 7208 conformance suite a second time, over the wire: every scenario's zone is served
// by a DNS server on 127.0.0.1 and the checks go through qfront's own DNS client (UDP, EDNS0,
// TCP on truncation), exactly as a session would make them. Same expectations as the hook run.
import test from 'ava';
import { createResolver, type DnsResolver } from '../../src/dns/index.js';
import { checkHost } from '../../src/spf/index.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { loadSuite, suitePath } from '../helpers/spf-suite.js';

/**
 * The suite's TIMEOUT names never answer, so each such case waits DNS_TIMEOUT_MS x DNS_ATTEMPTS;
 * two tries of a second still survive a machine loaded by the rest of the test run.
 */
const DNS_TIMEOUT_MS = 1000;
const DNS_ATTEMPTS = 2;

const scenarios = loadSuite(suitePath('rfc7208-tests.yml'));
const servers: TestDnsServer[] = [];
const resolvers: DnsResolver[] = [];
test.after.always(async () => {
  for (const r of resolvers) r.close();
  for (const s of servers) await s.close();
});

test('the suite holds 203 tests', (t) => {
  t.is(scenarios.reduce((n, s) => n + s.tests.length, 0), 203);
});

for (const scenario of scenarios) {
  // One server and one resolver (with its cache) per scenario, as the zones differ.
  let ready: Promise<DnsResolver> | undefined;
  const resolverFor = (): Promise<DnsResolver> =>
    (ready ??= startDnsServer(scenario.zone).then((server) => {
      servers.push(server);
      const resolver = createResolver({ servers: server.address, timeoutMs: DNS_TIMEOUT_MS, attempts: DNS_ATTEMPTS });
      resolvers.push(resolver);
      return resolver;
    }));
  for (const spec of scenario.tests) {
    test(`${spec.name} (real DNS)`, async (t) => {
      const resolver = await resolverFor();
      const trace: string[] = [];
      const outcome = await checkHost(
        { ip: spec.host, sender: spec.mailfrom, helo: spec.helo },
        { resolver, defaultExplanation: 'DEFAULT', trace: (l) => trace.push(l) },
      );
      t.true(spec.result.includes(outcome.result), `${scenario.description}: got ${outcome.result} (${outcome.problem ?? ''}), want ${spec.result.join(' or ')}\n${trace.join('\n')}`);
      if (spec.explanation !== undefined) t.is(outcome.explanation, spec.explanation, trace.join('\n'));
    });
  }
}
