// Queries and replies in the DNS message format (RFC 1035 section 4, EDNS0 OPT from RFC 6891),
// built and read by the dns-packet library; this file only adapts its values to ours.
// Contract: names handed to encodeQuery have passed checkName (names.ts), so they go out octet
// for octet; decoding throws WireError, and nothing else, on any reply it cannot fully read.
// Never walks the octets itself: by hand it only zeroes three header counts and checks the end.

import { createRequire } from 'node:module';
import type * as DnsPacket from 'dns-packet';
import { formatIPv6, ipv6Groups } from './ipv6-text.js';
import type { RrType } from './types.js';

// Loaded with require(): Node's ESM import of a CommonJS package first scans its source for
// named exports, which costs the stdio door several times the load itself (measured: about
// 37 ms against 10 ms of CPU for dns-packet).
const dnsPacket = createRequire(import.meta.url)('dns-packet') as typeof DnsPacket;

/** The record types the client reads besides those it asks for (RFC 1035 3.2.2). */
export const TYPE_CNAME = 'CNAME';
export const TYPE_SOA = 'SOA';
/** The Internet class, as dns-packet names it. */
export const CLASS_IN = 'IN';
/** Response codes we act on (RFC 1035 4.1.1), as dns-packet names them. */
export const RCODE = {
  NOERROR: 'NOERROR',
  FORMERR: 'FORMERR',
  SERVFAIL: 'SERVFAIL',
  NXDOMAIN: 'NXDOMAIN',
  NOTIMP: 'NOTIMP',
  REFUSED: 'REFUSED',
} as const;
/** The standard query opcode, as dns-packet names it. */
const OPCODE_QUERY = 'QUERY';

/** Octets in the fixed header (RFC 1035 4.1.1). */
const HEADER_OCTETS = 12;
/** Where the header keeps the answer, authority and additional record counts. */
const RECORD_COUNT_OFFSETS = [6, 8, 10] as const;
/** TTLs with the top bit set are read as 0 (RFC 2181 section 8). */
const MAX_TTL_VALUE = 0x7fffffff;
/** How dns-packet spells the root name; we spell it ''. */
const DNS_PACKET_ROOT = '.';

export class WireError extends Error {}

export interface Question {
  /** No trailing dot; dns-packet reads labels as UTF-8, a bad sequence as U+FFFD. */
  readonly name: string;
  readonly type: string;
  readonly klass: string;
}

export type RrData =
  | { readonly kind: 'A'; readonly address: string }
  | { readonly kind: 'AAAA'; readonly address: string }
  | { readonly kind: 'MX'; readonly preference: number; readonly exchange: string }
  | { readonly kind: 'TXT'; readonly strings: readonly string[] }
  | { readonly kind: 'PTR'; readonly target: string }
  | { readonly kind: 'CNAME'; readonly target: string }
  | { readonly kind: 'SOA'; readonly minimum: number }
  | { readonly kind: 'other' };

export interface ResourceRecord {
  readonly name: string;
  /** dns-packet's type name: 'A', 'CNAME', 'UNKNOWN_99', ... */
  readonly type: string;
  /** Class IN with the top bit clear (dns-packet splits that bit off as mDNS's "flush"). */
  readonly internet: boolean;
  /** Seconds. */
  readonly ttl: number;
  readonly data: RrData;
}

/** What can be read without trusting the reply: enough to tell whether it answers our query. */
export interface Envelope {
  readonly id: number;
  readonly isResponse: boolean;
  readonly opcode: string;
  readonly truncated: boolean;
  readonly rcode: string;
  readonly questions: readonly Question[];
}

export interface Sections {
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
}

/** dns-packet's decode result as it really is: its typings leave out rcode and opcode. */
type Decoded = DnsPacket.DecodedPacket & { readonly rcode: string; readonly opcode: string };

/**
 * A standard query with RD set for one IN question. `name` must have passed checkName. With
 * `ednsPayload`, an OPT record (version 0, no flags, no options) advertises that UDP size.
 */
export function encodeQuery(id: number, name: string, type: RrType, ednsPayload?: number): Buffer {
  const additionals: DnsPacket.Answer[] = [];
  if (ednsPayload !== undefined) {
    additionals.push({
      type: 'OPT',
      name: DNS_PACKET_ROOT,
      udpPayloadSize: ednsPayload,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [],
    });
  }
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: CLASS_IN }],
    additionals,
  });
}

