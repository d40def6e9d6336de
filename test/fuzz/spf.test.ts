// Fuzzes the SPF record parser and macro expander (src/spf/record.ts, src/spf/macro.ts, through
// src/spf/index.ts) with fast-check; extends the never-throws check of test/spf/record.test.ts.
// Invariants: a record generated from the grammar parses to the directives it was made from;
// parse -> serialize (from the parsed structure, not the kept text) -> parse is a fixed point
// for every record that parses, random or generated; the dialects nest (a domain-spec that
// parses parses the same as explain text, which parses the same as local text); local text
// never fails to parse; expansion never throws and its length is bounded by the literal text
// plus three times each expanded value; urlEscape gives only unreserved characters and %XX and
// undoes exactly; parsing and expanding are near-linear (CPU time per input bounded).
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import {
  expandMacroString,
  parseDomainSpec,
  parseMacroString,
  parseRecord,
  urlEscape,
  type Directive,
  type MacroString,
  type MacroValues,
  type SpfRecord,
} from '../../src/spf/index.js';
import { cpuMs, runs } from '../helpers/fuzz.js';

// ----- generators from the grammar (RFC 7208 12) ------------------------------------------

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
const alpha = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
const label = fc.string({ unit: fc.oneof(alnum, fc.constant('-')), minLength: 1, maxLength: 12 });
const toplabel = fc.tuple(fc.string({ unit: alnum, maxLength: 5 }), alpha, fc.string({ unit: alnum, maxLength: 5 })).map(([a, b, c]) => a + b + c);
const domainLetter = fc.constantFrom(...'slodiphvSLODIPHV');
const macroExpand = fc.oneof(
  fc
    .tuple(domainLetter, fc.option(fc.integer({ min: 1, max: 200 })), fc.boolean(), fc.string({ unit: fc.constantFrom(...'.-+,/_='), maxLength: 3 }))
    .map(([l, d, r, delim]) => `%{${l}${d ?? ''}${r ? 'r' : ''}${delim}}`),
  fc.constantFrom('%%', '%_', '%-'),
);
/** A domain-spec: macro-string of literals and macros, ending in a macro or "." toplabel. */
const domainSpec = fc
  .tuple(fc.array(fc.oneof(label, macroExpand, fc.constant('.')), { maxLength: 5 }), fc.oneof(macroExpand.filter((m) => m.startsWith('%{')), toplabel.map((t) => `.${t}`)), fc.boolean())
  .map(([parts, end, dot]) => parts.join('') + end + (dot && !end.startsWith('%') ? '.' : ''));
const qualifier = fc.constantFrom('', '+', '-', '~', '?');
const cidr4 = fc.integer({ min: 0, max: 32 });
const cidr6 = fc.integer({ min: 0, max: 128 });
const ip4 = fc.ipV4();
const ip6 = fc.ipV6().filter((a) => !a.includes('.'));
const caseOf = (w: string) => fc.array(fc.boolean(), { minLength: w.length, maxLength: w.length }).map((u) => [...w].map((c, i) => (u[i] ? c.toUpperCase() : c)).join(''));

