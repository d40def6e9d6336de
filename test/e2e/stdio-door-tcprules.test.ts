// The environment tcprules builds is qmail-smtpd's configuration (spec qmail-smtpd.md 1.3-1.5):
// RELAYCLIENT (relay, and its value appended to recipients), deny rules, DATABYTES (3.6),
// QMAILQUEUE (5.5), and every variable, known or not, passed on to the queue program (1.4).
// Rules are compiled by the real tcprules; the real tcpserver applies them.

import test from 'ava';
import { envelopeParts } from '../helpers/fake-queue.js';
import { eventually, serverFor } from '../helpers/e2e.js';
import { SmtpClient, qpOf, talk, transaction } from '../helpers/smtp-client.js';

const NO_RELAY = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)";

test('without a rule an outside recipient is refused (the baseline for the relay tests)', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t, { rules: ':allow\n' });
  const tr = await talk(server.port, ['HELO c\r\n', 'MAIL FROM:<s@good.example>\r\n', 'RCPT TO:<x@outside.example>\r\n', 'QUIT\r\n']);
  t.is(tr.lines[3], NO_RELAY);
});

test('127.:allow,RELAYCLIENT="" lets an outside recipient through (relay)', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t, { rules: '127.:allow,RELAYCLIENT=""\n:allow\n' });
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['x@outside.example', 'a@example.org'], 'relayed\r\n'), 'QUIT\r\n']);
  t.deepEqual(tr.lines.slice(2, 6), ['250 ok', '250 ok', '250 ok', '354 go ahead']);
  const qp = qpOf(tr.replies[6]);
  t.truthy(qp, tr.lines.join('\n'));
  const stored = server.queue.message(qp!);
  t.deepEqual(envelopeParts(stored.envelope), ['Fs@good.example', 'Tx@outside.example', 'Ta@example.org']);
  t.is(stored.environ.RELAYCLIENT, '');
});

test('RELAYCLIENT="+suffix" is appended to every recipient in the envelope', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t, { rules: '127.0.0.1:allow,RELAYCLIENT="+suffix"\n' });
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['x@outside.example', 'a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  const qp = qpOf(tr.replies[6]);
  t.truthy(qp, tr.lines.join('\n'));
  const stored = server.queue.message(qp!);
  t.is(stored.envelope.toString('latin1'), 'Fs@good.example\0Tx@outside.example+suffix\0Ta@example.org+suffix\0\0');
});

test('127.0.0.1:deny closes the connection without a greeting', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t, { rules: '127.0.0.1:deny\n:allow\n' });
  const client = await SmtpClient.connect(server.port);
  t.teardown(() => client.destroy());
  t.true(await client.waitClose(5000), 'server closed the connection');
  t.is(client.raw.length, 0, `no bytes at all, got ${JSON.stringify(client.raw.toString('latin1'))}`);
  await server.waitForStderr(/^tcpserver: deny \d+ /);
  t.notRegex(server.stderr(), /^tcpserver: ok /m, 'qmail-smtpd was never started');
});

test('DATABYTES from a rule: EHLO advertises SIZE, the limit is inclusive, counted after CRLF->LF', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { rules: '127.:allow,DATABYTES="16"\n' });
  const exactly16 = '0123456789\r\n0123\r\n'; // 18 bytes on the wire, 16 stored (spec 3.6)
  const over = '0123456789\r\n01234\r\n'; // 17 stored
  const tr = await talk(server.port, [
    'EHLO client.example\r\n',
    ...transaction('s@good.example', ['a@example.org'], exactly16),
    ...transaction('s@good.example', ['a@example.org'], over),
    ...transaction('s@good.example', ['a@example.org'], '..23456789\r\n0123\r\n'),
    'QUIT\r\n',
  ]);
  const ehlo = tr.replies[1]!.lines;
  t.is(ehlo[0], '250-mail.example.org');
  t.is(ehlo.at(-1), '250 SIZE 16');
  t.true(ehlo.includes('250-PIPELINING') && ehlo.includes('250-8BITMIME'), ehlo.join('\n'));
  const first = qpOf(tr.replies[5]);
  t.truthy(first, `16 stored bytes are accepted: ${tr.lines.join('\n')}`);
  t.is(tr.replies[9]?.lines[0], '552 sorry, that message size exceeds my databytes limit (#5.3.4)');
  t.truthy(qpOf(tr.replies[13]), 'dot-unstuffing happens before counting: ".23456789\\n0123\\n" is 15 bytes');
  t.true(tr.closed);
  t.true(server.queue.message(first!).message.toString('latin1').endsWith('\n0123456789\n0123\n'));
  t.true(await eventually(() => server.queue.aborted().length === 1), 'the oversized message was never queued');
  t.is(server.queue.messages().length, 2);
});

test('QMAILQUEUE set by a rule is the program that runs', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t, { queueProgram: '/nonexistent/bin/qmail-queue' });
  // The rule names the fake; the environment tcpserver got names a program that does not exist.
  const rules = `127.0.0.1:allow,QMAILQUEUE="${server.queue.program}"\n`;
  const ruled = await serverFor(t, { rules, queueProgram: '/nonexistent/bin/qmail-queue' });
  const steps = ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n'];
  const without = await talk(server.port, steps);
  t.is(without.lines[5], '451 unable to exec qq (#4.3.0)');
  const withRule = await talk(ruled.port, steps);
  const qp = qpOf(withRule.replies[5]);
  t.truthy(qp, withRule.lines.join('\n'));
  t.is(ruled.queue.message(qp!).environ.QMAILQUEUE, ruled.queue.program);
});

test('variables from a rule, known or not, and the TCP* variables reach the queue program', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t, { rules: '127.0.0.1:allow,SPAMCONTROL_X="y",BADMIMETYPE="",CHKUSER_RCPTLIMIT="50"\n' });
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  const env = server.queue.message(qp!).environ;
  t.like(env, {
    SPAMCONTROL_X: 'y',
    BADMIMETYPE: '',
    CHKUSER_RCPTLIMIT: '50',
    PROTO: 'TCP',
    TCPREMOTEIP: '127.0.0.1',
    TCPREMOTEPORT: String(tr.localPort),
    TCPLOCALIP: '127.0.0.1',
    TCPLOCALPORT: String(server.port),
    TCPLOCALHOST: 'mx.example',
    CONTROLDIR: server.controlDir,
  });
  t.false('TCPREMOTEHOST' in env, 'tcpserver -H sets no TCPREMOTEHOST');
  t.false('TCPREMOTEINFO' in env, 'tcpserver -R sets no TCPREMOTEINFO');
  t.false('NODE_EXTRA_CA_CERTS' in env, 'the test runner environment does not leak in');
});
