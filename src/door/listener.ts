// The listener door: a long-running "built-in tcpserver". For each connection it does what
// `tcpserver -x rules.cdb -c N -H -R` does (concurrency limit, tcprules allow/deny and VAR=value,
// the UCSPI-TCP environment), then hands the socket to the same runSession as the stdio door.
// Also: a per-IP limit, a fresh control snapshot per connection from a stat-checked cache,
// SIGHUP-style reload(), and a draining shutdown(). One session's failure never touches another.

import * as net from 'node:net';
import { ControlDir, loadSnapshot, type ControlSnapshot } from '../control/index.js';
import type { LogSink } from '../log/index.js';
import type { Queue } from '../queue/index.js';
import { REPLY, runSession, type ConnectionEnv } from '../smtp/index.js';
import { localIpChecker } from './local-ips.js';
import { remoteHostOf, type RemoteHostMode } from './remote-host.js';
import { LazyResolver } from './resolver.js';
import { RulesFile } from './rules-file.js';
import { endpointOf, tcpEnv, type Endpoint } from './tcp-env.js';
import { lookupRules } from './tcprules.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ListenerOptions {
  readonly listen: readonly ListenAddress[];
  /** tcprules cdb; undefined = no rules (everyone allowed, no variables). */
  readonly rulesFile?: string;
  /** Sessions at once (tcpserver -c); more are answered 421 and closed. */
  readonly concurrency: number;
  /** Sessions at once from one IP; 0 = no limit. */
  readonly perIp: number;
  readonly controlDir: string;
  /** TCPLOCALHOST (tcpserver -l); undefined = the first line of control/me, if any. */
  readonly localHost?: string;
  readonly queue: Queue;
  /** The environment every session starts from (the daemon's own). */
  readonly env: ConnectionEnv;
  readonly sink: LogSink;
  /** Seconds shutdown() waits for sessions in DATA before cutting them off. */
  readonly drainSeconds: number;
  /** TCPREMOTEHOST from DNS, as tcpserver -h (-p for paranoid); default off, as -H. */
  readonly remoteHost?: RemoteHostMode;
}

/**
 * Connections the kernel may hold before we accept them (capped by net.core.somaxconn). Node's
 * default of 511 drops handshakes in a burst, and those clients then wait seconds in silence.
 */
const LISTEN_BACKLOG = 4096;

/** How long a closed session's socket may wait for the client's FIN before it is destroyed. */
const LINGER_MS = 5000;

