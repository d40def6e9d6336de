// bin/qmail-smtpd under the real tcpserver, spoken to over 127.0.0.1: the verified netqmail
// transcript (spec qmail-smtpd.md 3.3) with the envelope (5.1) and Received line (4.1) it must
// produce, the classic telnet test, a real client (swaks), and the qlog lines (6.1).
// Other e2e files: -tcprules (environment from rules), -queue (5.2 exit codes), -data (DATA and
// fatal paths).

import { execFile } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { QLOG_KEYS, parseQlog, receivedAgeMs, receivedPattern, serverFor } from '../helpers/e2e.js';
import { qpOf, talk, transaction } from '../helpers/smtp-client.js';
import { TRANSCRIPT_REPLIES, TRANSCRIPT_STEPS } from '../helpers/transcript.js';

const ACCEPT_INDEX = TRANSCRIPT_REPLIES.indexOf('250 ok 1795310976 qp 15164');
const ACCEPT = /^250 ok (\d{9,11}) qp (\d+)$/;

for (const pipelined of [false, true]) {
  test(`the netqmail transcript of spec 3.3 comes out identical (${pipelined ? 'all pipelined' : 'one command at a time'})`, async (t) => {
    t.timeout(20000);
    const server = await serverFor(t);
    const tr = await talk(server.port, TRANSCRIPT_STEPS, { pipelined });

    const accept = tr.lines[ACCEPT_INDEX] ?? '';
    const m = ACCEPT.exec(accept);
    t.truthy(m, `accept line ${JSON.stringify(accept)}`);
    t.true(Math.abs(Number(m?.[1]) - Date.now() / 1000) < 60, 'UNIXTIME is now');
    const normalised = tr.lines.map((l, i) => (i === ACCEPT_INDEX && m ? TRANSCRIPT_REPLIES[ACCEPT_INDEX]! : l));
    t.deepEqual(normalised, TRANSCRIPT_REPLIES);
    t.true(tr.closed, 'QUIT closes the connection');
    t.true(tr.raw.toString('latin1').endsWith('221 mail.example.org\r\n'), 'every line ends in CRLF');

    const stored = server.queue.message(Number(m?.[2]));
    t.is(stored.envelope.toString('latin1'), 'Fs@good.example\0Ta@example.org\0Tb@sub.example.net\0Tlocalpart\0\0');
    const text = stored.message.toString('latin1');
    const received = receivedPattern({ host: 'unknown', helo: 'client.example', ip: '127.0.0.1', local: 'mx.example' }).exec(text);
    t.truthy(received, `message starts with qmail-smtpd's Received line: ${JSON.stringify(text.slice(0, 120))}`);
    if (received) t.true(receivedAgeMs(received) < 120000, 'Received date is now, in UTC');
    t.is(text.slice(received?.[0].length ?? 0), 'Subject: transcript\n\nhello\n.dot\n');
    await server.waitForStderr(/^tcpserver: end \d+ status 0$/);
  });
}

test('MAIL FROM right after the greeting, without HELO, gets 250 ok (the classic telnet test)', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const tr = await talk(server.port, ['mail from:<s@good.example>\r\n', 'rcpt to:<a@example.org>\r\n', 'QUIT\r\n']);
  t.deepEqual(tr.lines, ['220 mail.example.org ESMTP', '250 ok', '250 ok', '221 mail.example.org']);
});

test('swaks delivers a message; the body is stored exactly, CRLF turned into LF', async (t) => {
  t.timeout(30000);
  const server = await serverFor(t);
  const body = 'first line\n.leading dot\n..two dots\n\ttab and trailing space \nlast line';
  const args = ['--server', `127.0.0.1:${server.port}`, '--to', 'a@example.org', '--from', 's@good.example',
    '--helo', 'client.example', '--timeout', '10', '--body', body];
  const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile('swaks', args, { timeout: 20000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, out: stdout + stderr });
    });
  });
  t.is(result.code, 0, result.out);
  const qp = qpOf(/<- {2}(250 ok \d+ qp \d+)/.exec(result.out)?.[1]);
  t.truthy(qp, 'swaks saw the accept line');
  const stored = server.queue.message(qp!);
  t.is(stored.envelope.toString('latin1'), 'Fs@good.example\0Ta@example.org\0\0');
  const text = stored.message.toString('latin1');
  t.false(text.includes('\r'), 'no CR left');
  t.true(text.includes(`\n\n${body}\n`), JSON.stringify(text));
  // What swaks says it sent between "354" and ".", dot-stuffing undone, LF line ends.
  const sent = /^<- {2}354 .*\n((?:^ -> .*\n)*?)^ -> \.$/m.exec(result.out.replace(/\r\n/g, '\n'))?.[1] ?? 'no DATA in the swaks transcript';
  const expected = sent.split('\n').filter((l) => l !== '').map((l) => l.slice(4).replace(/^\./, '')).join('\n');
  t.true(text.endsWith(`\n${expected}\n`), `stored ${JSON.stringify(text)}, swaks sent ${JSON.stringify(expected)}`);
  t.regex(text, receivedPattern({ host: 'unknown', helo: 'client.example', ip: '127.0.0.1', local: 'mx.example' }));
});

