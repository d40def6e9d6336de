// qmail-spf at the session: spfbehavior decides between a header, a 451 at MAIL and a 550 at
// every RCPT; Received-SPF follows Received; SPFRESULT reaches the queue program; qlog lines
// carry reason=spf. DNS is an in-memory zone (the resolver hook), so each case is exact.
import test from 'ava';
import type { Resolver } from '../../src/dns/index.js';
import { BASE_CONTROL, BASE_ENV, converse, replyLines } from '../helpers/session.js';
import { txt, type TestZone, type ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['pass.example', [txt('v=spf1 ip4:10.1.2.3 -all')]],
  ['fail.example', [txt('v=spf1 -all')]],
  ['softfail.example', [txt('v=spf1 ~all')]],
  ['neutral.example', [txt('v=spf1 ?all')]],
  ['none.example', [{ type: 'A', data: '192.0.2.1' }]],
  ['permerror.example', [txt('v=spf1 ip4:10.1.2.300 -all')]],
  ['temperror.example', [{ type: 'TIMEOUT' }]],
  ['exp.example', [txt('v=spf1 -all exp=explain.exp.example')]],
  ['explain.exp.example', [txt("%{i} is not one of %{d}'s designated mail servers.")]],
  ['helo.fail.example', [txt('v=spf1 -all')]],
]);
const resolver: Resolver = zoneResolver(ZONE);

const spfEnv = (behavior: number, extra: Record<string, string> = {}) => ({
  ...BASE_ENV,
  TCPLOCALHOST: 'mx.example.org',
  TCPREMOTEHOST: 'client.example',
  SPFBEHAVIOR: String(behavior),
  ...extra,
});

/** MAIL from a sender of `result`, one RCPT: the two replies. */
async function mailRcpt(behavior: number, result: string): Promise<[string, string]> {
  const c = await converse(`mail from:<u@${result}.example>\r\nrcpt to:<a@example.org>\r\nquit\r\n`, {
    env: spfEnv(behavior),
    resolver,
  });
  const lines = replyLines(c).filter((l) => !l.startsWith('220 ') && !l.startsWith('221 '));
  const mail = lines[0] ?? '';
  const rcpt = lines.slice(1).join('\n');
  return [mail, rcpt];
}

// Spec qmail-smtpd.md 3.8.3: the behaviour matrix ("-" = 250 at both).
const MATRIX: Record<string, (string | '-')[]> = {
  //          level: 1    2       3       4       5       6
  softfail: ['-', '-', '-', 'RCPT', 'RCPT', 'RCPT'],
  neutral: ['-', '-', '-', '-', 'RCPT', 'RCPT'],
  none: ['-', '-', '-', '-', '-', 'RCPT'],
  permerror: ['-', '-', '-', '-', '-', 'RCPT'],
  temperror: ['-', 'MAIL', 'MAIL', 'MAIL', 'MAIL', 'MAIL'],
  fail: ['-', '-', 'RCPT', 'RCPT', 'RCPT', 'RCPT'],
  pass: ['-', '-', '-', '-', '-', '-'],
};

for (const [result, row] of Object.entries(MATRIX)) {
  row.forEach((expected, i) => {
    const level = i + 1;
    test(`spfbehavior ${level}, ${result}: ${expected === '-' ? 'accepted' : `refused at ${expected}`}`, async (t) => {
      const [mail, rcpt] = await mailRcpt(level, result);
      if (expected === 'MAIL') {
        t.is(mail, '451 SPF lookup failure (#4.3.0)');
        t.is(rcpt, '503 MAIL first (#5.5.1)', 'a refused MAIL leaves no transaction');
      } else if (expected === 'RCPT') {
        t.is(mail, '250 ok');
        t.regex(rcpt, /^550[ -]/);
        t.regex(rcpt, /\(#5\.7\.1\)$/);
      } else {
        t.is(mail, '250 ok');
        t.is(rcpt, '250 ok');
      }
    });
  });
}

test('the classic telnet test: MAIL right after the greeting, 250, then 550 at RCPT', async (t) => {
  const c = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\nrcpt to:<b@example.org>\r\nquit\r\n', {
    env: spfEnv(6),
    resolver,
  });
  const lines = replyLines(c);
  t.is(lines[1], '250 ok');
  const rejections = lines.filter((l) => l.startsWith('550 '));
  t.is(rejections.length, 2, 'every RCPT gets the 550');
  t.true(lines.includes('550 Please see https://www.rfc-editor.org/rfc/rfc7208.html (#5.7.1)'));
  t.true(lines.includes('550-SPF fail: fail.example does not allow 10.1.2.3 to send its mail (SPF record at fail.example)'));
});

