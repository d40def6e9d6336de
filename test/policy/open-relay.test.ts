// The open-relay battery, in memory (one whole session per case through converse()): the classic
// relay probes, each written against qmail's own rules, not against what qfront happens to do.
//
// qmail's rules (spec qmail-smtpd.md 3.2, 2.2 rcpthosts, 3.4; netqmail qmail-smtpd.c addrparse,
// rcpthosts.c):
//   - addrparse takes the text from the first '<' to the next unquoted, unescaped '>' (or, with
//     no '<', from after the first ':' to the next space); drops a leading source route up to and
//     including the first ':' (to the end of the argument when there is no ':'); removes double
//     quotes and backslashes; rewrites "box@[one of my IPv4 addresses]" to "box@LOCALIPHOST". The
//     command line itself ends at its first NUL (C strings) and loses one trailing CR.
//   - rcpthosts: the recipient is accepted when the domain after its LAST '@', ASCII lower-cased,
//     equals an entry or ends with a ".entry"; no '@' at all is always accepted; an empty domain
//     never is. A missing rcpthosts accepts everything; an empty one nothing with an '@'.
//   - qmail-smtpd does not interpret '%' or '!': qmail-send splits the envelope recipient at its
//     last '@' and, for one of our domains, qmail-local delivers to a local part such as
//     "user%other.example" (percent hack only for domains listed in control/percenthack, which a
//     site has to ask for). A recipient without '@' gets "@envnoathost" (= me): ours as well.
//   - RELAYCLIENT (set, even empty) skips rcpthosts and its value is appended to every recipient.
//
// "Relayed" below means: accepted although qmail's delivery would not stay on our host. The key
// assertion of every row: relayed here exactly where qmail would relay, and the envelope
// recipient handed to the queue is byte for byte the one qmail would hand to qmail-queue.

import test from 'ava';
import { parseQlog } from '../helpers/e2e.js';
import { BASE_CONTROL, BASE_ENV, converse, replyLines, type Conversation } from '../helpers/session.js';

const OK = '250 ok';
const NOT_OURS = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)";
/** Always ours: lets DATA go ahead whatever happened to the probe, so the envelope can be read. */
const ANCHOR = 'postmaster@example.org';

/**
 * Does qmail deliver this envelope recipient on our host? (qmail-send: domain after the last '@',
 * lower-cased; no '@' means envnoathost = me.) Our host: me (locals) and the rcpthosts domains
 * (virtualdomains), nothing else. Independent of qfront's code on purpose.
 */
function deliveredHere(recipient: string): boolean {
  const at = recipient.lastIndexOf('@');
  if (at === -1) return true;
  const domain = recipient.slice(at + 1).replace(/[A-Z]/g, (c) => c.toLowerCase());
  return domain === 'mail.example.org' || domain === 'example.org' || domain.endsWith('.example.net');
}

interface Row {
  /** The argument of RCPT, exactly as the client sends it (latin1 bytes). */
  readonly arg: string;
  /** qmail's envelope recipient when it accepts, null when it refuses (553). */
  readonly qmail: string | null;
  readonly why: string;
}

const u8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

