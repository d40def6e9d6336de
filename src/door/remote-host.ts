// tcpserver's -h and -p for the listener door: the client's name from its PTR record, for
// TCPREMOTEHOST (the Received line's "from", the HELO default, tcprules' =host rules); with
// "paranoid", kept only when one of that name's addresses is the client's. Never throws: any DNS
// trouble leaves the name unset, as tcpserver does.

import ipaddr from 'ipaddr.js';
import { reverseName, type Resolver } from '../dns/index.js';
import { asciiLower } from '../util/ascii.js';

/** off = tcpserver -H (the default here), lookup = -h, paranoid = -h -p. */
export type RemoteHostMode = 'off' | 'lookup' | 'paranoid';

export async function remoteHostOf(resolver: Resolver, ip: string, mode: RemoteHostMode): Promise<string | undefined> {
  if (mode === 'off') return undefined;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return undefined;
  }
  const ptr = await resolver.lookup(reverseName(addr.toByteArray()), 'PTR');
  if (ptr.kind !== 'records' || ptr.records[0] === undefined) return undefined;
  // tcpserver's resolver hands names over in lower case; tcprules' =host keys are written so.
  const name = asciiLower(ptr.records[0]);
  if (mode === 'lookup') return name;
  const forward = await resolver.lookup(name, addr.kind() === 'ipv4' ? 'A' : 'AAAA');
  if (forward.kind !== 'records') return undefined;
  const text = addr.toString();
  return forward.records.some((a) => normalize(a) === text) ? name : undefined;
}

function normalize(address: string): string {
  try {
    return ipaddr.process(address).toString();
  } catch {
    return address;
  }
}
