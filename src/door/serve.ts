// `qfront serve`: wires the listener door from its settings, binds, drops root, starts the
// workers if any, and handles SIGTERM (drain, then exit 0), SIGINT (same) and SIGHUP (reload). The queue is qmail-queue,
// or the built-in spool when one is configured and the session's environment names no
// QMAILQUEUE. Contract: never runs a session as root.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stderrSink, type LogSink } from '../log/index.js';
import { QmailQueue, SpawnerQueue, spawnerAvailable, Spool, type Queue } from '../queue/index.js';
import type { ConnectionEnv } from '../smtp/index.js';
import { Listener, type ListenAddress } from './listener.js';
import { LocalSessionHost } from './session-host.js';
import { SharedCounts } from './shared-counts.js';
import { runWorker, shareOf, WorkerPool } from './workers.js';
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
  /** Processes serving sessions (--workers): this one and workers - 1 forked ones. */
  readonly workers: number;
  /** How to start a worker: this process's script and arguments (process.argv.slice(1)). */
  readonly workerArgv?: readonly string[];
  /** This process is a worker (--worker, set by the primary). */
  readonly worker?: boolean;
  /** A worker's shared session-count file and its slot in it (--worker-counts, --worker-slot). */
  readonly workerCounts?: { readonly file: string; readonly slot: number };
}

/**
 * qmail-queue through the fork helper when it was built (scripts/build-spawner), unless
 * QFRONT_SPAWNER=0; else started from Node: the same verdicts, at about 1 ms more CPU a message.
 */
function useSpawner(env: ConnectionEnv): boolean {
  return env.QFRONT_SPAWNER !== '0' && spawnerAvailable();
}

/** The spool for sessions without QMAILQUEUE; qmail-queue (or $QMAILQUEUE) otherwise. */
function queueOf(config: ServeConfig): Queue {
  const options = { timeoutSeconds: queueTimeoutSeconds(config.env), cwd: queueCwd(config.env) };
  const qq = useSpawner(config.env) ? new SpawnerQueue(options) : new QmailQueue(options);
  if (config.spoolDir === undefined) return qq;
  const spool = Spool.prepare(config.spoolDir, runningAsRoot() ? config.ids : undefined);
  return { open: (req) => (req.env.QMAILQUEUE !== undefined ? qq.open(req) : spool.open(req)) };
}

/** The shared count file, in a private directory the session user can write; removed at exit. */
function sharedCountsFile(processes: number, ids: Ids | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-counts-'));
  const file = SharedCounts.create(dir, processes);
  if (ids !== undefined && runningAsRoot()) {
    fs.chownSync(dir, ids.uid, ids.gid);
    fs.chownSync(file, ids.uid, ids.gid);
  }
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return file;
}

function sessionHost(config: ServeConfig, sink: LogSink): LocalSessionHost {
  return new LocalSessionHost({ controlDir: config.controlDir, localHost: config.localHost, queue: queueOf(config), env: config.env, sink });
}

function logUncaught(sink: LogSink): void {
  process.on('uncaughtException', (err) => sink.line(`qfront: alert: uncaught ${err.stack ?? err.message}`.replace(/\n/g, ' | ')));
}

function listenerFor(config: ServeConfig, sink: LogSink, processes: number, counts?: SharedCounts): Listener {
  const host = sessionHost(config, sink);
  return new Listener({
    listen: config.listen,
    rulesFile: config.rulesFile,
    // With shared counts the limit is the whole one; without (no file), each process's share.
    concurrency: counts !== undefined ? config.concurrency : shareOf(config.concurrency, processes),
    counts,
    perIp: shareOf(config.perIp, processes),
    host,
    localHost: config.localHost,
    remoteHost: config.remoteHost,
    resolver: host.resolverFor(config.env),
    sink,
    drainSeconds: config.drainSeconds,
  });
}

/** Starts the listener, or with config.worker a worker that waits for the sockets to serve. */
export async function serve(config: ServeConfig): Promise<Listener> {
  const sink = config.sink ?? stderrSink;
  const processes = Math.max(1, config.workers);
  if (config.worker) {
    if (runningAsRoot()) throw new Error('refusing to run sessions as root: a worker must be started by its listener');
    const counts = config.workerCounts !== undefined ? new SharedCounts(config.workerCounts.file, config.workerCounts.slot, processes) : undefined;
    const listener = listenerFor(config, sink, processes, counts);
    runWorker(listener, sink);
    logUncaught(sink);
    return listener;
  }
  if (runningAsRoot() && config.ids === undefined) {
    throw new Error('refusing to run sessions as root: give --user (and --group)');
  }
  // Made before root is dropped, so the spool directory can be prepared for the session user.
  const countsFile = processes > 1 ? sharedCountsFile(processes, config.ids) : undefined;
  const counts = countsFile !== undefined ? new SharedCounts(countsFile, 0, processes) : undefined;
  const listener = listenerFor(config, sink, processes, counts);
  const bound = await listener.start();
  if (config.ids !== undefined) dropPrivileges(config.ids);
  const pool = processes > 1 && config.workerArgv !== undefined ? new WorkerPool(processes - 1, config.workerArgv, listener.listening, sink, countsFile, counts) : undefined;
  pool?.start();
  const where = bound.map((a) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`));
  sink.line(`qfront: listening on ${where.join(' ')} control ${config.controlDir}` +
    (config.spoolDir ? ` spool ${config.spoolDir}/new` : '') + ` uid ${process.getuid?.()}` +
    ` qmail-queue ${useSpawner(config.env) ? 'via queue-spawner' : 'from node'}` +
    (pool !== undefined ? ` processes ${processes}` : ''));

  const stop = (sig: string): void => {
    sink.line(`qfront: ${sig}: draining ${listener.sessions} session(s)`);
    void Promise.all([listener.shutdown(), pool?.drain()]).then(() => {
      sink.line('qfront: exiting');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    listener.reload();
    pool?.reload();
  });
  logUncaught(sink);
  return listener;
}
