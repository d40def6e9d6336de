// SRS in the session, in memory: a bounce to an SRS address is verified at RCPT and delivered to
// the address it stands for; a bad one, or one that is not a bounce, is refused with a qlog line
// (reason=srs); relayed mail leaves with an SRS sender, noted in the log. Fixed clock and the
// vectors of spec srs-vectors.tsv: secret "tops3cret", 2024-01-15 12:00 UTC.
import test from 'ava';
import { parseQlog } from '../helpers/e2e.js';
import { BASE_CONTROL, BASE_ENV, converse, replyLines, type ConverseOptions } from '../helpers/session.js';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
const ALICE_SRS0 = 'SRS0=8Nqu=IZ=example.com=alice@fwd.example';
const CAROL_SRS1 = 'SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example';
const INVALID = '550 sorry, that SRS address is not valid or has expired (#5.1.1)';
const BOUNCES_ONLY = '550 sorry, SRS addresses take bounces only, with an empty sender (#5.7.1)';

const SRS_CONTROL = { ...BASE_CONTROL, srs_domain: 'fwd.example\n', srs_secrets: 'tops3cret\n' };
const RELAY_ENV = { ...BASE_ENV, RELAYCLIENT: '' };

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');
const message = (sender: string, ...recipients: string[]): string =>
  crlf(`MAIL FROM:<${sender}>`, ...recipients.map((r) => `RCPT TO:<${r}>`), 'DATA', 'Subject: t', '', 'body', '.', 'QUIT');

function talk(input: string, opts: ConverseOptions = {}) {
  return converse(input, { control: SRS_CONTROL, now: () => NOW, ...opts });
}

const qlogs = (logs: readonly string[], head: string) => logs.filter((l) => l.startsWith(`${head}: `)).map((l) => parseQlog(l).fields);
const notes = (logs: readonly string[]) => logs.filter((l) => /^qmail-smtpd: pid \S+: srs: /.test(l));

test('a bounce to a valid SRS0 address is accepted and its envelope recipient becomes the original sender', async (t) => {
  const c = await talk(message('', ALICE_SRS0));
  const lines = replyLines(c);
  t.deepEqual(lines.slice(1, 4), ['250 ok', '250 ok', '354 go ahead']);
  t.regex(lines[4]!, /^250 ok \d+ qp \d+$/);
  t.deepEqual(c.queue.stored[0]?.envelope, { sender: '', recipients: ['alice@example.com'] });
  const [rcpt] = qlogs(c.logs, 'qlogenvelope');
  t.like(rcpt, { result: 'accepted', code: '250', reason: 'srs', detail: 'srs0', mailfrom: '', rcptto: 'alice@example.com', rcpthosts: 'no' });
  t.like(qlogs(c.logs, 'qlogreceived')[0], { result: 'accepted', reason: 'queueaccept', rcptto: 'alice@example.com' });
});

test('a bounce to a valid SRS1 address goes on to the first forwarder\'s SRS0 address', async (t) => {
  const c = await talk(message('', CAROL_SRS1));
  t.deepEqual(c.queue.stored[0]?.envelope, { sender: '', recipients: ['SRS0=abcd=IZ=orig.example=carol@fwd0.example'] });
  t.like(qlogs(c.logs, 'qlogenvelope')[0], { reason: 'srs', detail: 'srs1', rcptto: 'SRS0=abcd=IZ=orig.example=carol@fwd0.example' });
});

const RCPT_CASES: readonly [string, string, string, string?][] = [
  ['case smashed by another MTA', 'srs0=8NQU=iz=EXAMPLE.com=alice@FWD.example', '250 ok'],
  ['initial separator +', 'SRS0+8Nqu=IZ=example.com=alice@fwd.example', '250 ok'],
  ['initial separator -', 'SRS0-8Nqu=IZ=example.com=alice@fwd.example', '250 ok'],
  ['forged hash', 'SRS0=8Nqu=IZ=example.org=alice@fwd.example', INVALID, 'badhash'],
  ['hash too short', 'SRS0=8Nq=IZ=example.com=alice@fwd.example', INVALID, 'badhash'],
  ['expired (stamp of 22 days ago, hash valid)', 'SRS0=WBsz=ID=example.com=alice@fwd.example', INVALID, 'expired'],
  ['malformed (no user field)', 'SRS0=8Nqu=IZ=example.com@fwd.example', INVALID, 'syntax'],
];
for (const [label, address, reply, detail] of RCPT_CASES) {
  test(`bounce to an SRS address, ${label}: ${reply}`, async (t) => {
    const c = await talk(crlf('MAIL FROM:<>', `RCPT TO:<${address}>`, 'QUIT'));
    t.is(replyLines(c)[2], reply);
    const q = qlogs(c.logs, 'qlogenvelope')[0];
    if (detail === undefined) t.like(q, { result: 'accepted', reason: 'srs' });
    else t.like(q, { result: 'rejected', code: '550', reason: 'srs', detail, rcptto: address, rcpthosts: 'no' });
  });
}