// rcpthosts: example.org, .example.net; me: mail.example.org; no RELAYCLIENT.
const ROWS: readonly Row[] = [
  // Percent hack
  { arg: 'TO:<user%other.example@example.org>', qmail: 'user%other.example@example.org', why: 'domain example.org is ours; local part "user%other.example" is delivered here (no percenthack)' },
  { arg: 'TO:<user%example.org@other.example>', qmail: null, why: 'domain after the last @ is other.example' },
  { arg: 'TO:<user%other.example>', qmail: 'user%other.example', why: 'no @: always accepted, qmail-send appends @me' },
  { arg: 'TO:<user%other.example%example.org>', qmail: 'user%other.example%example.org', why: 'no @ at all; % means nothing to qmail' },
  // Bang paths
  { arg: 'TO:<other.example!user@example.org>', qmail: 'other.example!user@example.org', why: 'domain example.org; "!" is part of the local part' },
  { arg: 'TO:<other.example!user>', qmail: 'other.example!user', why: 'no @: local, qmail does not route UUCP paths' },
  { arg: 'TO:<example.org!user@other.example>', qmail: null, why: 'domain other.example' },
  // Source routes: the route is dropped, the final address decides
  { arg: 'TO:<@example.org:user@other.example>', qmail: null, why: 'route dropped; domain other.example' },
  { arg: 'TO:<@example.org,@mail.example.org:user@other.example>', qmail: null, why: 'multi-hop route dropped; domain other.example' },
  { arg: 'TO:<@other.example:user@example.org>', qmail: 'user@example.org', why: 'route dropped; domain example.org' },
  { arg: 'TO:<@other.example>', qmail: '', why: 'a route without ":" swallows the whole argument: empty recipient, no @, local' },
  { arg: 'TO:<@>', qmail: '', why: 'same: empty recipient' },
  // Quoted local parts and escapes
  { arg: 'TO:<"user@other.example"@example.org>', qmail: 'user@other.example@example.org', why: 'quotes removed; last @ gives example.org; local part "user@other.example" delivered here' },
  { arg: 'TO:<"user@other.example">', qmail: null, why: 'quotes removed: user@other.example' },
  { arg: 'TO:<"user"@other.example>', qmail: null, why: 'domain other.example' },
  { arg: 'TO:<user\\@other.example@example.org>', qmail: 'user@other.example@example.org', why: 'backslash removed; last @ gives example.org' },
  { arg: 'TO:<"user@other.example>"@example.org>', qmail: 'user@other.example>@example.org', why: 'a quoted ">" does not end the address; domain example.org' },
  { arg: 'TO:<user@other.example"@example.org>', qmail: null, why: 'unbalanced quote: the closing ">" is quoted and kept, domain "example.org>" is not ours' },
  { arg: 'TO:<"">', qmail: '', why: 'empty recipient' },
  // Domain literals (localiphost defaults to me = mail.example.org, which rcpthosts does not list)
  { arg: 'TO:<user@[192.0.2.1]>', qmail: null, why: 'not one of our addresses: the literal stays, "[192.0.2.1]" not in rcpthosts' },
  { arg: 'TO:<user@[127.0.0.1]>', qmail: null, why: 'ours: rewritten to user@mail.example.org, which rcpthosts does not list' },
  { arg: 'TO:<user@[IPv6:2001:db8::1]>', qmail: null, why: 'IPv6 literals are never parsed; "[ipv6:2001:db8::1]" not in rcpthosts' },
  { arg: 'TO:<user@[IPv6:::1]>', qmail: null, why: 'even our own IPv6 address is just text' },
  { arg: 'TO:<user@[192.0.2.1]@example.org>', qmail: 'user@[192.0.2.1]@example.org', why: 'last @ gives example.org' },
  // Trailing dots: the domain is compared as it is
  { arg: 'TO:<user@other.example.>', qmail: null, why: '"other.example." not in rcpthosts' },
  { arg: 'TO:<user@example.org.>', qmail: null, why: '"example.org." is not "example.org": qmail refuses it too' },
  { arg: 'TO:<user@sub.example.net.>', qmail: null, why: '"sub.example.net." does not end in ".example.net"' },
  // Upper case: the match is ASCII case-insensitive, the envelope keeps the client's case
  { arg: 'TO:<user@EXAMPLE.ORG>', qmail: 'user@EXAMPLE.ORG', why: 'lower-cased for the match only' },
  { arg: 'TO:<USER@Sub.Example.NET>', qmail: 'USER@Sub.Example.NET', why: 'sub-domain of .example.net, any case' },
  { arg: 'TO:<user@OTHER.EXAMPLE>', qmail: null, why: 'other.example in any case' },
  // IDN and 8-bit domains: bytes, never Unicode-folded or punycode-converted
  { arg: `TO:<user@${u8('bücher.example')}>`, qmail: null, why: '8-bit domain, not listed' },
  { arg: 'TO:<user@xn--bcher-kva.example>', qmail: null, why: 'A-label, not listed' },
  { arg: `TO:<user@${u8('exämple.org')}>`, qmail: null, why: 'look-alike of example.org in UTF-8 bytes' },
  { arg: 'TO:<user@ex\xe4mple.org>', qmail: null, why: 'look-alike in latin1 bytes' },
  { arg: `TO:<user@${u8('ＥＸＡＭＰＬＥ.ORG')}>`, qmail: null, why: 'full-width letters are not ASCII: not folded to example.org' },
  { arg: `TO:<user@example${u8('．')}org>`, qmail: null, why: 'a full-width full stop is not a dot' },
  { arg: 'TO:<user@EXAMPLE.ORG\xff>', qmail: null, why: 'trailing 8-bit byte' },
  { arg: `TO:<${u8('üser')}@example.org>`, qmail: `${u8('üser')}@example.org`, why: '8-bit local part at our domain: accepted, bytes kept' },
  // Multiple @
  { arg: 'TO:<a@other.example@example.org>', qmail: 'a@other.example@example.org', why: 'last @ gives example.org; local part "a@other.example" delivered here' },
  { arg: 'TO:<a@example.org@other.example>', qmail: null, why: 'last @ gives other.example' },
  { arg: 'TO:<a@@example.org>', qmail: 'a@@example.org', why: 'last @ gives example.org' },
  // Empty local part, empty domain, empty address
  { arg: 'TO:<""@example.org>', qmail: '@example.org', why: 'quotes removed, no source route (it starts with a quote): domain example.org' },
  { arg: 'TO:<""@other.example>', qmail: null, why: 'domain other.example' },
  { arg: 'TO:<user@>', qmail: null, why: 'an empty domain never matches' },
  { arg: 'TO:<>', qmail: '', why: 'no @: accepted (qmail answers 250 to RCPT TO:<>)' },
  // Forms without brackets, and text around them
  { arg: 'TO: user@other.example', qmail: null, why: 'no "<": from after ":" (spaces skipped) to the next space' },
  { arg: 'TO:user@example.org', qmail: 'user@example.org', why: 'no "<" form' },
  { arg: 'TO:user@other.example <user@example.org>', qmail: 'user@example.org', why: 'a "<" anywhere wins: the bracketed address is the recipient' },
  { arg: 'TO:<user@other.example> <user@example.org>', qmail: null, why: 'the first bracketed address is the recipient' },
  { arg: 'TO:<user@example.org >', qmail: null, why: 'the space is kept: "example.org " is not ours' },
  { arg: 'TO:<user@other.example> NOTIFY=NEVER ORCPT=rfc822;user@example.org', qmail: null, why: 'ESMTP parameters are ignored' },
  // NUL and CR inside the command line
  { arg: 'TO:<user@other.example\0@example.org>', qmail: null, why: 'the line ends at NUL: user@other.example' },
  { arg: 'TO:<user@example.org\0@other.example>', qmail: 'user@example.org', why: 'the line ends at NUL: user@example.org' },
  { arg: 'TO:<user@example.org\r@other.example>', qmail: null, why: 'a bare CR is an ordinary byte: domain other.example' },
];

