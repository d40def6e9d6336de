// A DNS server address and the one text form qfront accepts for it (DNSCACHEIP entries,
// resolv.conf nameservers, the `servers` option): IPv4, IPv4:PORT, IPv6, [IPv6] or [IPv6]:PORT.
// Parsing never throws and never looks a name up: an entry is an address literal or invalid.
// Port 53 is the DNS port (RFC 1035 4.2).

import * as net from 'node:net';

export interface DnsServer {
  /** An IP address literal; a link-local IPv6 address may carry its %zone. */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export const DNS_PORT = 53;
const MAX_PORT = 65535;
const BRACKETED = /^\[([^\]]+)\](?::(\d+))?$/;
const IPV4_WITH_PORT = /^([\d.]+):(\d+)$/;
/** fe80::/10: the only addresses whose %zone means something. */
const LINK_LOCAL_V6 = /^fe[89ab][0-9a-f]:/i;
/** An interface name or number after '%'. */
const ZONE = /^[A-Za-z0-9_.-]+$/;

/** Parses one entry; undefined when it is not one of the accepted forms. */
export function parseServerEntry(entry: string): DnsServer | undefined {
  const bracketed = BRACKETED.exec(entry);
  if (bracketed) return makeServer(bracketed[1] ?? '', bracketed[2], 6);
  const v4port = IPV4_WITH_PORT.exec(entry);
  if (v4port) return makeServer(v4port[1] ?? '', v4port[2], 4);
  if (net.isIPv4(entry)) return makeServer(entry, undefined, 4);
  return makeServer(entry, undefined, 6);
}

/** "1.2.3.4:53" or "[::1]:53": the form used in logs, traces and error details. */
export function formatServer(server: DnsServer): string {
  return server.family === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

function makeServer(address: string, portText: string | undefined, family: 4 | 6): DnsServer | undefined {
  const port = portText === undefined ? DNS_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > MAX_PORT) return undefined;
  if (family === 4) return net.isIPv4(address) ? { host: address, port, family } : undefined;
  const percent = address.indexOf('%');
  const plain = percent < 0 ? address : address.slice(0, percent);
  if (!net.isIPv6(plain)) return undefined;
  if (percent < 0) return { host: plain, port, family };
  const zone = address.slice(percent + 1);
  if (!ZONE.test(zone)) return undefined;
  // A zone only picks an interface for link-local addresses; elsewhere it is dropped.
  return { host: LINK_LOCAL_V6.test(plain) ? `${plain}%${zone}` : plain, port, family };
}
