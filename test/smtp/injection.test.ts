// Header and log injection, in memory (whole sessions through converse()): CR, LF, NUL, other
// control bytes and 8-bit bytes sent in HELO, MAIL, RCPT and AUTH lines (and in the
// connection's own TCPREMOTEHOST / TCPREMOTEINFO, which come from a PTR record or an ident
// answer, so from someone else) must never reach a header or a log line unescaped.
//
// The rules, from the spec (qmail-smtpd.md 3.1, 4.1, 4.2, 6.1):
//   - a command line ends at LF, loses one trailing CR, and ends at its first NUL: so a client
//     cannot put LF or NUL into HELO, an address or anything else; a bare CR is an ordinary byte;
//   - the Received line writes every byte outside a-z A-Z 0-9 . @ % + / = : - as '?';
//   - Received-SPF (qfront's own form of it) writes bytes outside 0x20-0x7E and the comment's
//     delimiters as '?', and quotes a key value that is not made of address characters;
//   - qlog values: every byte outside 0x21-0x7E as '_';
//   - free-text note lines ("qmail-smtpd: pid N: ..."): every byte outside 0x20-0x7E as '?'.
// Every test checks the exact bytes of the header qfront adds and every log line of the session.

import test, { type ExecutionContext } from 'ava';
import type { Resolver } from '../../src/dns/index.js';
import { parseQlog, QLOG_KEYS } from '../helpers/e2e.js';
import { BASE_ENV, converse, replyLines, type Conversation } from '../helpers/session.js';
import { txt, type TestZone, type ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const DATE = '22 Nov 2026 01:29:41 -0000';
const BY = `\n  by 198.51.100.1 with SMTP; ${DATE}\n`;

/** Every log line: printable ASCII only; qlog lines well formed; notes in their one form. */
function assertLogsSafe(t: ExecutionContext, logs: readonly string[]): void {
  t.true(logs.length > 0, 'the session logged something');
  for (const line of logs) {
    t.regex(line, /^[\x20-\x7e]*$/, `raw control or 8-bit byte in log line ${JSON.stringify(line)}`);
    if (line.startsWith('qlog')) {
      const q = parseQlog(line);
      t.deepEqual(q.keys, [...QLOG_KEYS], `fields shifted in ${JSON.stringify(line)}`);
      for (const [k, v] of Object.entries(q.fields)) t.regex(v, /^[\x21-\x7e]*$/, `qlog ${k}`);
    } else {
      t.regex(line, /^qmail-smtpd: pid 4242: [\x20-\x7e]*$/, `note line ${JSON.stringify(line)}`);
    }
  }
}

/** The part of the stored message before the client's own first line ("Subject: ..."). */
function addedHeader(c: Conversation): string {
  t0(c.queue.stored.length === 1, `one message stored; replies ${JSON.stringify(replyLines(c))}`);
  const text = c.queue.stored[0]!.message.toString('latin1');
  const i = text.indexOf('Subject: probe\n');
  t0(i !== -1, `client's header not found in ${JSON.stringify(text)}`);
  return text.slice(0, i);
}

function t0(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

const qlogOf = (c: Conversation, head: 'qlogenvelope' | 'qlogreceived'): Record<string, string>[] =>
  c.logs.filter((l) => l.startsWith(`${head}:`)).map((l) => parseQlog(l).fields);

const MESSAGE = 'DATA\r\nSubject: probe\r\n\r\nbody\r\n.\r\n';

// HELO argument as sent (between "HELO " and CRLF) -> Received's "(HELO ...)" -> qlog helo=.
const HELO_ROWS: readonly [label: string, sent: string, received: string, qlog: string][] = [
  ['a bare CR and a forged header after it', 'evil\rReceived: from forged', 'evil?Received:?from?forged', 'evil_Received:_from_forged'],
  ['a CR before the CRLF (only one CR is removed)', 'a\r', 'a?', 'a_'],
  ['CR . CR, an end-of-data look-alike made of bare CRs', 'a\r.\rb', 'a?.?b', 'a_._b'],
  ['a NUL ends the line (qmail reads C strings)', 'a\0\rX-Forged: 1', 'a', 'a'],
  ['8-bit bytes', 'h\xe9\xff\x80\x9b', 'h????', 'h____'],
  ['UTF-8 text', Buffer.from('héllo.例え', 'utf8').toString('latin1'), 'h??llo.??????', 'h__llo.______'],
  ['an ANSI escape and BEL', 'x\x1b[31mred\x07', 'x??31mred?', 'x_[31mred_'],
  ['TAB, VT, FF and DEL', 'a\t\x0b\x0c\x7fb', 'a????b', 'a____b'],
  ['spaces, parentheses and a fake comment end', 'x) (10.0.0.1)\r', 'x???10.0.0.1??', 'x)_(10.0.0.1)_'],
];

for (const [label, sent, received, qlog] of HELO_ROWS) {
  test(`HELO with ${label}: Received shows ${JSON.stringify(received)}, qlog helo=${qlog}`, async (t) => {
    const c = await converse(`HELO ${sent}\r\nMAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<a@other.example>\r\n${MESSAGE}QUIT\r\n`);
    t.is(addedHeader(c), `Received: from unknown (HELO ${received}) (10.1.2.3)${BY}`);
    const env = qlogOf(c, 'qlogenvelope');
    t.deepEqual(env.map((f) => f.helo), [qlog, qlog]);
    t.deepEqual(qlogOf(c, 'qlogreceived').map((f) => f.helo), [qlog]);
    assertLogsSafe(t, c.logs);
  });
}

test('"\\r\\n.\\r\\n" right after HELO is two command lines: "." gets 502, nothing ends or starts', async (t) => {
  const c = await converse(`HELO a\r\n.\r\nMAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\n.\r\n${MESSAGE}QUIT\r\n`);
  t.deepEqual(replyLines(c), [
    '220 mail.example.org ESMTP', '250 mail.example.org', '502 unimplemented (#5.5.1)', '250 ok', '250 ok',
    '502 unimplemented (#5.5.1)', '354 go ahead', replyLines(c)[7]!, '221 mail.example.org',
  ]);
  t.regex(replyLines(c)[7]!, /^250 ok \d+ qp 1001$/);
  t.is(addedHeader(c), `Received: from unknown (HELO a) (10.1.2.3)${BY}`);
  assertLogsSafe(t, c.logs);
});

test('bare LFs end command lines as in qmail: "HELO a\\n.\\n" is HELO "a" then "." (502)', async (t) => {
  const c = await converse(`HELO a\n.\nMAIL FROM:<s@good.example>\nRCPT TO:<a@example.org>\n${MESSAGE}QUIT\r\n`);
  t.deepEqual(replyLines(c).slice(0, 6), ['220 mail.example.org ESMTP', '250 mail.example.org', '502 unimplemented (#5.5.1)', '250 ok', '250 ok', '354 go ahead']);
  t.is(addedHeader(c), `Received: from unknown (HELO a) (10.1.2.3)${BY}`);
});

test('a bare CR in the middle of a command line does not split it into two commands', async (t) => {
  const c = await converse([
    'MAIL FROM:<s@good.example>\rRCPT TO:<x@other.example>\r\n', // one MAIL; the rest follows ">"
    'RCPT TO:<a@example.org>\rRCPT TO:<b@other.example>\r\n', // one RCPT: a@example.org
    'RSET\rMAIL FROM:<t@good.example>\r\n', // verb "RSET\rMAIL": unknown
    'QUIT\rHELO x\r\n', // verb "QUIT\rHELO": unknown, the session goes on
    MESSAGE,
    'QUIT\r\n',
  ]);
  t.deepEqual(replyLines(c).slice(1, 6), ['250 ok', '250 ok', '502 unimplemented (#5.5.1)', '502 unimplemented (#5.5.1)', '354 go ahead']);
  t.deepEqual(c.queue.stored[0]?.envelope, { sender: 's@good.example', recipients: ['a@example.org'] });
  t.is(addedHeader(c), `Received: from unknown (10.1.2.3)${BY}`);
  assertLogsSafe(t, c.logs);
});

test('MAIL and RCPT with CR, control and 8-bit bytes: qlog writes "_", the envelope keeps qmail\'s bytes', async (t) => {
  const sender = 'a\rX-Forged: 1\x01\xe9@good.example';
  const rcpt = 'r\rReceived: x\x1b\xff@example.org';
  const refused = 'n\r\x7f\x80@other.example';
  const c = await converse(`HELO c\r\nMAIL FROM:<${sender}>\r\nRCPT TO:<${rcpt}>\r\nRCPT TO:<${refused}>\r\n${MESSAGE}QUIT\r\n`);
  t.deepEqual(replyLines(c).slice(2, 5), ['250 ok', '250 ok', "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"]);
  // qmail hands these bytes to qmail-queue as they are: the envelope is not a header.
  t.deepEqual(c.queue.stored[0]?.envelope, { sender, recipients: [rcpt] });
  // The Received line has no sender or recipient in it at all.
  t.is(addedHeader(c), `Received: from unknown (HELO c) (10.1.2.3)${BY}`);
  const env = qlogOf(c, 'qlogenvelope');
  t.deepEqual(env.map((f) => [f.mailfrom, f.rcptto]), [
    ['a_X-Forged:_1__@good.example', 'r_Received:_x__@example.org'],
    ['a_X-Forged:_1__@good.example', 'n___@other.example'],
  ]);
  t.deepEqual(qlogOf(c, 'qlogreceived').map((f) => [f.mailfrom, f.rcptto]), [['a_X-Forged:_1__@good.example', 'r_Received:_x__@example.org']]);
  assertLogsSafe(t, c.logs);
});

test('AUTH lines with control and 8-bit bytes get 502 and leave no raw byte in the log', async (t) => {
  const c = await converse([
    'EHLO c\r\n',
    'AUTH PLAIN \x01\x02\xe9\rX-Forged: 1\r\n',
    'AUTH LOGIN\r\n',
    'dXNlcg==\r\x1b[2J\r\n',
    'AUTH\0PLAIN\r\n',
    'MAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\n',
    MESSAGE,
  ]);
  t.deepEqual(replyLines(c).slice(4, 8), Array(4).fill('502 unimplemented (#5.5.1)'));
  t.is(addedHeader(c), `Received: from unknown (HELO c) (10.1.2.3)${BY}`);
  assertLogsSafe(t, c.logs);
  t.false(c.logs.some((l) => l.includes('Forged')), 'AUTH text is not logged at all');
});

test('a client that vanishes leaves a "read failed" note with every unsafe byte as "?"', async (t) => {
  const c = await converse('HELO h\xe9\r\x1b[0m\r\nMAIL FROM:<s\r\xff@good.example>\r\nRCPT TO:<r\x85\x9b@example.org>\r\n');
  const note = c.logs.find((l) => l.includes('read failed'));
  t.is(
    note,
    'qmail-smtpd: pid 4242: read failed (connection closed by the client before the quit cmd): s??@good.example from 10.1.2.3 to r??@example.org helo h???[0m',
  );
  assertLogsSafe(t, c.logs);
});

test('the same during DATA: the note says so, and nothing was queued', async (t) => {
  const c = await converse('HELO \x85evil\rX: 1\r\nMAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\nSubject: probe\r\n');
  t.is(c.queue.stored.length, 0);
  t.is(
    c.logs.find((l) => l.includes('read failed')),
    'qmail-smtpd: pid 4242: read failed (connection closed by the client before the quit cmd): s@good.example from 10.1.2.3 to a@example.org helo ?evil?X: 1 (during DATA)',
  );
  assertLogsSafe(t, c.logs);
});

test('TCPREMOTEHOST and TCPREMOTEINFO with CR, LF and 8-bit bytes (a hostile PTR or ident answer)', async (t) => {
  const env = { ...BASE_ENV, TCPREMOTEHOST: 'evil.example\r\nX-Forged: 1\xe9', TCPREMOTEINFO: 'id\nent\0x' };
  const c = await converse(`HELO c\r\nMAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\n${MESSAGE}QUIT\r\n`, { env });
  t.is(addedHeader(c), `Received: from evil.example??X-Forged:?1? (HELO c) (id?ent?x@10.1.2.3)${BY}`);
  for (const f of [...qlogOf(c, 'qlogenvelope'), ...qlogOf(c, 'qlogreceived')]) t.is(f.remotehost, 'evil.example__X-Forged:_1_');
  assertLogsSafe(t, c.logs);
});

test('before any HELO the qlog helo is the remote host, escaped the same way', async (t) => {
  const env = { ...BASE_ENV, TCPREMOTEHOST: 'a\rb\xe9' };
  const c = await converse('MAIL FROM:<s@good.example>\r\nRCPT TO:<x@other.example>\r\nQUIT\r\n', { env });
  t.is(qlogOf(c, 'qlogenvelope')[0]?.helo, 'a_b_');
  assertLogsSafe(t, c.logs);
});

// Received-SPF: the sender and the HELO name reach the header through SPF.
const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['pass.example', [txt('v=spf1 ip4:10.1.2.3 -all')]],
  ['softfail.example', [txt('v=spf1 ~all')]],
]);
const resolver: Resolver = zoneResolver(ZONE);
const spfEnv = { ...BASE_ENV, TCPLOCALHOST: 'mx.example.org', TCPREMOTEHOST: 'client.example', SPFBEHAVIOR: '1' };
const SPF_BY = `\n  by mx.example.org with SMTP; ${DATE}\n`;

