// The numeric limits of an SPF check, in one place (RFC 7208 4.6.4, 4.3, 7.3 and RFC 1035 2.3.4).
// Contract: plain named constants, nothing else. The evaluator must never hard-code these numbers
// elsewhere, so a reader can see every budget the check enforces at a glance.

/** Terms that query DNS (include, a, mx, ptr, exists, redirect) allowed per check (4.6.4). */
export const MAX_DNS_TERMS = 10;

/** Terms whose DNS answer may be NXDOMAIN or empty before the check is a permerror (4.6.4). */
export const MAX_VOID_LOOKUPS = 2;

/** MX names one "mx" term may look addresses up for; more is a permerror (4.6.4). */
export const MAX_MX_NAMES = 10;

/** PTR names one "ptr" term or %{p} expansion considers; the rest are ignored (4.6.4). */
export const MAX_PTR_NAMES = 10;

/** Wall-clock budget for one check; past it the next DNS query gives temperror (4.6.4). */
export const MAX_ELAPSED_MS = 20_000;

/** Longest domain name in presentation form, without the trailing dot (7.3, RFC 1035). */
export const MAX_DOMAIN_LENGTH = 253;

/** Longest DNS label (RFC 1035 2.3.4). */
export const MAX_LABEL_LENGTH = 63;

/** Largest prefix lengths for ip4/ip6 CIDR suffixes (5.6). */
export const MAX_CIDR4 = 32;
export const MAX_CIDR6 = 128;
