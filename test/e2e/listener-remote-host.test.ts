// `qfront serve --remote-host [--paranoid]` does what tcpserver -h (-p) does: TCPREMOTEHOST from
// the client's PTR record (asked of the DNS server in DNSCACHEIP), shown in the Received line and
// matched by tcprules' =host rules; paranoid drops a name that does not point back. Without the
// option nothing is looked up, as with tcpserver -H.
import test from 'ava';
import { dnsFor, queries, zoneOf } from '../helpers/spf-e2e.js';
import { startListener, type Listener, type ListenerOptions } from '../helpers/listener.js';
import type { TestDnsServer } from '../helpers/dns-server.js';
import { qpOf, talk, transaction } from '../helpers/smtp-client.js';
import type { ExecutionContext } from 'ava';

const PTR = '1.0.0.127.in-addr.arpa';
const honest = zoneOf({ [PTR]: [{ type: 'PTR', data: 'Client.Example' }], 'client.example': [{ type: 'A', data: '127.0.0.1' }] });
const liar = zoneOf({ [PTR]: [{ type: 'PTR', data: 'client.example' }], 'client.example': [{ type: 'A', data: '192.0.2.1' }] });

async function listener(t: ExecutionContext, dns: TestDnsServer, opts: ListenerOptions): Promise<Listener> {
  const l = await startListener({ ...opts, env: { DNSCACHEIP: dns.address, ...opts.env } });
  t.teardown(() => l.stop());
  return l;
}

/** One message; the Received line qfront wrote for it. */
async function receivedLine(l: Listener): Promise<string> {
  const tr = await talk(l.port, [...transaction('s@example.com', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  const qp = qpOf(tr.replies.find((r) => r.code === 250 && /qp/.test(r.lines[0] ?? '')));
  if (qp === undefined) throw new Error(`not accepted: ${JSON.stringify(tr.lines)}`);
  return l.queue.message(qp).message.toString('latin1').split('\n')[0] ?? '';
}

test('--remote-host: the PTR name (lower case) is the Received line\'s "from"', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, honest);
  const l = await listener(t, dns, { args: ['--remote-host'] });
  t.regex(await receivedLine(l), /^Received: from client\.example \(127\.0\.0\.1\)$/);
  t.regex(await l.waitForStderr(/^qfront: ok /), / client\.example:127\.0\.0\.1::\d+$/, 'the ok line names the host as tcpserver does');
});

test('without --remote-host nothing is looked up and "from" is unknown', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, honest);
  const l = await listener(t, dns, {});
  t.regex(await receivedLine(l), /^Received: from unknown \(127\.0\.0\.1\)$/);
  t.is(queries(dns), 0);
});

test('an =host rule matches the looked-up name: deny closes the connection without a greeting', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, honest);
  const l = await listener(t, dns, { args: ['--remote-host'], rules: '=client.example:deny\n:allow\n' });
  const tr = await talk(l.port, [], { waitClose: true }).catch((err: Error) => err);
  t.true(tr instanceof Error && /closed while waiting for a reply; unparsed: ""/.test(tr.message), String(tr));
  t.regex(await l.waitForStderr(/^qfront: deny /), / client\.example:127\.0\.0\.1::\d+$/);
});

test('--paranoid: a name that does not point back is dropped, so the =host rule does not match', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, liar);
  const l = await listener(t, dns, { args: ['--remote-host', '--paranoid'], rules: '=client.example:deny\n:allow\n' });
  t.regex(await receivedLine(l), /^Received: from unknown \(127\.0\.0\.1\)$/);
  t.true(queries(dns) >= 2, 'PTR, then the forward lookup');
});
