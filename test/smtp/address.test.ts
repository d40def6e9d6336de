import test from 'ava';
// The smtp folder's index exports only runSession; these pure parsers are tested from their files.
import { MAX_ADDRESS_BYTES, parseAddressArg, rewriteLocalIpLiteral } from '../../src/smtp/address.js';

// [label, argument of MAIL/RCPT, envelope address, text after '>']
const cases: [label: string, arg: string, address: string, params: string][] = [
  ['angle brackets', 'FROM:<a@b.example>', 'a@b.example', ''],
  ['ESMTP parameters after ">" are returned', 'FROM:<a@b.example> SIZE=100 BODY=8BITMIME', 'a@b.example', ' SIZE=100 BODY=8BITMIME'],
  ['"<>" is the null sender', 'FROM:<>', '', ''],
  ['"<>" with parameters', 'FROM:<> SIZE=10', '', ' SIZE=10'],
  ['without brackets the address starts after ":" and ends at the space', 'FROM: a@b.example c', 'a@b.example', ''],
  ['without brackets and without a space after ":"', 'FROM:a@b.example', 'a@b.example', ''],
  ['several spaces after ":" are skipped', 'TO:    a@b.example', 'a@b.example', ''],
  ['a bare "MAIL" (empty argument) is the null sender', '', '', ''],
  ['"FROM:" with nothing after it is the null sender', 'FROM:', '', ''],
  ['no ":" and no "<" gives the null sender', 'FROM', '', ''],
  ['the first ":" counts without brackets', 'TO:a:b@c', 'a:b@c', ''],
  ['a TAB does not end the bracket-less form', 'FROM:a@b\tc', 'a@b\tc', ''],
  ['a "<" anywhere starts the address', 'FROM:junk<a@b.example>', 'a@b.example', ''],
  ['the ":" is not needed with brackets', 'FROM<a@b.example>', 'a@b.example', ''],
  ['the first "<" counts; a later one is part of the address', 'FROM:<a<b@c>', 'a<b@c', ''],
  ['spaces inside the brackets are kept', 'FROM:< a@b >', ' a@b ', ''],
  ['a missing ">" takes the rest of the line', 'FROM:<a@b.example', 'a@b.example', ''],
  ['a second ">" is part of the parameters', 'TO:<a@b>>', 'a@b', '>'],
  ['a source route is dropped', 'TO:<@a.example,@b.example:x@y.example>', 'x@y.example', ''],
  ['a one-hop source route is dropped', 'TO:<@a.example:x@y.example>', 'x@y.example', ''],
  ['a source route is dropped without brackets too', 'TO: @a.example:x@y.example', 'x@y.example', ''],
  ['a source route without ":" swallows everything', 'TO:<@a.example>', '', ''],
  ['the source-route scan runs on to the first ":", even past ">"', 'TO:<@a>junk:x@y>', 'x@y', ''],
  ['a route-like "@" later in the address is kept', 'TO:<x@a:b@c>', 'x@a:b@c', ''],
  ['quotes are removed', 'FROM:<"quoted local"@b.c>', 'quoted local@b.c', ''],
  ['quotes toggle: two quoted runs', 'FROM:<a"b c"d"e f"@g>', 'ab cde f@g', ''],
  ['">" inside quotes does not end the address', 'FROM:<"a>b"@c> X=1', 'a>b@c', ' X=1'],
  ['a space inside quotes does not end the bracket-less form', 'FROM: "a b"@c d', 'a b@c', ''],
  ['an unclosed quote runs to the end of the line', 'FROM:<"a>b@c', 'a>b@c', ''],
  ['backslash escapes ">"', 'FROM:<a\\>b@c>', 'a>b@c', ''],
  ['backslash escapes a quote (no toggle)', 'FROM:<a\\"b@c>', 'a"b@c', ''],
  ['backslash escapes a backslash', 'FROM:<a\\\\b@c>', 'a\\b@c', ''],
  ['backslash escapes an ordinary character', 'FROM:<\\a@c>', 'a@c', ''],
  ['backslash escapes a space in the bracket-less form', 'FROM:a\\ b@c d', 'a b@c', ''],
  ['a trailing backslash is dropped', 'FROM:<a@c\\', 'a@c', ''],
  ['8-bit bytes pass untouched', 'FROM:<\xe9\xff@b.example>', '\xe9\xff@b.example', ''],
  ['no "@" is fine (no validation)', 'TO:<postmaster>', 'postmaster', ''],
];

for (const [label, arg, address, params] of cases) {
  test(`address: ${label} (${JSON.stringify(arg)})`, (t) => {
    t.deepEqual(parseAddressArg(arg), { address, params });
  });
}

