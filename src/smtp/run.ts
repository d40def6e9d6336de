// One SMTP session from start to end, the single call both doors make: load the control
// snapshot (an unreadable control file gets "421 unable to read controls" instead of the
// greeting, as in qmail-smtpd), build the session and drive it. Resolves with the exit status
// qmail-smtpd would have: 0 after QUIT, 1 otherwise. Never throws.

import { ControlReadError, type ControlSnapshot } from '../control/index.js';
import type { Resolver } from '../dns/index.js';
import type { LogSink } from '../log/index.js';
import type { Queue } from '../queue/index.js';
import { driveSession, type SessionIo } from './connection.js';
import { sessionParams, type ConnectionEnv } from './params.js';
import { REPLY } from './replies.js';
import { Session } from './session.js';
import { SessionLog } from './session-log.js';

/** Longest command line kept (qmail has no limit; a bound keeps memory per session small). */
export const MAX_COMMAND_LINE_BYTES = 16 * 1024;

export interface RunDeps {
  readonly env: ConnectionEnv;
  /** Reads the control directory; throws ControlReadError for an unreadable file. */
  readonly loadControl: () => ControlSnapshot;
  readonly queue: Queue;
  readonly sink: LogSink;
  /** The qlog pid field. */
  readonly id: string;
  readonly isLocalIp: (ipv4: string) => boolean;
  /** DNS for SPF (one per process, shared by its sessions). */
  readonly resolver?: Resolver;
  readonly now?: () => number;
  readonly maxLineBytes?: number;
  /** Aborted when the server shuts down (see DriverOptions.signal). */
  readonly signal?: AbortSignal;
}

export async function runSession(io: SessionIo, deps: RunDeps): Promise<0 | 1> {
  const log = new SessionLog(deps.sink, deps.env, deps.id);
  let control: ControlSnapshot;
  try {
    control = deps.loadControl();
  } catch (err) {
    const what = err instanceof ControlReadError ? `${err.file}: ${err.code}` : String(err);
    log.note(`fatal: unable to read controls: ${what}`);
    log.qlog('qlogenvelope', { result: 'rejected', reply: REPLY.controls, reason: 'cannot_read_controls', helo: deps.env.TCPREMOTEHOST ?? 'unknown', qp: '' });
    io.output.end(Buffer.from(`${REPLY.controls}\r\n`, 'latin1'));
    return 1;
  }
  const params = sessionParams(deps.env, control);
  const session = new Session({
    params,
    control,
    env: deps.env,
    queue: deps.queue,
    log,
    now: deps.now ?? Date.now,
    isLocalIp: deps.isLocalIp,
    resolver: deps.resolver,
  });
  return driveSession(io, session, {
    timeoutMs: params.timeoutMs,
    maxLineBytes: deps.maxLineBytes ?? MAX_COMMAND_LINE_BYTES,
    signal: deps.signal,
    onBug: (err) => log.note(`bug: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
  });
}
