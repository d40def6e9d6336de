// `qfront serve --workers N`, both sides. Node runs JavaScript on one core per process, so the
// listener forks N-1 worker processes and passes each of them its listening sockets: the kernel
// then hands every connection straight to one of the N processes (no per-connection relay,
// which cost about 1 ms of CPU a connection when tried). Each process runs its own gate and
// sessions; --concurrency counts all of them (SharedCounts), --per-ip is each one's share. Contract: a worker that dies takes only its own
// sessions along and is replaced; workers never bind or run as root.

import { fork, type ChildProcess } from 'node:child_process';
import type * as net from 'node:net';
import type { LogSink } from '../log/index.js';
import type { Listener } from './listener.js';
import type { SharedCounts } from './shared-counts.js';

type ToWorker = { t: 'listen' } | { t: 'drain' } | { t: 'reload' };

/** How long a dead worker's replacement waits, so a worker that cannot start does not spin. */
const RESPAWN_DELAY_MS = 1000;

/** A limit split over the processes, rounded up so no process gets 0 (0 = no limit stays 0). */
export function shareOf(limit: number, processes: number): number {
  return limit === 0 ? 0 : Math.ceil(limit / processes);
}

export class WorkerPool {
  private readonly children = new Set<ChildProcess>();
  private draining = false;

  /** `argv`: this process's script and `qfront serve` arguments; workers get --worker added. */
  constructor(
    private readonly count: number,
    private readonly argv: readonly string[],
    private readonly servers: readonly net.Server[],
    private readonly sink: LogSink,
    /** The shared session-count file (slot 0 is ours, workers get 1..count). */
    private readonly countsFile?: string,
    private readonly counts?: SharedCounts,
  ) {}

  /** Forks the workers: call after dropping root, so they run as the session user. */
  start(): void {
    for (let i = 1; i <= this.count; i++) this.spawn(i);
  }

  drain(): Promise<void> {
    this.draining = true;
    const exits = [...this.children].map((c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.once('exit', () => resolve()))));
    for (const c of this.children) c.send({ t: 'drain' } satisfies ToWorker, () => {});
    return Promise.all(exits).then(() => undefined);
  }

  reload(): void {
    for (const c of this.children) c.send({ t: 'reload' } satisfies ToWorker, () => {});
  }

  private spawn(slot: number): void {
    const [script, ...args] = this.argv;
    const counts = this.countsFile !== undefined ? ['--worker-counts', this.countsFile, '--worker-slot', String(slot)] : [];
    const child = fork(script!, [...args, '--worker', ...counts], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.children.add(child);
    for (const server of this.servers) child.send({ t: 'listen' } satisfies ToWorker, server, () => {});
    child.on('exit', (code, signal) => {
      this.children.delete(child);
      // Its sessions died with it.
      this.counts?.clear(slot);
      if (this.draining) return;
      this.log(`alert: worker ${child.pid} exited (${signal ?? code}); starting another`);
      setTimeout(() => this.spawn(slot), RESPAWN_DELAY_MS).unref();
    });
    child.on('error', (err) => this.log(`warning: worker ${child.pid}: ${err.message}`));
  }

  private log(text: string): void {
    this.sink.line(`qfront: ${text}`);
  }
}

/** The worker's side: accept on the sockets the listener passes, drain and exit when told. */
export function runWorker(listener: Listener, sink: LogSink): void {
  const drain = (): void => void listener.shutdown().then(() => process.exit(0));
  let accepting = false;
  process.on('message', (m: ToWorker, server?: net.Server) => {
    if (m.t === 'listen' && server !== undefined) {
      listener.adopt(server);
      if (!accepting) sink.line(`qfront: worker ${process.pid} accepting`);
      accepting = true;
    }
    else if (m.t === 'drain') drain();
    else if (m.t === 'reload') listener.reload();
  });
  // The listener gone (killed): nobody will tell us to stop; finish what runs, then leave.
  process.on('disconnect', drain);
  // Signals meant for the whole process group (Ctrl-C) reach workers too: the listener decides.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', drain);
}
