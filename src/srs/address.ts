// Reading SRS local parts (spec srs.md 2): is it SRS0/SRS1 at all (2.3, 15.7), and its fields,
// cut at '=' left to right with the last field taking the rest (2.1, 2.2, 8). Contract: pure
// string work on latin1 strings; field errors are libsrs2's texts. Never checks a hash or a stamp.

import { SRS_ERRORS } from './errors.js';
import { FIELD_SEPARATOR, INITIAL_SEPARATORS, SRS0_TAG, SRS1_TAG, TAG_LENGTH } from './limits.js';

export type SrsTag = typeof SRS0_TAG | typeof SRS1_TAG;

/**
 * 'SRS0' or 'SRS1' when `local` starts with that tag (any case) and one of '=', '+', '-';
 * otherwise undefined. A bare "SRS0" is not SRS (spec 15.7: no end-of-string quirk).
 */
export function srsTagOf(local: string): SrsTag | undefined {
  if (local.length <= TAG_LENGTH) return undefined;
  if (!INITIAL_SEPARATORS.includes(local.charAt(TAG_LENGTH))) return undefined;
  const tag = local.slice(0, TAG_LENGTH);
  // ASCII case-insensitive: only 's'/'r' may differ in case; the digit must be exact.
  if (!/^[Ss][Rr][Ss][01]$/.test(tag)) return undefined;
  return tag.endsWith('0') ? SRS0_TAG : SRS1_TAG;
}

/** True when `local` is an SRS0 or SRS1 local part (spec 2.3). An address works too. */
export function isSrsLocalPart(local: string): boolean {
  return srsTagOf(local) !== undefined;
}

/** The local part of an address to reverse: up to the first '@', or all of it (qmail's $EXT2). */
export function localPartOf(address: string): string {
  const at = address.indexOf('@');
  return at === -1 ? address : address.slice(0, at);
}

/** What follows the tag and its separator. */
function body(local: string): string {
  return local.slice(TAG_LENGTH + 1);
}

export type Fields<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface Srs0Fields {
  readonly hash: string;
  readonly stamp: string;
  readonly host: string;
  readonly user: string;
}

export interface Srs1Fields {
  readonly hash: string;
  readonly host: string;
  /** The first forwarder's SRS0 local part without its 4-char tag (its separator kept). */
  readonly tail: string;
}

/**
 * `text` cut at its first `count` '=' (fewer when it has fewer): the pieces before each of them,
 * then the rest. So `pieces.length - 1` says how many separators were found.
 */
function cut(text: string, count: number): string[] {
  const pieces: string[] = [];
  let from = 0;
  while (pieces.length < count) {
    const at = text.indexOf(FIELD_SEPARATOR, from);
    if (at === -1) break;
    pieces.push(text.slice(from, at));
    from = at + 1;
  }
  pieces.push(text.slice(from));
  return pieces;
}

/** SRS0<sep>hash=tt=host=user: a missing field is a syntax error, an empty one is not (spec 8.4). */
export function parseSrs0(local: string): Fields<Srs0Fields> {
  const rest = body(local);
  if (rest === '') return { ok: false, reason: SRS_ERRORS.srs0NoHash };
  const [hash, stamp, host, user] = cut(rest, 3);
  if (stamp === undefined) return { ok: false, reason: SRS_ERRORS.srs0NoStamp };
  if (host === undefined) return { ok: false, reason: SRS_ERRORS.srs0NoHost };
  if (user === undefined || hash === undefined) return { ok: false, reason: SRS_ERRORS.srs0NoUser };
  return { ok: true, value: { hash, stamp, host, user } };
}

/** SRS1<sep>hash=host=tail, the same rules (spec 7 step 5, 8.3). */
export function parseSrs1(local: string): Fields<Srs1Fields> {
  const rest = body(local);
  if (rest === '') return { ok: false, reason: SRS_ERRORS.srs1NoHash };
  const [hash, host, tail] = cut(rest, 2);
  if (host === undefined) return { ok: false, reason: SRS_ERRORS.srs1NoHost };
  if (tail === undefined || hash === undefined) return { ok: false, reason: SRS_ERRORS.srs1NoUser };
  return { ok: true, value: { hash, host, tail } };
}

/** The SRS0 tail of an SRS0 local part, for wrapping it into SRS1: everything after the tag. */
export function srs0Tail(local: string): string {
  return local.slice(TAG_LENGTH);
}
