// The names and records of the benchmark's mail: who sends, who receives, and the DNS data the
// SPF-on cells check against. The sender's record is a realistic one (include chain three deep,
// then mx and a) whose deepest include passes the client, so every check walks the whole chain.
// Only data: never resolves anything, and every address here is loopback or a documentation
// range (RFC 5737) that no packet is ever sent to.

/** The address the SPF-on cells present as the client (tcprules / a plugin set it; see peers). */
export const BENCH_CLIENT_IP = '192.0.2.7';
export const SENDER_DOMAIN = 'sender.bench';
export const SENDER = `load@${SENDER_DOMAIN}`;
export const RECIPIENT_DOMAIN = 'rcpt.bench';
export const RECIPIENT = `postmaster@${RECIPIENT_DOMAIN}`;
/** The servers' own name (qmail's control/me, Postfix myhostname, ...). */
export const SERVER_NAME = 'mx.rcpt.bench';
/** An address literal: Haraka's spf plugin skips HELO checks for it, as the others never check HELO. */
export const HELO_NAME = '[127.0.0.1]';

/** Long enough to outlive any run: the cache stays warm once filled. */
const TTL = 86400;

export type BenchRecord =
  | { readonly type: 'TXT'; readonly data: string }
  | { readonly type: 'A'; readonly data: string }
  | { readonly type: 'MX'; readonly data: { readonly preference: number; readonly exchange: string } };

/** Owner name (lower case, no trailing dot) to its records. */
export const BENCH_ZONE: ReadonlyMap<string, readonly BenchRecord[]> = new Map<string, BenchRecord[]>([
  [
    SENDER_DOMAIN,
    [
      { type: 'TXT', data: 'v=spf1 include:_spf.a.bench mx a -all' },
      { type: 'MX', data: { preference: 10, exchange: `mx1.${SENDER_DOMAIN}` } },
      { type: 'A', data: '198.51.100.25' },
    ],
  ],
  [`mx1.${SENDER_DOMAIN}`, [{ type: 'A', data: '198.51.100.26' }]],
  ['_spf.a.bench', [{ type: 'TXT', data: 'v=spf1 ip4:198.51.100.0/25 ip4:203.0.113.128/25 include:_spf.b.bench ~all' }]],
  ['_spf.b.bench', [{ type: 'TXT', data: 'v=spf1 ip4:203.0.113.0/25 include:_spf.c.bench ~all' }]],
  // Both the presented client and loopback pass here, side by side, so a peer that can only be
  // checked as 127.0.0.1 (Postfix's policy server) does the same lookups as the others.
  ['_spf.c.bench', [{ type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 ip4:127.0.0.0/8 -all' }]],
]);

export const RECORD_TTL = TTL;
