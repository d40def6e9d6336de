// The fixed numbers of the SRS address format (spec srs.md 2, 3.1, 4.1). Contract: every limit
// or default the codec applies is named here, nowhere else. Never change one of these without
// the spec: they are what every other implementation computes too.

/** The tags, always written upper-case; recognised in any case (spec 2.1, 2.2). */
export const SRS0_TAG = 'SRS0';
export const SRS1_TAG = 'SRS1';
/** Length of a tag; the initial separator follows it (spec 2.1). */
export const TAG_LENGTH = 4;
/** Characters allowed as the initial separator right after the tag (spec 2.3). */
export const INITIAL_SEPARATORS = '=+-';
/** The separator between all other fields (spec 2.1). */
export const FIELD_SEPARATOR = '=';

/** The longest hash there is: 27 unpadded base64 characters of a 20-byte HMAC-SHA1 (spec 3.1). */
export const MAX_HASH_CHARS = 27;
/** A hash is at least one character, whatever the settings say (an empty one would match all). */
export const MIN_HASH_CHARS = 1;

/** Day stamp: base32 digits (RFC 4648 alphabet), two of them, one day each (spec 4.1). */
export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const TIMESTAMP_CHARS = 2;
export const TIMESTAMP_BITS_PER_CHAR = 5;
/** Two base32 digits count 1024 days, then the stamp wraps (spec 4.1, 4.2). */
export const TIMESTAMP_CYCLE_DAYS = 1024;
export const MS_PER_DAY = 86_400_000;
