// The listener door: a long-running "built-in tcpserver". For each connection it does what
// `tcpserver -x rules.cdb -c N -H -R` does (concurrency limit, tcprules allow/deny and VAR=value,
// the UCSPI-TCP environment), then hands the socket to its SessionHost. Also: a per-IP limit,
// SIGHUP-style reload(), and a draining shutdown(). A worker of `--workers N` runs one too, on
// the sockets the first one bound (adopt()). One session's failure never touches another.

import * as net from 'node:net';
import type { LogSink } from '../log/index.js';
import type { Resolver } from '../dns/index.js';
import { REPLY } from '../smtp/index.js';
import { remoteHostOf, type RemoteHostMode } from './remote-host.js';
import { RulesFile } from './rules-file.js';
import { linger, who, type SessionHost } from './session-host.js';
import type { SharedCounts } from './shared-counts.js';
import { endpointOf, type Endpoint } from './tcp-env.js';
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
  /** Where admitted sessions run. */
  readonly host: SessionHost;
  /** For PTR lookups (--remote-host): the daemon's resolver, whose cache sessions share. */
  readonly resolver: Resolver;
  readonly sink: LogSink;
  /** Seconds shutdown() waits for sessions in DATA before cutting them off. */
  readonly drainSeconds: number;
  /** TCPREMOTEHOST from DNS, as tcpserver -h (-p for paranoid); default off, as -H. */
  readonly remoteHost?: RemoteHostMode;
  /** --local-host, for the deny log line only (sessions read control/me themselves). */
  readonly localHost?: string;
  /** With --workers: the other processes' session counts, so --concurrency holds for all. */
  readonly counts?: SharedCounts;
}

/**
 * Connections the kernel may hold before we accept them (capped by net.core.somaxconn). Node's
 * default of 511 drops handshakes in a burst, and those clients then wait seconds in silence.
 */
const LISTEN_BACKLOG = 4096;

export class Listener {
  private readonly servers: net.Server[] = [];
  private active = 0;
  private readonly perIpCount = new Map<string, number>();
  /** Connections waiting for their PTR lookup: they count against the concurrency limit. */
  private resolving = 0;
  private readonly rules: RulesFile | undefined;
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: ListenerOptions) {
    this.rules = opts.rulesFile === undefined ? undefined : new RulesFile(opts.rulesFile);
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

  /** The bound sockets, to pass to worker processes. */
  get listening(): readonly net.Server[] {
    return this.servers;
  }

  /** In a worker: accept on a socket the first listener bound and passed over. */
  adopt(server: net.Server): void {
    server.on('connection', (socket: net.Socket) => this.accept(socket));
    server.on('error', (err) => this.log(`warning: ${err.message}`));
    this.servers.push(server);
  }

  /** SIGHUP: forget cached control files and rules (they are also re-checked per connection). */
  reload(): void {
    this.opts.host.reload();
    this.rules?.flush();
    this.log('reload: control and rules caches flushed');
  }

  get sessions(): number {
    return this.active;
  }

  /** SIGTERM: stop accepting, let sessions finish their message, then close the rest. */
  shutdown(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    // server.close() only calls back once every connection is gone: stop accepting, don't wait.
    for (const s of this.servers) s.close();
    await this.opts.host.drain(Date.now() + this.opts.drainSeconds * 1000);
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    // Replies are flushed whole when a command batch is answered: waiting for ACKs (Nagle) only adds delay.
    socket.setNoDelay(true);
    const id = `${process.pid}.${++this.seq}`;
    const ep = endpointOf(socket);
    if (this.closing !== undefined) return this.refuse(socket, REPLY.shuttingDown);
    const busy = this.active + this.resolving + (this.opts.counts?.others() ?? 0);
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
    void remoteHostOf(this.opts.resolver, ep.remoteIp, mode).then((remoteHost) => {
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
      this.log(`deny ${id} ${who(ep, this.opts.localHost)}`);
      socket.destroy();
      return;
    }
    this.active++;
    this.opts.counts?.set(this.active);
    this.perIpCount.set(ep.remoteIp, fromIpPlus(this.perIpCount, ep.remoteIp, 1));
    this.log(`status: ${this.active}/${this.opts.concurrency}`);
    void this.opts.host.run(socket, { id, ep, ruleEnv: decision.env }).then(() => {
      this.active--;
      this.opts.counts?.set(this.active);
      const left = fromIpPlus(this.perIpCount, ep.remoteIp, -1);
      if (left > 0) this.perIpCount.set(ep.remoteIp, left);
      else this.perIpCount.delete(ep.remoteIp);
      this.log(`status: ${this.active}/${this.opts.concurrency}`);
    });
  }

  private refuse(socket: net.Socket, reply: string): void {
    socket.end(`${reply}\r\n`);
    linger(socket);
  }

  private log(text: string): void {
    this.opts.sink.line(`qfront: ${text}`);
  }
}

function fromIpPlus(counts: ReadonlyMap<string, number>, ip: string, n: number): number {
  return (counts.get(ip) ?? 0) + n;
}
