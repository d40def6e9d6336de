// The open-relay battery through both front doors, over 127.0.0.1: bin/qmail-smtpd under the
// real tcpserver, and `bin/qfront serve`. A representative subset of test/policy/open-relay
// (where every row's expectation is explained against qmail's rules), here asserted on the real
// bytes: the replies on the socket, the envelope the fake qmail-queue read on fd 1, and the qlog
// lines on stderr. RELAYCLIENT comes from a real tcprules cdb, as in production.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parseQlog, serverFor } from '../helpers/e2e.js';
import { envelopeParts, type FakeQueue } from '../helpers/fake-queue.js';
import { startListener } from '../helpers/listener.js';
import { qpOf, talk } from '../helpers/smtp-client.js';
import { compileRules, QMAIL_SMTPD } from '../helpers/tcpserver.js';

interface Door {
  readonly port: number;
  readonly dir: string;
  readonly queue: FakeQueue;
  stderr(): string;
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
}

interface DoorOptions {
  readonly rules?: string;
  readonly control?: Readonly<Record<string, string | null>>;
}

const DOORS: readonly [name: string, start: (t: ExecutionContext, o: DoorOptions) => Promise<Door>][] = [
  ['stdio door under tcpserver', (t, o) => serverFor(t, o)],
  [
    'listener door',
    async (t, o) => {
      const l = await startListener(o);
      t.teardown(() => l.stop());
      return l;
    },
  ],
];

const OK = '250 ok';
const NOT_OURS = "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)";
const ANCHOR = 'postmaster@example.org';
const u8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

// RCPT argument -> qmail's envelope recipient, or null for 553 (see test/policy/open-relay.test.ts).
const SUBSET: readonly [arg: string, qmail: string | null][] = [
  ['TO:<user%other.example@example.org>', 'user%other.example@example.org'],
  ['TO:<other.example!user>', 'other.example!user'],
  ['TO:<example.org!user@other.example>', null],
  ['TO:<@example.org:user@other.example>', null],
  ['TO:<@other.example:user@example.org>', 'user@example.org'],
  ['TO:<"user@other.example"@example.org>', 'user@other.example@example.org'],
  ['TO:<"user@other.example">', null],
  ['TO:<user@[192.0.2.1]>', null],
  ['TO:<user@[IPv6:::1]>', null],
  ['TO:<user@example.org.>', null],
  ['TO:<user@other.example.>', null],
  ['TO:<user@EXAMPLE.ORG>', 'user@EXAMPLE.ORG'],
  ['TO:<user@OTHER.EXAMPLE>', null],
  [`TO:<user@${u8('exämple.org')}>`, null],
  ['TO:<a@other.example@example.org>', 'a@other.example@example.org'],
  ['TO:<a@example.org@other.example>', null],
  ['TO:<""@example.org>', '@example.org'],
  ['TO:<user@>', null],
  ['TO:<user@other.example\0@example.org>', null],
  ['TO:<user@example.org\r@other.example>', null],
];

/** MAIL, the RCPTs, the anchor, DATA: the RCPT replies and the envelope qmail-queue read. */
async function relaySession(door: Door, rcpts: readonly string[]): Promise<{ rcptReplies: string[]; envelope: string[] }> {
  const steps = [
    'HELO client.example\r\n',
    'MAIL FROM:<s@good.example>\r\n',
    ...rcpts.map((a) => `RCPT ${a}\r\n`),
    `RCPT TO:<${ANCHOR}>\r\n`,
    'DATA\r\n',
    'Subject: relay probe\r\n\r\nbody\r\n.\r\n',
    'QUIT\r\n',
  ];
  const tr = await talk(door.port, steps);
  const lines = tr.lines;
  const rcptReplies = lines.slice(3, 3 + rcpts.length + 1);
  const qp = qpOf(lines.at(-2));
  if (qp === undefined) throw new Error(`no accept line: ${JSON.stringify(lines)}`);
  return { rcptReplies, envelope: envelopeParts(door.queue.message(qp).envelope) };
}

/** The session's qlogenvelope lines, once its qlogreceived line is out. */
async function envelopeLogs(door: Door): Promise<Record<string, string>[]> {
  await door.waitForStderr(/^qlogreceived: /);
  return door
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('qlogenvelope: '))
    .map((l) => parseQlog(l).fields);
}

