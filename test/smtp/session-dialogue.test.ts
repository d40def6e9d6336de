import test from 'ava';
import { BASE_CONTROL, converse, replyLines } from '../helpers/session.js';
import { TRANSCRIPT_REPLIES, TRANSCRIPT_STEPS } from '../helpers/transcript.js';

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

test('the verified V transcript (spec 3.3) comes out identical', async (t) => {
  const c = await converse(TRANSCRIPT_STEPS.map((s) => (typeof s === 'string' ? s : s.toString())).join(''));
  const got = replyLines(c);
  const i = TRANSCRIPT_REPLIES.findIndex((r) => r.startsWith('250 ok ') && r.includes(' qp '));
  t.regex(got[i] ?? '', /^250 ok \d+ qp \d+$/);
  t.deepEqual(got, TRANSCRIPT_REPLIES.map((r, j) => (j === i ? got[i]! : r)));
  t.is(c.code, 0);
  t.deepEqual(c.queue.stored[0]!.envelope, { sender: 's@good.example', recipients: ['a@example.org', 'b@sub.example.net', 'localpart'] });
});

test('MAIL right after the greeting, without HELO, is accepted (the classic telnet test)', async (t) => {
  const c = await converse(crlf('mail from:<u@example.com>', 'rcpt to:<a@example.org>', 'quit'));
  t.deepEqual(replyLines(c), ['220 mail.example.org ESMTP', '250 ok', '250 ok', '221 mail.example.org']);
});

test('verbs are case-insensitive; a TAB is not a separator; bare MAIL is the null sender', async (t) => {
  const c = await converse(crlf('nOoP', 'NOOP\tx', 'MAIL', 'RCPT TO:<a@example.org>'));
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '502 unimplemented (#5.5.1)', '250 ok', '250 ok']);
});

test('EHLO advertises SIZE only when a databytes limit is set', async (t) => {
  const c = await converse(crlf('EHLO x'), { control: { ...BASE_CONTROL, databytes: '1000\n' } });
  t.deepEqual(replyLines(c).slice(1), ['250-mail.example.org', '250-PIPELINING', '250-8BITMIME', '250 SIZE 1000']);
});

test('HELO and EHLO end a transaction: RCPT then needs MAIL again', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'HELO h', 'RCPT TO:<a@example.org>'));
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '250 mail.example.org', '503 MAIL first (#5.5.1)']);
});

test('RSET ends the transaction and answers "250 flushed"', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'RSET', 'RCPT TO:<a@example.org>'));
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '250 flushed', '503 MAIL first (#5.5.1)']);
});

test('a second DATA after a message gets "503 MAIL first"', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'RCPT TO:<a@example.org>', 'DATA', 'x', '.', 'DATA'));
  t.is(replyLines(c).at(-1), '503 MAIL first (#5.5.1)');
});

test('an address of 900 bytes is a syntax error, 899 is fine', async (t) => {
  const long = (n: number): string => `${'a'.repeat(n - '@example.org'.length)}@example.org`;
  const c = await converse(crlf('MAIL FROM:<u@x>', `RCPT TO:<${long(899)}>`, `RCPT TO:<${long(900)}>`));
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '250 ok', '555 syntax error (#5.5.4)']);
});

test('badmailfrom: whole address and @domain, case-insensitive, reported at every RCPT', async (t) => {
  const c = await converse(
    crlf('MAIL FROM:<x@SPAM.Example>', 'RCPT TO:<a@example.org>', 'RCPT TO:<b@example.org>', 'MAIL FROM:<a@sub.spam.example>', 'RCPT TO:<a@example.org>'),
  );
  const bmf = '553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)';
  t.deepEqual(replyLines(c).slice(1), ['250 ok', bmf, bmf, '250 ok', '250 ok']);
  t.true(c.logs.some((l) => l.includes('reason=badmailfrom detail=@spam.example')));
});

test('no rcpthosts file: every recipient is accepted (qmail relays)', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'RCPT TO:<a@anywhere.example>'), { control: { me: 'mail.example.org\n' } });
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '250 ok']);
});

