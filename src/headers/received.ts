// qmail-smtpd's Received line (received.c + date822fmt.c), two physical lines ending in LF:
//   Received: from REMOTEHOST (HELO NAME) (INFO@REMOTEIP)
//     by LOCAL with SMTP; D Mon YYYY HH:MM:SS -0000
// Every client-influenced value passes through safeText(), so no byte a client sends can end
// the header early or forge another one. "(HELO ...)" only when it differs from REMOTEHOST.

export interface ReceivedFields {
  readonly remoteHost: string;
  /** The HELO argument when it differs (ASCII case-insensitively) from remoteHost. */
  readonly fakeHelo: string | undefined;
  /** TCPREMOTEINFO when set (even empty). */
  readonly remoteInfo: string | undefined;
  readonly remoteIp: string;
  readonly local: string;
  readonly protocol: string;
  /** Milliseconds since the epoch. */
  readonly when: number;
}

const SAFE = /[^a-zA-Z0-9.@%+/=:-]/g;

/** qmail's safeput(): anything outside a-z A-Z 0-9 . @ % + / = : - becomes '?'. */
export function safeText(s: string): string {
  return s.replace(SAFE, '?');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** date822fmt: "22 Nov 2026 01:29:41 -0000" in UTC, day without a leading zero. */
export function date822(when: number): string {
  const d = new Date(when);
  return (
    `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} -0000`
  );
}

export function receivedHeader(f: ReceivedFields): string {
  let s = `Received: from ${safeText(f.remoteHost)}`;
  if (f.fakeHelo !== undefined) s += ` (HELO ${safeText(f.fakeHelo)})`;
  s += ' (';
  if (f.remoteInfo !== undefined) s += `${safeText(f.remoteInfo)}@`;
  s += `${safeText(f.remoteIp)})\n  by ${safeText(f.local)} with ${f.protocol}; ${date822(f.when)}\n`;
  return s;
}
