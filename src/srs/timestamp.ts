// The SRS0 day stamp (spec srs.md 4): UTC days since the epoch, mod 1024, as two base32 digits.
// Contract: checking accepts exactly two characters (any case), up to maxAge days old inclusive;
// a stamp from the future counts as ~1023 days old (spec 4.2). Never loops on the stamp's length
// (the CVE-2020-35573 hang of spec 4.4): anything but two characters is refused at once.

import { SRS_ERRORS } from './errors.js';
import { BASE32_ALPHABET, MS_PER_DAY, TIMESTAMP_BITS_PER_CHAR, TIMESTAMP_CHARS, TIMESTAMP_CYCLE_DAYS } from './limits.js';

const DIGIT_MASK = (1 << TIMESTAMP_BITS_PER_CHAR) - 1;

/** Today's slot in the 1024-day cycle; `nowMs` is milliseconds since the epoch (UTC). */
export function daySlot(nowMs: number): number {
  const day = Math.floor(nowMs / MS_PER_DAY);
  return ((day % TIMESTAMP_CYCLE_DAYS) + TIMESTAMP_CYCLE_DAYS) % TIMESTAMP_CYCLE_DAYS;
}

/** The two-character stamp written into an SRS0 address made at `nowMs`, e.g. 'IZ' on 2024-01-15. */
export function srsTimestamp(nowMs: number): string {
  const slot = daySlot(nowMs);
  return BASE32_ALPHABET.charAt(slot >> TIMESTAMP_BITS_PER_CHAR) + BASE32_ALPHABET.charAt(slot & DIGIT_MASK);
}

/** The value of one base32 digit, case-insensitively (ASCII only); -1 when it is none. */
function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  const upper = code >= 0x61 && code <= 0x7a ? String.fromCharCode(code - 0x20) : c;
  return BASE32_ALPHABET.indexOf(upper);
}

/** undefined when `stamp` is valid at `nowMs`; otherwise libsrs2's reason. */
export function checkTimestamp(stamp: string, nowMs: number, maxAge: number): string | undefined {
  // As postsrsd since its CVE-2020-35573 fix: length first, so a long stamp is just out of date.
  if (stamp.length !== TIMESTAMP_CHARS) return SRS_ERRORS.stampOutOfDate;
  let then = 0;
  for (let i = 0; i < TIMESTAMP_CHARS; i++) {
    const v = digitValue(stamp.charAt(i));
    if (v < 0) return SRS_ERRORS.badStampChar;
    then = (then << TIMESTAMP_BITS_PER_CHAR) | v;
  }
  let now = daySlot(nowMs);
  // A stamp "after" today is taken to come from the previous cycle (spec 4.2 step 3).
  if (now < then) now += TIMESTAMP_CYCLE_DAYS;
  return now - then <= maxAge ? undefined : SRS_ERRORS.stampOutOfDate;
}
