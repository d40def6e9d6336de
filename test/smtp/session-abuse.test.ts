// Abusive input in memory, where it is cheaper than end to end (test/e2e/abuse.test.ts has both
// doors): the exact 16 KiB command-line bound, however the line is cut into chunks, and NUL in
// the verb or argument (qmail's commands are C strings: a NUL ends them).
import test from 'ava';
import { MAX_COMMAND_LINE_BYTES } from '../../src/smtp/run.js';
import { converse, replyLines } from '../helpers/session.js';

const LIMIT = MAX_COMMAND_LINE_BYTES;

test('the bound is 16 KiB: a line of 16384 bytes before its LF (CR included) is read, 16385 is discarded', async (t) => {
  t.is(LIMIT, 16384);
  const line = (n: number): string => `NOOP ${'x'.repeat(n - 6)}\r`;
  t.is(line(LIMIT).length, LIMIT);
  for (const cut of [0, 100, LIMIT - 1, LIMIT, LIMIT + 1]) {
    const at = (s: string): string[] => (cut === 0 ? [s] : [s.slice(0, cut), s.slice(cut)]);
    const ok = await converse(at(`${line(LIMIT)}\n${line(LIMIT + 1)}\nQUIT\r\n`));
    t.deepEqual(replyLines(ok).slice(1), ['250 ok', '500 line too long (#5.5.2)', '221 mail.example.org'], `cut at ${cut}`);
  }
});

test('a NUL ends the command: verb and argument are read up to it', async (t) => {
  const c = await converse(['NOOP\0x\r\n', '\0QUIT\r\n', 'MAIL FROM:<a@x>\0<evil@y>\r\n', 'RCPT TO:<b@example.org>\r\n', 'RSET\0\r\n', 'QU\0IT\r\n', 'QUIT\0\r\n']);
  t.deepEqual(replyLines(c).slice(1), ['250 ok', '502 unimplemented (#5.5.1)', '250 ok', '250 ok', '250 flushed', '502 unimplemented (#5.5.1)', '221 mail.example.org']);
  t.true(c.logs.some((l) => l.includes(' mailfrom=a@x rcptto=b@example.org ')));
});
