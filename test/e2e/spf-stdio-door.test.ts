// SPF through the stdio door under the real tcpserver, with rules compiled by the real tcprules
// and a real DNS server on 127.0.0.1 (spec qmail-smtpd.md 3.8, 4.2, 6): the classic telnet
// rejection test, the Received-SPF line and SPFRESULT that reach the queue program, a record too
// big for UDP (TCP fallback), and RELAYCLIENT clients, for whom SPF does not exist.
//
// Every rule gives the session TCPREMOTEIP="10.1.2.3": the connection really comes from
// 127.0.0.1, which qfront (like qmail-spf) passes by local policy without DNS.

import test from 'ava';
import { CLIENT_IP, RESULT_ZONE, dnsFor, linesAfterReceived, qlogLines, queries, receivedSpfLines, spfRejectionText, spfServerFor, txt, zoneOf } from '../helpers/spf-e2e.js';
import { receivedPattern } from '../helpers/e2e.js';
import { qpOf, talk, transaction } from '../helpers/smtp-client.js';

const rule = (vars: string): string => `127.0.0.1:allow,TCPREMOTEIP="${CLIENT_IP}"${vars}\n`;

test('telnet test: spfbehavior 6 from tcprules, MAIL without HELO gets 250, RCPT gets a multi-line 550 (#5.7.1), qlog says reason=spf detail=fail', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, RESULT_ZONE);
  const server = await spfServerFor(t, dns, { rules: rule(',SPFBEHAVIOR="6"') });
  // Typed as a person would in telnet: lower case, no HELO.
  const tr = await talk(server.port, ['mail from:<u@fail.example>\r\n', 'rcpt to:<a@example.org>\r\n', 'data\r\n', 'quit\r\n']);
  t.regex(tr.lines[0]!, /^220 /);
  t.deepEqual(tr.replies[1]!.lines, ['250 ok'], 'MAIL is accepted: SPF is reported at RCPT');
  const rcpt = tr.replies[2]!;
  const text = spfRejectionText(rcpt);
  t.truthy(text, `RCPT: 550-... lines then "550 ... (#5.7.1)", got ${JSON.stringify(rcpt.lines)}`);
  t.true(rcpt.lines.length >= 2, `the default explanation is multi-line: ${JSON.stringify(rcpt.lines)}`);
  t.regex(text!.join('\n'), /fail\.example/, 'the explanation names the sender domain');
  t.regex(text!.join('\n'), /10\.1\.2\.3/, 'and the client address');
  t.is(tr.lines.at(-2), '503 RCPT first (#5.5.1)', 'no recipient was accepted, so DATA has none');
  t.true(tr.closed);
  t.true(queries(dns) >= 1, 'the session asked the DNS server');
  const line = await server.waitForStderr(/^qlogenvelope: .*reason=spf /);
  const q = qlogLines(line)[0]!;
  t.like(q.fields, { result: 'rejected', code: '550', reason: 'spf', detail: 'fail', mailfrom: 'u@fail.example', rcptto: 'a@example.org', remoteip: CLIENT_IP, relay: 'no' });
  t.is(server.queue.messages().length, 0);
});

test('an accepted message carries Received-SPF directly after the Received line, and the queue program gets SPFRESULT in rc5 words', async (t) => {
  t.timeout(25000);
  const dns = await dnsFor(t, RESULT_ZONE);
  // Level 1 annotates only, so every result is delivered and shows its header.
  const server = await spfServerFor(t, dns, { rules: rule(',SPFBEHAVIOR="1"') });
  const cases = [
    { domain: 'pass.example', result: 'pass', word: 'pass', comment: `SPF record at pass.example designates ${CLIENT_IP} as permitted sender` },
    { domain: 'fail.example', result: 'fail', word: 'fail', comment: `SPF record at fail.example does not designate ${CLIENT_IP} as permitted sender` },
    { domain: 'softfail.example', result: 'softfail', word: 'softfail', comment: `transitioning SPF record at softfail.example does not designate ${CLIENT_IP} as permitted sender` },
    { domain: 'neutral.example', result: 'neutral', word: 'neutral', comment: `${CLIENT_IP} is neither permitted nor denied by SPF record at neutral.example` },
    { domain: 'none.example', result: 'none', word: 'none', comment: 'domain at none.example does not designate permitted sender hosts' },
    { domain: 'permerror.example', result: 'permerror', word: 'unknown', comment: undefined },
    // The DNS server never answers: two rounds of 2 s, then temperror (level 1: still accepted).
    { domain: 'temperror.example', result: 'temperror', word: 'error', comment: undefined },
  ];
  const steps = ['HELO client.example\r\n', ...cases.flatMap((c) => transaction(`u@${c.domain}`, ['a@example.org'], `Subject: ${c.domain}\r\n\r\nbody\r\n`)), 'QUIT\r\n'];
  const tr = await talk(server.port, steps, { timeoutMs: 20000 });
  for (const [i, c] of cases.entries()) {
    const reply = tr.replies[1 + 4 * i + 4];
    const qp = qpOf(reply);
    t.truthy(qp, `${c.domain}: delivered at spfbehavior 1, got ${JSON.stringify(reply?.lines)}`);
    if (qp === undefined) continue;
    const stored = server.queue.message(qp);
    const after = linesAfterReceived(stored.message);
    const spf = after[0] ?? '';
    const prefix = `Received-SPF: ${c.result} (mx.example: `;
    t.true(spf.startsWith(prefix), `${c.domain}: the line after Received is "${prefix}...", got ${JSON.stringify(spf)}`);
    if (c.comment !== undefined) t.true(spf.includes(`(mx.example: ${c.comment})`), `${c.domain}: ${spf}`);
    t.true(spf.endsWith(` client-ip=${CLIENT_IP}; envelope-from=u@${c.domain};`), `${c.domain}: identity keys, got ${spf}`);
    t.is(after[1], `Subject: ${c.domain}`, `${c.domain}: the client's header follows Received-SPF`);
    t.is(receivedSpfLines(stored.message).length, 1, `${c.domain}: exactly one Received-SPF`);
    t.is(stored.environ.SPFRESULT, c.word, `${c.domain}: SPFRESULT`);
    // Byte for byte: qmail-smtpd's Received line (spec 4.1), then at once the Received-SPF line.
    const received = receivedPattern({ host: 'unknown', helo: 'client.example', ip: CLIENT_IP, local: 'mx.example' }).exec(stored.message.toString('latin1'));
    t.truthy(received, `${c.domain}: the message starts with the Received line`);
    if (received) t.is(stored.message.toString('latin1').slice(received[0].length, received[0].length + spf.length + 1), `${spf}\n`);
  }
  t.true(tr.closed);
});

