// What the SRS codec takes and gives back (spec srs.md sections 2, 7, 8, 15). Addresses and
// secrets are latin1 strings, one char per octet, so UTF-8 passes through byte for byte and a
// secret is exactly the bytes in the control file. Never throws on any input: outcomes are values.

export type SrsSeparator = '=' | '+' | '-';

export interface SrsSettings {
  /** The alias (SRS) domain written after the '@' of rewritten addresses, case as configured. */
  readonly domain: string;
  /** The secret that signs new addresses; undefined: forward fails ("No secrets ..."). */
  readonly signSecret: string | undefined;
  /** Every secret tried on reverse, in order (normally the signing one first). Empty: reverse fails. */
  readonly verifySecrets: readonly string[];
  /** Days an SRS0 address stays valid (inclusive); libsrs2's default is 21. */
  readonly maxAge: number;
  /** Hash characters generated (default 4). */
  readonly hashLength: number;
  /** Fewest hash characters accepted on reverse (default 4, at most hashLength). */
  readonly hashMin: number;
  /** The initial separator written after SRS0/SRS1 (the others are always '='). */
  readonly separator: SrsSeparator;
  /** Rewrite even a sender whose domain is the alias domain (libsrs2's always-rewrite). */
  readonly alwaysRewrite: boolean;
}

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
