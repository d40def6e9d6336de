// Turns a decoded NOERROR or NXDOMAIN reply into a DnsAnswer and the seconds it may be cached.
// Follows the CNAME chain inside the answer section from the query name, as a stub resolver
// does with a recursive server's reply (RFC 1034 3.6.2, 5.3.3); negative TTLs follow RFC 2308
// section 5. Pure: never sends anything, never throws.

import { nameKey } from './names.js';
import type { DnsAnswer, RecordData, RrType } from './types.js';
import { RCODE, TYPE_CNAME, TYPE_SOA, type ResourceRecord, type RrData, type Sections } from './wire.js';

/** Most CNAME links followed in one answer; a longer chain counts as NODATA. */
export const MAX_CNAME_CHAIN = 8;
/** Seconds to cache NXDOMAIN/NODATA when the reply carries no SOA to say how long. */
export const DEFAULT_NEGATIVE_TTL = 60;

export interface Interpreted {
  readonly answer: DnsAnswer<unknown>;
  /** Seconds the answer stays valid: minimum of the records used, or the negative TTL. */
  readonly ttl: number;
}

/** `rcode` is NOERROR or NXDOMAIN; anything else is the caller's to handle. */
export function interpretReply(rcode: string, sections: Sections, qname: string, qtype: RrType): Interpreted {
  const inClass = sections.answers.filter((rr) => rr.internet);
  const seen = new Set<string>();
  let current = nameKey(qname);
  let ttl = Infinity;
  for (let step = 0; step <= MAX_CNAME_CHAIN; step++) {
    seen.add(current);
    const owned = inClass.filter((rr) => nameKey(rr.name) === current);
    const matching = owned.filter((rr) => rr.type === qtype);
    const records = matching.flatMap((rr) => recordData(rr.data));
    if (records.length > 0) {
      for (const rr of matching) ttl = Math.min(ttl, rr.ttl);
      // A reply that said NXDOMAIN but still carried the records: the records win.
      return { answer: { kind: 'records', records }, ttl };
    }
    const alias = owned.find((rr) => rr.type === TYPE_CNAME);
    if (alias === undefined || alias.data.kind !== 'CNAME') break;
    ttl = Math.min(ttl, alias.ttl);
    current = nameKey(alias.data.target);
    if (seen.has(current)) break;
  }
  const negativeTtl = soaNegativeTtl(sections.authorities);
  if (rcode === RCODE.NXDOMAIN) return { answer: { kind: 'nxdomain' }, ttl: negativeTtl };
  return { answer: { kind: 'nodata' }, ttl: negativeTtl };
}

/** RFC 2308 section 5: the lesser of the SOA record's own TTL and its MINIMUM field. */
function soaNegativeTtl(authorities: readonly ResourceRecord[]): number {
  const soa = authorities.find((rr) => rr.type === TYPE_SOA && rr.data.kind === 'SOA');
  if (soa === undefined || soa.data.kind !== 'SOA') return DEFAULT_NEGATIVE_TTL;
  return Math.min(soa.ttl, soa.data.minimum);
}

/** The contract's value for one decoded RR (in a list, so flatMap can drop other kinds). */
function recordData(data: RrData): RecordData[RrType][] {
  switch (data.kind) {
    case 'A':
    case 'AAAA':
      return [data.address];
    case 'MX':
      return [{ preference: data.preference, exchange: data.exchange }];
    case 'TXT':
      return [data.strings];
    case 'PTR':
      return [data.target];
    default:
      return [];
  }
}
