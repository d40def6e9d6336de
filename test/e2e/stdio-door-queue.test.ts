// The queue program's exit status becomes the reply to the message (spec qmail-smtpd.md 5.2),
// crashes and a missing program included, the fd 4 custom error text (5.3), and a failed DATA
// never poisons the session: the next transaction on the same connection is accepted.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { eventually, serverFor } from '../helpers/e2e.js';
import { SmtpClient, talk, transaction } from '../helpers/smtp-client.js';
import type { FakeQueueOptions } from '../helpers/fake-queue.js';

const ACCEPT = /^250 ok \d+ qp \d+$/;

/** Spec 5.2, a few codes per range. */
const EXIT_TABLE: readonly [number, string | RegExp][] = [
  [0, ACCEPT],
  [11, '554 envelope address too long for qq (#5.1.3)'],
  [31, '554 mail server permanently rejected message (#5.3.0)'],
  [40, '554 qq permanent problem (#5.3.0)'],
  [51, '451 qq out of memory (#4.3.0)'],
  [53, '451 qq write error or disk full (#4.3.0)'],
  [71, '451 mail server temporarily rejected message (#4.3.0)'],
  [81, '451 qq internal bug (#4.3.0)'],
  [99, '451 qq temporary problem (#4.3.0)'],
  [100, '451 qq temporary problem (#4.3.0)'],
  [120, '451 unable to exec qq (#4.3.0)'],
];

for (const [code, reply] of EXIT_TABLE) {
  test(`queue exit ${code} gives ${String(reply)}; the next transaction is accepted`, async (t) => {
    t.timeout(20000);
    const server = await serverFor(t, { fakeqq: { exit: `${code} 0` } });
    const tx = transaction('s@good.example', ['a@example.org'], 'Subject: x\r\n\r\nbody\r\n');
    const tr = await talk(server.port, ['HELO c\r\n', ...tx, ...tx, 'QUIT\r\n']);
    t.deepEqual(tr.lines.slice(2, 5), ['250 ok', '250 ok', '354 go ahead']);
    if (typeof reply === 'string') t.is(tr.lines[5], reply);
    else t.regex(tr.lines[5] ?? '', reply);
    t.regex(tr.lines[9] ?? '', ACCEPT, 'second transaction on the same connection');
    t.is(tr.lines[10], '221 mail.example.org');
  });
}

async function faultThenRecovery(t: Parameters<typeof serverFor>[0], fakeqq: FakeQueueOptions, expected: string): Promise<void> {
  const server = await serverFor(t, { fakeqq });
  const tx = transaction('s@good.example', ['a@example.org'], 'Subject: x\r\n\r\nbody\r\n');
  const tr = await talk(server.port, ['HELO c\r\n', ...tx, ...tx, 'QUIT\r\n']);
  t.is(tr.lines[5], expected);
  t.regex(tr.lines[9] ?? '', ACCEPT, 'second transaction on the same connection');
}

test('a queue program killed by a signal gives 451 qq crashed', async (t) => {
  t.timeout(20000);
  await faultThenRecovery(t, { exit: 'crash 0' }, '451 qq crashed (#4.3.0)');
});

test('FAKEQQ_CRASH=1: every message gets 451 qq crashed', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { fakeqq: { crash: true } });
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  t.is(tr.lines[5], '451 qq crashed (#4.3.0)');
});

test('exit 82 with "Dvirus found" on fd 4 gives 554 virus found', async (t) => {
  t.timeout(20000);
  await faultThenRecovery(t, { exit: '82 0', errText: 'Dvirus found' }, '554 virus found');
});

test('exit 88 with "Zgreylisted, come back later" on fd 4 gives 451 with that text', async (t) => {
  t.timeout(20000);
  await faultThenRecovery(t, { exit: '88 0', errText: 'Zgreylisted, come back later' }, '451 greylisted, come back later');
});

test('ERROR_FD from a rule moves the custom-error pipe (spec 5.3)', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { rules: ':allow,ERROR_FD="5"\n', fakeqq: { exit: 82, errText: 'Dvirus found' } });
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  t.is(tr.lines[5], '554 virus found');
});

test('a slow queue program delays the reply, and the message is accepted', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { fakeqq: { sleep: 1 } });
  const started = Date.now();
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], 'hi\r\n'), 'QUIT\r\n']);
  t.regex(tr.lines[5] ?? '', ACCEPT);
  t.true(Date.now() - started >= 1000, 'the reply waited for the exit status');
});

test('a missing queue program gives 451 unable to exec qq; once it exists the next message goes through', async (t) => {
  t.timeout(20000);
  const linkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-qq-'));
  t.teardown(() => fs.rmSync(linkDir, { recursive: true, force: true }));
  const link = path.join(linkDir, 'qmail-queue');
  const server = await serverFor(t, { queueProgram: link });
  const tx = transaction('s@good.example', ['a@example.org'], 'hi\r\n');
  const missing = await talk(server.port, ['HELO c\r\n', ...tx, ...tx, 'QUIT\r\n']);
  t.is(missing.lines[5], '451 unable to exec qq (#4.3.0)');
  t.is(missing.lines[9], '451 unable to exec qq (#4.3.0)', 'a failed DATA leaves the session usable');
  fs.symlinkSync(server.queue.program, link);
  const again = await talk(server.port, ['HELO c\r\n', ...tx, 'QUIT\r\n']);
  t.regex(again.lines[5] ?? '', ACCEPT);
});

test('a queue program that exits 0 without reading gets 451 qq read error, not 250', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { fakeqq: { noRead: true } });
  const client = await SmtpClient.connect(server.port);
  t.teardown(() => client.destroy());
  const lines: string[] = [];
  for (const step of ['', 'HELO c\r\n', 'MAIL FROM:<s@good.example>\r\n', 'RCPT TO:<a@example.org>\r\n', 'DATA\r\n']) {
    if (step) client.send(step);
    lines.push(...(await client.reply()).lines);
  }
  t.is(lines.at(-1), '354 go ahead');
  // The program is gone before the message is written: qmail-smtpd's writes fail (EPIPE), and
  // qmail turns exit 0 into "qq read error" (spec 5.2).
  t.true(await eventually(() => server.queue.noRead().length === 1), 'the queue program ran');
  await new Promise((r) => setTimeout(r, 200));
  client.send('Subject: x\r\n\r\nbody\r\n.\r\n');
  t.is((await client.reply()).lines[0], '451 qq read error (#4.3.0)');
});