test('an expired address is refused the day after its last valid day, accepted on that day', async (t) => {
  const rcpt = crlf('MAIL FROM:<>', `RCPT TO:<${ALICE_SRS0}>`);
  const lastDay = await talk(rcpt, { now: () => Date.UTC(2024, 1, 5, 23, 59, 59) });
  const dayAfter = await talk(rcpt, { now: () => Date.UTC(2024, 1, 6) });
  t.is(replyLines(lastDay)[2], '250 ok');
  t.is(replyLines(dayAfter)[2], INVALID);
});

test('mail with a sender to a valid SRS address is refused at RCPT, never silently dropped', async (t) => {
  const c = await talk(message('someone@example.net', ALICE_SRS0));
  const lines = replyLines(c);
  t.is(lines[2], BOUNCES_ONLY);
  t.is(lines[3], '503 RCPT first (#5.5.1)', 'the transaction has no recipient');
  t.is(c.queue.stored.length, 0);
  t.like(qlogs(c.logs, 'qlogenvelope')[0], { result: 'rejected', code: '550', reason: 'srs', detail: 'notbounce', mailfrom: 'someone@example.net' });
});

test('a plain local part in the SRS domain is not SRS: rcpthosts decides as usual', async (t) => {
  const refused = await talk(crlf('MAIL FROM:<>', 'RCPT TO:<postmaster@fwd.example>'));
  t.is(replyLines(refused)[2], "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
  const listed = await talk(crlf('MAIL FROM:<>', 'RCPT TO:<postmaster@fwd.example>'), { control: { ...SRS_CONTROL, rcpthosts: 'fwd.example\n' } });
  t.is(replyLines(listed)[2], '250 ok');
  t.like(qlogs(listed.logs, 'qlogenvelope')[0], { reason: 'rcpthosts', rcptto: 'postmaster@fwd.example' });
});

test('RELAYCLIENT appends nothing to a decoded SRS recipient', async (t) => {
  const c = await talk(message('', ALICE_SRS0, 'x@other.example'), { env: { ...BASE_ENV, RELAYCLIENT: '@gw.example' } });
  t.deepEqual(c.queue.stored[0]?.envelope.recipients, ['alice@example.com', 'x@other.example@gw.example']);
});

test('badmailfrom is reported before the SRS check, as before rcpthosts', async (t) => {
  const c = await talk(crlf('MAIL FROM:<bad@example.com>', `RCPT TO:<${ALICE_SRS0}>`));
  t.is(replyLines(c)[2], '553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)');
});

test('srs_domain without a secret: SRS bounces get a temporary 451, never a 5xx', async (t) => {
  const c = await talk(crlf('MAIL FROM:<>', `RCPT TO:<${ALICE_SRS0}>`), { control: { ...BASE_CONTROL, srs_domain: 'fwd.example\n' } });
  t.is(replyLines(c)[2], '451 unable to verify SRS address, try again later (#4.3.0)');
  t.like(qlogs(c.logs, 'qlogenvelope')[0], { result: 'rejected', code: '451', reason: 'srs', detail: 'nosecrets' });
});

// --- the sender of relayed mail ---

test('relayed mail leaves with an SRS sender; qlog keeps the client\'s sender, a note records the rewrite', async (t) => {
  const c = await talk(message('alice@example.com', 'bob@elsewhere.example'), { env: RELAY_ENV });
  t.regex(replyLines(c)[4]!, /^250 ok \d+ qp \d+$/);
  t.deepEqual(c.queue.stored[0]?.envelope, { sender: ALICE_SRS0, recipients: ['bob@elsewhere.example'] });
  t.deepEqual(notes(c.logs), [`qmail-smtpd: pid 4242: srs: rewrote alice@example.com to ${ALICE_SRS0}`]);
  t.like(qlogs(c.logs, 'qlogreceived')[0], { result: 'accepted', mailfrom: 'alice@example.com', rcptto: 'bob@elsewhere.example' });
  const at = c.logs.findIndex((l) => l.includes(': srs: rewrote '));
  t.true(at >= 0 && at < c.logs.findIndex((l) => l.startsWith('qlogreceived: ')), 'the note comes before the qlogreceived line');
});

test('one relayed recipient among local ones is enough: the whole envelope gets the SRS sender', async (t) => {
  const c = await talk(message('alice@example.com', 'a@example.org', 'bob@elsewhere.example'), { env: RELAY_ENV });
  t.deepEqual(c.queue.stored[0]?.envelope, { sender: ALICE_SRS0, recipients: ['a@example.org', 'bob@elsewhere.example'] });
});

test('a relayed foreign SRS0 sender becomes SRS1 (Guarded scheme)', async (t) => {
  const c = await talk(message('SRS0=abcd=IZ=orig.example=carol@fwd0.example', 'bob@elsewhere.example'), { env: RELAY_ENV });
  t.is(c.queue.stored[0]?.envelope.sender, CAROL_SRS1);
});

const KEPT: readonly [string, string, string, ConverseOptions][] = [
  ['a local sender (in rcpthosts)', 'u@example.org', 'bob@elsewhere.example', { env: RELAY_ENV }],
  ['a local sender (a .suffix entry of rcpthosts)', 'u@mail.example.net', 'bob@elsewhere.example', { env: RELAY_ENV }],
  ['the null sender', '', 'bob@elsewhere.example', { env: RELAY_ENV }],
  ['the double-bounce sender', '#@[]', 'bob@elsewhere.example', { env: RELAY_ENV }],
  ['a sender in the SRS domain', 'u@fwd.example', 'bob@elsewhere.example', { env: RELAY_ENV }],
  ['mail to our own domains only', 'alice@example.com', 'a@example.org', { env: RELAY_ENV }],
  ['a client without RELAYCLIENT', 'alice@example.com', 'a@example.org', {}],
  ['any sender when rcpthosts is missing (everything is local)', 'alice@example.com', 'bob@elsewhere.example', { env: RELAY_ENV, control: { me: 'mail.example.org\n', srs_domain: 'fwd.example\n', srs_secrets: 'tops3cret\n' } }],
  ['SRS off: no srs_domain', 'alice@example.com', 'bob@elsewhere.example', { env: RELAY_ENV, control: { ...BASE_CONTROL, srs_secrets: 'tops3cret\n' } }],
];
for (const [label, sender, recipient, opts] of KEPT) {
  test(`sender not rewritten: ${label}`, async (t) => {
    const c = await talk(message(sender, recipient), opts);
    t.is(c.queue.stored[0]?.envelope.sender, sender);
    t.deepEqual(notes(c.logs), []);
  });
}

test('srs_alwaysrewrite: a local sender is rewritten too, the null sender still never', async (t) => {
  const opts = { env: RELAY_ENV, control: { ...SRS_CONTROL, srs_alwaysrewrite: '1\n' } };
  const local = await talk(message('u@example.org', 'bob@elsewhere.example'), opts);
  t.regex(local.queue.stored[0]?.envelope.sender ?? '', /^SRS0=[A-Za-z0-9+/]{4}=IZ=example\.org=u@fwd\.example$/);
  const bounce = await talk(message('', 'bob@elsewhere.example'), opts);
  t.is(bounce.queue.stored[0]?.envelope.sender, '');
});

test('a sender the codec cannot rewrite goes out unchanged, with a note; the mail is accepted', async (t) => {
  const c = await talk(message('a@b@other.example', 'bob@elsewhere.example'), { env: RELAY_ENV });
  t.regex(replyLines(c)[4]!, /^250 ok /);
  t.is(c.queue.stored[0]?.envelope.sender, 'a@b@other.example');
  const n = notes(c.logs);
  t.is(n.length, 1);
  t.regex(n[0]!, /^qmail-smtpd: pid 4242: srs: kept a@b@other\.example, cannot rewrite it: \S/);
});

test('without a signing secret relayed mail still goes out, sender unchanged and noted', async (t) => {
  const c = await talk(message('alice@example.com', 'bob@elsewhere.example'), { env: RELAY_ENV, control: { ...BASE_CONTROL, srs_domain: 'fwd.example\n' } });
  t.regex(replyLines(c)[4]!, /^250 ok /);
  t.is(c.queue.stored[0]?.envelope.sender, 'alice@example.com');
  t.is(notes(c.logs).length, 1);
});

test('SRS off (no srs_domain): an SRS address is an ordinary foreign recipient', async (t) => {
  const c = await talk(crlf('MAIL FROM:<>', `RCPT TO:<${ALICE_SRS0}>`), { control: { ...BASE_CONTROL, srs_secrets: 'tops3cret\n' } });
  t.is(replyLines(c)[2], "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
});

test('an unreadable SRS control file gets 421 instead of the greeting, like any control file', async (t) => {
  const c = await talk(crlf('QUIT'), { control: { ...BASE_CONTROL, 'srs_domain/': '' } });
  t.deepEqual(replyLines(c), ['421 unable to read controls (#4.3.0)']);
  t.true(c.logs.some((l) => /fatal: unable to read controls: .*srs_domain: EISDIR/.test(l)));
});

test('the SRS files are read per connection: a new secret applies to the next session', async (t) => {
  const before = await talk(message('alice@example.com', 'bob@elsewhere.example'), { env: RELAY_ENV });
  const after = await talk(message('alice@example.com', 'bob@elsewhere.example'), { env: RELAY_ENV, control: { ...SRS_CONTROL, srs_secrets: 'other-secret\ntops3cret\n' } });
  t.is(before.queue.stored[0]?.envelope.sender, ALICE_SRS0);
  t.not(after.queue.stored[0]?.envelope.sender, ALICE_SRS0);
  t.regex(after.queue.stored[0]?.envelope.sender ?? '', /^SRS0=.{4}=IZ=example\.com=alice@fwd\.example$/);
});