const mechanismText = fc.oneof(
  caseOf('all'),
  fc.tuple(fc.constantFrom('include', 'exists'), domainSpec).chain(([n, d]) => caseOf(n).map((c) => `${c}:${d}`)),
  fc.tuple(fc.constantFrom('a', 'mx'), fc.option(domainSpec), fc.option(cidr4), fc.option(cidr6)).chain(([n, d, c4, c6]) =>
    caseOf(n).map((c) => `${c}${d === null ? '' : `:${d}`}${c4 === null ? '' : `/${c4}`}${c6 === null ? '' : `//${c6}`}`),
  ),
  fc.tuple(caseOf('ptr'), fc.option(domainSpec)).map(([c, d]) => (d === null ? c : `${c}:${d}`)),
  fc.tuple(caseOf('ip4'), ip4, fc.option(cidr4)).map(([c, a, p]) => `${c}:${a}${p === null ? '' : `/${p}`}`),
  fc.tuple(caseOf('ip6'), ip6, fc.option(cidr6)).map(([c, a, p]) => `${c}:${a}${p === null ? '' : `/${p}`}`),
);
const directiveText = fc.tuple(qualifier, mechanismText).map(([q, m]) => q + m);
const unknownModifier = fc
  .tuple(alpha, fc.string({ unit: fc.oneof(alnum, fc.constantFrom('-', '_', '.')), maxLength: 8 }), fc.array(fc.oneof(label, macroExpand, fc.constantFrom('.', '/', ':')), { maxLength: 4 }))
  .map(([a, b, v]) => `${a}${b}=${v.join('')}`)
  .filter((m) => !/^(redirect|exp)=/i.test(m));
const recordText = fc
  .tuple(
    fc.array(fc.oneof({ arbitrary: directiveText, weight: 5 }, { arbitrary: unknownModifier, weight: 1 }), { maxLength: 12 }),
    fc.option(domainSpec),
    fc.option(domainSpec),
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 16, maxLength: 16 }),
    caseOf('v=spf1'),
  )
  .map(([terms, redirect, exp, spaces, v]) => {
    const all = [...terms, ...(redirect === null ? [] : [`redirect=${redirect}`]), ...(exp === null ? [] : [`exp=${exp}`])];
    return [v, ...all].map((x, i) => x + ' '.repeat(spaces[i % 16]!)).join('').trimEnd();
  });

// ----- serializing a parsed record from its structure --------------------------------------

