// The per-connection rule lookup of ucspi-tcp 0.88's `tcpserver -x rules.cdb` (rules.c, tcprules(1)):
// the first of info@ip, info@=host, ip, =host, ip prefixes to a '.', =.host suffixes, =, "" found decides.
// Contract: pure and byte-exact (host is not lowercased: tcpserver's resolver already did that); never
// throws on odd query input (C semantics: a string ends at NUL) and ignores malformed value elements;
// only a corrupt cdb raises CdbFormatError, on which tcpserver drops the connection. qfront's extension:
// an IPv6 client tries ':'-ending group prefixes (see ipPrefixes), ::ffff:a.b.c.d is looked up as a.b.c.d.

import type { Cdb } from '../control/index.js';

export interface RuleQuery {
  /** $TCPREMOTEIP: dotted quad, or IPv6 in RFC 5952 form. */
  readonly ip: string;
  /** $TCPREMOTEHOST; undefined when unset (an empty string counts as set, as in rules.c). */
  readonly host?: string;
  /** $TCPREMOTEINFO; undefined when unset. */
  readonly info?: string;
}

export interface RuleDecision {
  /** false when the matching rule says deny. */
  readonly allow: boolean;
  /** VAR=value assignments of the matching rule, in order (later wins); empty for a deny, which runs nothing. */
  readonly env: Readonly<Record<string, string>>;
  /** The cdb key that matched; undefined when no rule matched (then allow=true, env={}). */
  readonly key: string | undefined;
}

const NUL = 0x00;
const DENY = 0x44; // 'D'
const SET = 0x2b; // '+'
const EQUALS = 0x3d; // '='

const NO_ENV: Readonly<Record<string, string>> = Object.freeze({});
const NO_RULE: RuleDecision = Object.freeze({ allow: true, env: NO_ENV, key: undefined });

/** A client on an IPv4-mapped IPv6 address is the IPv4 client, as ucspi-tcp's IPv6 ports treat it. */
const V4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

export function lookupRules(rules: Cdb, q: RuleQuery): RuleDecision {
  for (const key of candidateKeys(q)) {
    const value = rules.get(Buffer.from(key, 'utf8'));
    if (value !== undefined) return decide(key, value);
  }
  return NO_RULE;
}

/** The keys in rules.c's order; lazy, so the lookup stops at the first key found. */
function* candidateKeys(q: RuleQuery): Generator<string> {
  const given = cString(q.ip);
  const ip = V4_MAPPED.exec(given)?.[1] ?? given;
  const host = q.host === undefined ? undefined : cString(q.host);
  const info = q.info === undefined ? undefined : cString(q.info);

  if (info !== undefined) {
    yield `${info}@${ip}`;
    if (host !== undefined) yield `${info}@=${host}`;
  }
  yield ip;
  if (host !== undefined) yield `=${host}`;
  yield* ipPrefixes(ip);
  if (host !== undefined) {
    for (let i = 0; i < host.length; i++) if (host[i] === '.') yield `=${host.slice(i)}`;
    yield '=';
  }
  yield '';
}

/**
 * Longest first. IPv4 (no ':'): every prefix ending with '.', exactly as rules.c scans.
 * IPv6 (qfront's extension; tcpserver 0.88 has no IPv6): every prefix ending with a ':' that closes
 * a written group before any "::" — "2001:db8:1::5" gives "2001:db8:1:", "2001:db8:", "2001:";
 * "::1" gives none. Groups after "::" have no fixed position, so they never make a prefix.
 */
function* ipPrefixes(ip: string): Generator<string> {
  if (!ip.includes(':')) {
    for (let len = ip.length; len > 0; len--) if (ip[len - 1] === '.') yield ip.slice(0, len);
    return;
  }
  const gap = ip.indexOf('::');
  const last = gap === -1 ? ip.length - 1 : gap;
  for (let i = last; i >= 1; i--) if (ip[i] === ':') yield ip.slice(0, i + 1);
}

/**
 * tcpserver's found(): NUL-terminated elements; one starting with 'D' denies, "+VAR=value" sets VAR.
 * Ignored: an unterminated tail, an empty element, "+VAR" without '=', "+=value" (no name), any other.
 */
function decide(key: string, value: Buffer): RuleDecision {
  let allow = true;
  const env = new Map<string, string>();
  for (let start = 0, end = value.indexOf(NUL); end !== -1; start = end + 1, end = value.indexOf(NUL, start)) {
    const first = value[start];
    if (first === DENY) allow = false;
    else if (first === SET) {
      const eq = value.indexOf(EQUALS, start + 1);
      if (eq > start + 1 && eq < end) env.set(text(value, start + 1, eq), text(value, eq + 1, end));
    }
  }
  if (!allow) return Object.freeze({ allow, env: NO_ENV, key });
  return Object.freeze({ allow, env: Object.freeze(Object.fromEntries(env)), key });
}

/** Environment bytes as Node shows them in process.env. */
function text(b: Buffer, from: number, to: number): string {
  return b.toString('utf8', from, to);
}

/** What a C program sees of a string: everything before the first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}