test('Received-SPF: a sender with CR and a forged header in a quoted local part stays inside one quoted value', async (t) => {
  const c = await converse(
    `HELO client.example\r\nMAIL FROM:<"x\rReceived-SPF: pass;\\"\xe9"@pass.example>\r\nRCPT TO:<a@example.org>\r\n${MESSAGE}QUIT\r\n`,
    { env: spfEnv, resolver },
  );
  t.is(
    addedHeader(c),
    `Received: from client.example (10.1.2.3)${SPF_BY}` +
      'Received-SPF: pass (mx.example.org: SPF record at pass.example designates 10.1.2.3 as permitted sender) ' +
      'client-ip=10.1.2.3; envelope-from="x?Received-SPF: pass;\\"?@pass.example";\n',
  );
  assertLogsSafe(t, c.logs);
});

test('Received-SPF: a null sender puts the HELO name in the header; its CR and 8-bit bytes become "?"', async (t) => {
  const c = await converse(`HELO softfail.example\r(evil)\xe9\r\nMAIL FROM:<>\r\nRCPT TO:<a@example.org>\r\n${MESSAGE}QUIT\r\n`, {
    env: spfEnv,
    resolver,
  });
  t.is(
    addedHeader(c),
    `Received: from client.example (HELO softfail.example??evil??) (10.1.2.3)${SPF_BY}` +
      'Received-SPF: none (mx.example.org: domain at softfail.example??evil?? does not designate permitted sender hosts) ' +
      'client-ip=10.1.2.3; helo="softfail.example?(evil)?";\n',
  );
  t.deepEqual(qlogOf(c, 'qlogreceived').map((f) => f.helo), ['softfail.example_(evil)_']);
  assertLogsSafe(t, c.logs);
});

