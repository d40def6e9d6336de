// The one DNS resolver of a qfront process (SPF now, SRS and DMARC later), configured from the
// environment (DNSCACHEIP, else /etc/resolv.conf) and created on first use, so a session that
// never needs DNS never loads the DNS client. The listener shares one between all its sessions, which
// shares the cache too.

import type { DnsAnswer, DnsResolver, RecordData, Resolver, RrType } from '../dns/index.js';
import type { ConnectionEnv } from '../smtp/index.js';

export class LazyResolver implements Resolver {
  private resolver: Promise<DnsResolver> | undefined;
  /** The resolver once loaded: cache hits are then answered without a promise. */
  private ready: DnsResolver | undefined;
  private closed = false;

  constructor(private readonly env: ConnectionEnv) {}

  answerNow<T extends RrType>(name: string, type: T): DnsAnswer<RecordData[T]> | undefined {
    return this.ready?.answerNow(name, type);
  }

  async lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
    this.resolver ??= import('../dns/index.js').then((dns) => {
      this.ready = dns.createResolver({ env: this.env });
      return this.ready;
    });
    const resolver = await this.resolver;
    if (this.closed) resolver.close();
    return resolver.lookup(name, type);
  }

  close(): void {
    this.closed = true;
    void this.resolver?.then((r) => r.close());
  }
}
