// What MAIL decides, before the session records a transaction: the SIZE= limit, the sender
// checks of policy (badmailfrom now, SPF when spfbehavior asks for it). Synchronous unless SPF
// runs, so a site without SPF pays nothing for it (the evaluator is not even loaded).
// Never replies or logs itself.
// Spec qmail-smtpd.md 3.4 (check order), 3.6 (SIZE) and 3.8 (SPF at MAIL).

import { checkSender, loadSpfPolicy, spfApplies, type PolicySettings, type SenderVerdict, type SpfDecision, type SpfSettings } from '../policy/index.js';
import type { Rejection } from '../policy/index.js';
import { asciiLower } from '../util/ascii.js';

export type MailDecision =
  | { readonly kind: 'too-big' }
  | { readonly kind: 'refuse'; readonly rejection: Rejection }
  | { readonly kind: 'accept'; readonly verdict: SenderVerdict; readonly spf?: SpfDecision };

export interface MailContext {
  readonly policy: PolicySettings;
  readonly spf: SpfSettings;
  readonly databytes: number;
  readonly remoteIp: string;
}

export function decideMail(ctx: MailContext, sender: string, esmtp: string, helo: string): MailDecision | Promise<MailDecision> {
  if (ctx.databytes > 0 && declaredSize(esmtp) > ctx.databytes) return { kind: 'too-big' };
  const verdict = checkSender(ctx.policy, sender);
  if (verdict.refuse !== undefined) return { kind: 'refuse', rejection: verdict.refuse };
  if (!spfApplies(ctx.spf)) return { kind: 'accept', verdict };
  const query = { ip: ctx.remoteIp, sender, helo, receiver: ctx.spf.local };
  return loadSpfPolicy().then((policy) => policy.checkSpf(ctx.spf, query)).then(
    (spf): MailDecision => {
      if (spf.refuse !== undefined) return { kind: 'refuse', rejection: spf.refuse };
      const deferred = spf.deferred === undefined ? verdict.deferred : [...verdict.deferred, spf.deferred];
      return { kind: 'accept', verdict: { deferred }, spf };
    },
  );
}

/** The SIZE= value among MAIL's ESMTP parameters (RFC 1870), 0 when absent or unreadable. */
function declaredSize(params: string): number {
  for (const p of params.split(' ')) {
    if (asciiLower(p.slice(0, 5)) === 'size=') {
      const n = Number.parseInt(p.slice(5), 10);
      return Number.isFinite(n) && n > 0 ? n : 0;
    }
  }
  return 0;
}
