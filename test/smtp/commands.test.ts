import test from 'ava';
// The smtp folder's index exports only runSession; the splitter is tested from its file.
import { COMMANDS, splitCommand } from '../../src/smtp/commands.js';

// [label, line without its LF, expected verb (table name) or undefined, expected argument]
const cases: [label: string, line: string, command: string | undefined, arg: string][] = [
  ['verb and argument', 'MAIL FROM:<a@b>', 'mail', 'FROM:<a@b>'],
  ['the verb is case-insensitive (lower)', 'mail FROM:<a@b>', 'mail', 'FROM:<a@b>'],
  ['the verb is case-insensitive (mixed)', 'rCpT TO:<a@b>', 'rcpt', 'TO:<a@b>'],
  ['the argument keeps its case', 'HELO MiXeD.Example', 'helo', 'MiXeD.Example'],
  ['only the first space splits: the argument may contain spaces', 'HELO x y', 'helo', 'x y'],
  ['several spaces before the argument are skipped', 'HELO    x', 'helo', 'x'],
  ['trailing spaces stay in the argument', 'HELO x   ', 'helo', 'x   '],
  ['a verb alone has an empty argument', 'DATA', 'data', ''],
  ['a verb and only spaces has an empty argument', 'NOOP   ', 'noop', ''],
  ['one trailing CR is removed', 'NOOP\r', 'noop', ''],
  ['one trailing CR is removed from the argument', 'HELO x\r', 'helo', 'x'],
  ['only one CR is removed: "NOOP\\r\\r" is an unknown verb', 'NOOP\r\r', undefined, ''],
  ['only one CR is removed from the argument', 'HELO x\r\r', 'helo', 'x\r'],
  ['a CR that is not last stays', 'HELO a\rb', 'helo', 'a\rb'],
  ['a TAB is part of the verb: unknown', 'HELO\tx', undefined, ''],
  ['the line ends at the first NUL (in the argument)', 'HELO a\0b', 'helo', 'a'],
  ['the line ends at the first NUL (right after the verb)', 'MAIL\0 FROM:<a@b>', 'mail', ''],
  ['a NUL before the CR keeps the CR out (it is cut off)', 'NOOP\0x\r', 'noop', ''],
  ['a line starting with NUL is an empty, unknown verb', '\0NOOP', undefined, ''],
  ['an empty line is an unknown verb', '', undefined, ''],
  ['a leading space makes an empty, unknown verb', ' NOOP', undefined, 'NOOP'],
  ['EXPN is unknown', 'EXPN list', undefined, 'list'],
  ['TURN is unknown', 'TURN', undefined, ''],
  ['ETRN is unknown', 'ETRN example.org', undefined, 'example.org'],
  ['AUTH is unknown in V', 'AUTH LOGIN', undefined, 'LOGIN'],
  ['STARTTLS is unknown in V', 'STARTTLS', undefined, ''],
  ['a verb prefix is not the verb', 'MAI FROM:<a@b>', undefined, 'FROM:<a@b>'],
  ['a longer word is not the verb', 'MAILX FROM:<a@b>', undefined, 'FROM:<a@b>'],
  ['8-bit letters are not folded', 'M\xc1IL x', undefined, 'x'],
  ['QUIT with an argument is still QUIT', 'QUIT now', 'quit', 'now'],
];

for (const [label, line, command, arg] of cases) {
  test(`command line: ${label} (${JSON.stringify(line)})`, (t) => {
    const c = splitCommand(line);
    t.is<string | undefined, string | undefined>(c.command?.verb, command);
    t.is(c.arg, arg);
  });
}

test('the verb is reported as sent, in its own case', (t) => {
  t.is(splitCommand('MaIl FROM:<a@b>').verb, 'MaIl');
});

test('the ten V verbs are known, and nothing else', (t) => {
  t.deepEqual([...COMMANDS.keys()].sort(), ['data', 'ehlo', 'helo', 'help', 'mail', 'noop', 'quit', 'rcpt', 'rset', 'vrfy']);
  for (const v of ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'VRFY', 'HELP', 'QUIT']) {
    t.is<string | undefined, string | undefined>(splitCommand(`${v} x`).command?.verb, v.toLowerCase(), v);
  }
});

test('MAIL, RCPT and RSET replies wait (pipelining); the others are flushed at once', (t) => {
  const noFlush = ['mail', 'rcpt', 'rset'];
  for (const [name, entry] of COMMANDS) t.is(entry.flush, !noFlush.includes(name), name);
});
