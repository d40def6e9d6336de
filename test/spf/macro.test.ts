// Macro strings (RFC 7208 7): the RFC's own examples of 7.4, the letters each dialect allows,
// URL escaping, and the rc5-style leniency of the local dialect.
import test from 'ava';
import { expandMacroString, parseDomainSpec, parseMacroString, type MacroDialect, type MacroValues } from '../../src/spf/index.js';

// The setting of RFC 7208 7.4: sender strong-bad@email.example.com, client 192.0.2.3.
const V4: MacroValues = {
  s: 'strong-bad@email.example.com', l: 'strong-bad', o: 'email.example.com', d: 'email.example.com',
  i: '192.0.2.3', v: 'in-addr', h: 'mx.example.org', c: '192.0.2.3',
};
// The same with client 2001:db8::cb01, as %{i} and %{v} give it.
const V6: MacroValues = { ...V4, i: '2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1', v: 'ip6' };

function expand(source: string, values: MacroValues, dialect: MacroDialect = 'domain'): string {
  const parsed = parseMacroString(source, dialect);
  if (!parsed.ok) throw new Error(parsed.error);
  return expandMacroString(parsed.value, values);
}

const rfcExamples: [string, string][] = [
  ['%{s}', 'strong-bad@email.example.com'],
  ['%{o}', 'email.example.com'],
  ['%{d}', 'email.example.com'],
  ['%{d4}', 'email.example.com'],
  ['%{d3}', 'email.example.com'],
  ['%{d2}', 'example.com'],
  ['%{d1}', 'com'],
  ['%{dr}', 'com.example.email'],
  ['%{d2r}', 'example.email'],
  ['%{l}', 'strong-bad'],
  ['%{l-}', 'strong.bad'],
  ['%{lr}', 'strong-bad'],
  ['%{lr-}', 'bad.strong'],
  ['%{l1r-}', 'strong'],
  ['%{ir}.%{v}._spf.%{d2}', '3.2.0.192.in-addr._spf.example.com'],
  ['%{lr-}.lp._spf.%{d2}', 'bad.strong.lp._spf.example.com'],
  ['%{lr-}.lp.%{ir}.%{v}._spf.%{d2}', 'bad.strong.lp.3.2.0.192.in-addr._spf.example.com'],
  ['%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}', '3.2.0.192.in-addr.strong.lp._spf.example.com'],
  ['%{d2}.trusted-domains.example.net', 'example.com.trusted-domains.example.net'],
];
for (const [source, expected] of rfcExamples) {
  test(`RFC 7208 7.4: ${source}`, (t) => t.is(expand(source, V4), expected));
}

test('RFC 7208 7.4: IPv6 %{ir}.%{v}._spf.%{d2} in upper-case nibbles', (t) => {
  t.is(expand('%{ir}.%{v}._spf.%{d2}', V6), '1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com');
});

test('upper-case letters URL-escape everything outside unreserved, with upper-case hex', (t) => {
  t.is(expand('%{S}', { s: '~jack&jill=up-a_b3.c@x y' }), '~jack%26jill%3Dup-a_b3.c%40x%20y');
  t.is(expand('%{S}', { s: '\u00e9' }), '%E9');
});

test('%% %_ %- are percent, space and "%20"', (t) => {
  t.is(expand('a%%b%_c%-d', {}, 'explain'), 'a%b c%20d');
});

const rejected: [source: string, dialect: MacroDialect, why: string][] = [
  ['%{r}.example.com', 'domain', 'c, r, t belong to explanations only'],
  ['%{c}.example.com', 'domain', 'c, r, t belong to explanations only'],
  ['%{xr}', 'explain', 'x-macros are not RFC 7208'],
  ['%{a}', 'explain', 'no such letter'],
  ['%{d0}', 'domain', 'a digit transformer must be non-zero'],
  ['%(ir)', 'domain', '"%" must be followed by "{", "%", "_" or "-"'],
  ['foo%', 'domain', 'a trailing "%"'],
  ['%{d', 'domain', 'unterminated'],
  ['a b', 'domain', 'spaces only in explanations'],
  ['caf\u00e9', 'explain', '7-bit ASCII only'],
  ['a\u0000b', 'domain', 'no control characters'],
];
for (const [source, dialect, why] of rejected) {
  test(`${dialect} rejects ${JSON.stringify(source)}: ${why}`, (t) => {
    t.false(parseMacroString(source, dialect).ok);
  });
}

test('the local dialect takes x-macros and keeps what it cannot read', (t) => {
  const values: MacroValues = { xr: 'mx', xs: 'SPF record at a.example', xe: '' };
  t.is(expand('%{xr}|%{xS}|%{xe}|50% %{q} %{', values, 'local'), 'mx|SPF%20record%20at%20a.example||50% %{q} %{');
});

const domainSpecs: [string, boolean][] = [
  ['example.com', true],
  ['example.com.', true],
  ['%{d}', true],
  ['%{d}.com', true],
  ['_spf.%{d2}', true],
  ['foo:bar/baz.example.com', true],
  ['example.xn--zckzah', true],
  ['foo-bar', false],
  ['museum', false],
  ['museum.', false],
  ['abc.123', false],
  ['example.-com', false],
  ['example.com:8080', false],
  ['', false],
];
for (const [spec, ok] of domainSpecs) {
  test(`domain-spec ${JSON.stringify(spec)} is ${ok ? 'valid' : 'invalid'} (7.1 domain-end)`, (t) => {
    t.is(parseDomainSpec(spec).ok, ok);
  });
}

test('text full of "%{" is read in linear time, in every dialect', (t) => {
  // Quadratic reading took seconds here; linear takes a few milliseconds per dialect.
  const n = 400_000;
  const started = Date.now();
  const local = parseMacroString('%{'.repeat(n), 'local');
  t.true(local.ok && local.value.parts.length === 1 && local.value.parts[0]?.kind === 'text');
  t.true(parseMacroString(`${'%{x'.repeat(n)}}`, 'local').ok);
  t.true(parseMacroString(`${'%{'.repeat(n)}%{s}`, 'local').ok);
  t.like(parseMacroString('%{'.repeat(n), 'explain'), { ok: false, error: 'unterminated macro "%{"' });
  t.like(parseMacroString(`%{${'%{'.repeat(n)}}`, 'explain'), { ok: false });
  t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('a "%{" that cannot be a macro is reported with the text up to its "}"', (t) => {
  t.deepEqual(parseMacroString('a%{s x}b', 'explain'), { ok: false, error: 'bad macro "%{s x}"' });
  t.deepEqual(parseMacroString('%{s%{d}', 'explain'), { ok: false, error: 'bad macro "%{s%{d}"' });
  t.deepEqual(parseMacroString('%{q}', 'explain'), { ok: false, error: 'unknown macro letter in "%{q}"' });
  t.deepEqual(parseMacroString('%{s', 'domain'), { ok: false, error: 'unterminated macro "%{"' });
  const local = parseMacroString('%{s x}%{xr}', 'local');
  t.true(local.ok && expandMacroString(local.value, { xr: 'mx.example' }) === '%{s x}mx.example');
});
