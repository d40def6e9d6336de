// Does a recipient's domain belong to us? qmail's rcpthosts.c rules: the domain after the last
// '@', ASCII lower-cased, must equal an entry or end with an entry that starts with '.'; first
// control/rcpthosts, then morercpthosts.cdb. An address without '@' is always ours; an empty
// domain never is. A missing rcpthosts file (undefined) accepts everything, as qmail does.

import { asciiLower } from '../util/ascii.js';
import type { RcptHosts } from '../control/index.js';

export function inRcptHosts(address: string, rcpthosts: RcptHosts | undefined): boolean {
  if (rcpthosts === undefined) return true;
  const at = address.lastIndexOf('@');
  if (at === -1) return true;
  const host = asciiLower(address.slice(at + 1));
  const { entries, more } = rcpthosts;
  for (let j = 0; j < host.length; j++) {
    if (j === 0 || host.charCodeAt(j) === 0x2e) {
      if (entries.has(host.slice(j))) return true;
    }
  }
  if (more !== undefined) {
    for (let j = 0; j < host.length; j++) {
      if (j === 0 || host.charCodeAt(j) === 0x2e) {
        if (more.has(host.slice(j))) return true;
      }
    }
  }
  return false;
}