/** After our FIN, give the client LINGER_MS to close its side, then free the socket anyway. */
function linger(socket: net.Socket): void {
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

interface Active {
  readonly socket: net.Socket;
  readonly stop: AbortController;
}

export class Listener {
  private readonly servers: net.Server[] = [];
  private readonly active = new Set<Active>();
  private readonly perIpCount = new Map<string, number>();
  /** Connections waiting for their PTR lookup: they count against the concurrency limit. */
  private resolving = 0;
  private readonly control: ControlDir;
  private readonly rules: RulesFile | undefined;
  private readonly isLocalIp = localIpChecker();
  /**
   * One resolver, and so one DNS cache, per DNSCACHEIP value: the daemon's, or one a tcprules
   * rule sets (as the stdio door would see it). Rules are few, so this map stays small.
   */
  private readonly resolvers = new Map<string, LazyResolver>();
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: ListenerOptions) {
    this.control = new ControlDir(opts.controlDir, true);
    this.rules = opts.rulesFile === undefined ? undefined : new RulesFile(opts.rulesFile);
  }

  private resolverFor(env: ConnectionEnv): LazyResolver {
    const key = env.DNSCACHEIP ?? '';
    let r = this.resolvers.get(key);
    if (r === undefined) {
      r = new LazyResolver(env.DNSCACHEIP === undefined ? this.opts.env : { DNSCACHEIP: env.DNSCACHEIP });
      this.resolvers.set(key, r);
    }
    return r;
  }

  /** Binds every address; rejects if any cannot be bound. */
  async start(): Promise<readonly net.AddressInfo[]> {
    const bound: net.AddressInfo[] = [];
    for (const addr of this.opts.listen) {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: addr.host, port: addr.port, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log(`warning: ${err.message}`));
      this.servers.push(server);
      bound.push(server.address() as net.AddressInfo);
    }
    return bound;
  }

  /** SIGHUP: forget cached control files and rules (they are also re-checked per connection). */
  reload(): void {
    this.control.flush();
    this.rules?.flush();
    this.log('reload: control and rules caches flushed');
  }

  get sessions(): number {
    return this.active.size;
  }

  /** SIGTERM: stop accepting, let sessions finish their message, then close the rest. */
  shutdown(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    // server.close() only calls back once every connection is gone: stop accepting, don't wait.
    for (const s of this.servers) s.close();
    for (const a of this.active) a.stop.abort();
    const deadline = Date.now() + this.opts.drainSeconds * 1000;
    while (this.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const a of this.active) a.socket.destroy();
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    // Replies are flushed whole when a command batch is answered: waiting for ACKs (Nagle) only adds delay.
    socket.setNoDelay(true);
    const id = `${process.pid}.${++this.seq}`;
    const ep = endpointOf(socket);
    if (this.closing !== undefined) return this.refuse(socket, REPLY.shuttingDown);
    const busy = this.active.size + this.resolving;
    if (busy >= this.opts.concurrency) {
      this.log(`busy ${id} from ${ep.remoteIp}: ${busy}/${this.opts.concurrency}`);
      return this.refuse(socket, REPLY.busy);
    }
    const fromIp = this.perIpCount.get(ep.remoteIp) ?? 0;
    if (this.opts.perIp > 0 && fromIp >= this.opts.perIp) {
      this.log(`busy ${id} from ${ep.remoteIp}: ${fromIp} from this address`);
      return this.refuse(socket, REPLY.busyFromYou);
    }
    const mode = this.opts.remoteHost ?? 'off';
    if (mode === 'off') return this.admit(socket, id, ep);
    // The lookup holds a concurrency slot, so a flood of slow PTR lookups is bounded too.
    this.resolving++;
    void remoteHostOf(this.resolverFor(this.opts.env), ep.remoteIp, mode).then((remoteHost) => {
      this.resolving--;
      if (socket.destroyed) return;
      if (this.closing !== undefined) return this.refuse(socket, REPLY.shuttingDown);
      this.admit(socket, id, remoteHost === undefined ? ep : { ...ep, remoteHost });
    });
  }

  /** tcprules (ucspi-tcp's lookup order, =host rules too when the name is known), then the session. */
  private admit(socket: net.Socket, id: string, ep: Endpoint): void {
    let decision;
    try {
      const cdb = this.rules?.current();
      decision = cdb === undefined ? { allow: true, env: {} } : lookupRules(cdb, { ip: ep.remoteIp, host: ep.remoteHost });
    } catch (err) {
      this.log(`warning: unable to read rules ${this.rules?.file}: ${(err as Error).message}; dropping ${id}`);
      socket.destroy();
      return;
    }
    if (!decision.allow) {
      this.log(`deny ${id} ${this.who(ep, this.opts.localHost)}`);
      socket.destroy();
      return;
    }
    this.run(socket, id, ep, decision.env);
  }

  private run(socket: net.Socket, id: string, ep: Endpoint, ruleEnv: Readonly<Record<string, string>>): void {
    const entry: Active = { socket, stop: new AbortController() };
    this.active.add(entry);
    this.perIpCount.set(ep.remoteIp, (this.perIpCount.get(ep.remoteIp) ?? 0) + 1);
    this.log(`status: ${this.active.size}/${this.opts.concurrency}`);
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
    this.log(`ok ${id} ${this.who(ep, localHost)}`);
    runSession(
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
    )
      .catch((err: unknown) => {
        this.log(`warning: session ${id} failed: ${(err as Error)?.message ?? String(err)}`);
        return 1;
      })
      .then((code) => {
        this.active.delete(entry);
        const left = (this.perIpCount.get(ep.remoteIp) ?? 1) - 1;
        if (left > 0) this.perIpCount.set(ep.remoteIp, left);
        else this.perIpCount.delete(ep.remoteIp);
        linger(socket);
        this.log(`end ${id} status ${code}`);
        this.log(`status: ${this.active.size}/${this.opts.concurrency}`);
      });
  }

  private refuse(socket: net.Socket, reply: string): void {
    socket.end(`${reply}\r\n`);
    linger(socket);
  }

  /** tcpserver's "LOCALHOST:LOCALIP:PORT REMOTEHOST:REMOTEIP:INFO:PORT" (no host or info here). */
  private who(ep: Endpoint, localHost: string | undefined): string {
    return `${localHost ?? ''}:${ep.localIp}:${ep.localPort} ${ep.remoteHost ?? ''}:${ep.remoteIp}::${ep.remotePort}`;
  }

  private log(text: string): void {
    this.opts.sink.line(`qfront: ${text}`);
  }
}
