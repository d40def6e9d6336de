// The one DNS resolver of a qfront process (SPF now, SRS and DMARC later), configured from the
// environment (DNSCACHEIP, else /etc/resolv.conf) and created on first use, so a session that
// never needs DNS never pays for it. The listener shares one between all its sessions, which
// shares the cache too.

import { createResolver, type DnsAnswer, type RecordData, type Resolver, type RrType } from '../dns/index.js';
import type { ConnectionEnv } from '../smtp/index.js';

export class LazyResolver implements Resolver {
  private resolver: ReturnType<typeof createResolver> | undefined;

  constructor(private readonly env: ConnectionEnv) {}

  lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
    this.resolver ??= createResolver({ env: this.env });
    return this.resolver.lookup(name, type);
  }

  close(): void {
    this.resolver?.close();
    this.resolver = undefined;
  }
}
