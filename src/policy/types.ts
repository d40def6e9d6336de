// Verdicts: what a policy check decides, as a value. The session maps a rejection to its reply
// (smtp/replies.ts, the one table of texts) and writes one qlog line; policy never writes to the
// client or the log itself, and never chooses reply text.

/** qlog reason keywords of the rejections policy can return (spec section 6.2; 'srs' is ours). */
export type RejectReason = 'badmailfrom' | 'not_in_rcpthosts' | 'spf' | 'srs';

/**
 * qlog detail of an SRS refusal at RCPT: the address failed its hash (forged or tampered), its
 * day stamp (expired, or from the future), or its shape (syntax); a valid one was sent mail that
 * is not a bounce (notbounce); or nothing can be verified because no secret is configured.
 */
export type SrsFailure = 'badhash' | 'expired' | 'syntax' | 'notbounce' | 'nosecrets';

export interface Rejection {
  readonly reason: RejectReason;
  /** qlog detail (the matched entry, the SPF result word, ...). */
  readonly detail: string;
  /** Lines of explanation for the reply (SPF's 550), already made safe for an SMTP reply. */
  readonly text?: readonly string[];
}

/** The sender check at MAIL: refuse now, or accept and report `deferred` at every RCPT. */
export interface SenderVerdict {
  readonly refuse?: Rejection;
  readonly deferred: readonly Rejection[];
}

export type RecipientVerdict =
  | {
      readonly kind: 'accept';
      /** The address as it goes into the envelope (RELAYCLIENT appended, or an SRS address decoded). */
      readonly address: string;
      readonly reason: 'rcpthosts' | 'relayclient' | 'srs';
      /** qlog detail: for 'srs', the tag of the address decoded ('srs0' or 'srs1'). */
      readonly detail?: string;
      readonly inRcptHosts: boolean;
    }
  | { readonly kind: 'reject'; readonly rejection: Rejection; readonly inRcptHosts: boolean };
