// The reasons the codec gives when it cannot forward or reverse (spec srs.md 12). Contract: the
// texts are libsrs2's srs_strerror() strings byte for byte (qmail's glue and postsrsd show the
// same), so logs, scripts and the RCPT policy that match on them keep working. One text is ours:
// libsrs2 has no "more than one '@'" error (spec 15.1). Never reword the libsrs2 ones.

export const SRS_ERRORS = {
  /** 0x0001: reverse of an address whose local part is not SRS0/SRS1 + separator. */
  notSrs: 'Not an SRS address.',
  /** 0x1001: forward with no signing secret configured. */
  noSecrets: 'No secrets in SRS configuration.',
  /** 0x2001: forward of a sender without '@' (libsrs2 writes this one without a final dot). */
  noAtSign: 'No at sign in sender address',
  /** Ours (spec 15.1): a sender with two or more '@' is not rewritten; it would not reverse. */
  manyAtSigns: 'More than one at sign in sender address',
  /** 0x4001..0x4004: SRS0 fields missing. */
  srs0NoHost: 'No host in SRS0 address.',
  srs0NoUser: 'No user in SRS0 address.',
  srs0NoHash: 'No hash in SRS0 address.',
  srs0NoStamp: 'No timestamp in SRS0 address.',
  /** 0x4005, 0x4006 and the no-hash case: SRS1 fields missing. */
  srs1NoHost: 'No host in SRS1 address.',
  srs1NoUser: 'No user in SRS1 address.',
  srs1NoHash: 'No hash in SRS1 address.',
  /** 0x4008 */
  badStampChar: 'Bad base32 character in timestamp.',
  /** 0x4009 */
  hashTooShort: 'Hash too short in SRS address.',
  /** 0x8001: expired, from the future, or (ours, as postsrsd) not exactly two characters. */
  stampOutOfDate: 'Time stamp out of date.',
  /** 0x8002: no secret gives this hash (also: no secrets at all, a hash too long). */
  hashInvalid: 'Hash invalid in SRS address.',
} as const;

export type SrsErrorText = (typeof SRS_ERRORS)[keyof typeof SRS_ERRORS];
