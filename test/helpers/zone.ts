// The zone data tests hand to a DNS stand-in: the in-process resolver hook and the DNS server on
// 127.0.0.1 both serve this shape, so one scenario runs through either. Owner names are lower-case
// and have no trailing dot; strings are latin1 (one char per octet). zoneOf() and txt() build it.

export type ZoneEntry =
  | { readonly type: 'A'; readonly data: string; readonly ttl?: number }
  | { readonly type: 'AAAA'; readonly data: string; readonly ttl?: number }
  | { readonly type: 'MX'; readonly data: { readonly preference: number; readonly exchange: string }; readonly ttl?: number }
  /** One TXT RR: its character-strings (each may be longer than 255; the server splits them). */
  | { readonly type: 'TXT'; readonly data: readonly string[]; readonly ttl?: number }
  | { readonly type: 'PTR'; readonly data: string; readonly ttl?: number }
  | { readonly type: 'CNAME'; readonly data: string; readonly ttl?: number }
  /** A query at this name for a type it has no record of gets no answer at all (times out). */
  | { readonly type: 'TIMEOUT' };

export type TestZone = ReadonlyMap<string, readonly ZoneEntry[]>;

/** A TestZone from a plain object (owner names lower-case, no trailing dot). */
export function zoneOf(records: Readonly<Record<string, readonly ZoneEntry[]>>): TestZone {
  return new Map(Object.entries(records));
}

/** One TXT RR with one string (the server splits strings over 255 octets). */
export const txt = (text: string): ZoneEntry => ({ type: 'TXT', data: [text] });
