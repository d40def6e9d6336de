import test from 'ava';
import { MemoryQueue } from '../helpers/memory-queue.js';
import { BASE_CONTROL, converse, replyLines } from '../helpers/session.js';

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');
const ENVELOPE = crlf('HELO client.example', 'MAIL FROM:<s@good.example>', 'RCPT TO:<a@example.org>', 'DATA');

test('the stored message is the Received line, then the data with CRLF->LF and dots unstuffed', async (t) => {
  const c = await converse(ENVELOPE + crlf('Subject: hi', '', '..dot', '.', 'QUIT'), {
    env: { TCPREMOTEIP: '10.1.2.3', TCPREMOTEHOST: 'client.example', TCPLOCALHOST: 'mx.example.org', TCPREMOTEINFO: 'joe' },
  });
  t.is(
    c.queue.stored[0]!.message.toString('latin1'),
    'Received: from client.example (joe@10.1.2.3)\n  by mx.example.org with SMTP; 22 Nov 2026 01:29:41 -0000\n' +
      'Subject: hi\n\n.dot\n',
  );
  t.regex(replyLines(c).at(-2)!, /^250 ok 1795310981 qp 1001$/);
});

test('HELO that differs from the remote host shows up, unsafe bytes as "?"', async (t) => {
  const c = await converse(crlf('HELO Weird;Host x', 'MAIL FROM:<u@x>', 'RCPT TO:<a@example.org>', 'DATA', '.'), {
    env: { TCPREMOTEIP: '192.0.2.7', TCPREMOTEHOST: 'client.example', TCPLOCALIP: '198.51.100.1' },
  });
  t.true(c.queue.stored[0]!.message.toString('latin1').startsWith('Received: from client.example (HELO Weird?Host?x) (192.0.2.7)\n  by 198.51.100.1 with SMTP;'));
});

test('a message sent one byte at a time is stored exactly like one sent at once', async (t) => {
  const body = 'A: b\r\n\r\nline\r\n..x\r\n.y\r\nbare\rcr\r\n\r\n.\r\nQUIT\r\n';
  const whole = await converse(ENVELOPE + body);
  const bytes = await converse([ENVELOPE, ...body.split('')]);
  t.is(bytes.queue.stored[0]!.message.toString('latin1'), whole.queue.stored[0]!.message.toString('latin1'));
  t.is(whole.queue.stored[0]!.message.toString('latin1').split('\n').slice(2).join('\n'), 'A: b\n\nline\n.x\ny\nbare\rcr\n\n');
  t.is(bytes.code, 0);
});

test('commands pipelined after the final dot are answered', async (t) => {
  const c = await converse(ENVELOPE + 'x\r\n.\r\nMAIL FROM:<u@x>\r\nRCPT TO:<a@example.org>\r\nDATA\r\ny\r\n.\r\nQUIT\r\n');
  t.is(c.queue.stored.length, 2);
  t.is(replyLines(c).at(-1), '221 mail.example.org');
});

test('bare LF in DATA gets 451, the session ends, nothing is queued', async (t) => {
  const c = await converse(ENVELOPE + 'line one\nline two\r\n.\r\nQUIT\r\n');
  t.is(replyLines(c).at(-1), '451 See https://cr.yp.to/docs/smtplf.html.');
  t.is(c.code, 1);
  t.is(c.queue.stored.length, 0);
  t.true(c.logs.some((l) => l.includes('reason=bad_newlines')));
});

test('end-of-data smuggling variants never end the message', async (t) => {
  for (const trick of ['\r.\r', '\r\n.\r\r\n']) {
    const c = await converse(ENVELOPE + `one${trick}MAIL FROM:<evil@x>\r\n.\r\nQUIT\r\n`);
    t.is(c.queue.stored.length, 1, JSON.stringify(trick));
    t.true(c.queue.stored[0]!.message.toString('latin1').includes('MAIL FROM:<evil@x>'));
  }
});

