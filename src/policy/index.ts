// The policy folder's contract: per-phase checks that return verdicts.
export { badMailFromEntry } from './badmailfrom.js';
export { checkRecipient, checkSender } from './checks.js';
export type { PolicySettings } from './checks.js';
export { inRcptHosts } from './rcpthosts.js';
export { checkSpf, spfApplies, SPF_CHECK_TIMEOUT_MS } from './spf-policy.js';
export type { RejectableResult, SpfDecision, SpfSettings } from './spf-policy.js';
export { spfHeaderFields } from './spf-report.js';
export type { SpfReportContext } from './spf-report.js';
export type { RecipientVerdict, RejectReason, Rejection, SenderVerdict } from './types.js';
