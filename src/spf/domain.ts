// Domain-name rules of an SPF check: which <domain> may be checked at all (RFC 7208 4.3), what a
// domain-spec must end in (7.1 "domain-end"/"toplabel"), and how an expanded target name is
// trimmed and judged queryable (4.8, 7.3 truncation to 253). Pure functions; they never query DNS.

import { asciiLower } from '../util/ascii.js';
import { MAX_DOMAIN_LENGTH, MAX_LABEL_LENGTH } from './limits.js';

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
const TOPLABEL = /^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$/;
// A checkable identity: two or more labels of 1-63 letters, digits, hyphens and the underscore
// real zones use (one pattern, as this runs for every check), the last one not all digits.
const IDENTITY_LABEL = `[A-Za-z0-9_-]{1,${MAX_LABEL_LENGTH}}`;
const IDENTITY = new RegExp(`^(?:${IDENTITY_LABEL}\\.)+${IDENTITY_LABEL}$`);
const ALL_DIGITS_LAST_LABEL = /\.[0-9]+$/;

/** The name without one trailing dot (a fully qualified name may be written either way). */
export function withoutTrailingDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** True when `text` is a toplabel of the 7.1 grammar. */
export function isTopLabel(text: string): boolean {
  return TOPLABEL.test(text);
}

/**
 * True when the literal text at the end of a domain-spec forms its domain-end: "." toplabel
 * with an optional final ".". (A domain-spec ending in a macro is checked by the macro parser.)
 */
export function endsInTopLabel(trailingLiteral: string): boolean {
  const text = withoutTrailingDot(trailingLiteral);
  const dot = text.lastIndexOf('.');
  return dot !== -1 && isTopLabel(text.slice(dot + 1));
}

/**
 * 4.3: a <domain> that is malformed or not multi-label makes check_host() return "none" without
 * any lookup. Beyond the RFC's examples (long or empty labels, single label) this also rejects
 * domain literals, an all-numeric last label (a bare IP address) and characters no host name uses.
 */
export function isCheckableDomain(domain: string): boolean {
  const name = withoutTrailingDot(domain);
  if (name.length === 0 || name.length > MAX_DOMAIN_LENGTH) return false;
  return IDENTITY.test(name) && !ALL_DIGITS_LAST_LABEL.test(name);
}

/**
 * 7.3: an expanded name longer than 253 characters loses labels from the left until it fits.
 * A single label that alone is too long cannot be saved; what is left then fails isQueryable.
 */
export function truncateName(name: string): string {
  let out = name;
  while (out.length > MAX_DOMAIN_LENGTH) {
    const dot = out.indexOf('.');
    if (dot === -1) break;
    out = out.slice(dot + 1);
  }
  return out;
}

/**
 * True when an expanded target name can be put in a DNS query: non-empty, no empty label,
 * no label over 63 octets. Any octet is otherwise allowed ("foo:bar/baz.example.com" is fine).
 * RFC 7208 leaves the result for other names undefined; the evaluator treats them as names
 * that do not exist (no match), like 4.3 does for the initial domain.
 */
export function isQueryable(name: string): boolean {
  if (name.length === 0 || name.length > MAX_DOMAIN_LENGTH) return false;
  // Label lengths by scanning for dots: this runs for every query, so no split() array.
  let start = 0;
  for (;;) {
    const dot = name.indexOf('.', start);
    const end = dot === -1 ? name.length : dot;
    if (end === start || end - start > MAX_LABEL_LENGTH) return false;
    if (dot === -1) return true;
    start = dot + 1;
  }
}

/** Expanded domain-spec → the <target-name> to query: one trailing dot dropped, truncated. */
export function targetName(expanded: string): string {
  return truncateName(withoutTrailingDot(expanded));
}

/** Case-insensitive (ASCII) comparison of two names, ignoring one trailing dot on each. */
export function sameName(a: string, b: string): boolean {
  return asciiLower(withoutTrailingDot(a)) === asciiLower(withoutTrailingDot(b));
}

/** True when `name` is `parent` or lies below it (ASCII case-insensitive). */
export function isAtOrBelow(name: string, parent: string): boolean {
  const n = asciiLower(withoutTrailingDot(name));
  const p = asciiLower(withoutTrailingDot(parent));
  return n === p || n.endsWith(`.${p}`);
}
