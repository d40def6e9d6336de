// The UCSPI-TCP environment tcpserver gives a child (tcp-environ(5)), built for one accepted
// socket: PROTO, TCPLOCALIP/PORT/HOST, TCPREMOTEIP/PORT, TCPREMOTEHOST when the listener looked the
// client's name up (tcpserver -h; else as -H), never TCPREMOTEINFO (no ident: tcpserver -R), then the
// matching tcprules assignments on top.
// IPv4-mapped IPv6 peers are plain IPv4 (PROTO=TCP); IPv6 peers get PROTO=TCP6 and the TCP6*
// names of ucspi-tcp6 as well as the TCP* ones, so qmail-smtpd-style code finds TCPREMOTEIP.

import type { Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { ConnectionEnv } from '../smtp/index.js';

export interface Endpoint {
  readonly localIp: string;
  readonly localPort: string;
  readonly remoteIp: string;
  readonly remotePort: string;
  readonly ipv6: boolean;
  /** The client's name from DNS, when the listener looks it up (remote-host.ts). */
  readonly remoteHost?: string;
}

/** RFC 5952 text for IPv6, dotted quad for IPv4 and IPv4-mapped addresses. */
export function normalizeIp(address: string | undefined): string {
  if (address === undefined) return '';
  try {
    return ipaddr.process(address).toString();
  } catch {
    return address;
  }
}

export function endpointOf(socket: Socket): Endpoint {
  const remoteIp = normalizeIp(socket.remoteAddress);
  return {
    localIp: normalizeIp(socket.localAddress),
    localPort: String(socket.localPort ?? ''),
    remoteIp,
    remotePort: String(socket.remotePort ?? ''),
    ipv6: remoteIp.includes(':'),
  };
}

const TCP_NAMES = ['TCPLOCALIP', 'TCPLOCALPORT', 'TCPLOCALHOST', 'TCPREMOTEIP', 'TCPREMOTEPORT', 'TCPREMOTEHOST', 'TCPREMOTEINFO'];

export function tcpEnv(
  base: ConnectionEnv,
  ep: Endpoint,
  localHost: string | undefined,
  ruleEnv: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  for (const name of TCP_NAMES) {
    delete env[name];
    delete env[name.replace('TCP', 'TCP6')];
  }
  env.PROTO = ep.ipv6 ? 'TCP6' : 'TCP';
  const set = (name: string, value: string | undefined): void => {
    if (value === undefined) return;
    env[name] = value;
    if (ep.ipv6) env[name.replace('TCP', 'TCP6')] = value;
  };
  set('TCPLOCALIP', ep.localIp);
  set('TCPLOCALPORT', ep.localPort);
  set('TCPLOCALHOST', localHost);
  set('TCPREMOTEIP', ep.remoteIp);
  set('TCPREMOTEPORT', ep.remotePort);
  set('TCPREMOTEHOST', ep.remoteHost);
  Object.assign(env, ruleEnv);
  return env;
}
