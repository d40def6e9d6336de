// Parsing an SPF record (RFC 7208 4.5 version, 4.6.1 term syntax, 5 mechanisms, 6 modifiers,
// 12 ABNF). Contract: parseRecord() checks the whole record before anything is evaluated (4.6:
// a syntax error anywhere is a permerror even after a matching term) and returns a value, never
// throws. Terms keep their text as written, for reports and traces.

import { parseDomainSpec, parseMacroString, type MacroString } from './macro.js';
import { parseIPv4, parseIPv6 } from './ip.js';
import { MAX_CIDR4, MAX_CIDR6 } from './limits.js';

export type Qualifier = '+' | '-' | '~' | '?';

/** a and mx: an optional domain-spec and the dual CIDR lengths (defaults /32 and //128). */
export interface AddressArgs {
  readonly domain?: MacroString;
  readonly cidr4: number;
  readonly cidr6: number;
}

export interface NetworkArgs {
  readonly network: readonly number[];
  readonly prefix: number;
}

export type Mechanism =
  | { readonly kind: 'all' }
  | { readonly kind: 'include'; readonly domain: MacroString }
  | ({ readonly kind: 'a' } & AddressArgs)
  | ({ readonly kind: 'mx' } & AddressArgs)
  | { readonly kind: 'ptr'; readonly domain?: MacroString }
  | ({ readonly kind: 'ip4' } & NetworkArgs)
  | ({ readonly kind: 'ip6' } & NetworkArgs)
  | { readonly kind: 'exists'; readonly domain: MacroString };

export interface Directive {
  readonly qualifier: Qualifier;
  readonly mechanism: Mechanism;
  /** The term as written in the record. */
  readonly text: string;
  /** Came from the receiver's local rules or guess, not from the domain's record. */
  readonly local: boolean;
}

