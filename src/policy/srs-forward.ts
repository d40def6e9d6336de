// Forward rewriting at DATA, for mail we relay (spec srs.md 7, 9 and 15.5): with SRS on, a
// RELAYCLIENT client and at least one recipient outside rcpthosts, the envelope sender becomes an
// SRS address in our domain, so SPF at the next hop judges us, not the sender's domain. Never the
// null sender (nor a 1-char one) or qmail's double bounce; never one of our domains (rcpthosts)
// unless srs_alwaysrewrite. A codec error is reported, never fatal: the sender is then kept. Pure.

import type { RcptHosts, SrsControl } from '../control/index.js';
import { srsForward } from '../srs/index.js';
import type { PolicySettings } from './checks.js';
import { inRcptHosts } from './rcpthosts.js';

/** qmail-send's sender for double bounces; like the null sender, never rewritten. */
export const DOUBLE_BOUNCE_SENDER = '#@[]';
/** sagredo's glue leaves senders shorter than this alone ('' and a lone '@' among them). */
const SHORTEST_REWRITTEN = 2;

export type SrsSenderDecision =
  | { readonly kind: 'keep'; readonly why: 'off' | 'not-relayed' | 'bounce' | 'local' | 'srs-domain' }
  | { readonly kind: 'rewrite'; readonly address: string }
  /** The codec cannot rewrite this sender (libsrs2's text); it goes out unchanged. */
  | { readonly kind: 'error'; readonly reason: string };

/**
 * `relayed`: the transaction has a recipient accepted through RELAYCLIENT that is outside
 * rcpthosts. A sender without '@', or any sender when rcpthosts is missing, counts as local.
 */
export function srsSender(settings: PolicySettings, sender: string, relayed: boolean, nowMs: number): SrsSenderDecision {
  const srs = settings.control.srs;
  if (srs === undefined) return { kind: 'keep', why: 'off' };
  if (settings.relayClient === undefined || !relayed) return { kind: 'keep', why: 'not-relayed' };
  return forwardedSender(srs, () => settings.control.rcpthosts, sender, nowMs);
}

/**
 * sagredo's rules for any forwarder (the front end above, and `qfront forward`): bounces and
 * our own senders stay, everything else gets its SRS address. `rcpthosts` is asked only when
 * needed, so a tool can read it lazily.
 */
export function forwardedSender(
  srs: SrsControl,
  rcpthosts: () => RcptHosts | undefined,
  sender: string,
  nowMs: number,
): SrsSenderDecision {
  if (sender.length < SHORTEST_REWRITTEN || sender === DOUBLE_BOUNCE_SENDER) return { kind: 'keep', why: 'bounce' };
  if (!srs.alwaysRewrite && inRcptHosts(sender, rcpthosts())) return { kind: 'keep', why: 'local' };
  const out = srsForward(sender, srs, nowMs);
  if (out.kind === 'rewritten') return { kind: 'rewrite', address: out.address };
  if (out.kind === 'unchanged') return { kind: 'keep', why: 'srs-domain' };
  return { kind: 'error', reason: out.reason };
}