for (const [name, start] of DOORS) {
  test(`${name}: the relay probes are accepted or refused exactly as qmail would, nothing relayed`, async (t) => {
    t.timeout(30000);
    const door = await start(t, {});
    const { rcptReplies, envelope } = await relaySession(door, SUBSET.map(([a]) => a));
    t.deepEqual(rcptReplies, [...SUBSET.map(([, q]) => (q === null ? NOT_OURS : OK)), OK]);
    const accepted = SUBSET.flatMap(([, q]) => (q === null ? [] : [q]));
    t.deepEqual(envelope, ['Fs@good.example', ...accepted.map((r) => `T${r}`), `T${ANCHOR}`]);
    const logs = await envelopeLogs(door);
    t.is(logs.length, SUBSET.length + 1);
    t.true(logs.every((f) => f.relay === 'no'));
    t.deepEqual(
      logs.map((f) => f.reason),
      [...SUBSET.map(([, q]) => (q === null ? 'not_in_rcpthosts' : 'rcpthosts')), 'rcpthosts'],
    );
  });

  test(`${name}: RELAYCLIENT from tcprules ("", "@x", "x") is appended as qmail does`, async (t) => {
    t.timeout(30000);
    const door = await start(t, { rules: '127.0.0.1:allow,RELAYCLIENT=""\n' });
    const cases: [rule: string, value: string][] = [
      ['127.0.0.1:allow,RELAYCLIENT=""\n', ''],
      ['127.0.0.1:allow,RELAYCLIENT="@x"\n', '@x'],
      ['127.0.0.1:allow,RELAYCLIENT="x"\n', 'x'],
    ];
    for (const [rule, value] of cases) {
      compileRules(door.dir, rule); // both doors read the rules cdb again for the next connection
      const { rcptReplies, envelope } = await relaySession(door, ['TO:<user@other.example>', 'TO:<@example.org:user@other.example>', 'TO:<postmaster>']);
      t.deepEqual(rcptReplies, [OK, OK, OK, OK], value);
      t.deepEqual(
        envelope,
        ['Fs@good.example', `Tuser@other.example${value}`, `Tuser@other.example${value}`, `Tpostmaster${value}`, `T${ANCHOR}${value}`],
        JSON.stringify(value),
      );
    }
    const logs = await envelopeLogs(door);
    t.true(logs.length >= 12);
    t.true(logs.every((f) => f.relay === 'yes' && f.reason === 'relayclient'));
  });

  test(`${name}: without control/rcpthosts every domain is accepted (qmail's open relay), and each line says so`, async (t) => {
    t.timeout(30000);
    const door = await start(t, { control: { rcpthosts: null } });
    const { rcptReplies, envelope } = await relaySession(door, ['TO:<user@other.example>']);
    t.deepEqual(rcptReplies, [OK, OK]);
    t.deepEqual(envelope, ['Fs@good.example', 'Tuser@other.example', `T${ANCHOR}`]);
    const logs = await envelopeLogs(door);
    t.deepEqual(logs.map((f) => f.detail), ['rcpthosts_missing_open_relay', 'rcpthosts_missing_open_relay']);
  });

  test(`${name}: an empty control/rcpthosts refuses every domain`, async (t) => {
    t.timeout(30000);
    const door = await start(t, { control: { rcpthosts: '' } });
    const tr = await talk(door.port, ['MAIL FROM:<s@good.example>\r\n', 'RCPT TO:<user@example.org>\r\n', 'RCPT TO:<user@other.example>\r\n', 'QUIT\r\n']);
    t.deepEqual(tr.lines.slice(1, 4), [OK, NOT_OURS, NOT_OURS]);
  });

  test(`${name}: AUTH is not offered, AUTH PLAIN and AUTH LOGIN get 502 and open nothing`, async (t) => {
    t.timeout(30000);
    const door = await start(t, {});
    const tr = await talk(door.port, [
      'EHLO client.example\r\n',
      'AUTH PLAIN AHVzZXIAcGFzcw==\r\n',
      'AUTH LOGIN\r\n',
      'dXNlcg==\r\n',
      'MAIL FROM:<s@good.example> AUTH=<>\r\n',
      'RCPT TO:<user@other.example>\r\n',
      'QUIT\r\n',
    ]);
    t.deepEqual(tr.replies[1]?.lines, ['250-mail.example.org', '250-PIPELINING', '250 8BITMIME']);
    t.deepEqual(tr.lines.slice(4), ['502 unimplemented (#5.5.1)', '502 unimplemented (#5.5.1)', '502 unimplemented (#5.5.1)', OK, NOT_OURS, '221 mail.example.org']);
    t.is(parseQlog(await door.waitForStderr(/^qlogenvelope: /)).fields.relay, 'no');
  });
}

test("stdio door run with the AUTH patches' arguments (checkpassword = /bin/true): still no AUTH, no relay", async (t) => {
  t.timeout(30000);
  // The classic run line of an AUTH-patched qmail: qmail-smtpd HOSTNAME CHECKPROGRAM SUBPROGRAM.
  // With a real AUTH patch, /bin/true as checkpassword accepts any password: a relay for anyone.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-authargs-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const program = path.join(dir, 'qmail-smtpd-auth');
  fs.writeFileSync(program, `#!/bin/sh\nexec ${QMAIL_SMTPD} mail.example.org /bin/true /bin/true\n`, { mode: 0o755 });
  const server = await serverFor(t, { program });
  const tr = await talk(server.port, [
    'EHLO client.example\r\n',
    'AUTH PLAIN AHVzZXIAcGFzcw==\r\n',
    'MAIL FROM:<s@good.example>\r\n',
    'RCPT TO:<user@other.example>\r\n',
    'QUIT\r\n',
  ]);
  t.deepEqual(tr.lines, [
    '220 mail.example.org ESMTP', '250-mail.example.org', '250-PIPELINING', '250 8BITMIME',
    '502 unimplemented (#5.5.1)', OK, NOT_OURS, '221 mail.example.org',
  ]);
  t.regex(await server.waitForStderr(/AUTH arguments ignored/), /^qmail-smtpd: pid \d+: note: AUTH arguments ignored; AUTH is not offered by this qfront version$/);
  t.is(parseQlog(await server.waitForStderr(/^qlogenvelope: /)).fields.relay, 'no');
});
