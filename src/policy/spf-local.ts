// Is the SMTP client one of our own addresses? qmail-spf passes such clients by "local policy"
// without asking DNS. Loopback (127/8, ::1) always counts; other addresses are asked of the
// door's local-address check (IPv4, as qmail's ipme). Never throws: a failing check means "no".

import { createRequire } from 'node:module';
import type ipaddrTypes from 'ipaddr.js';

// Loaded with require() (this file loads at MAIL in the stdio door): Node's ESM import of a
// CommonJS package first scans its source for named exports, about 17 ms against 5 ms of CPU.
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrTypes;

export function isLocalClient(ip: string, isLocalIp: (ipv4: string) => boolean): boolean {
  let addr: ipaddrTypes.IPv4 | ipaddrTypes.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return false;
  }
  if (addr.range() === 'loopback') return true;
  if (addr.kind() !== 'ipv4') return false;
  try {
    return isLocalIp(addr.toString());
  } catch {
    return false;
  }
}
