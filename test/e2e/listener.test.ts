// `qfront serve` (the listener door) spoken to over loopback, the same dialogue as under
// tcpserver: the verified netqmail transcript (spec qmail-smtpd.md 3.3), a real client
// (nodemailer), the UCSPI-TCP environment and tcprules variables reaching the queue program,
// IPv6, and the built-in spool. Operations (limits, reload, drain) are in listener-ops.

import * as fs from 'node:fs';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import nodemailer from 'nodemailer';
import { envelopeParts } from '../helpers/fake-queue.js';
import { AS_ROOT, startListener, type Listener, type ListenerOptions } from '../helpers/listener.js';
import { qpOf, talk, transaction } from '../helpers/smtp-client.js';
import { TRANSCRIPT_REPLIES, TRANSCRIPT_STEPS } from '../helpers/transcript.js';

async function listenerFor(t: ExecutionContext, opts: ListenerOptions = {}): Promise<Listener> {
  const l = await startListener(opts);
  t.teardown(() => l.stop());
  return l;
}

const ACCEPT = /^250 ok \d+ qp \d+$/;

for (const pipelined of [false, true]) {
  test(`the netqmail transcript of spec 3.3 comes out identical (${pipelined ? 'pipelined' : 'step by step'})`, async (t) => {
    t.timeout(20000);
    const l = await listenerFor(t);
    const tr = await talk(l.port, TRANSCRIPT_STEPS, { pipelined });
    const expected = [...TRANSCRIPT_REPLIES];
    const i = expected.findIndex((r) => r.startsWith('250 ok ') && r.includes(' qp '));
    t.regex(tr.lines[i] ?? '', ACCEPT);
    expected[i] = tr.lines[i]!;
    t.deepEqual(tr.lines, expected);
    t.true(tr.closed);
    const stored = l.queue.message(qpOf(tr.lines[i])!);
    t.deepEqual(envelopeParts(stored.envelope), ['Fs@good.example', 'Ta@example.org', 'Tb@sub.example.net', 'Tlocalpart']);
    t.regex(
      stored.message.toString('latin1'),
      /^Received: from unknown \(HELO client\.example\) \(127\.0\.0\.1\)\n {2}by mx\.example with SMTP; \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d -0000\nSubject: transcript\n\nhello\n\.dot\n$/,
    );
  });
}

test('nodemailer sends a message; it is stored with LF line ends and the right envelope', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: l.port, secure: false, ignoreTLS: true, name: 'client.example' });
  const info = await transport.sendMail({
    from: 'Sender <s@good.example>',
    to: 'a@example.org, b@sub.example.net',
    subject: 'nodemailer',
    text: 'line one\r\n.leading dot\r\nline three',
  });
  t.deepEqual(info.accepted, ['a@example.org', 'b@sub.example.net']);
  t.regex(String(info.response), ACCEPT);
  const stored = l.queue.message(qpOf(String(info.response))!);
  t.deepEqual(envelopeParts(stored.envelope), ['Fs@good.example', 'Ta@example.org', 'Tb@sub.example.net']);
  const text = stored.message.toString('latin1');
  t.false(text.includes('\r\n'));
  t.true(text.includes('\n\nline one\n.leading dot\nline three'));
});

test('the queue program gets the tcpserver environment, rule variables and the daemon environment', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t, {
    rules: '127.:allow,RELAYCLIENT="",SPAMCONTROL_X="y=z",DATABYTES="100000"\n:allow\n',
    env: { SITE_VARIABLE: 'from-run-script', TCPREMOTEHOST: 'must-be-unset' },
  });
  const tr = await talk(l.port, ['HELO c\r\n', ...transaction('s@x.example', ['r@elsewhere.example'], 'hi\r\n'), 'QUIT\r\n']);
  const stored = l.queue.message(qpOf(tr.replies[5])!);
  t.like(stored.environ, {
    PROTO: 'TCP',
    TCPREMOTEIP: '127.0.0.1',
    TCPREMOTEPORT: String(tr.localPort),
    TCPLOCALIP: '127.0.0.1',
    TCPLOCALPORT: String(l.port),
    TCPLOCALHOST: 'mx.example',
    RELAYCLIENT: '',
    SPAMCONTROL_X: 'y=z',
    DATABYTES: '100000',
    SITE_VARIABLE: 'from-run-script',
  });
  t.false('TCPREMOTEHOST' in stored.environ, 'no PTR lookup: TCPREMOTEHOST is unset, as with tcpserver -H');
  t.false('TCPREMOTEINFO' in stored.environ);
  t.deepEqual(envelopeParts(stored.envelope), ['Fs@x.example', 'Tr@elsewhere.example']);
});

test('a deny rule closes the connection without a greeting', async (t) => {
  t.timeout(15000);
  const l = await listenerFor(t, { rules: '127.0.0.1:deny\n:allow\n' });
  const tr = await talk(l.port, [], { waitClose: true }).catch((err: Error) => err);
  t.true(tr instanceof Error && /closed/.test(tr.message), String(tr));
  await l.waitForStderr(/^qfront: deny \d+\.\d+ /);
});

test('IPv6: a client on ::1 gets PROTO=TCP6 and TCPREMOTEIP=::1', async (t) => {
  t.timeout(15000);
  const l = await listenerFor(t, { ipv6: true, rules: ':allow,RELAYCLIENT=""\n' });
  const tr = await talk(l.port, ['HELO c\r\n', ...transaction('s@x.example', ['r@example.org'], 'hi\r\n'), 'QUIT\r\n'], { host: '::1' });
  const stored = l.queue.message(qpOf(tr.replies[5])!);
  t.like(stored.environ, { PROTO: 'TCP6', TCPREMOTEIP: '::1', TCP6REMOTEIP: '::1', TCPLOCALIP: '::1' });
  t.regex(stored.message.toString('latin1'), /^Received: from unknown \(HELO c\) \(::1\)\n/);
});

test('the built-in spool keeps each accepted message in new/ with its envelope', async (t) => {
  t.timeout(15000);
  const l = await listenerFor(t, { spool: true });
  const tr = await talk(l.port, ['HELO c\r\n', ...transaction('s@x.example', ['a@example.org', 'b@example.org'], 'Subject: s\r\n\r\nbody\r\n'), 'QUIT\r\n']);
  const qp = qpOf(tr.replies[6]);
  t.truthy(qp, tr.lines.join('\n'));
  const file = path.join(l.spoolDir, 'new', String(qp));
  const text = fs.readFileSync(file, 'latin1');
  t.regex(text, /^X-Envelope-From: <s@x\.example>\nX-Envelope-To: <a@example\.org>\nX-Envelope-To: <b@example\.org>\nReceived: from unknown \(HELO c\) \(127\.0\.0\.1\)\n {2}by mx\.example with SMTP; [^\n]+\nSubject: s\n\nbody\n$/);
  t.deepEqual(fs.readdirSync(path.join(l.spoolDir, 'tmp')), []);
  if (AS_ROOT) t.is(fs.statSync(file).uid, 65534, 'written by the session user, not root');
});
