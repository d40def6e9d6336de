// SPF macro strings (RFC 7208 7): parsing a domain-spec, an explanation or the local (qmail rc5
// style) default explanation into parts, and expanding the parts with given values.
// Contract: parsing is strict for text from DNS (any syntax error is reported, never guessed
// around) and lenient for the admin's local text (bad sequences stay literal). Expansion is
// pure and never fails; the caller supplies %{p} and the other values beforehand.

import { endsInTopLabel } from './domain.js';

/** Where a macro string comes from decides what it may contain. */
export type MacroDialect =
  /** domain-spec in a record: letters s l o d i p h v, visible ASCII only (7.1, 7.3). */
  | 'domain'
  /** explanation text fetched by exp=: also c r t, and spaces (6.2, 7.3). */
  | 'explain'
  /** the local default explanation: also %{xr} %{xs} %{xe}; never a syntax error. */
  | 'local';

export type MacroLetter = 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v' | 'c' | 'r' | 't' | 'xr' | 'xs' | 'xe';

export type MacroPart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'macro';
      readonly letter: MacroLetter;
      /** Upper-case letter: URL-escape the result (7.3). */
      readonly escape: boolean;
      /** Digit transformer: keep this many right-hand parts. */
      readonly keep?: number;
      readonly reverse: boolean;
      /** Delimiters to split on; '' means the default ".". */
      readonly delimiters: string;
    };

export interface MacroString {
  readonly source: string;
  readonly parts: readonly MacroPart[];
}

export type MacroParse = { readonly ok: true; readonly value: MacroString } | { readonly ok: false; readonly error: string };

/** Values the letters expand to; p, r and t only need to be present when used. */
export type MacroValues = { readonly [K in MacroLetter]?: string };