export interface SpfRecord {
  /** The record text, "v=spf1 ..." as published. */
  readonly text: string;
  /** Mechanisms in the order they are evaluated. */
  readonly directives: readonly Directive[];
  readonly redirect?: { readonly domain: MacroString; readonly text: string };
  readonly exp?: { readonly domain: MacroString; readonly text: string };
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

// 4.5: "v=spf1" in any case, then a space or the end.
const VERSION = /^v=spf1(?: |$)/i;
// 4.6.1: a term is a modifier when "=" follows a name directly, before any ":" or "/".
const MODIFIER = /^([A-Za-z][A-Za-z0-9\-_.]*)=(.*)$/s;
const QUALIFIERS = '+-~?';
// ip4-cidr-length and ip6-cidr-length: no leading zeros.
const CIDR_NUMBER = /^(?:0|[1-9][0-9]*)$/;
// [ domain-spec ] [ "/" ip4-cidr ] [ "//" ip6-cidr ] at the end of an a/mx argument.
const DUAL_CIDR_TAIL = /^(.*?)(?:\/([0-9]+))?(?:\/\/([0-9]+))?$/s;
const SINGLE_CIDR_TAIL = /^(.*?)(?:\/([0-9]+))?$/s;

/** True when a TXT record's text is an SPF version 1 record (4.5). */
export function isSpfRecordText(text: string): boolean {
  return VERSION.test(text);
}

function cidr(text: string | undefined, max: number, fallback: number): number | undefined {
  if (text === undefined) return fallback;
  if (!CIDR_NUMBER.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

function domainArg(text: string, name: string): Parsed<MacroString> {
  const spec = parseDomainSpec(text);
  return spec.ok ? spec : { ok: false, error: `${name}: ${spec.error}` };
}

function parseAddressMechanism(kind: 'a' | 'mx', rest: string): Parsed<Mechanism> {
  const hasDomain = rest.startsWith(':');
  const arg = hasDomain ? rest.slice(1) : rest;
  const m = DUAL_CIDR_TAIL.exec(arg);
  const domainText = m?.[1] ?? arg;
  const cidr4 = cidr(m?.[2], MAX_CIDR4, MAX_CIDR4);
  const cidr6 = cidr(m?.[3], MAX_CIDR6, MAX_CIDR6);
  if (cidr4 === undefined || cidr6 === undefined) return { ok: false, error: `${kind}: bad CIDR length in "${rest}"` };
  if (!hasDomain) {
    if (domainText !== '') return { ok: false, error: `${kind}: bad argument "${rest}"` };
    return { ok: true, value: { kind, cidr4, cidr6 } };
  }
  const domain = domainArg(domainText, kind);
  return domain.ok ? { ok: true, value: { kind, domain: domain.value, cidr4, cidr6 } } : domain;
}

function parseIpMechanism(kind: 'ip4' | 'ip6', rest: string): Parsed<Mechanism> {
  if (!rest.startsWith(':')) return { ok: false, error: `${kind}: missing ":" and network` };
  const m = SINGLE_CIDR_TAIL.exec(rest.slice(1));
  const network = kind === 'ip4' ? parseIPv4(m?.[1] ?? '') : parseIPv6(m?.[1] ?? '');
  const prefix = kind === 'ip4' ? cidr(m?.[2], MAX_CIDR4, MAX_CIDR4) : cidr(m?.[2], MAX_CIDR6, MAX_CIDR6);
  if (network === undefined) return { ok: false, error: `${kind}: bad network "${rest.slice(1)}"` };
  if (prefix === undefined) return { ok: false, error: `${kind}: bad CIDR length in "${rest.slice(1)}"` };
  return { ok: true, value: { kind, network, prefix } };
}

function parseMechanism(name: string, rest: string): Parsed<Mechanism> {
  switch (name) {
    case 'all':
      return rest === '' ? { ok: true, value: { kind: 'all' } } : { ok: false, error: `all: takes no argument ("${rest}")` };
    case 'include':
    case 'exists': {
      if (!rest.startsWith(':')) return { ok: false, error: `${name}: missing ":" and domain` };
      const domain = domainArg(rest.slice(1), name);
      return domain.ok ? { ok: true, value: { kind: name, domain: domain.value } } : domain;
    }
    case 'a':
    case 'mx':
      return parseAddressMechanism(name, rest);
    case 'ptr': {
      if (rest === '') return { ok: true, value: { kind: 'ptr' } };
      if (!rest.startsWith(':')) return { ok: false, error: `ptr: bad argument "${rest}"` };
      const domain = domainArg(rest.slice(1), name);
      return domain.ok ? { ok: true, value: { kind: 'ptr', domain: domain.value } } : domain;
    }
    case 'ip4':
    case 'ip6':
      return parseIpMechanism(name, rest);
    default:
      return { ok: false, error: `unknown mechanism "${name}"` };
  }
}

/** One directive (qualifier + mechanism), as in a record or in the local rules. */
export function parseDirective(term: string, local: boolean): Parsed<Directive> {
  const first = term[0] ?? '';
  const qualified = first !== '' && QUALIFIERS.includes(first);
  const qualifier = (qualified ? first : '+') as Qualifier;
  const body = qualified ? term.slice(1) : term;
  const cut = body.search(/[:/]/);
  const name = (cut === -1 ? body : body.slice(0, cut)).toLowerCase();
  const rest = cut === -1 ? '' : body.slice(cut);
  const mechanism = parseMechanism(name, rest);
  if (!mechanism.ok) return { ok: false, error: `"${term}": ${mechanism.error}` };
  return { ok: true, value: { qualifier, mechanism: mechanism.value, text: term, local } };
}

/** The terms of a record, split on runs of spaces only (4.6.1: no tabs or other controls). */
export function splitTerms(text: string): string[] {
  return text.split(' ').filter((t) => t !== '');
}

/** A whole record ("v=spf1 ..."), every term checked (4.6, 6/2 duplicate modifiers). */
export function parseRecord(text: string): Parsed<SpfRecord> {
  if (!isSpfRecordText(text)) return { ok: false, error: 'not an SPF record (no "v=spf1")' };
  const directives: Directive[] = [];
  let redirect: SpfRecord['redirect'];
  let exp: SpfRecord['exp'];
  for (const term of splitTerms(text).slice(1)) {
    const modifier = MODIFIER.exec(term);
    if (modifier === null) {
      const directive = parseDirective(term, false);
      if (!directive.ok) return directive;
      directives.push(directive.value);
      continue;
    }
    const name = (modifier[1] ?? '').toLowerCase();
    const value = modifier[2] ?? '';
    if (name === 'redirect' || name === 'exp') {
      if ((name === 'redirect' ? redirect : exp) !== undefined) return { ok: false, error: `"${name}=" appears more than once` };
      const domain = parseDomainSpec(value);
      if (!domain.ok) return { ok: false, error: `"${term}": ${domain.error}` };
      if (name === 'redirect') redirect = { domain: domain.value, text: term };
      else exp = { domain: domain.value, text: term };
      continue;
    }
    // 6: unknown modifiers are ignored, but must still be valid macro-strings (A/3).
    const checked = parseMacroString(value, 'explain');
    if (!checked.ok) return { ok: false, error: `"${term}": ${checked.error}` };
  }
  return { ok: true, value: { text, directives, ...(redirect ? { redirect } : {}), ...(exp ? { exp } : {}) } };
}
