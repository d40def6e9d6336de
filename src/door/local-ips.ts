// This host's IPv4 addresses, for qmail's box@[IP] -> box@localiphost rewrite (ipme.c). Like
// qmail, 127.0.0.1 and 0.0.0.0 always count as ours. Read lazily: only a recipient with an
// address literal pays for it. Errors propagate (the session answers 421, as qmail does).

import * as os from 'node:os';

/** How long the interface list is trusted before it is read again. */
const REFRESH_MS = 60_000;

export function localIpv4Set(): Set<string> {
  const set = new Set(['127.0.0.1', '0.0.0.0']);
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') set.add(a.address);
  }
  return set;
}

/** A predicate over a cached interface list, refreshed after REFRESH_MS. */
export function localIpChecker(): (ipv4: string) => boolean {
  let set: Set<string> | undefined;
  let readAt = 0;
  return (ip) => {
    const now = Date.now();
    if (set === undefined || now - readAt > REFRESH_MS) {
      set = localIpv4Set();
      readAt = now;
    }
    return set.has(ip);
  };
}