/** One session: HELO, MAIL, the probe, the anchor recipient, DATA, QUIT. */
async function probe(arg: string, opts: { env?: Record<string, string>; control?: Record<string, string> } = {}): Promise<Conversation> {
  return converse(
    `HELO client.example\r\nMAIL FROM:<s@good.example>\r\nRCPT ${arg}\r\nRCPT TO:<${ANCHOR}>\r\nDATA\r\nSubject: relay probe\r\n\r\nbody\r\n.\r\nQUIT\r\n`,
    { env: opts.env ?? BASE_ENV, control: opts.control ?? BASE_CONTROL },
  );
}

/** The RCPT reply to the probe (the 4th reply: greeting, HELO, MAIL, RCPT). */
const probeReply = (c: Conversation): string => replyLines(c)[3] ?? '';

/** The qlogenvelope line logged for the probe: the first one in the session. */
function probeLog(c: Conversation): Record<string, string> {
  const line = c.logs.find((l) => l.startsWith('qlogenvelope:'));
  if (line === undefined) throw new Error(`no qlogenvelope line in ${JSON.stringify(c.logs)}`);
  return parseQlog(line).fields;
}

const qlogged = (s: string): string => s.replace(/[^\x21-\x7e]/g, '_');

for (const row of ROWS) {
  const verdict = row.qmail === null ? '553' : `250, queued as ${JSON.stringify(row.qmail)}`;
  test(`relay: RCPT ${JSON.stringify(row.arg)} -> ${verdict} (${row.why})`, async (t) => {
    const c = await probe(row.arg);
    t.is(probeReply(c), row.qmail === null ? NOT_OURS : OK);
    t.is(c.queue.stored.length, 1, replyLines(c).join(' | '));
    const recipients = c.queue.stored[0]?.envelope.recipients ?? [];
    t.deepEqual(recipients, row.qmail === null ? [ANCHOR] : [row.qmail, ANCHOR]);
    // The key assertion: nothing accepted leaves our host, as in qmail without RELAYCLIENT.
    const relayed = recipients.filter((r) => !deliveredHere(r));
    t.deepEqual(relayed, [], 'relayed to a foreign destination');
    const log = probeLog(c);
    t.is(log.relay, 'no');
    t.is(log.result, row.qmail === null ? 'rejected' : 'accepted');
    t.is(log.reason, row.qmail === null ? 'not_in_rcpthosts' : 'rcpthosts');
    t.is(log.rcpthosts, row.qmail === null ? 'no' : 'yes');
    if (row.qmail !== null) t.is(log.rcptto, qlogged(row.qmail));
  });
}