test('a 1.5 KiB SPF record that does not fit a 512-byte UDP answer is read over TCP: the address near its end passes', async (t) => {
  t.timeout(20000);
  // 120 other addresses, then the client's: only a reader of the whole record can say pass.
  const others = Array.from({ length: 120 }, (_, i) => `ip4:192.0.2.${i + 1}`).join(' ');
  const record = `v=spf1 ${others} ip4:${CLIENT_IP} -all`;
  t.true(record.length > 1024 && record.length < 2048, `record is ${record.length} bytes`);
  t.true(record.lastIndexOf(`ip4:${CLIENT_IP}`) > 1000, 'the client address comes after the first kilobyte');
  const dns = await dnsFor(t, zoneOf({ 'big.example': [txt(record)] }), { maxUdpPayload: 512 });
  const server = await spfServerFor(t, dns, { rules: rule(',SPFBEHAVIOR="6"') });
  const tr = await talk(server.port, ['HELO client.example\r\n', ...transaction('u@big.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  t.deepEqual(tr.lines.slice(2, 5), ['250 ok', '250 ok', '354 go ahead'], 'at spfbehavior 6 anything but pass would be refused');
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  const stored = server.queue.message(qp!);
  t.deepEqual(receivedSpfLines(stored.message), [
    `Received-SPF: pass (mx.example: SPF record at big.example designates ${CLIENT_IP} as permitted sender) client-ip=${CLIENT_IP}; envelope-from=u@big.example;`,
  ]);
  t.is(stored.environ.SPFRESULT, 'pass');
  t.true(dns.counters.udp >= 1, 'asked over UDP first');
  t.true(dns.counters.tcp >= 1, `then retried over TCP after the truncated answer (counters ${JSON.stringify(dns.counters)})`);
});

test('RELAYCLIENT from a rule: no DNS query, no Received-SPF, no SPFRESULT, even for a -all sender at spfbehavior 6', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, RESULT_ZONE);
  // A stale SPFRESULT in the environment (from an earlier program) must not reach qmail-queue.
  const relay = await spfServerFor(t, dns, { rules: rule(',SPFBEHAVIOR="6",RELAYCLIENT="",SPFRESULT="pass"') });
  const plain = await spfServerFor(t, dns, { rules: rule(',SPFBEHAVIOR="6"') });
  const steps = ['HELO client.example\r\n', ...transaction('u@fail.example', ['a@example.org'], 'Subject: relay\r\n\r\nhi\r\n'), 'QUIT\r\n'];

  const tr = await talk(relay.port, steps);
  t.deepEqual(tr.lines.slice(2, 5), ['250 ok', '250 ok', '354 go ahead']);
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  t.deepEqual(dns.counters, { udp: 0, tcp: 0 }, 'no DNS query reached the server');
  const stored = relay.queue.message(qp!);
  t.deepEqual(receivedSpfLines(stored.message), []);
  t.deepEqual(linesAfterReceived(stored.message), ['Subject: relay'], "the client's header follows the Received line directly");
  t.false('SPFRESULT' in stored.environ, `SPFRESULT absent, got ${JSON.stringify(stored.environ.SPFRESULT)}`);
  t.is(stored.environ.RELAYCLIENT, '');
  t.like(qlogLines(relay.stderr(), 'relayclient')[0]?.fields, { result: 'accepted', relay: 'yes' });

  // The same sender without RELAYCLIENT: asked and refused, so the silence above was the relay's doing.
  const contrast = await talk(plain.port, steps.slice(0, 3).concat('QUIT\r\n'));
  t.is(contrast.replies[3]?.code, 550, contrast.lines.join('\n'));
  t.true(queries(dns) >= 1);
});
