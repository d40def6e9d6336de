// The in-process resolver hook: answers from a TestZone the way a recursive resolver would —
// names case-insensitive, CNAME chains followed (a loop is SERVFAIL), unknown names NXDOMAIN,
// known names without the type NODATA, a TIMEOUT entry a timeout for types the name lacks.
// Never throws and never touches the network; `queries` records every question, in order.

import type { DnsAnswer, RecordData, Resolver, RrType } from '../../src/dns/types.js';
import type { TestZone, ZoneEntry } from './zone.js';

/** Longest CNAME chain followed before the answer is SERVFAIL, as resolvers cap chains too. */
const MAX_CNAME_HOPS = 8;

export interface ZoneResolver extends Resolver {
  /** "TYPE name" for each lookup, in the order they were asked. */
  readonly queries: string[];
}

const asciiLowerName = (name: string): string =>
  name.replace(/\.$/, '').replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

function dataOf<T extends RrType>(entry: ZoneEntry, type: T): RecordData[T] | undefined {
  if (entry.type !== type) return undefined;
  switch (entry.type) {
    case 'MX':
      return { preference: entry.data.preference, exchange: entry.data.exchange.replace(/\.$/, '') } as RecordData[T];
    case 'PTR':
      return entry.data.replace(/\.$/, '') as RecordData[T];
    case 'A':
    case 'AAAA':
    case 'TXT':
      return entry.data as RecordData[T];
    default:
      return undefined;
  }
}

export function zoneResolver(zone: TestZone): ZoneResolver {
  // Owner names are lower-case already, but a hand-written zone may not be.
  const byName = new Map<string, ZoneEntry[]>();
  for (const [owner, entries] of zone) {
    const key = asciiLowerName(owner);
    byName.set(key, [...(byName.get(key) ?? []), ...entries]);
  }
  const queries: string[] = [];
  return {
    queries,
    async lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
      queries.push(`${type} ${name}`);
      let current = asciiLowerName(name);
      for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
        const entries = byName.get(current);
        if (entries === undefined) return { kind: 'nxdomain' };
        const records = entries.map((e) => dataOf(e, type)).filter((d): d is RecordData[T] => d !== undefined);
        if (records.length > 0) return { kind: 'records', records };
        const cname = entries.find((e) => e.type === 'CNAME');
        if (cname !== undefined && cname.type === 'CNAME') {
          current = asciiLowerName(cname.data);
          continue;
        }
        if (entries.some((e) => e.type === 'TIMEOUT')) {
          return { kind: 'error', failure: 'timeout', detail: `no answer for ${type} ${name}` };
        }
        return { kind: 'nodata' };
      }
      // A looping or overlong chain ends without records, as the test DNS server answers it.
      return { kind: 'nodata' };
    },
  };
}