test('relay: the table itself agrees with qmail: every accepted row stays here, every refused one would leave', (t) => {
  for (const row of ROWS) {
    if (row.qmail !== null) t.true(deliveredHere(row.qmail), row.arg);
  }
});

test('relay: localiphost rewrites a literal of ours to LOCALIPHOST before rcpthosts, as qmail', async (t) => {
  const control = { ...BASE_CONTROL, localiphost: 'example.org\n' };
  const ours = await probe('TO:<user@[198.51.100.1]>', { control });
  t.is(probeReply(ours), OK);
  t.deepEqual(ours.queue.stored[0]?.envelope.recipients, ['user@example.org', ANCHOR]);
  const loop = await probe('TO:<user@[127.0.0.1]>', { control });
  t.deepEqual(loop.queue.stored[0]?.envelope.recipients, ['user@example.org', ANCHOR]);
  // Not one of ours: untouched, refused.
  const foreign = await probe('TO:<user@[192.0.2.1]>', { control });
  t.is(probeReply(foreign), NOT_OURS);
  // Something after the literal: not rewritten (the literal must end the address).
  const trailing = await probe('TO:<user@[198.51.100.1].other.example>', { control });
  t.is(probeReply(trailing), NOT_OURS);
});

// RELAYCLIENT: qmail relays everything for such a client and appends the value, whatever it is.
const RELAY_ROWS: readonly [relayClient: string, arg: string, queued: string, leaves: boolean][] = [
  ['', 'TO:<user@other.example>', 'user@other.example', true],
  ['', 'TO:<user%other.example@example.org>', 'user%other.example@example.org', false],
  ['', 'TO:<@example.org:user@other.example>', 'user@other.example', true],
  ['', 'TO:<user@EXAMPLE.ORG.>', 'user@EXAMPLE.ORG.', true],
  ['', 'TO:<>', '', false],
  ['@x', 'TO:<user@other.example>', 'user@other.example@x', true],
  ['@x', 'TO:<user@example.org>', 'user@example.org@x', true],
  ['@x', 'TO:<postmaster>', 'postmaster@x', true],
  ['@x', 'TO:<>', '@x', true],
  ['@example.org', 'TO:<user@other.example>', 'user@other.example@example.org', false],
  ['x', 'TO:<user@other.example>', 'user@other.examplex', true],
  ['x', 'TO:<user@example.org>', 'user@example.orgx', true],
  ['x', 'TO:<postmaster>', 'postmasterx', false],
];

for (const [relayClient, arg, queued, leaves] of RELAY_ROWS) {
  test(`relay: RELAYCLIENT=${JSON.stringify(relayClient)}, RCPT ${JSON.stringify(arg)} -> 250, queued as ${JSON.stringify(queued)}`, async (t) => {
    const c = await probe(arg, { env: { ...BASE_ENV, RELAYCLIENT: relayClient } });
    t.is(probeReply(c), OK);
    t.deepEqual(c.queue.stored[0]?.envelope.recipients, [queued, ANCHOR + relayClient]);
    t.is(!deliveredHere(queued), leaves, 'leaves our host exactly where qmail would send it');
    const log = probeLog(c);
    t.is(log.relay, 'yes');
    t.is(log.reason, 'relayclient');
    t.is(log.rcptto, qlogged(queued));
  });
}

