// The SRS folder's contract (Guarded SRS0/SRS1 as libsrs2 makes them, spec srs.md): other folders
// import from here only. The codec never throws; every outcome is a value. Addresses, secrets and
// results are latin1 strings (one char per octet); nowMs is milliseconds since the epoch, UTC.
export type { ForwardOutcome, ReverseOutcome, SrsSeparator, SrsSettings } from './types.js';
export { isSrsLocalPart } from './address.js';
export { SRS_ERRORS, type SrsErrorText } from './errors.js';
export { aliasDomainOf, srsForward } from './forward.js';
export { srsHash } from './hash.js';
export { srsReverse } from './reverse.js';
export { srsTimestamp } from './timestamp.js';
