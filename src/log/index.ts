// The log folder's contract: qlog lines and the sinks they are written to.
export { formatQlog, qlogValue } from './qlog.js';
export type { QlogFields, QlogHead } from './qlog.js';
export { logSafe, MemorySink, sharedStderrSink, stderrSink } from './sink.js';
export type { LogSink } from './sink.js';
