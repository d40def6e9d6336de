// The policy folder's contract: per-phase checks that return verdicts.
export { badMailFromEntry } from './badmailfrom.js';
export { checkRecipient, checkSender } from './checks.js';
export type { PolicySettings, RecipientQuery } from './checks.js';
export { inRcptHosts } from './rcpthosts.js';
// SPF is loaded on demand (loadSpfPolicy), so only its types are exported here.
export type { SpfDecision } from './spf-policy.js';
export { loadSpfPolicy, spfApplies, spfBehaviorOf } from './spf-settings.js';
export type { RejectableResult, SpfSettings } from './spf-settings.js';
export { spfHeaderFields } from './spf-report.js';
export type { SpfReportContext } from './spf-report.js';
// SRS needs only node:crypto (already in every Node process), so it is loaded with the rest.
export { checkSrsRecipient } from './srs-recipient.js';
export type { SrsRecipientVerdict } from './srs-recipient.js';
export { DOUBLE_BOUNCE_SENDER, forwardedSender, srsSender } from './srs-forward.js';
export type { SrsSenderDecision } from './srs-forward.js';
export type { RecipientVerdict, RejectReason, Rejection, SenderVerdict, SrsFailure } from './types.js';
