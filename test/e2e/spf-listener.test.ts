// SPF through the listener door (`qfront serve`) and for IPv6 clients (spec qmail-smtpd.md 3.8,
// 8.7 "IPv6 as a documented extension"): the listener's sessions share one DNS cache and see an
// edited control/spfbehavior at the next connection; an IPv6 connection on [::1] is checked with
// ip6 terms; the stdio door gets an IPv6 TCPREMOTEIP as a ucspi-tcp6 tcpserver would set it
// (Debian's tcpserver is IPv4-only, so that one runs over plain pipes).
//
// The client addresses 127.0.0.1 and ::1 are ours, so they pass by local policy without DNS (as
// in qmail-spf); where a real evaluation is wanted the rules give the session another TCPREMOTEIP.
// tcprules cannot write an IPv6 key, so for the [::1] listener that is the empty key.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import test from 'ava';
import { CLIENT_IP, dnsFor, linesAfterReceived, qlogLines, receivedSpfLines, spfListenerFor, spfRejectionText, spfServerFor, stdioOverPipes, txt, zoneOf } from '../helpers/spf-e2e.js';
import { qpOf, talk, transaction } from '../helpers/smtp-client.js';

const V6_CLIENT = '2001:db8::5';

const ZONE = zoneOf({
  'fail.example': [txt('v=spf1 -all')],
  'pass.example': [txt(`v=spf1 ip4:${CLIENT_IP} -all`)],
  'v6.example': [txt(`v=spf1 ip4:192.0.2.0/24 ip6:::1 ip6:${V6_CLIENT} -all`)],
  'v4only.example': [txt(`v=spf1 ip4:${CLIENT_IP} -all`)],
});

/** Can this machine bind ::1? (Containers without IPv6 cannot.) */
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const srv = net.createServer();
  srv.once('error', () => resolve(false));
  srv.listen(0, '::1', () => srv.close(() => resolve(true)));
});
const test6 = ipv6Loopback ? test : test.skip;
if (!ipv6Loopback) console.warn('spf-listener: ::1 cannot be bound here; the [::1] listener tests are skipped');

test('the listener shares its DNS cache between sessions: two sessions for one sender domain cause one TXT query', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE);
  const l = await spfListenerFor(t, dns, { rules: `127.0.0.1:allow,TCPREMOTEIP="${CLIENT_IP}"\n`, env: { SPFBEHAVIOR: '6' } });
  const session = (sender: string) => talk(l.port, ['HELO client.example\r\n', ...transaction(sender, ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);

  const first = await session('u@pass.example');
  t.truthy(qpOf(first.replies[5]), first.lines.join('\n'));
  t.deepEqual(dns.counters, { udp: 1, tcp: 0 }, 'the first session asked once');
  const second = await session('other@pass.example');
  t.truthy(qpOf(second.replies[5]), second.lines.join('\n'));
  t.deepEqual(dns.counters, { udp: 1, tcp: 0 }, 'the second session was answered from the shared cache');

  const header = receivedSpfLines(l.queue.message(qpOf(second.replies[5])!).message);
  t.deepEqual(header, [
    `Received-SPF: pass (mx.example: SPF record at pass.example designates ${CLIENT_IP} as permitted sender) client-ip=${CLIENT_IP}; envelope-from=other@pass.example;`,
  ], 'the cached answer gives the same verdict');

  // The counters do tell sessions apart: the stdio door, a process per connection, asks every time.
  const dns2 = await dnsFor(t, ZONE);
  const server = await spfServerFor(t, dns2, { rules: `127.0.0.1:allow,SPFBEHAVIOR="6",TCPREMOTEIP="${CLIENT_IP}"\n` });
  for (const sender of ['u@pass.example', 'other@pass.example']) {
    const tr = await talk(server.port, ['HELO client.example\r\n', ...transaction(sender, ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
    t.truthy(qpOf(tr.replies[5]), tr.lines.join('\n'));
  }
  t.deepEqual(dns2.counters, { udp: 2, tcp: 0 }, 'stdio door: one query per session');
});

test('the listener applies an edited control/spfbehavior at the next connection', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE);
  const l = await spfListenerFor(t, dns, { rules: `127.0.0.1:allow,TCPREMOTEIP="${CLIENT_IP}"\n`, control: { spfbehavior: '1\n' } });
  const attempt = async (): Promise<number | undefined> => {
    const tr = await talk(l.port, ['HELO client.example\r\n', 'MAIL FROM:<u@fail.example>\r\n', 'RCPT TO:<a@example.org>\r\n', 'QUIT\r\n']);
    t.is(tr.lines[2], '250 ok');
    return tr.replies[3]?.code;
  };
  t.is(await attempt(), 250, 'spfbehavior 1: a -all sender is only annotated');
  fs.writeFileSync(path.join(l.controlDir, 'spfbehavior'), '3\n'); // same size as before
  t.is(await attempt(), 550, 'spfbehavior 3: refused at RCPT');
  fs.rmSync(path.join(l.controlDir, 'spfbehavior'));
  t.is(await attempt(), 250, 'no file: SPF off');
  t.is(qlogLines(l.stderr(), 'spf').length, 1);
});

test6('IPv6 client on the [::1] listener (DNS on [::1] too): ip6 term -> pass with client-ip=IPv6, a -all domain -> 550', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE, { host: '::1' });
  t.regex(dns.address, /^\[::1\]:\d+$/);
  // SPF switched on by the control file this time (the listener reads it per connection).
  const l = await spfListenerFor(t, dns, { ipv6: true, rules: `:allow,TCPREMOTEIP="${V6_CLIENT}"\n`, control: { spfbehavior: '6\n' } });
  const tr = await talk(
    l.port,
    [
      'EHLO client.example\r\n',
      ...transaction('u@v6.example', ['a@example.org'], 'Subject: v6\r\n\r\nhi\r\n'),
      'MAIL FROM:<u@fail.example>\r\n',
      'RCPT TO:<a@example.org>\r\n',
      'MAIL FROM:<u@v4only.example>\r\n',
      'RCPT TO:<a@example.org>\r\n',
      'QUIT\r\n',
    ],
    { host: '::1' },
  );
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  const stored = l.queue.message(qp!);
  t.deepEqual(linesAfterReceived(stored.message), [
    `Received-SPF: pass (mx.example: SPF record at v6.example designates ${V6_CLIENT} as permitted sender) client-ip=${V6_CLIENT}; envelope-from=u@v6.example;`,
    'Subject: v6',
  ]);
  t.is(stored.environ.SPFRESULT, 'pass');
  t.is(stored.environ.PROTO, 'TCP6', 'the connection really was IPv6');
  t.is(tr.replies[6]?.lines.join('\n'), '250 ok');
  t.truthy(spfRejectionText(tr.replies[7]), `-all: 550 at RCPT, got ${JSON.stringify(tr.replies[7]?.lines)}`);
  t.truthy(spfRejectionText(tr.replies[9]), `an ip4-only record fails an IPv6 client: ${JSON.stringify(tr.replies[9]?.lines)}`);
  t.true(dns.counters.udp >= 3, `the listener asked the [::1] DNS server (counters ${JSON.stringify(dns.counters)})`);
  await l.waitForStderr(/^qlogenvelope: .*mailfrom=u@v4only\.example /);
  t.deepEqual(
    qlogLines(l.stderr(), 'spf').map((q) => [q.fields.detail, q.fields.mailfrom, q.fields.remoteip]),
    [['fail', 'u@fail.example', V6_CLIENT], ['fail', 'u@v4only.example', V6_CLIENT]],
  );
});

