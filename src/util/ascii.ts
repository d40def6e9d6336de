// Byte-faithful text helpers. Protocol data (commands, addresses, control files) is kept as
// 'latin1' strings: one char per byte, so every byte a client or a file sends survives a round
// trip. Case folding is ASCII-only, like qmail's case_lowerb: never lower-case bytes >= 0x80.

const UPPER = /[A-Z]/;

/** Lower-cases A-Z only; any other byte is left as it is. */
export function asciiLower(s: string): string {
  if (!UPPER.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

/** True when a and b are equal ignoring ASCII case (qmail's case_diffs() == 0). */
export function asciiEqualsIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && asciiLower(a) === asciiLower(b);
}

/** Bytes as a latin1 string (one char per byte). */
export function bytesToText(b: Buffer): string {
  return b.toString('latin1');
}

/** A latin1 string back to the bytes it stands for. */
export function textToBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}
