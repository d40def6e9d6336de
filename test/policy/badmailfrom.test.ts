import test from 'ava';
import { badMailFromEntry } from '../../src/policy/index.js';

// As the snapshot holds control/badmailfrom: lines lower-cased.
const LIST = new Set(['bad@example.com', '@spam.example', 'null@']);

const cases: [label: string, sender: string, expected: string | undefined][] = [
  ['a whole address matches', 'bad@example.com', 'bad@example.com'],
  ['a whole address matches in any case', 'BAD@Example.COM', 'bad@example.com'],
  ['"@domain" blocks every sender of that domain', 'x@spam.example', '@spam.example'],
  ['"@domain" matches case-insensitively', 'x@SPAM.Example', '@spam.example'],
  ['"@domain" does not block subdomains', 'a@sub.spam.example', undefined],
  ['"@domain" does not block a longer domain', 'a@spam.example.org', undefined],
  ['another user at a listed address\'s domain is fine', 'good@example.com', undefined],
  ['a near miss with a trailing dot is fine', 'bad@example.com.', undefined],
  ['the part after the last "@" is the domain', 'a@b@spam.example', '@spam.example'],
  ['a domain before the last "@" does not count', 'a@spam.example@ok.example', undefined],
  ['a sender that is literally "@spam.example" matches', '@spam.example', '@spam.example'],
  ['a sender without "@" only matches whole lines', 'spam.example', undefined],
  ['a whole-address line ending in "@" matches that sender exactly', 'null@', 'null@'],
];

for (const [label, sender, expected] of cases) {
  test(`badmailfrom: ${label} (${JSON.stringify(sender)})`, (t) => {
    t.is(badMailFromEntry(sender, LIST), expected);
  });
}

test('the null sender never matches, whatever the list holds', (t) => {
  t.is(badMailFromEntry('', LIST), undefined);
  t.is(badMailFromEntry('', new Set(['@', '<>'])), undefined);
});

test('no badmailfrom file blocks nobody', (t) => {
  t.is(badMailFromEntry('bad@example.com', undefined), undefined);
});

test('an "@" line blocks senders with an empty domain', (t) => {
  t.is(badMailFromEntry('x@', new Set(['@'])), '@');
  t.is(badMailFromEntry('x@y', new Set(['@'])), undefined);
});

test('case folding is ASCII only', (t) => {
  const list = new Set(['@caf\xe9.example']);
  t.is(badMailFromEntry('a@CAF\xe9.EXAMPLE', list), '@caf\xe9.example');
  t.is(badMailFromEntry('a@caf\xc9.example', list), undefined);
});
