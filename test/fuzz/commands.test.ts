// Fuzzes the command-line splitter (src/smtp/commands.ts, qmail's commands.c) with fast-check.
// Invariants: splitCommand never throws and is linear; the line minus one trailing CR, cut at
// its first NUL, is exactly verb + one or more spaces + arg (or just the verb); verb and arg hold
// no NUL, the verb no space, the arg no leading space; the command is the table entry of the
// ASCII-lower-cased verb, so any case of a known verb finds it and bytes >= 0x80 never fold into
// one; one trailing CR and anything after a NUL never change the split.
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import { COMMANDS, splitCommand } from '../../src/smtp/commands.js';
import { runs } from '../helpers/fuzz.js';

const VERBS = [...COMMANDS.keys()];
const latin1 = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));
const char = fc.oneof(
  { arbitrary: fc.constantFrom(' ', '\r', '\0', ':', '<', '>'), weight: 4 },
  { arbitrary: latin1(0, 255), weight: 6 },
);
const anyText = fc.string({ unit: char, maxLength: 120 });
/** A verb in random ASCII case. */
const casedVerb = fc
  .tuple(fc.constantFrom(...VERBS), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }))
  .map(([v, up]) => [...v].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
const line = fc.oneof(
  anyText,
  fc.tuple(casedVerb, fc.string({ unit: fc.constant(' '), maxLength: 4 }), anyText).map(([v, sp, a]) => v + sp + a),
);

/** What qmail's C code sees: one trailing CR off, then the string up to its first NUL. */
function cLine(l: string): string {
  const s = l.endsWith('\r') ? l.slice(0, -1) : l;
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

test('the line is verb + spaces + arg exactly; no NUL survives; the command is the table entry', (t) => {
  fc.assert(
    fc.property(line, (l) => {
      const { verb, arg, command } = splitCommand(l);
      const s = cLine(l);
      if (verb.includes(' ') || verb.includes('\0') || arg.includes('\0')) throw new Error('space or NUL in the parts');
      if (arg.startsWith(' ')) throw new Error('arg starts with a space');
      if (!s.startsWith(verb) || !s.endsWith(arg)) throw new Error('parts are not the line');
      const middle = s.slice(verb.length, s.length - arg.length);
      if (!/^ *$/.test(middle) || (arg !== '' && middle === '')) throw new Error(`bad separator ${JSON.stringify(middle)}`);
      if (verb.length + middle.length + arg.length !== s.length) throw new Error('lengths do not add up');
      const lower = verb.replace(/[A-Z]/g, (c) => c.toLowerCase());
      if (command !== COMMANDS.get(lower)) throw new Error('wrong table entry');
      if (command !== undefined && command.verb !== lower) throw new Error('entry for another verb');
    }),
    runs(5000),
  );
  t.pass();
});

test('any case of a known verb finds it, with the same arg; non-ASCII look-alikes never do', (t) => {
  fc.assert(
    fc.property(casedVerb, anyText.map(cLine), (v, rest) => {
      const a = splitCommand(`${v} ${rest}`);
      const b = splitCommand(`${v.toLowerCase()} ${rest}`);
      if (a.command === undefined || a.command !== b.command || a.arg !== b.arg) throw new Error('case changed the split');
      // U+0130 / U+212A style folding cannot happen on latin1: 0xC9 is not 'e', 0xD3 not 'o'.
      const wide = v.replace(/[eE]/, '\u00c9').replace(/[oO]/, '\u00d3');
      if (wide !== v && splitCommand(`${wide} ${rest}`).command !== undefined) throw new Error('8-bit verb matched');
    }),
    runs(3000),
  );
  t.pass();
});

test('one trailing CR, and anything after a NUL, change nothing', (t) => {
  fc.assert(
    fc.property(anyText, anyText, (a, b) => {
      const s = cLine(a).replace(/\r+$/, '');
      const base = splitCommand(s);
      const withCr = splitCommand(`${s}\r`);
      if (JSON.stringify(base) !== JSON.stringify(withCr)) throw new Error('trailing CR mattered');
      const cut = splitCommand(`${s}\0${b}`);
      if (JSON.stringify(base) !== JSON.stringify(cut)) throw new Error('bytes after NUL mattered');
    }),
    runs(3000),
  );
  t.pass();
});

test('no hang: long lines of spaces, CRs and NULs split in linear time', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(' ', '\r', '\0', 'a', 'mail ', ' \r'), fc.integer({ min: 1, max: 1 << 20 }), (unit, len) => {
      const l = unit.repeat(Math.ceil(len / unit.length));
      const t0 = performance.now();
      splitCommand(l);
      const ms = performance.now() - t0;
      if (ms > 1000) throw new Error(`${ms.toFixed(0)} ms for ${l.length} chars`);
    }),
    runs(30, 5000),
  );
  t.pass();
});