test('relay: a missing rcpthosts accepts every domain (qmail\'s rule, an open relay) and says so in every qlog line', async (t) => {
  const control: Record<string, string> = { me: 'mail.example.org\n' };
  const c = await probe('TO:<user@other.example>', { control });
  t.is(probeReply(c), OK);
  t.deepEqual(c.queue.stored[0]?.envelope.recipients, ['user@other.example', ANCHOR]);
  const log = probeLog(c);
  t.is(log.reason, 'rcpthosts');
  t.is(log.rcpthosts, 'yes');
  t.is(log.detail, 'rcpthosts_missing_open_relay');
});

test('relay: an empty rcpthosts refuses every domain, still accepts addresses without "@"', async (t) => {
  for (const rcpthosts of ['', '\n', '# only a comment\n', '   \n\t\n']) {
    const control = { me: 'mail.example.org\n', rcpthosts };
    const c = await converse(
      'MAIL FROM:<s@good.example>\r\nRCPT TO:<user@example.org>\r\nRCPT TO:<user@other.example>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<>\r\nDATA\r\n\r\n.\r\n',
      { control },
    );
    t.deepEqual(replyLines(c).slice(1, 6), [OK, NOT_OURS, NOT_OURS, OK, OK], JSON.stringify(rcpthosts));
    t.deepEqual(c.queue.stored[0]?.envelope.recipients, ['postmaster', '']);
    t.false(c.logs.some((l) => l.includes('open_relay')), 'an empty file is not the open-relay case');
  }
});

test('relay: rcpthosts written with CRLF line ends matches nothing (qmail keeps the CR): closed, not open', async (t) => {
  const c = await probe('TO:<user@example.org>', { control: { me: 'mail.example.org\n', rcpthosts: 'example.org\r\n.example.net\r\n' } });
  t.is(probeReply(c), NOT_OURS);
  t.is(replyLines(c)[4], NOT_OURS, 'the anchor is refused as well');
});

// AUTH-less relay attempts: this version offers no AUTH; nothing a client says can make it relay.
const AUTH_ATTEMPTS: readonly [label: string, lines: string[]][] = [
  ['AUTH PLAIN with an initial response', ['AUTH PLAIN AHVzZXIAcGFzcw==']],
  ['AUTH PLAIN, response on the next line', ['AUTH PLAIN', 'AHVzZXIAcGFzcw==']],
  ['AUTH LOGIN dialogue', ['AUTH LOGIN', 'dXNlcg==', 'cGFzcw==']],
  ['AUTH CRAM-MD5', ['AUTH CRAM-MD5', 'dXNlciA5YzJlZjgzZjA3MWQ4ZDM0YjRiNzY0MzM2NjA0YjViYQ==']],
  ['lower-case auth, extra spaces', ['auth   plain   AHVzZXIAcGFzcw==']],
  ['STARTTLS then AUTH', ['STARTTLS', 'AUTH PLAIN AHVzZXIAcGFzcw==']],
];

for (const [label, lines] of AUTH_ATTEMPTS) {
  test(`relay: ${label} gets 502 for every line and does not open relaying`, async (t) => {
    const c = await converse(
      ['EHLO client.example', ...lines, 'MAIL FROM:<s@good.example> AUTH=user@example.org', 'RCPT TO:<user@other.example>', 'QUIT', ''].join('\r\n'),
    );
    const r = replyLines(c);
    t.deepEqual(r.slice(1, 4), ['250-mail.example.org', '250-PIPELINING', '250 8BITMIME'], 'EHLO offers no AUTH');
    t.deepEqual(r.slice(4, 4 + lines.length), lines.map(() => '502 unimplemented (#5.5.1)'));
    t.deepEqual(r.slice(4 + lines.length), [OK, NOT_OURS, '221 mail.example.org']);
    t.is(probeLog(c).relay, 'no');
  });
}

test('relay: AUTH inside a transaction changes nothing either', async (t) => {
  const c = await converse(
    'MAIL FROM:<s@good.example>\r\nAUTH PLAIN AHVzZXIAcGFzcw==\r\nRCPT TO:<user@other.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n\r\n.\r\n',
  );
  t.deepEqual(replyLines(c).slice(1, 6), [OK, '502 unimplemented (#5.5.1)', NOT_OURS, OK, '354 go ahead']);
  t.deepEqual(c.queue.stored[0]?.envelope.recipients, ['a@example.org']);
});