test('RELAYCLIENT skips rcpthosts and its value is appended to each recipient', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'RCPT TO:<a@other.example>', 'DATA', 'x', '.'), {
    env: { TCPREMOTEIP: '127.0.0.1', RELAYCLIENT: '@relay.example' },
  });
  t.deepEqual(c.queue.stored[0]?.envelope.recipients, ['a@other.example@relay.example']);
  t.true(c.logs.some((l) => /reason=relayclient .* relay=yes rcpthosts=no /.test(l)));
});

test('box@[local IP] is rewritten to box@localiphost (control/me by default)', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'RCPT TO:<box@[198.51.100.1]>', 'RCPT TO:<box@[192.0.2.1]>', 'DATA', 'x', '.'), {
    control: { ...BASE_CONTROL, rcpthosts: 'mail.example.org\n' },
  });
  t.deepEqual(replyLines(c).slice(1, 4), ['250 ok', '250 ok', "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"]);
  t.deepEqual(c.queue.stored[0]?.envelope.recipients, ['box@mail.example.org']);
});

test('quotes and backslashes are removed and source routes dropped', async (t) => {
  const c = await converse(crlf('MAIL FROM:<"quoted local"@b.c>', 'RCPT TO:<@hop1,@hop2:a\\@x@example.org>', 'DATA', 'x', '.'));
  t.deepEqual(c.queue.stored[0]?.envelope, { sender: 'quoted local@b.c', recipients: ['a@x@example.org'] });
});

test('an empty smtpgreeting gives "220  ESMTP" and a CR in it is kept', async (t) => {
  t.is(replyLines(await converse(crlf('QUIT'), { control: { smtpgreeting: '' } }))[0], '220  ESMTP');
  const c = await converse('', { control: { smtpgreeting: 'greet.example\r\n' } });
  t.is(c.output, '220 greet.example\r ESMTP\r\n');
});

test('an unreadable control file gets 421 instead of the greeting, and a log line', async (t) => {
  const c = await converse(crlf('QUIT'), { control: { me: 'm\n', 'rcpthosts/': '' } });
  t.is(c.output, '421 unable to read controls (#4.3.0)\r\n');
  t.is(c.code, 1);
  t.true(c.logs.some((l) => l.startsWith('qlogenvelope: result=rejected code=421 reason=cannot_read_controls')));
});

test('missing me and smtpgreeting: 421 unable to read controls', async (t) => {
  const c = await converse(crlf('QUIT'), { control: {} });
  t.is(c.output, '421 unable to read controls (#4.3.0)\r\n');
});

test('QUIT exits 0; end of input before QUIT exits 1 with a "read failed" note and no reply', async (t) => {
  t.is((await converse(crlf('QUIT'))).code, 0);
  const c = await converse(crlf('MAIL FROM:<u@x>'));
  t.is(c.code, 1);
  t.deepEqual(replyLines(c), ['220 mail.example.org ESMTP', '250 ok']);
  t.true(c.logs.some((l) => l.includes('read failed (connection closed by the client before the quit cmd): u@x from 10.1.2.3')));
});

test('pipelined MAIL/RCPT replies wait; NOOP and the rest flush at once', async (t) => {
  const c = await converse(crlf('MAIL FROM:<u@x>', 'RCPT TO:<a@example.org>', 'NOOP', 'NOOP'));
  t.deepEqual(c.writes, ['220 mail.example.org ESMTP\r\n', '250 ok\r\n250 ok\r\n250 ok\r\n', '250 ok\r\n']);
});

test('a command line over the limit is discarded with 500 and the session goes on', async (t) => {
  const c = await converse([`NOOP ${'x'.repeat(3000)}`, 'y'.repeat(3000), '\r\nNOOP\r\n'], { maxLineBytes: 1024 });
  t.deepEqual(replyLines(c).slice(1), ['500 line too long (#5.5.2)', '250 ok']);
});

test('no input for timeoutsmtpd seconds: 451 timeout and exit 1', async (t) => {
  const started = Date.now();
  const c = await converse(crlf('NOOP'), { control: { ...BASE_CONTROL, timeoutsmtpd: '1\n' }, keepOpen: true });
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '451 timeout (#4.4.2)']);
  t.is(c.code, 1);
  t.true(Date.now() - started >= 900);
  t.true(c.logs.some((l) => l.includes('reason=alarmtimeout')));
});
