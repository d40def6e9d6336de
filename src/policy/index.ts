// The policy folder's contract: per-phase checks that return verdicts.
export { badMailFromEntry } from './badmailfrom.js';
export { checkRecipient, checkSender } from './checks.js';
export type { PolicySettings } from './checks.js';
export { inRcptHosts } from './rcpthosts.js';
// SPF is loaded on demand (loadSpfPolicy), so only its types are exported here.
export type { SpfDecision } from './spf-policy.js';
export { loadSpfPolicy, spfApplies } from './spf-settings.js';
export type { RejectableResult, SpfSettings } from './spf-settings.js';
export { spfHeaderFields } from './spf-report.js';
export type { SpfReportContext } from './spf-report.js';
export type { RecipientVerdict, RejectReason, Rejection, SenderVerdict } from './types.js';
