// Header and log injection through both front doors over 127.0.0.1 (the in-memory cases and the
// rules they follow are in test/smtp/injection.test.ts): a client sends bare CRs, NUL, escape
// sequences and 8-bit bytes in HELO, MAIL, RCPT and AUTH, then a second client vanishes with the
// same kind of HELO. Asserted on the exact bytes the fake qmail-queue stored and on every line
// the door wrote to stderr (qlog lines, notes, and the door's own tcpserver-style lines).

import test, { type ExecutionContext } from 'ava';
import { parseQlog, QLOG_KEYS, serverFor } from '../helpers/e2e.js';
import type { FakeQueue } from '../helpers/fake-queue.js';
import { startListener } from '../helpers/listener.js';
import { SmtpClient, qpOf, talk } from '../helpers/smtp-client.js';

interface Door {
  readonly port: number;
  readonly queue: FakeQueue;
  stderr(): string;
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
}

const DOORS: readonly [name: string, start: (t: ExecutionContext) => Promise<Door>][] = [
  ['stdio door under tcpserver', (t) => serverFor(t)],
  [
    'listener door',
    async (t) => {
      const l = await startListener();
      t.teardown(() => l.stop());
      return l;
    },
  ],
];

const RECEIVED = /^Received: from unknown \(HELO evil\?Received:\?forged\?\?\?\?\?31m\?\.\?x\) \(127\.0\.0\.1\)\n {2}by mx\.example with SMTP; \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d -0000\nSubject: probe\n\nbody\n$/;

for (const [name, start] of DOORS) {
  test(`${name}: CR, NUL, ESC and 8-bit bytes from the client reach no header and no log line raw`, async (t) => {
    t.timeout(30000);
    const door = await start(t);
    const tr = await talk(door.port, [
      'HELO evil\rReceived: forged\xe9\xff\x9b\x1b[31m\r.\rx\r\n',
      'AUTH PLAIN \x01\xe9\rX-Forged: 1\r\n',
      'AUTH\0LOGIN\r\n',
      'MAIL FROM:<s\r\x85@good.example>\r\n',
      'RCPT TO:<r\rX-Forged: 2\xff@example.org>\r\n',
      'RCPT TO:<n\x1b\xe9@other.example>\r\n',
      'DATA\r\n',
      'Subject: probe\r\n\r\nbody\r\n.\r\n',
      'QUIT\r\n',
    ]);
    t.deepEqual(tr.lines.slice(1, 7), [
      '250 mail.example.org',
      '502 unimplemented (#5.5.1)',
      '502 unimplemented (#5.5.1)',
      '250 ok',
      '250 ok',
      "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
    ]);
    const stored = door.queue.message(qpOf(tr.lines.at(-2))!);
    t.regex(stored.message.toString('latin1'), RECEIVED);
    // The envelope keeps the client's bytes, as qmail-smtpd hands them to qmail-queue.
    t.is(stored.envelope.toString('latin1'), 'Fs\r\x85@good.example\0Tr\rX-Forged: 2\xff@example.org\0\0');

    // A second client says the same kind of HELO and hangs up mid-transaction.
    const gone = await SmtpClient.connect(door.port);
    await gone.reply();
    gone.send('HELO \x9b2J\xe9\rX: y\r\nMAIL FROM:<v\r\xfe@good.example>\r\n');
    await gone.reply();
    await gone.reply();
    gone.end();
    await door.waitForStderr(/read failed/);
    await door.waitForStderr(/^qlogreceived: /);

    const lines = door.stderr().split('\n').slice(0, -1);
    for (const line of lines) t.regex(line, /^[\x20-\x7e]*$/, `raw byte in stderr line ${JSON.stringify(line)}`);
    const qlog = lines.filter((l) => l.startsWith('qlog')).map((l) => parseQlog(l));
    for (const q of qlog) t.deepEqual(q.keys, [...QLOG_KEYS]);
    const helo = 'evil_Received:_forged____[31m_._x';
    t.deepEqual(
      qlog.map((q) => [q.head, q.fields.helo, q.fields.mailfrom, q.fields.rcptto]),
      [
        ['qlogenvelope', helo, 's__@good.example', 'r_X-Forged:_2_@example.org'],
        ['qlogenvelope', helo, 's__@good.example', 'n__@other.example'],
        ['qlogreceived', helo, 's__@good.example', 'r_X-Forged:_2_@example.org'],
      ],
    );
    const note = lines.find((l) => l.includes('read failed'));
    t.regex(note ?? '', /^qmail-smtpd: pid \S+: read failed \(connection closed by the client before the quit cmd\): v\?\?@good\.example from 127\.0\.0\.1 to \(null\) helo \?2J\?\?X: y$/);
  });
}
