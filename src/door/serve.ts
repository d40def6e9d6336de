// `qfront serve`: wires the listener door from its settings, binds, drops root, and handles
// SIGTERM (drain, then exit 0), SIGINT (same) and SIGHUP (reload). The queue is qmail-queue,
// or the built-in spool when one is configured and the session's environment names no
// QMAILQUEUE. Contract: never runs a session as root.

import { stderrSink, type LogSink } from '../log/index.js';
import { QmailQueue, Spool, type Queue } from '../queue/index.js';
import type { ConnectionEnv } from '../smtp/index.js';
import { Listener, type ListenAddress } from './listener.js';
import type { RemoteHostMode } from './remote-host.js';
import { dropPrivileges, runningAsRoot, type Ids } from './privileges.js';
import { queueCwd, queueTimeoutSeconds } from './settings.js';

export interface ServeConfig {
  readonly listen: readonly ListenAddress[];
  readonly rulesFile?: string;
  readonly concurrency: number;
  readonly perIp: number;
  readonly controlDir: string;
  readonly spoolDir?: string;
  readonly localHost?: string;
  readonly remoteHost?: RemoteHostMode;
  /** Who sessions run as; required when started as root. */
  readonly ids?: Ids;
  readonly drainSeconds: number;
  readonly env: ConnectionEnv;
  readonly sink?: LogSink;
}

/** The spool for sessions without QMAILQUEUE; qmail-queue (or $QMAILQUEUE) otherwise. */
function queueOf(config: ServeConfig): Queue {
  const qq = new QmailQueue({ timeoutSeconds: queueTimeoutSeconds(config.env), cwd: queueCwd(config.env) });
  if (config.spoolDir === undefined) return qq;
  const spool = Spool.prepare(config.spoolDir, runningAsRoot() ? config.ids : undefined);
  return { open: (req) => (req.env.QMAILQUEUE !== undefined ? qq.open(req) : spool.open(req)) };
}

export async function serve(config: ServeConfig): Promise<Listener> {
  const sink = config.sink ?? stderrSink;
  if (runningAsRoot() && config.ids === undefined) {
    throw new Error('refusing to run sessions as root: give --user (and --group)');
  }
  const listener = new Listener({
    listen: config.listen,
    rulesFile: config.rulesFile,
    concurrency: config.concurrency,
    perIp: config.perIp,
    controlDir: config.controlDir,
    localHost: config.localHost,
    remoteHost: config.remoteHost,
    queue: queueOf(config),
    env: config.env,
    sink,
    drainSeconds: config.drainSeconds,
  });
  const bound = await listener.start();
  if (config.ids !== undefined) dropPrivileges(config.ids);
  const where = bound.map((a) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`));
  sink.line(`qfront: listening on ${where.join(' ')} control ${config.controlDir}` +
    (config.spoolDir ? ` spool ${config.spoolDir}/new` : '') + ` uid ${process.getuid?.()}`);

  const stop = (sig: string): void => {
    sink.line(`qfront: ${sig}: draining ${listener.sessions} session(s)`);
    void listener.shutdown().then(() => {
      sink.line('qfront: exiting');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => listener.reload());
  process.on('uncaughtException', (err) => sink.line(`qfront: alert: uncaught ${err.stack ?? err.message}`.replace(/\n/g, ' | ')));
  return listener;
}
