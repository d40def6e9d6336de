// The Received-SPF line qmail-spf writes after qmail-smtpd's Received line, in the form of
// sagredo's qmail (RFC 7208 result words, identity keys after the comment), spec qmail-smtpd.md
// 4.2 column P and RFC 7208 section 9.1. One unfolded line ending in LF. Every value a client or
// a DNS record can influence is cleaned first: nothing can end the line, close the comment early
// or start a new key.

export interface ReceivedSpfFields {
  /** pass fail softfail neutral none permerror temperror */
  readonly result: string;
  /** LOCAL: the receiving host (TCPLOCALHOST, else TCPLOCALIP, else "unknown"). */
  readonly local: string;
  readonly ip: string;
  /** The domain the check started with. */
  readonly domain: string;
  /** The domain whose record decided. */
  readonly recordDomain: string;
  /** Decided by local policy (spfrules, spfguess, a local client address). */
  readonly byLocalPolicy: boolean;
  /** Why, for permerror and temperror. */
  readonly problem: string | undefined;
  readonly identity: 'mailfrom' | 'helo';
  /** The MAIL FROM address (identity mailfrom) or the HELO name (identity helo). */
  readonly identityValue: string;
}

/** Inside the comment: printable ASCII except the comment's own delimiters and backslash. */
const commentSafe = (s: string): string => s.replace(/[^\x20-\x7e]|[()\\]/g, '?');

/** A key's value: bare when it is made of address characters, else a quoted-string. */
function keyValue(s: string): string {
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@:[\]-]+$/.test(s)) return s;
  return `"${s.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

/** The comment's text: why the result came out as it did, in qmail-spf's words. */
export function spfComment(f: ReceivedSpfFields): string {
  const at = f.byLocalPolicy ? 'local policy' : `SPF record at ${f.recordDomain}`;
  switch (f.result) {
    case 'pass':
      return `${at} designates ${f.ip} as permitted sender`;
    case 'fail':
      return `${at} does not designate ${f.ip} as permitted sender`;
    case 'softfail':
      return `transitioning ${at} does not designate ${f.ip} as permitted sender`;
    case 'neutral':
      return `${f.ip} is neither permitted nor denied by ${at}`;
    case 'none':
      return `domain at ${f.domain} does not designate permitted sender hosts`;
    case 'temperror':
      return `error in processing during lookup of ${f.domain}: ${f.problem ?? 'DNS problem'}`;
    default:
      return f.problem ?? `parse error in ${at}`;
  }
}

export function receivedSpfHeader(f: ReceivedSpfFields): string {
  const key = f.identity === 'mailfrom' ? 'envelope-from' : 'helo';
  return (
    `Received-SPF: ${f.result} (${commentSafe(f.local)}: ${commentSafe(spfComment(f))}) ` +
    `client-ip=${keyValue(f.ip)}; ${key}=${keyValue(f.identityValue)};\n`
  );
}