test('the exp= text of the record is the 550 explanation', async (t) => {
  const c = await converse('mail from:<u@exp.example>\r\nrcpt to:<a@example.org>\r\n', { env: spfEnv(3), resolver });
  t.true(replyLines(c).includes("550 10.1.2.3 is not one of exp.example's designated mail servers. (#5.7.1)"));
});

test('control/spfexp replaces the default explanation, macros expanded', async (t) => {
  const c = await converse('mail from:<u@softfail.example>\r\nrcpt to:<a@example.org>\r\n', {
    env: spfEnv(4),
    resolver,
    control: { ...BASE_CONTROL, spfexp: 'See http://example.org/spf?s=%{S}&ip=%{I}&r=%{xR} (%{xs})\n' },
  });
  t.true(replyLines(c).includes('550 See http://example.org/spf?s=u%40softfail.example&ip=10.1.2.3&r=mx.example.org (SPF record at softfail.example) (#5.7.1)'));
});

test('control/spfbehavior switches SPF on; SPFBEHAVIOR=0 in the environment switches it off', async (t) => {
  const control = { ...BASE_CONTROL, spfbehavior: '3\n' };
  const on = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\n', { env: spfEnv(3, {}), resolver, control });
  t.regex(on.output, /\r\n550 /);
  const env = { ...BASE_ENV, SPFBEHAVIOR: '0' };
  const off = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\n', { env, resolver, control });
  t.deepEqual(replyLines(off).slice(1), ['250 ok', '250 ok']);
});

test('RELAYCLIENT skips SPF: no lookup, no Received-SPF, SPFRESULT removed', async (t) => {
  const c = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\ndata\r\nhi\r\n.\r\n', {
    env: spfEnv(6, { RELAYCLIENT: '', SPFRESULT: 'stale' }),
    resolver,
  });
  t.regex(c.output, /\r\n250 ok \d+ qp/);
  const stored = c.queue.stored[0];
  t.truthy(stored);
  t.false(stored!.message.toString('latin1').includes('Received-SPF'));
  t.is(stored!.env.SPFRESULT, undefined);
});

test('Received-SPF follows the Received line; SPFRESULT goes to the queue program', async (t) => {
  const c = await converse('helo h.example\r\nmail from:<u@softfail.example>\r\nrcpt to:<a@example.org>\r\ndata\r\nhi\r\n.\r\n', {
    env: spfEnv(3),
    resolver,
  });
  const msg = c.queue.stored[0]!.message.toString('latin1').split('\n');
  t.regex(msg[0]!, /^Received: from client\.example \(HELO h\.example\)/);
  t.is(
    msg[2],
    'Received-SPF: softfail (mx.example.org: transitioning SPF record at softfail.example does not designate 10.1.2.3 as permitted sender) client-ip=10.1.2.3; envelope-from=u@softfail.example;',
  );
  t.is(c.queue.stored[0]!.env.SPFRESULT, 'softfail');
});

