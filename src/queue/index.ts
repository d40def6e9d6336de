// The queue folder's contract: hand a message to qmail-queue (or the built-in spool) and turn
// the result into qmail's verdict.
export { envelopeBytes } from './envelope.js';
export type { Envelope } from './envelope.js';
export { QQ, queueOutcome } from './exit-codes.js';
export type { QueueExit, QueueOutcome } from './exit-codes.js';
export { QmailQueue, queueProgram } from './qmail-queue.js';
export type { QmailQueueOptions } from './qmail-queue.js';
export { SpawnerQueue } from './spawner-queue.js';
export { spawnerAvailable } from './spawner.js';
export { Spool, spoolHeader, unxtext, xtext } from './spool.js';
export { QueueStartError } from './types.js';
export type { Queue, QueueJob, QueueRequest } from './types.js';
