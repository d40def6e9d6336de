// IP addresses as SPF sees them (RFC 7208 5.6 ip4/ip6, 5/9 IPv4-mapped clients, 7.3 %{i} %{c} %{v}).
// Contract: strict text parsers that return undefined instead of throwing, prefix matching on raw
// bytes, and the reverse/dotted forms the PTR lookup and the macros need. Never accepts what RFC
// 7208 rejects: leading zeros in dotted quads, short quads ("1.2.3"), zone ids, ports.

import { formatIPv6, ipv6Groups } from '../dns/index.js';

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 octets, network order. */
  readonly bytes: readonly number[];
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DOT = 0x2e;

/**
 * A dotted quad exactly as ip4-network allows it (qnum: 0-255 without leading zeros), or
 * undefined. Read digit by digit: every A record of a warm check comes through here.
 */
export function parseIPv4(text: string): number[] | undefined {
  const bytes: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? DOT : text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || bytes.length === 4) return undefined;
      bytes.push(value);
      value = 0;
      digits = 0;
      continue;
    }
    if (c < DIGIT_0 || c > DIGIT_9) return undefined;
    // A leading zero is allowed only as the whole number ("0", not "01").
    if (digits > 0 && value === 0) return undefined;
    value = value * 10 + (c - DIGIT_0);
    digits++;
    if (value > 255) return undefined;
  }
  return bytes.length === 4 ? bytes : undefined;
}

/** An IPv6 address in any RFC 4291 2.2 text form (hex groups, "::", trailing dotted quad). */
export function parseIPv6(text: string): number[] | undefined {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return undefined;
  if (text.includes('.', lastColon)) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tailV4 = v4;
    // Drop the colon before the quad unless it is the second half of a "::".
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = ipv6Groups(head, tailV4.length === 4 ? 6 : 8);
  if (groups === undefined) return undefined;
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return [...bytes, ...tailV4];
}

function isV4Mapped(bytes: readonly number[]): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** The client address; an IPv4-mapped IPv6 address is the IPv4 address it maps (5/9). */
export function parseClientIp(text: string): IpAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  if (isV4Mapped(v6)) return { family: 4, bytes: v6.slice(12) };
  return { family: 6, bytes: v6 };
}

/** An A or AAAA answer as bytes of the asked family (undefined when unreadable). */
export function parseRecordAddress(text: string, family: 4 | 6): number[] | undefined {
  return family === 4 ? parseIPv4(text) : parseIPv6(text);
}

/** True when the first `prefix` bits of a and b agree. */
export function inPrefix(a: readonly number[], b: readonly number[], prefix: number): boolean {
  if (a.length !== b.length) return false;
  let bits = prefix;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((a[i] ?? 0) & mask) !== ((b[i] ?? 0) & mask)) return false;
  }
  return true;
}

function nibbles(bytes: readonly number[]): string[] {
  const out: string[] = [];
  for (const b of bytes) out.push((b >> 4).toString(16).toUpperCase(), (b & 0xf).toString(16).toUpperCase());
  return out;
}

/**
 * %{i}: the dotted quad, or for IPv6 the 32 nibbles joined with dots. Nibbles are upper-case,
 * as in the RFC's own example in 7.4 and as the conformance suite's v-macro-ip6 test expects.
 */
export function dottedForm(ip: IpAddress): string {
  return ip.family === 4 ? ip.bytes.join('.') : nibbles(ip.bytes).join('.');
}


/** %{c}: dotted quad, or IPv6 in the RFC 5952 canonical form. */
export function displayForm(ip: IpAddress): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const parts: number[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0));
  return formatIPv6(parts);
}
