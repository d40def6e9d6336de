// qmail-smtpd's address parsing (addrparse) for MAIL and RCPT arguments, byte for byte.
// Contract: pure; returns the envelope address (latin1 text) or undefined for "555 syntax error".
// It deliberately validates nothing else: no '@' check, no domain syntax, 8-bit passes, exactly
// as qmail does (relay safety comes from rcpthosts, not from here). Spec qmail-smtpd.md 3.2.

/** qmail refuses an address when address + its NUL exceeds 900 bytes. */
export const MAX_ADDRESS_BYTES = 899;

export interface ParsedAddress {
  /** The address with quotes and backslashes removed and any source route dropped. */
  readonly address: string;
  /** What follows the closing '>' (ESMTP parameters), or '' in the no-'<' form. */
  readonly params: string;
}

/**
 * Splits `arg` ("FROM:<a@b> SIZE=10", "TO: a@b", ...) the way addrparse does: from the first '<'
 * to the next unquoted, unescaped '>', or without '<' from after the first ':' to the next space.
 */
export function parseAddressArg(arg: string): ParsedAddress {
  let terminator = '>';
  let i = arg.indexOf('<');
  if (i !== -1) i += 1;
  else {
    terminator = ' ';
    i = arg.indexOf(':');
    i = i === -1 ? arg.length : i + 1;
    while (i < arg.length && arg.charCodeAt(i) === 0x20) i++;
  }
  // A leading source route "@a,@b:" is dropped (up to and including the first ':').
  if (arg.charCodeAt(i) === 0x40) {
    const colon = arg.indexOf(':', i);
    i = colon === -1 ? arg.length : colon + 1;
  }
  let address = '';
  let escaped = false;
  let quoted = false;
  let end = arg.length;
  for (let j = i; j < arg.length; j++) {
    const ch = arg[j]!;
    if (escaped) {
      address += ch;
      escaped = false;
    } else if (!quoted && ch === terminator) {
      end = j;
      break;
    } else if (ch === '\\') escaped = true;
    else if (ch === '"') quoted = !quoted;
    else address += ch;
  }
  const params = terminator === '>' && end < arg.length ? arg.slice(end + 1) : '';
  return { address, params };
}

/**
 * qmail's localiphost rewrite: "box@[d.d.d.d]" whose literal is one of this host's IPv4
 * addresses becomes "box@LOCALIPHOST". The literal must end the address. Octets wrap modulo
 * 256, as qmail's ip_scan stores them in unsigned chars.
 */
export function rewriteLocalIpLiteral(
  address: string,
  localiphost: string | undefined,
  isLocalIp: (ipv4: string) => boolean,
): string {
  if (localiphost === undefined) return address;
  const at = address.lastIndexOf('@');
  if (at === -1 || address[at + 1] !== '[') return address;
  const ip = scanBracketedIpv4(address, at + 1);
  if (ip === undefined) return address;
  return isLocalIp(ip) ? address.slice(0, at + 1) + localiphost : address;
}

/** "[d.d.d.d]" running exactly to the end of s, from index start; dotted quad or undefined. */
function scanBracketedIpv4(s: string, start: number): string | undefined {
  let i = start + 1;
  const octets: number[] = [];
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s[i] !== '.') return undefined;
      i++;
    }
    let digits = 0;
    let value = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      value = (value * 10 + (c - 0x30)) % 256;
      digits++;
      i++;
    }
    if (digits === 0) return undefined;
    octets.push(value);
  }
  if (s[i] !== ']' || i + 1 !== s.length) return undefined;
  return octets.join('.');
}
