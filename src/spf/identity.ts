// Which identity a check is about (RFC 7208 2.3, 2.4, 4.3) with qmail-spf's rules on top: the
// null sender and a sender without any "@" are checked as postmaster@HELO, an empty local part
// becomes "postmaster", and a HELO containing "@" counts from after its last "@" (qmail-spf P).
// Pure; never fails: a domain nobody can check is caught later by the 4.3 validity test.

import type { SpfQuery } from './types.js';

export interface Identity {
  readonly identity: 'mailfrom' | 'helo';
  /** The <domain> of check_host(). */
  readonly domain: string;
  /** The <sender>, "local@domain" with the local part filled in. */
  readonly sender: string;
  readonly localPart: string;
  /** The HELO name as the macros see it. */
  readonly helo: string;
}

/** The HELO name as qmail-spf uses it: the part after the last "@", if there is one. */
export function heloName(helo: string): string {
  return helo.slice(helo.lastIndexOf('@') + 1);
}

export function identityOf(query: Pick<SpfQuery, 'sender' | 'helo'>): Identity {
  const helo = heloName(query.helo);
  const at = query.sender.lastIndexOf('@');
  if (at === -1) {
    return { identity: 'helo', domain: helo, sender: `postmaster@${helo}`, localPart: 'postmaster', helo };
  }
  const localPart = at === 0 ? 'postmaster' : query.sender.slice(0, at);
  const domain = query.sender.slice(at + 1);
  return { identity: 'mailfrom', domain, sender: `${localPart}@${domain}`, localPart, helo };
}