/**
 * The header and question section alone: dns-packet decodes a copy whose record counts are
 * zeroed, so a reply with a broken body can still be told apart from one that is not ours.
 */
export function decodeEnvelope(msg: Buffer): Envelope {
  if (msg.length < HEADER_OCTETS) throw new WireError(`reply of ${msg.length} octets, shorter than a header`);
  const head = Buffer.from(msg);
  for (const at of RECORD_COUNT_OFFSETS) head.writeUInt16BE(0, at);
  const packet = decode(head);
  return {
    id: packet.id ?? 0,
    isResponse: packet.flag_qr,
    opcode: packet.opcode,
    truncated: ((packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0,
    rcode: packet.rcode,
    questions: (packet.questions ?? []).map((q) => ({ name: bareName(q.name), type: q.type, klass: q.class ?? '' })),
  };
}

/** True when the envelope is a standard-query response (the caller still checks id and question). */
export function isQueryResponse(envelope: Envelope): boolean {
  return envelope.isResponse && envelope.opcode === OPCODE_QUERY;
}

/** Every section, of which the answers and authorities are returned; throws WireError. */
export function decodeSections(msg: Buffer): Sections {
  const packet = decode(msg);
  // dns-packet reads most rdata by its content, not by RDLENGTH, and lets a last record run off
  // the end: a length that disagrees with the content shows as a message not ending where decoding did.
  const used = dnsPacket.decode.bytes;
  if (used !== msg.length) throw new WireError(`records fill ${used} of ${msg.length} octets`);
  try {
    return {
      answers: (packet.answers ?? []).map(toRecord),
      authorities: (packet.authorities ?? []).map(toRecord),
    };
  } catch (err) {
    throw new WireError(`unreadable record: ${describe(err)}`);
  }
}

/** dns-packet's decode, with whatever it throws turned into a WireError. */
function decode(msg: Buffer): Decoded {
  try {
    return dnsPacket.decode(msg) as Decoded;
  } catch (err) {
    throw new WireError(describe(err));
  }
}

function toRecord(rr: DnsPacket.Answer): ResourceRecord {
  const name = bareName(rr.name);
  if (rr.type === 'OPT') return { name, type: rr.type, internet: false, ttl: 0, data: { kind: 'other' } };
  const rawTtl = rr.ttl ?? 0;
  const internet = rr.class === CLASS_IN && rr.flush !== true;
  return { name, type: rr.type, internet, ttl: rawTtl > MAX_TTL_VALUE ? 0 : rawTtl, data: rdata(rr) };
}

function rdata(rr: DnsPacket.Answer): RrData {
  switch (rr.type) {
    case 'A':
      return { kind: 'A', address: rr.data };
    case 'AAAA':
      // dns-packet shortens the first zero run, not always the longest: ours is RFC 5952's form.
      return { kind: 'AAAA', address: rfc5952(rr.data) };
    case 'MX':
      return { kind: 'MX', preference: rr.data.preference ?? 0, exchange: bareName(rr.data.exchange) };
    case 'TXT':
      return { kind: 'TXT', strings: txtStrings(rr.data) };
    case 'PTR':
      return { kind: 'PTR', target: bareName(rr.data) };
    case 'CNAME':
      return { kind: 'CNAME', target: bareName(rr.data) };
    case 'SOA':
      return { kind: 'SOA', minimum: rr.data.minimum ?? 0 };
    default:
      return { kind: 'other' };
  }
}

function rfc5952(text: string): string {
  const groups = ipv6Groups(text);
  if (groups === undefined) throw new Error(`AAAA data "${text}" is not an IPv6 address`);
  return formatIPv6(groups);
}

/** TXT character-strings, each as latin1 so every octet survives (RFC 7208 3.3 joins them later). */
function txtStrings(data: DnsPacket.TxtData): string[] {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((part) => (typeof part === 'string' ? part : part.toString('latin1')));
}

/** dns-packet gives names without a trailing dot and the root as '.'; ours is ''. */
function bareName(name: string): string {
  return name === DNS_PACKET_ROOT ? '' : name;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
