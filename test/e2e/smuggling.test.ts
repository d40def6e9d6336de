// SMTP smuggling (the 2023 disclosures: SEC Consult, CVE-2023-51764/51765/51766), in both doors,
// asserted on the bytes that reach qmail-queue. Every session sends, after "354", a first message,
// an end-of-data look-alike, then a whole second transaction (MAIL FROM, RCPT TO, DATA, body)
// and the real CRLF "." CRLF, all pipelined. qmail's blast() (spec qmail-smtpd.md 3.5) allows
// exactly two outcomes, and each variant is pinned to the one qmail gives:
//   - a LF not preceded by CR: "451 See https://cr.yp.to/docs/smtplf.html.", hang-up, nothing queued;
//   - otherwise the look-alike and the second transaction are data of the one message.
// Never a second message: the fake queue gets exactly one message or none per session, and the
// client gets one "250 ok ... qp N" at most. Each variant is also sent with its look-alike split
// into one-byte writes, so no chunk boundary changes the outcome. A control session with the real
// terminator shows the check would see a second message.

import test from 'ava';
import { DOORS, startDoor, type Door, type DoorName } from '../helpers/doors.js';
import { envelopeParts } from '../helpers/fake-queue.js';
import { SmtpClient } from '../helpers/smtp-client.js';

const BARE_LF = '451 See https://cr.yp.to/docs/smtplf.html.';
const HEAD = 'Subject: first\r\n\r\nfirst body';
const SMUGGLED = 'MAIL FROM:<evil@smuggled.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled body';
const SMUGGLED_STORED = 'MAIL FROM:<evil@smuggled.example>\nRCPT TO:<victim@example.org>\nDATA\nSubject: smuggled\n\nsmuggled body\n';
const ENVELOPE = 'HELO c\r\nMAIL FROM:<s@good.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n';
const BEFORE_DATA = ['220 mail.example.org ESMTP', '250 mail.example.org', '250 ok', '250 ok', '354 go ahead'];

interface Variant {
  readonly label: string;
  /** What the message starts with (default HEAD). */
  readonly head?: string;
  /** The end-of-data look-alike. */
  readonly term: string;
  /** 'bare-lf': 451 and nothing queued; otherwise what the look-alike is stored as. */
  readonly outcome: 'bare-lf' | { readonly stored: string };
}

const carried = (stored: string): Variant['outcome'] => ({ stored });

const VARIANTS: readonly Variant[] = [
  { label: '<LF>.<LF>', term: '\n.\n', outcome: 'bare-lf' },
  { label: '<LF>.<CR><LF>', term: '\n.\r\n', outcome: 'bare-lf' },
  { label: '<CR><LF>.<LF>', term: '\r\n.\n', outcome: 'bare-lf' },
  { label: '<CR>.<LF>', term: '\r.\n', outcome: 'bare-lf' },
  { label: '<CR><LF>.<NUL><LF>', term: '\r\n.\0\n', outcome: 'bare-lf' },
  { label: '<CR><LF>.<CR><NUL><LF>', term: '\r\n.\r\0\n', outcome: 'bare-lf' },
  { label: '.<LF> right after 354', head: '', term: '.\n', outcome: 'bare-lf' },
  { label: '<CR>.<CR>', term: '\r.\r', outcome: carried('\r.\r') },
  { label: '<CR><LF>.<CR>', term: '\r\n.\r', outcome: carried('\n.\r') },
  { label: '<CR>.<CR><LF>', term: '\r.\r\n', outcome: carried('\r.\n') },
  { label: '.<CR><LF> without CRLF before it', term: '.\r\n', outcome: carried('.\n') },
  { label: '<CR><LF>.<NUL><CR><LF>', term: '\r\n.\0\r\n', outcome: carried('\n\0\n') },
  { label: '<CR><LF><NUL>.<CR><LF>', term: '\r\n\0.\r\n', outcome: carried('\n\0.\n') },
  { label: '<CR><LF>.<CR><CR><LF>', term: '\r\n.\r\r\n', outcome: carried('\n.\r\n') },
  { label: '<CR><LF>.<SP><CR><LF>', term: '\r\n. \r\n', outcome: carried('\n \n') },
  { label: '<CR><LF>..<CR><LF> (a stuffed dot)', term: '\r\n..\r\n', outcome: carried('\n.\n') },
  { label: '.<CR> right after 354', head: '', term: '.\r', outcome: carried('.\r') },
];

interface Session {
  readonly replies: string[];
  readonly closed: boolean;
}

/** Sends the envelope, then `data` after "354"; pieces are written 5 ms apart. Reads to the close. */
async function session(port: number, pieces: readonly string[]): Promise<Session> {
  const client = await SmtpClient.connect(port);
  try {
    await client.reply();
    client.send(ENVELOPE);
    for (let i = 0; i < 4; i++) await client.reply();
    for (const p of pieces) {
      client.send(p);
      if (pieces.length > 1) await new Promise((r) => setTimeout(r, 5));
    }
    const closed = await client.waitClose(10000);
    return { replies: client.raw.toString('latin1').split('\r\n').slice(0, -1), closed };
  } finally {
    client.destroy();
  }
}