test('NUL and 8-bit bytes in the body are stored as sent', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const body = Buffer.from([...Buffer.from('Subject: bytes\r\n\r\n'), 0x00, 0x41, 0x00, 0xe9, 0xff, 0x80, 0x0d, 0x0a, 0xc3, 0xa9, 0x0d, 0x0a]);
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], body), 'QUIT\r\n']);
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  const message = server.queue.message(qp!).message;
  const expected = Buffer.from([...Buffer.from('Subject: bytes\n\n'), 0x00, 0x41, 0x00, 0xe9, 0xff, 0x80, 0x0a, 0xc3, 0xa9, 0x0a]);
  t.deepEqual(message.subarray(message.length - expected.length), expected);
  t.is(message.indexOf('\nSubject: bytes'), message.length - expected.length - 1, 'nothing between Received and the message');
});

async function qlogSession(t: ExecutionContext, rules?: string) {
  const server = await serverFor(t, rules === undefined ? {} : { rules });
  const tr = await talk(server.port, ['EHLO client.example\r\n', ...transaction('s@good.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  const qp = qpOf(tr.replies[5]);
  const envelope = parseQlog(await server.waitForStderr(/^qlogenvelope: /));
  const received = parseQlog(await server.waitForStderr(/^qlogreceived: /));
  const pid = /^tcpserver: pid (\d+) from 127\.0\.0\.1$/m.exec(server.stderr())?.[1];
  return { server, tr, qp, envelope, received, pid };
}

test('qlogenvelope and qlogreceived lines have spec 6.1 field order and values', async (t) => {
  t.timeout(15000);
  const { server, tr, qp, envelope, received, pid } = await qlogSession(t);
  t.truthy(qp);
  t.deepEqual(envelope.keys, [...QLOG_KEYS]);
  t.deepEqual(received.keys, [...QLOG_KEYS]);
  const connection = {
    localip: '127.0.0.1', localport: String(server.port), remoteip: '127.0.0.1',
    remoteport: String(tr.localPort), remotehost: '', authuser: '', authtype: '', encrypted: '', pid: pid ?? '?',
  };
  t.like(envelope.fields, {
    result: 'accepted', code: '250', reason: 'rcpthosts', detail: '', helo: 'client.example', mailfrom: 's@good.example',
    rcptto: 'a@example.org', relay: 'no', rcpthosts: 'yes', qp: '', ...connection,
  });
  t.like(received.fields, {
    result: 'accepted', code: '250', reason: 'queueaccept', detail: '', helo: 'client.example', mailfrom: 's@good.example',
    rcptto: 'a@example.org', relay: 'no', rcpthosts: '', qp: String(qp), ...connection,
  });
});

test('qlog relay=yes and reason=relayclient under RELAYCLIENT', async (t) => {
  t.timeout(15000);
  const { envelope, received } = await qlogSession(t, '127.:allow,RELAYCLIENT=""\n');
  t.like(envelope.fields, { result: 'accepted', code: '250', reason: 'relayclient', relay: 'yes', rcpthosts: 'yes' });
  t.like(received.fields, { result: 'accepted', reason: 'queueaccept', relay: 'yes' });
});

// qfront's decision (README, compatibility): size= is the stored size of the message, with or
// without a databytes limit, where sagredo's qmail logs one byte less and only under a limit.
test('qlogreceived size= is the stored size of the message without a databytes limit', async (t) => {
  t.timeout(15000);
  const { received } = await qlogSession(t);
  t.is(received.fields.size, '3', '"hi\\n" is 3 stored bytes');
});

test('qlogreceived size= is the stored size of the message under a databytes limit', async (t) => {
  t.timeout(15000);
  const { received } = await qlogSession(t, ':allow,DATABYTES="1000"\n');
  t.is(received.fields.size, '3', '"hi\\n" is 3 stored bytes');
});