test6('a client on ::1 itself passes by local policy without a DNS query, and the header says client-ip=::1', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE, { host: '::1' });
  const l = await spfListenerFor(t, dns, { ipv6: true, env: { SPFBEHAVIOR: '6' } });
  const tr = await talk(l.port, ['HELO client.example\r\n', ...transaction('u@fail.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n'], { host: '::1' });
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, `a -all sender from ::1 is accepted at spfbehavior 6: ${tr.lines.join('\n')}`);
  t.deepEqual(receivedSpfLines(l.queue.message(qp!).message), [
    'Received-SPF: pass (mx.example: local policy designates ::1 as permitted sender) client-ip=::1; envelope-from=u@fail.example;',
  ]);
  t.deepEqual(dns.counters, { udp: 0, tcp: 0 });
});

test('the stdio door over plain pipes with TCPREMOTEIP=2001:db8::5 (as ucspi-tcp6 sets it): ip6 pass header, -all refused', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE);
  const run = await stdioOverPipes(
    t,
    {
      PROTO: 'TCP6',
      TCPREMOTEIP: V6_CLIENT,
      TCP6REMOTEIP: V6_CLIENT,
      TCPREMOTEPORT: '40000',
      TCPLOCALIP: '2001:db8::1',
      TCP6LOCALIP: '2001:db8::1',
      TCPLOCALPORT: '25',
      TCPLOCALHOST: 'mx.example',
      SPFBEHAVIOR: '3',
      DNSCACHEIP: dns.address,
    },
    [
      'HELO client.example\r\n',
      'MAIL FROM:<u@v6.example>\r\n',
      'RCPT TO:<a@example.org>\r\n',
      'DATA\r\n',
      'Subject: pipes\r\n\r\nhi\r\n.\r\n',
      'MAIL FROM:<u@fail.example>\r\n',
      'RCPT TO:<a@example.org>\r\n',
      'QUIT\r\n',
    ].join(''),
  );
  t.is(run.code, 0, `exit 0 after QUIT; stderr: ${run.stderr}`);
  t.deepEqual(run.lines.slice(0, 5), ['220 mail.example.org ESMTP', '250 mail.example.org', '250 ok', '250 ok', '354 go ahead']);
  const qp = qpOf(run.lines[5]);
  t.truthy(qp, run.stdout);
  const stored = run.queue.message(qp!);
  const text = stored.message.toString('latin1');
  t.regex(text, /^Received: from unknown \(HELO client\.example\) \(2001:db8::5\)\n {2}by mx\.example with SMTP; /);
  t.deepEqual(linesAfterReceived(stored.message), [
    `Received-SPF: pass (mx.example: SPF record at v6.example designates ${V6_CLIENT} as permitted sender) client-ip=${V6_CLIENT}; envelope-from=u@v6.example;`,
    'Subject: pipes',
  ]);
  t.is(stored.environ.SPFRESULT, 'pass');
  t.is(run.lines[6], '250 ok');
  const rest = run.lines.slice(7);
  t.regex(rest.at(-2) ?? '', /^550 .* \(#5\.7\.1\)$/, run.stdout);
  t.true(rest.slice(0, -2).every((l) => l.startsWith('550-')), run.stdout);
  t.is(rest.at(-1), '221 mail.example.org');
  t.like(qlogLines(run.stderr, 'spf')[0]?.fields, { code: '550', detail: 'fail', remoteip: V6_CLIENT });
});
