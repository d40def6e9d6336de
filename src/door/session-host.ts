// Where an admitted connection's session runs. LocalSessionHost runs it in this process: a fresh
// control snapshot, the UCSPI-TCP environment, runSession, the "ok" and "end" log lines.
// The listener runs it directly, or in each worker process of `qfront serve --workers N`.
// Contract: run() owns the socket from then on and always settles (never rejects).

import type * as net from 'node:net';
import { ControlDir, loadSnapshot, type ControlSnapshot } from '../control/index.js';
import type { LogSink } from '../log/index.js';
import type { Queue } from '../queue/index.js';
import { runSession, type ConnectionEnv } from '../smtp/index.js';
import { localIpChecker } from './local-ips.js';
import { LazyResolver } from './resolver.js';
import { tcpEnv, type Endpoint } from './tcp-env.js';

/** One admitted connection, as the gate hands it on. */
export interface Admission {
  readonly id: string;
  readonly ep: Endpoint;
  /** The tcprules assignments for this client. */
  readonly ruleEnv: Readonly<Record<string, string>>;
}

export interface SessionHost {
  /** Runs the session; resolves with its exit status once it ended. */
  run(socket: net.Socket, admission: Admission): Promise<number>;
  /** Shutdown: sessions end after their message; by the deadline (ms epoch) every one is cut off. */
  drain(deadline: number): Promise<void>;
  /** SIGHUP: forget cached control files. */
  reload(): void;
}

export interface LocalHostOptions {
  readonly controlDir: string;
  /** TCPLOCALHOST (tcpserver -l); undefined = the first line of control/me, if any. */
  readonly localHost?: string;
  readonly queue: Queue;
  /** The environment every session starts from (the daemon's own). */
  readonly env: ConnectionEnv;
  readonly sink: LogSink;
}

/** How long a closed session's socket may wait for the client's FIN before it is destroyed. */
const LINGER_MS = 5000;

/** After our FIN, give the client LINGER_MS to close its side, then free the socket anyway. */
export function linger(socket: net.Socket): void {
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** tcpserver's "LOCALHOST:LOCALIP:PORT REMOTEHOST:REMOTEIP:INFO:PORT" (no info here). */
export function who(ep: Endpoint, localHost: string | undefined): string {
  return `${localHost ?? ''}:${ep.localIp}:${ep.localPort} ${ep.remoteHost ?? ''}:${ep.remoteIp}::${ep.remotePort}`;
}

interface Running {
  readonly socket: net.Socket;
  readonly stop: AbortController;
}

export class LocalSessionHost implements SessionHost {
  private readonly control: ControlDir;
  private readonly isLocalIp = localIpChecker();
  private readonly running = new Set<Running>();
  /**
   * One resolver, and so one DNS cache, per DNSCACHEIP value: the daemon's, or one a tcprules
   * rule sets (as the stdio door would see it). Rules are few, so this map stays small.
   */
  private readonly resolvers = new Map<string, LazyResolver>();

  constructor(private readonly opts: LocalHostOptions) {
    this.control = new ControlDir(opts.controlDir, true);
  }

  resolverFor(env: ConnectionEnv): LazyResolver {
    const key = env.DNSCACHEIP ?? '';
    let r = this.resolvers.get(key);
    if (r === undefined) {
      r = new LazyResolver(env.DNSCACHEIP === undefined ? this.opts.env : { DNSCACHEIP: env.DNSCACHEIP });
      this.resolvers.set(key, r);
    }
    return r;
  }

  async run(socket: net.Socket, { id, ep, ruleEnv }: Admission): Promise<number> {
    const entry: Running = { socket, stop: new AbortController() };
    this.running.add(entry);
    let control: ControlSnapshot | undefined;
    let controlError: unknown;
    try {
      control = loadSnapshot(this.control);
    } catch (err) {
      controlError = err;
    }
    // TCPLOCALHOST: --local-host, else control/me, as `tcpserver -l "$(head -1 control/me)"` gives.
    const localHost = this.opts.localHost ?? control?.me;
    const env = tcpEnv(this.opts.env, ep, localHost, ruleEnv);
    this.log(`ok ${id} ${who(ep, localHost)}`);
    const code = await runSession(
      { input: socket, output: socket },
      {
        env,
        loadControl: () => {
          if (control === undefined) throw controlError;
          return control;
        },
        queue: this.opts.queue,
        sink: this.opts.sink,
        id,
        isLocalIp: this.isLocalIp,
        resolver: this.resolverFor(env),
        signal: entry.stop.signal,
      },
    ).catch((err: unknown) => {
      this.log(`warning: session ${id} failed: ${(err as Error)?.message ?? String(err)}`);
      return 1;
    });
    this.running.delete(entry);
    linger(socket);
    this.log(`end ${id} status ${code}`);
    return code;
  }

  async drain(deadline: number): Promise<void> {
    for (const r of this.running) r.stop.abort();
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const r of this.running) r.socket.destroy();
  }

  reload(): void {
    this.control.flush();
  }

  private log(text: string): void {
    this.opts.sink.line(`qfront: ${text}`);
  }
}