test('the null sender is checked as postmaster@HELO and the header names helo=', async (t) => {
  const c = await converse('helo helo.fail.example\r\nmail from:<>\r\nrcpt to:<a@example.org>\r\n', { env: spfEnv(3), resolver });
  t.regex(c.output, /\r\n550 [^\r]*\(#5\.7\.1\)\r\n/);
  const d = await converse('helo helo.fail.example\r\nmail from:<>\r\nrcpt to:<a@example.org>\r\ndata\r\nx\r\n.\r\n', { env: spfEnv(1), resolver });
  const msg = d.queue.stored[0]!.message.toString('latin1');
  t.regex(msg, /\nReceived-SPF: fail \(mx\.example\.org: SPF record at helo\.fail\.example does not designate 10\.1\.2\.3 as permitted sender\) client-ip=10\.1\.2\.3; helo=helo\.fail\.example;\n/);
});

test('a client on a local address passes by local policy without DNS', async (t) => {
  const none: Resolver = { lookup: () => Promise.reject(new Error('no DNS expected')) };
  const c = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\ndata\r\nx\r\n.\r\n', {
    env: spfEnv(6, { TCPREMOTEIP: '127.0.0.1' }),
    resolver: none,
  });
  const msg = c.queue.stored[0]!.message.toString('latin1');
  t.regex(msg, /\nReceived-SPF: pass \(mx\.example\.org: local policy designates 127\.0\.0\.1 as permitted sender\) client-ip=127\.0\.0\.1; envelope-from=u@fail\.example;\n/);
  t.is(c.queue.stored[0]!.env.SPFRESULT, 'pass');
});

test('qlog: reason=spf with the result word at RCPT, detail=lookupfailure at MAIL', async (t) => {
  const c = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\nmail from:<u@temperror.example>\r\n', {
    env: spfEnv(3),
    resolver,
  });
  const spfLines = c.logs.filter((l) => l.includes('reason=spf'));
  t.is(spfLines.length, 2);
  t.regex(spfLines[0]!, /^qlogenvelope: result=rejected code=550 reason=spf detail=fail helo=client\.example mailfrom=u@fail\.example rcptto=a@example\.org relay=no rcpthosts=yes /);
  t.regex(spfLines[1]!, /^qlogenvelope: result=rejected code=451 reason=spf detail=lookupfailure helo=client\.example mailfrom=u@temperror\.example rcptto= /);
});

test('a permerror is reported as "unknown" in SPFRESULT and qlog, permerror in the header', async (t) => {
  const c = await converse('mail from:<u@permerror.example>\r\nrcpt to:<a@example.org>\r\ndata\r\nx\r\n.\r\n', { env: spfEnv(5), resolver });
  t.is(c.queue.stored[0]!.env.SPFRESULT, 'unknown');
  t.regex(c.queue.stored[0]!.message.toString('latin1'), /\nReceived-SPF: permerror \(mx\.example\.org: /);
  const r = await converse('mail from:<u@permerror.example>\r\nrcpt to:<a@example.org>\r\n', { env: spfEnv(6), resolver });
  t.true(r.logs.some((l) => l.includes('reason=spf detail=unknown')));
});

test('badmailfrom still wins over SPF at RCPT (its verdict comes first)', async (t) => {
  const control = { ...BASE_CONTROL, badmailfrom: '@fail.example\n' };
  const c = await converse('mail from:<u@fail.example>\r\nrcpt to:<a@example.org>\r\n', { env: spfEnv(6), resolver, control });
  t.regex(c.output, /\r\n553 sorry, your envelope sender is in my badmailfrom list/);
});

test('client bytes cannot break the Received-SPF line', async (t) => {
  const c = await converse('helo evil(\x01)\r\nmail from:<"a;b c"@softfail.example>\r\nrcpt to:<a@example.org>\r\ndata\r\nx\r\n.\r\n', {
    env: spfEnv(1),
    resolver,
  });
  const header = c.queue.stored[0]!.message.toString('latin1').split('\n').find((l) => l.startsWith('Received-SPF:'));
  t.truthy(header);
  t.regex(header!, /envelope-from="a;b c@softfail\.example";$/, "quotes are removed by address parsing; the value is quoted again");
  t.false(/[\x00-\x1f]/.test(header!));
});
