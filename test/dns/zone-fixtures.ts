// Shared zone data for the DNS client tests: one owner per scenario (records of each type,
// a TXT set big enough to need TCP, CNAME chains and a loop, names with unusual octets).
// Only data; servers are started by each test file.

import { zoneOf, type TestZone } from '../helpers/zone.js';

/** A 2 KiB TXT string: far over the 1232-octet EDNS payload, so it only comes over TCP. */
export const BIG_TXT = Array.from({ length: 2048 }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('');

/** Printable ASCII a host name may not have but a DNS name may (RFC 2181 section 11). */
export const ODD_NAME = "_spf.x:y%z!#$&'*+=?^`{|}~.test";

export const BASE_ZONE: TestZone = zoneOf({
  'a.test': [
    { type: 'A', data: '192.0.2.1', ttl: 100 },
    { type: 'A', data: '192.0.2.2', ttl: 100 },
  ],
  'v6.test': [{ type: 'AAAA', data: '2001:db8::1' }],
  'mx.test': [
    { type: 'MX', data: { preference: 10, exchange: 'mail.a.test' } },
    { type: 'MX', data: { preference: 20, exchange: 'backup.a.test' } },
  ],
  'txt.test': [
    { type: 'TXT', data: ['v=spf1 -all'] },
    { type: 'TXT', data: ['two ', 'strings'] },
  ],
  'latin1.test': [{ type: 'TXT', data: ['caf\xe9 \xff\x80'] }],
  'big.test': [{ type: 'TXT', data: [BIG_TXT] }],
  '1.2.0.192.in-addr.arpa': [{ type: 'PTR', data: 'a.test' }],
  'slow.test': [{ type: 'A', data: '192.0.2.3' }, { type: 'TIMEOUT' }],
  'alias.test': [{ type: 'CNAME', data: 'mid.test', ttl: 30 }],
  'mid.test': [{ type: 'CNAME', data: 'a.test', ttl: 200 }],
  'dangling.test': [{ type: 'CNAME', data: 'nowhere.test' }],
  'loop1.test': [{ type: 'CNAME', data: 'loop2.test' }],
  'loop2.test': [{ type: 'CNAME', data: 'loop1.test' }],
  [ODD_NAME]: [{ type: 'TXT', data: ['odd'] }],
});

/** Character-strings of at most 255 octets, as the server splits a long string. */
export function split255(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += 255) out.push(s.slice(i, i + 255));
  return out;
}