// ---- box@[d.d.d.d] -> box@localiphost ----

const LOCAL = new Set(['127.0.0.1', '0.0.0.0', '192.0.2.1']);
const calls: string[] = [];
const isLocal = (ip: string): boolean => {
  calls.push(ip);
  return LOCAL.has(ip);
};
const rewrite = (address: string, liphost: string | undefined = 'mail.example.org') =>
  rewriteLocalIpLiteral(address, liphost, isLocal);

const literalCases: [label: string, input: string, expected: string][] = [
  ['127.0.0.1 is ours', 'box@[127.0.0.1]', 'box@mail.example.org'],
  ['0.0.0.0 is ours', 'box@[0.0.0.0]', 'box@mail.example.org'],
  ['an interface address is ours', 'box@[192.0.2.1]', 'box@mail.example.org'],
  ['another address is left alone', 'box@[192.0.2.2]', 'box@[192.0.2.2]'],
  ['octets wrap modulo 256: .257 is .1', 'box@[127.0.0.257]', 'box@mail.example.org'],
  ['octets wrap modulo 256: 383 is 127', 'box@[383.0.0.1]', 'box@mail.example.org'],
  ['octets wrap modulo 256: .513 is .1', 'box@[127.0.0.513]', 'box@mail.example.org'],
  ['huge octets wrap too', 'box@[127.0.0.4294967297]', 'box@mail.example.org'],
  ['.256 is .0, not ours', 'box@[127.0.0.256]', 'box@[127.0.0.256]'],
  ['leading zeros are decimal', 'box@[0127.000.0.01]', 'box@mail.example.org'],
  ['the literal must end the address', 'box@[127.0.0.1]x', 'box@[127.0.0.1]x'],
  ['a trailing dot after "]" stops the rewrite', 'box@[127.0.0.1].', 'box@[127.0.0.1].'],
  ['a missing "]" stops the rewrite', 'box@[127.0.0.1', 'box@[127.0.0.1'],
  ['three octets are not an address', 'box@[127.0.0]', 'box@[127.0.0]'],
  ['five octets are not an address', 'box@[127.0.0.1.1]', 'box@[127.0.0.1.1]'],
  ['an empty octet is not an address', 'box@[127..0.1]', 'box@[127..0.1]'],
  ['a space inside the brackets stops the rewrite', 'box@[ 127.0.0.1]', 'box@[ 127.0.0.1]'],
  ['empty brackets', 'box@[]', 'box@[]'],
  ['"[" must follow the "@" directly', 'box@x[127.0.0.1]', 'box@x[127.0.0.1]'],
  ['IPv6 literals are untouched', 'box@[IPv6:::1]', 'box@[IPv6:::1]'],
  ['bare IPv6 literals are untouched', 'box@[::1]', 'box@[::1]'],
  ['the last "@" counts: a literal before it is kept', 'a@[127.0.0.1]@example.org', 'a@[127.0.0.1]@example.org'],
  ['the last "@" counts: a literal after it is rewritten', 'a@b@[127.0.0.1]', 'a@b@mail.example.org'],
  ['no "@" means no rewrite', '[127.0.0.1]', '[127.0.0.1]'],
  ['the local part is kept byte for byte', 'Box.Name+x@[127.0.0.1]', 'Box.Name+x@mail.example.org'],
];

for (const [label, input, expected] of literalCases) {
  test(`localiphost: ${label} (${input})`, (t) => {
    t.is(rewrite(input), expected);
  });
}

test('localiphost: without localiphost (no me, no localiphost file) nothing is rewritten', (t) => {
  t.is(rewriteLocalIpLiteral('box@[127.0.0.1]', undefined, isLocal), 'box@[127.0.0.1]');
});

test('localiphost: an empty localiphost file rewrites to an empty domain', (t) => {
  t.is(rewrite('box@[127.0.0.1]', ''), 'box@');
});

test('localiphost: the predicate sees the wrapped dotted quad', (t) => {
  calls.length = 0;
  rewrite('box@[383.0.0.257]');
  t.deepEqual(calls, ['127.0.0.1']);
});

test('localiphost: IPv6 literals never reach the predicate', (t) => {
  const seen: string[] = [];
  rewriteLocalIpLiteral('box@[IPv6:::1]', 'mail.example.org', (ip) => {
    seen.push(ip);
    return true;
  });
  t.deepEqual(seen, []);
});

test('the longest address qmail keeps is 899 bytes (900 with its NUL)', (t) => {
  t.is(MAX_ADDRESS_BYTES, 899);
});
