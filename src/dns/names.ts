// Domain names as qfront holds them: strings of one char per octet, labels split on '.'.
// Checks a name before anything is sent (RFC 1035 2.3.4 sizes) and builds the cache key.
// Any printable ASCII may sit in a label (RFC 2181 section 11): never reject ':' '%' '_' '*',
// never fold case beyond A-Z (RFC 4343). Octets above 0x7F and line breaks are refused (below).

import { asciiLower } from '../util/ascii.js';

/** Longest label, in octets (RFC 1035 2.3.4). */
export const MAX_LABEL_OCTETS = 63;
/** Longest name in text form without the trailing dot: 255 wire octets less the length octets. */
export const MAX_NAME_OCTETS = 253;
/**
 * Highest octet a name may hold. Names on the wire are ASCII, with IDNs as A-labels (RFC 5890),
 * and so are RFC 7208 domains; dns-packet writes labels as UTF-8, so a higher octet could not
 * be sent as itself anyway.
 */
const MAX_NAME_OCTET = 0x7f;
/** dns-packet strips a '.' next to a line break (its trailing-dot regex runs in multiline mode). */
const LINE_BREAK = /[\r\n]/;

export type NameCheck =
  | { readonly ok: true; readonly name: string; readonly labels: readonly string[] }
  | { readonly ok: false; readonly detail: string };

/**
 * Checks `raw` and splits it into labels. One trailing dot (a fully qualified name) is
 * accepted and dropped; any other empty label, a label over 63 octets, a name over 253
 * octets, a char above U+007F or a CR or LF is refused. What passes goes out octet for octet.
 */
export function checkName(raw: string): NameCheck {
  const name = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (name === '') return { ok: false, detail: 'empty name' };
  if (name.length > MAX_NAME_OCTETS) {
    return { ok: false, detail: `name is ${name.length} octets, over ${MAX_NAME_OCTETS}` };
  }
  for (let i = 0; i < name.length; i++) {
    if (name.charCodeAt(i) > MAX_NAME_OCTET) return { ok: false, detail: `char ${i} is not ASCII` };
  }
  if (LINE_BREAK.test(name)) return { ok: false, detail: 'line break in name' };
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') return { ok: false, detail: 'empty label' };
    if (label.length > MAX_LABEL_OCTETS) {
      return { ok: false, detail: `label of ${label.length} octets, over ${MAX_LABEL_OCTETS}` };
    }
  }
  return { ok: true, name, labels };
}

/** The form two names are compared in: A-Z lowered, every other octet kept. */
export function nameKey(name: string): string {
  return asciiLower(name);
}

/** True when two names are the same DNS name (ASCII case-insensitive). */
export function sameName(a: string, b: string): boolean {
  return a.length === b.length && nameKey(a) === nameKey(b);
}

/**
 * The name a PTR query for an address goes to: a.b.c.d -> d.c.b.a.in-addr.arpa (RFC 1035 3.5),
 * 16 IPv6 octets -> 32 lower-case nibbles under ip6.arpa (RFC 3596 2.5).
 */
export function reverseName(octets: readonly number[]): string {
  if (octets.length === 4) return `${[...octets].reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of octets) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