test('Received-SPF: an 8-bit and CR-laden sender domain is escaped inside the comment too', async (t) => {
  const c = await converse(`HELO client.example\r\nMAIL FROM:<u@ex\xe4mple\r).example>\r\nRCPT TO:<a@example.org>\r\n${MESSAGE}QUIT\r\n`, {
    env: spfEnv,
    resolver,
  });
  t.is(
    addedHeader(c),
    `Received: from client.example (10.1.2.3)${SPF_BY}` +
      'Received-SPF: none (mx.example.org: domain at ex?mple??.example does not designate permitted sender hosts) ' +
      'client-ip=10.1.2.3; envelope-from="u@ex?mple?).example";\n',
  );
  assertLogsSafe(t, c.logs);
});

test('Received-SPF: CR, LF and 8-bit bytes in a DNS record (someone else\'s data) stay inside the comment', async (t) => {
  const zone: TestZone = new Map<string, ZoneEntry[]>([['bad.example', [txt('v=spf1 fo\ro\r\nX-Forged:\xe9(x) -all')]]]);
  const c = await converse(`HELO client.example\r\nMAIL FROM:<u@bad.example>\r\nRCPT TO:<a@example.org>\r\n${MESSAGE}QUIT\r\n`, {
    env: spfEnv,
    resolver: zoneResolver(zone),
  });
  const header = addedHeader(c);
  t.is(header.slice(0, header.indexOf('Received-SPF: ')), `Received: from client.example (10.1.2.3)${SPF_BY}`);
  const spf = header.slice(header.indexOf('Received-SPF: '));
  t.regex(spf, /^Received-SPF: permerror \(mx\.example\.org: [^()\\]*\) client-ip=10\.1\.2\.3; envelope-from=u@bad\.example;\n$/);
  t.regex(spf.slice(0, -1), /^[\x20-\x7e]*$/, JSON.stringify(spf));
  assertLogsSafe(t, c.logs);
});