function ip6Text(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

function directiveOut(d: Directive): string {
  const m = d.mechanism;
  const dom = (x: MacroString | undefined) => (x === undefined ? '' : `:${x.source}`);
  switch (m.kind) {
    case 'all':
      return `${d.qualifier}all`;
    case 'include':
    case 'exists':
      return `${d.qualifier}${m.kind}${dom(m.domain)}`;
    case 'a':
    case 'mx':
      return `${d.qualifier}${m.kind}${dom(m.domain)}/${m.cidr4}//${m.cidr6}`;
    case 'ptr':
      return `${d.qualifier}ptr${dom(m.domain)}`;
    case 'ip4':
      return `${d.qualifier}ip4:${m.network.join('.')}/${m.prefix}`;
    case 'ip6':
      return `${d.qualifier}ip6:${ip6Text(m.network)}/${m.prefix}`;
  }
}

function serialize(r: SpfRecord): string {
  return ['v=spf1', ...r.directives.map(directiveOut), ...(r.redirect ? [`redirect=${r.redirect.domain.source}`] : []), ...(r.exp ? [`exp=${r.exp.domain.source}`] : [])].join(' ');
}

/** The meaning of a record: everything but the kept texts. */
function meaning(r: SpfRecord): unknown {
  return {
    directives: r.directives.map((d) => ({ q: d.qualifier, m: d.mechanism, local: d.local })),
    redirect: r.redirect?.domain,
    exp: r.exp?.domain,
  };
}

function assertFixedPoint(text: string): void {
  const first = parseRecord(text);
  if (!first.ok) return;
  const again = parseRecord(serialize(first.value));
  if (!again.ok) throw new Error(`serialized record ${JSON.stringify(serialize(first.value))} does not parse: ${again.error}`);
  if (JSON.stringify(meaning(again.value)) !== JSON.stringify(meaning(first.value))) throw new Error(`meaning changed: ${JSON.stringify(serialize(first.value))}`);
  if (serialize(again.value) !== serialize(first.value)) throw new Error('serialization not stable');
}

test('a record made from the grammar parses, term for term, and is a serialize/parse fixed point', (t) => {
  fc.assert(
    fc.property(recordText, (text) => {
      const r = parseRecord(text);
      if (!r.ok) throw new Error(`${JSON.stringify(text)}: ${r.error}`);
      const directives = text.split(' ').filter((x) => x !== '').slice(1).filter((x) => !/^[A-Za-z][A-Za-z0-9\-_.]*=/.test(x));
      if (r.value.directives.length !== directives.length) throw new Error('directive count differs');
      r.value.directives.forEach((d, i) => {
        if (d.text !== directives[i]) throw new Error(`term text ${d.text} vs ${directives[i]}`);
        const q = '+-~?'.includes(d.text[0]!) ? d.text[0] : '+';
        if (d.qualifier !== q) throw new Error('qualifier');
        if (d.mechanism.kind !== d.text.slice(q === d.text[0] ? 1 : 0).split(/[:/]/)[0]!.toLowerCase()) throw new Error('kind');
      });
      assertFixedPoint(text);
    }),
    runs(1500),
  );
  t.pass();
});

const spfPieces = ['v=spf1 ', 'a', 'mx', 'ptr', 'all', 'include', 'exists', 'redirect=', 'exp=', 'ip4:', 'ip6:', ':', '/', '//', '%{', '}', 'd', 'i', 'r', '1', '2', '32', '128', '0', '1.2.3.4', '::', 'ff', '=', ' ', '-', '+', '~', '?', '.', 'x', '%', '%%', '%_', '%-', '.com', 'Z'];
const spfish = fc.array(fc.constantFrom(...spfPieces), { maxLength: 40 }).map((p) => `v=spf1 ${p.join('')}`);

test('whatever parses is a serialize/parse fixed point (random spf-ish text)', (t) => {
  let parsed = 0;
  fc.assert(
    fc.property(fc.oneof(spfish, recordText), (text) => {
      if (parseRecord(text).ok) parsed++;
      assertFixedPoint(text);
    }),
    runs(2500),
  );
  t.true(parsed > 0);
});

const macroChar = fc.oneof(
  { arbitrary: fc.constantFrom('%', '{', '}', '.', '-', '+', ',', '/', '_', '=', 'r', 'R', ' ', '1', '0'), weight: 5 },
  { arbitrary: fc.constantFrom(...'slodiphvcrtxXSeE'), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), weight: 2 },
);
const macroText = fc.oneof(fc.string({ unit: macroChar, maxLength: 80 }), fc.array(macroExpand, { maxLength: 8 }).map((p) => p.join('')));
const valueText = fc.string({ unit: fc.oneof(fc.constantFrom('.', '-', '+', ',', '/', '_', '=', '@'), fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c))), maxLength: 40 });
const LETTERS = ['s', 'l', 'o', 'd', 'i', 'p', 'h', 'v', 'c', 'r', 't', 'xr', 'xs', 'xe'] as const;
const values = fc.record(Object.fromEntries(LETTERS.map((l) => [l, valueText])) as Record<(typeof LETTERS)[number], fc.Arbitrary<string>>, { requiredKeys: [] });

test('dialects nest: domain-spec => explain => local, with the same parts; local never fails', (t) => {
  fc.assert(
    fc.property(macroText, (s) => {
      const local = parseMacroString(s, 'local');
      if (!local.ok) throw new Error(`local text failed: ${local.error}`);
      const explain = parseMacroString(s, 'explain');
      const domain = parseMacroString(s, 'domain');
      const spec = parseDomainSpec(s);
      if (spec.ok && !domain.ok) throw new Error('a domain-spec that is not a domain macro-string');
      if (domain.ok && !explain.ok) throw new Error('domain ok, explain not');
      if (domain.ok && explain.ok && JSON.stringify(domain.value) !== JSON.stringify(explain.value)) throw new Error('domain and explain parts differ');
      if (explain.ok && JSON.stringify(explain.value) !== JSON.stringify(local.value)) throw new Error('explain and local parts differ');
    }),
    runs(5000),
  );
  t.pass();
});