const doors = new Map<DoorName, Door>();
/** qmail-queue runs of a message ended by a bare LF: the listener starts it only for a message that ended. */
const abortedRuns = (name: DoorName): number => (name === 'stdio' ? 1 : 0);
const expected = new Map<DoorName, { messages: number; aborted: number; badNewlines: number }>();

test.before(async () => {
  for (const name of DOORS) {
    doors.set(name, await startDoor(name));
    expected.set(name, { messages: 0, aborted: 0, badNewlines: 0 });
  }
});
test.after.always(async () => {
  for (const d of doors.values()) await d.stop();
});

/** The stored message without qmail-smtpd's two-line Received header. */
function afterReceived(message: Buffer): string {
  const text = message.toString('latin1');
  const lines = text.split('\n');
  if (!lines[0]!.startsWith('Received: from ') || !lines[1]!.startsWith('  by ')) throw new Error(`no Received line: ${JSON.stringify(text)}`);
  return lines.slice(2).join('\n');
}

for (const name of DOORS) {
  for (const v of VARIANTS) {
    for (const split of [false, true]) {
      test.serial(`${name}: ${v.label}${split ? ', look-alike in one-byte writes' : ''}`, async (t) => {
        t.timeout(20000);
        const door = doors.get(name)!;
        const want = expected.get(name)!;
        const runsBefore = door.queue.messages().length + door.queue.aborted().length;
        const pidsBefore = new Set(door.queue.messages().map((m) => m.pid));
        const head = v.head ?? HEAD;
        const tail = `${SMUGGLED}\r\n.\r\nQUIT\r\n`;
        const pieces = split ? [head, ...v.term.split(''), tail].filter((p) => p !== '') : [head + v.term + tail];
        const s = await session(door.port, pieces);
        t.true(s.closed, 'the server closed the connection');
        await door.queue.waitForRuns(runsBefore + (v.outcome === 'bare-lf' ? abortedRuns(name) : 1), 10000);
        const fresh = door.queue.messages().filter((m) => !pidsBefore.has(m.pid));
        if (v.outcome === 'bare-lf') {
          t.deepEqual(s.replies, [...BEFORE_DATA, BARE_LF]);
          t.is(fresh.length, 0, 'nothing queued');
          want.aborted += abortedRuns(name);
          want.badNewlines++;
        } else {
          t.is(s.replies.length, BEFORE_DATA.length + 2, JSON.stringify(s.replies));
          t.deepEqual(s.replies.slice(0, 5), BEFORE_DATA);
          const qp = /^250 ok \d+ qp (\d+)$/.exec(s.replies[5] ?? '');
          t.truthy(qp, `one 250 for the one message: ${JSON.stringify(s.replies)}`);
          t.is(s.replies[6], '221 mail.example.org');
          t.is(fresh.length, 1, 'exactly one message queued');
          const m = fresh[0]!;
          t.is(m.pid, Number(qp?.[1]), 'the 250 names the stored message');
          t.deepEqual(envelopeParts(m.envelope), ['Fs@good.example', 'Ta@example.org'], 'the envelope is the real one');
          const body = head === '' ? '' : 'Subject: first\n\nfirst body';
          t.is(afterReceived(m.message), body + v.outcome.stored + SMUGGLED_STORED, 'the look-alike and the second transaction are data');
          want.messages++;
        }
      });
    }
  }

  test.serial(`${name}: control: the real <CR><LF>.<CR><LF> does end the message, so the check above sees a second one`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    const runsBefore = door.queue.messages().length + door.queue.aborted().length;
    const s = await session(door.port, [`${HEAD}\r\n.\r\n${SMUGGLED}\r\n.\r\nQUIT\r\n`]);
    await door.queue.waitForRuns(runsBefore + 2, 10000);
    t.is(s.replies.filter((r) => /^250 ok \d+ qp \d+$/.test(r)).length, 2);
    const last = door.queue.messages().slice(-2);
    t.deepEqual(last.map((m) => envelopeParts(m.envelope)[0]).sort(), ['Fevil@smuggled.example', 'Fs@good.example']);
    expected.get(name)!.messages += 2;
  });

  test.serial(`${name}: totals: one queue run per session, every 451 logged as bad_newlines`, async (t) => {
    const door = doors.get(name)!;
    const want = expected.get(name)!;
    await new Promise((r) => setTimeout(r, 200));
    t.is(door.queue.messages().length, want.messages);
    t.is(door.queue.aborted().length, want.aborted);
    const logged = door.stderr().split('\n').filter((l) => /^qlogenvelope: result=rejected code=451 reason=bad_newlines /.test(l));
    t.is(logged.length, want.badNewlines);
  });
}
