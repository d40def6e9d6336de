import test from 'ava';
import { firstLine, leadingInteger, listLines } from '../../src/control/index.js';

test('first line keeps a CR and leading spaces, strips trailing space, tab and LF', (t) => {
  t.is(firstLine(' greet.example  Welcome \t\r\t \nsecond\n'), ' greet.example  Welcome \t\r');
  t.is(firstLine(''), '');
});

test('integers are a decimal prefix; no leading digit means default', (t) => {
  t.is(leadingInteger('12kb\n'), 12);
  t.is(leadingInteger('abc\n'), undefined);
  t.is(leadingInteger(' 10\n'), undefined);
  t.is(leadingInteger(''), undefined);
});

test('list files skip empty and # lines and keep a last line without LF', (t) => {
  t.deepEqual(listLines('a.example\n\n#comment\n  \n b.example \nlast'), ['a.example', ' b.example', 'last']);
});

// ---- read-line (control_readline): smtpgreeting, localiphost, me ----

const firstLineCases: [label: string, input: string, expected: string][] = [
  ['only the first line is read', 'mail.example.org\nsecond.example\n', 'mail.example.org'],
  ['a last line without LF still counts', 'mail.example.org', 'mail.example.org'],
  ['a CRLF file keeps its CR', 'greet.example\r\n', 'greet.example\r'],
  ['a CR in the middle is kept', 'a\rb\n', 'a\rb'],
  ['trailing spaces are stripped', 'greet.example   \n', 'greet.example'],
  ['trailing tabs are stripped', 'greet.example\t\t\n', 'greet.example'],
  ['spaces before a CR stay (the CR stops the stripping)', 'greet \r \n', 'greet \r'],
  ['leading spaces and tabs are kept', ' \tgreet.example\n', ' \tgreet.example'],
  ['an empty file is an empty string', '', ''],
  ['a file with only LF is an empty string', '\n', ''],
  ['a blank first line is an empty string even if more follows', '   \nmail.example.org\n', ''],
  ['inner spaces are kept', 'mail.example.org  Welcome here\n', 'mail.example.org  Welcome here'],
  ['8-bit bytes pass', 'caf\xe9.example\n', 'caf\xe9.example'],
];

for (const [label, input, expected] of firstLineCases) {
  test(`first line: ${label}`, (t) => {
    t.is(firstLine(input), expected);
  });
}

// ---- read-int (control_readint): timeoutsmtpd, databytes ----

const intCases: [label: string, input: string, expected: number | undefined][] = [
  ['a plain number', '1200\n', 1200],
  ['zero is a value, not "missing"', '0\n', 0],
  ['leading zeros are decimal, not octal', '010\n', 10],
  ['a unit suffix is ignored', '12kb\n', 12],
  ['a trailing space is fine', '30 \n', 30],
  ['only the first line counts', '30\n45\n', 30],
  ['no LF at the end', '77', 77],
  ['text without a leading digit keeps the default', 'abc\n', undefined],
  ['a minus sign is not a digit', '-5\n', undefined],
  ['a plus sign is not a digit', '+5\n', undefined],
  ['a leading space is not a digit', ' 10\n', undefined],
  ['a leading tab is not a digit', '\t10\n', undefined],
  ['an empty file keeps the default', '', undefined],
  ['an empty first line keeps the default even if a number follows', '\n30\n', undefined],
  ['a hexadecimal prefix stops at the x', '0x10\n', 0],
  ['a decimal point stops the number', '2.5\n', 2],
];

for (const [label, input, expected] of intCases) {
  test(`integer: ${label}`, (t) => {
    t.is(leadingInteger(input), expected);
  });
}

// ---- read-file (control_readfile): rcpthosts, badmailfrom ----

const listCases: [label: string, input: string, expected: string[]][] = [
  ['one entry per line', 'a.example\nb.example\n', ['a.example', 'b.example']],
  ['an empty file has no entries', '', []],
  ['a file of only comments and blank lines has no entries', '# one\n\n#two\n \t \n', []],
  ['"#" counts only in column 1', ' #x.example\na#b.example\n', [' #x.example', 'a#b.example']],
  ['trailing spaces and tabs are stripped', 'a.example \t \n', ['a.example']],
  ['a trailing CR is kept (qmail strips space, tab and LF only)', 'a.example\r\n', ['a.example\r']],
  ['leading spaces are kept', '  a.example\n', ['  a.example']],
  ['a last line without LF counts', 'a.example\nlast.example', ['a.example', 'last.example']],
  ['case is left alone (matching folds it)', 'Example.NET\n', ['Example.NET']],
  ['a NUL inside a line splits it, as constmap does', 'a.example\0b.example\n', ['a.example', 'b.example']],
  ['a line starting with NUL is skipped', '\0a.example\nb.example\n', ['b.example']],
  ['duplicate lines are both returned', 'a.example\na.example\n', ['a.example', 'a.example']],
];

for (const [label, input, expected] of listCases) {
  test(`list file: ${label}`, (t) => {
    t.deepEqual(listLines(input), expected);
  });
}
