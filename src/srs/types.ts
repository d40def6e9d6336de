// What the SRS codec takes and gives back (spec srs.md sections 2, 7, 8, 15). Addresses and
// secrets are latin1 strings, one char per octet, so UTF-8 passes through byte for byte and a
// secret is exactly the bytes in the control file. Never throws on any input: outcomes are values.

import type { SrsControl } from '../control/index.js';

export type SrsSeparator = SrsControl['separator'];

/**
 * The codec's settings: exactly what control/srs.ts reads (alias domain, signing and verifying
 * secrets, maxAge in days inclusive, hashLength, hashMin, initial separator, alwaysRewrite),
 * without where the files came from. Tests and tools may build one directly.
 */
export type SrsSettings = Omit<SrsControl, 'layout'>;

export type ForwardOutcome =
  /** The SRS0 or SRS1 address to use as the new envelope sender. */
  | { readonly kind: 'rewritten'; readonly address: string }
  /** Left as it is: the sender's domain is the alias domain (and alwaysRewrite is off). */
  | { readonly kind: 'unchanged'; readonly address: string }
  /** Cannot be rewritten (no '@', no secret, a malformed SRS1, ...): libsrs2's error text. */
  | { readonly kind: 'error'; readonly reason: string };

export type ReverseOutcome =
  /** The address the SRS address stands for: the original sender (SRS0) or the first forwarder's SRS0 (SRS1). */
  | { readonly kind: 'reversed'; readonly address: string; readonly tag: 'SRS0' | 'SRS1' }
  /** Not an SRS address at all: route it normally. */
  | { readonly kind: 'not-srs' }
  /** An SRS address that does not verify (forged, tampered, expired, malformed): libsrs2's error text. */
  | { readonly kind: 'invalid'; readonly reason: string };
