// The policy folder's contract: per-phase checks that return verdicts.
export { badMailFromEntry } from './badmailfrom.js';
export { checkRecipient, checkSender } from './checks.js';
export type { PolicySettings } from './checks.js';
export { inRcptHosts } from './rcpthosts.js';
export type { RecipientVerdict, RejectReason, Rejection, SenderVerdict } from './types.js';
