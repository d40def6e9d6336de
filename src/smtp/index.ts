// The smtp folder's contract: run one qmail-smtpd session over a pair of streams.
export { MAX_COMMAND_LINE_BYTES, runSession } from './run.js';
export type { RunDeps } from './run.js';
export type { SessionIo } from './connection.js';
export type { ConnectionEnv } from './params.js';
export { REPLY, rejectionReply, SPF_EXPLANATION } from './replies.js';
