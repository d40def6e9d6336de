// The control folder's contract: qmail control files read with qmail's rules into a snapshot.
export { Cdb, CdbFormatError, cdbHash } from './cdb.js';
export { ControlDir, ControlReadError } from './files.js';
export { firstLine, leadingInteger, listLines } from './rules.js';
export { CONTROL_DEFAULTS, loadSnapshot, loadSpfControl } from './snapshot.js';
export type { BadMailFrom, ControlSnapshot, RcptHosts, SpfControl } from './snapshot.js';
export { loadSrsControl, SRS_DEFAULTS } from './srs.js';
export type { SrsControl } from './srs.js';