test('expansion never throws and is at most literal text + 3x each expanded value', (t) => {
  fc.assert(
    fc.property(macroText, values, (s, v: MacroValues) => {
      const parsed = parseMacroString(s, 'local');
      if (!parsed.ok) return;
      const out = expandMacroString(parsed.value, v);
      let bound = 0;
      for (const p of parsed.value.parts) {
        if (p.kind === 'text') bound += p.text.length;
        else bound += 3 * (v[p.letter] ?? 'unknown').length;
      }
      if (out.length > bound) throw new Error(`${out.length} > ${bound}`);
    }),
    runs(5000),
  );
  t.pass();
});

test('macro transformers: %{d} is the value, %{dr} reversed, %{dN} the last N labels', (t) => {
  const dom = fc.array(label, { minLength: 1, maxLength: 8 }).map((l) => l.join('.'));
  fc.assert(
    fc.property(dom, fc.integer({ min: 1, max: 10 }), (d, n) => {
      const ex = (m: string) => {
        const p = parseMacroString(m, 'domain');
        if (!p.ok) throw new Error(p.error);
        return expandMacroString(p.value, { d });
      };
      const labels = d.split('.');
      if (ex('%{d}') !== d) throw new Error('%{d}');
      if (ex('%{dr}') !== [...labels].reverse().join('.')) throw new Error('%{dr}');
      if (ex(`%{d${n}}`) !== labels.slice(-n).join('.')) throw new Error('%{dN}');
      if (ex(`%{d${n}r}`) !== [...labels].reverse().slice(-n).join('.')) throw new Error('%{dNr}');
    }),
    runs(2000),
  );
  t.pass();
});

test('urlEscape: only unreserved characters and %XX, and it undoes exactly (latin1)', (t) => {
  fc.assert(
    fc.property(valueText, (v) => {
      const e = urlEscape(v);
      if (!/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/.test(e)) throw new Error(`bad escape ${e}`);
      const back = e.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      if (back !== v) throw new Error('does not undo');
    }),
    runs(3000),
  );
  t.pass();
});

test('no hang: long records and macro strings parse and expand in bounded CPU time', (t) => {
  const units = ['%{', '%{d', '%{d}', '%', '}', '/', '//', '1', 'a', 'a:', 'a/1', ' ', ':', 'ip4:1.2.3.4/', '%{d1r.-+,/_=}'];
  fc.assert(
    fc.property(fc.constantFrom(...units), fc.constantFrom('v=spf1 a:', 'v=spf1 mx:x', 'v=spf1 foo=', 'v=spf1 ip6:', ''), fc.integer({ min: 1, max: 1 << 15 }), (unit, prefix, len) => {
      const s = prefix + unit.repeat(Math.ceil(len / unit.length));
      const ms = cpuMs(() => {
        parseRecord(s);
        parseDomainSpec(s);
        const e = parseMacroString(s, 'explain');
        if (e.ok) expandMacroString(e.value, { d: 'a.b.c'.repeat(100) });
      });
      if (ms > 1000) throw new Error(`${ms.toFixed(0)} ms CPU for ${s.length} chars`);
    }),
    runs(40, 2000),
  );
  t.pass();
});

// Local text (control/spfexp, written by the admin) is lenient: an unterminated "%{" is copied.
test('no hang: local text of many "%{" parses in bounded CPU time', (t) => {
  fc.assert(
    fc.property(fc.constantFrom('%{', '%{x', '%{%'), fc.boolean(), fc.integer({ min: 1, max: 1 << 15 }), (unit, closed, len) => {
      const s = unit.repeat(Math.ceil(len / unit.length)) + (closed ? '}' : '');
      const ms = cpuMs(() => parseMacroString(s, 'local'));
      if (ms > 1000) throw new Error(`${ms.toFixed(0)} ms CPU for ${s.length} chars`);
    }),
    runs(20, 2000),
  );
  t.pass();
});