test('DATABYTES is inclusive and counts stored bytes (after CRLF->LF)', async (t) => {
  const msg = ENVELOPE + crlf('0123456789', '0123', '.');
  const ok = await converse(msg, { env: { DATABYTES: '16' } });
  t.regex(replyLines(ok).at(-1)!, /^250 ok/);
  const tooBig = await converse(msg, { env: { DATABYTES: '15' } });
  t.is(replyLines(tooBig).at(-1), '552 sorry, that message size exceeds my databytes limit (#5.3.4)');
  t.is(tooBig.queue.stored.length, 0);
  t.true(tooBig.logs.some((l) => l.startsWith('qlogreceived: result=rejected code=552 reason=databytes_limit_exceeded')));
});

test('DATABYTES overrides control/databytes; non-numeric DATABYTES means unlimited', async (t) => {
  const control = { ...BASE_CONTROL, databytes: '5\n' };
  const msg = ENVELOPE + crlf('0123456789', '.');
  t.regex(replyLines(await converse(msg, { control, env: { DATABYTES: 'lots' } })).at(-1)!, /^250 ok/);
  t.regex(replyLines(await converse(msg, { control })).at(-1)!, /^552 /);
});

test('SIZE= above databytes is refused at MAIL, and leaves no transaction', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x> SIZE=1001', 'RCPT TO:<a@example.org>', 'MAIL FROM:<u@x> SIZE=1000', 'RCPT TO:<a@example.org>'), {
    env: { DATABYTES: '1000' },
  });
  t.deepEqual(replyLines(c).slice(1), [
    '552 sorry, that message size exceeds my databytes limit (#5.3.4)',
    '503 MAIL first (#5.5.1)',
    '250 ok',
    '250 ok',
  ]);
});

test('100 Received/Delivered-To header lines is a loop (554); 99 is not; body lines do not count', async (t) => {
  const hops = (n: number): string => Array.from({ length: n }, (_, i) => (i % 2 ? 'Delivered-To: x\r\n' : 'ReCeIvEd: x\r\n')).join('');
  const loop = await converse(ENVELOPE + hops(99) + 'Received-SPF: pass\r\n\r\nbody\r\n.\r\n');
  t.is(replyLines(loop).at(-1), '554 too many hops, this message is looping (#5.4.6)');
  t.is(loop.queue.stored.length, 0);
  const fine = await converse(ENVELOPE + hops(99) + '\r\nReceived: in body\r\n.\r\n');
  t.regex(replyLines(fine).at(-1)!, /^250 ok/);
});

test('queue exit codes become qmail replies; the next transaction still works', async (t) => {
  const cases: [number, string][] = [
    [11, '554 envelope address too long for qq (#5.1.3)'],
    [31, '554 mail server permanently rejected message (#5.3.0)'],
    [53, '451 qq write error or disk full (#4.3.0)'],
    [100, '451 qq temporary problem (#4.3.0)'],
  ];
  for (const [code, reply] of cases) {
    const queue = new MemoryQueue();
    queue.exitCode = code;
    const c = await converse(ENVELOPE + crlf('x', '.', 'RSET'), { queue });
    t.deepEqual(replyLines(c).slice(-2), [reply, '250 flushed'], String(code));
  }
});

test('a queue that cannot start: 451 qqt failure, and the session goes on', async (t) => {
  const queue = new MemoryQueue();
  queue.failStart = true;
  const c = await converse(ENVELOPE + crlf('NOOP'), { queue });
  t.deepEqual(replyLines(c).slice(-2), ['451 qqt failure (#4.3.0)', '250 ok']);
  t.true(c.logs.some((l) => l.includes('reason=qqtfailure')));
});

test('the client vanishing mid-DATA queues nothing', async (t) => {
  const c = await converse(ENVELOPE + 'half a message\r\n');
  t.is(c.queue.stored.length, 0);
  t.is(c.queue.dropped.length, 1);
  t.is(c.code, 1);
});

test('qlogreceived carries all recipients, the size and the qp', async (t) => {
  const c = await converse(crlf('MAIL FROM:<s@x>', 'RCPT TO:<a@example.org>', 'RCPT TO:<b@example.org>', 'DATA', 'abc', '.'));
  const line = c.logs.find((l) => l.startsWith('qlogreceived:'))!;
  t.regex(line, /^qlogreceived: result=accepted code=250 reason=queueaccept detail= helo=unknown mailfrom=s@x rcptto=a@example.org,b@example.org relay=no rcpthosts= size=4 authuser= authtype= encrypted= sslverified= localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost= qp=1001 pid=4242$/);
});