const DOMAIN_LETTERS = new Set(['s', 'l', 'o', 'd', 'i', 'p', 'h', 'v']);
const EXPLAIN_ONLY_LETTERS = new Set(['c', 'r', 't']);
// "%{" macro-letter transformers *delimiter "}" with the letter and transformers captured.
const RFC_MACRO = /^([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)$/;
const LOCAL_MACRO = /^[xX]([rRsSeE])([0-9]*)([rR]?)([.\-+,/_=]*)$/;
// Every character RFC_MACRO or LOCAL_MACRO can match (letters, digits, delimiters).
const MACRO_BODY_CHAR = /^[A-Za-z0-9.\-+,/_=]$/;
// unreserved of RFC 3986: what %{X} leaves as it is.
const UNRESERVED = /[A-Za-z0-9\-._~]/;

function literalAllowed(ch: string, dialect: MacroDialect): boolean {
  if (dialect === 'local') return true;
  const c = ch.charCodeAt(0);
  if (c === 0x20) return dialect === 'explain';
  return c >= 0x21 && c <= 0x7e && c !== 0x25;
}

type Braced = { readonly part: MacroPart } | { readonly error: string };

function parseBraced(body: string, dialect: MacroDialect): Braced {
  const local = dialect === 'local' ? LOCAL_MACRO.exec(body) : null;
  const m = local ?? RFC_MACRO.exec(body);
  if (m === null) return { error: `bad macro "%{${body}}"` };
  const [, letterText = '', digits = '', reverse = '', delimiters = ''] = m;
  let letter: MacroLetter;
  if (local !== null) {
    letter = `x${letterText.toLowerCase()}` as MacroLetter;
  } else {
    const lower = letterText.toLowerCase();
    const allowed = DOMAIN_LETTERS.has(lower) || (dialect !== 'domain' && EXPLAIN_ONLY_LETTERS.has(lower));
    if (!allowed) {
      return EXPLAIN_ONLY_LETTERS.has(lower)
        ? { error: `macro %{${letterText}} is allowed only in explanation text` }
        : { error: `unknown macro letter in "%{${body}}"` };
    }
    letter = lower as MacroLetter;
  }
  if (digits !== '' && Number(digits) === 0) return { error: `zero digit transformer in "%{${body}}"` };
  const escape = letterText !== letterText.toLowerCase();
  return {
    part: {
      kind: 'macro',
      letter,
      escape,
      ...(digits === '' ? {} : { keep: Number(digits) }),
      reverse: reverse !== '',
      delimiters,
    },
  };
}

/** Index of the first character at or after `from` that cannot be part of a macro body. */
function macroBodyEnd(source: string, from: number): number {
  let i = from;
  while (i < source.length && MACRO_BODY_CHAR.test(source[i] ?? '')) i++;
  return i;
}

/** A parse plus what the domain-end check needs: did it end in a macro, and the literal after. */
type PartsParse =
  | { readonly ok: true; readonly value: MacroString; readonly endsInMacro: boolean; readonly tail: string }
  | { readonly ok: false; readonly error: string };

function parseParts(source: string, dialect: MacroDialect): PartsParse {
  const parts: MacroPart[] = [];
  let text = '';
  let tail = ''; // literal text since the last macro-expand
  let endsInMacro = false;
  const pushText = (t: string, fromMacro: boolean): void => {
    text += t;
    if (fromMacro) {
      tail = '';
      endsInMacro = true;
    } else {
      tail += t;
      endsInMacro = false;
    }
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] ?? '';
    if (ch !== '%') {
      if (!literalAllowed(ch, dialect)) {
        return { ok: false, error: `character 0x${ch.charCodeAt(0).toString(16).padStart(2, '0')} not allowed` };
      }
      pushText(ch, false);
      continue;
    }
    const next = source[i + 1];
    const escaped = next === '%' ? '%' : next === '_' ? ' ' : next === '-' ? '%20' : undefined;
    if (escaped !== undefined) {
      pushText(escaped, true);
      i++;
      continue;
    }
    if (next === '{') {
      // Only body characters can sit between the braces of a valid macro, so the scan stops at
      // the next "%" at the latest: text full of "%{" is read in linear time.
      const end = macroBodyEnd(source, i + 2);
      const braced = source[end] === '}' ? parseBraced(source.slice(i + 2, end), dialect) : undefined;
      if (braced !== undefined && 'part' in braced) {
        if (text !== '') parts.push({ kind: 'text', text });
        text = '';
        parts.push(braced.part);
        tail = '';
        endsInMacro = true;
        i = end;
        continue;
      }
      if (dialect !== 'local') {
        if (braced !== undefined) return { ok: false, error: braced.error };
        const close = source.indexOf('}', end);
        if (close === -1) return { ok: false, error: 'unterminated macro "%{"' };
        return { ok: false, error: `bad macro "%{${source.slice(i + 2, close)}}"` };
      }
    }
    // rc5 copies anything it cannot read; RFC text must not contain it (7.1).
    if (dialect === 'local') {
      pushText('%', false);
      continue;
    }
    return { ok: false, error: `"%" followed by ${next === undefined ? 'nothing' : `"${next}"`}` };
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { ok: true, value: { source, parts }, endsInMacro, tail };
}

/** A macro-string or explain-string of the given dialect (7.1). */
export function parseMacroString(source: string, dialect: MacroDialect): MacroParse {
  const r = parseParts(source, dialect);
  return r.ok ? { ok: true, value: r.value } : r;
}

/** A domain-spec: a non-empty macro-string ending in a macro or in "." toplabel ["."] (7.1). */
export function parseDomainSpec(source: string): MacroParse {
  if (source === '') return { ok: false, error: 'empty domain-spec' };
  const r = parseParts(source, 'domain');
  if (!r.ok) return r;
  if (!r.endsInMacro && !endsInTopLabel(r.tail)) return { ok: false, error: `"${source}" does not end in a valid top label` };
  return { ok: true, value: r.value };
}

/** The string itself when it holds no macro (its escapes already resolved), else undefined. */
export function literalText(ms: MacroString): string | undefined {
  const first = ms.parts[0];
  if (first === undefined) return '';
  return first.kind === 'text' && ms.parts.length === 1 ? first.text : undefined;
}

/** True when the macro string uses the letter (callers compute %{p} only when it is needed). */
export function usesLetter(ms: MacroString, letter: MacroLetter): boolean {
  return ms.parts.some((p) => p.kind === 'macro' && p.letter === letter);
}

/** URL-escapes every octet outside RFC 3986's unreserved set as %XX. */
export function urlEscape(value: string): string {
  let out = '';
  for (const ch of value) {
    out += UNRESERVED.test(ch) ? ch : `%${(ch.charCodeAt(0) & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function splitOnAny(value: string, delimiters: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const ch of value) {
    if (delimiters.includes(ch)) {
      pieces.push(piece);
      piece = '';
    } else {
      piece += ch;
    }
  }
  pieces.push(piece);
  return pieces;
}

function expandPart(part: Extract<MacroPart, { kind: 'macro' }>, values: MacroValues): string {
  const raw = values[part.letter] ?? (part.letter === 'p' || part.letter === 'r' ? 'unknown' : '');
  // 7.3: split on the delimiters, reverse if asked, keep the right-hand parts, join with ".".
  let pieces = splitOnAny(raw, part.delimiters === '' ? '.' : part.delimiters);
  if (part.reverse) pieces.reverse();
  if (part.keep !== undefined && part.keep < pieces.length) pieces = pieces.slice(pieces.length - part.keep);
  const joined = pieces.join('.');
  return part.escape ? urlEscape(joined) : joined;
}

/** The expansion of a parsed macro string. */
export function expandMacroString(ms: MacroString, values: MacroValues): string {
  let out = '';
  for (const part of ms.parts) out += part.kind === 'text' ? part.text : expandPart(part, values);
  return out;
}
