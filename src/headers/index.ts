// The headers folder's contract: trace headers qfront adds, with safe quoting.
export { date822, receivedHeader, safeText } from './received.js';
export type { ReceivedFields } from './received.js';
export { receivedSpfHeader, spfComment } from './received-spf.js';
export type { ReceivedSpfFields } from './received-spf.js';
