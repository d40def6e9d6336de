// The Resolver qfront hands to SPF and friends: checks the name, serves from the cache, joins
// an identical query already in flight, else asks the servers (client.ts) and caches the result.
// lookup() never throws and never sends a name that failed checkName; answerNow() gives a cache
// hit without a promise. Nothing stays open while idle: sockets and timers exist only during a
// try, so an idle resolver never holds the process.

import { setMaxListeners } from 'node:events';
import { AnswerCache, cacheKey } from './cache.js';
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_MS, queryServers, type ClientSettings, type QueryOutcome } from './client.js';
import { loadServerConfig, parseServerList, type InvalidServerEntry, type ServerSource } from './config.js';
import { checkName } from './names.js';
import type { DnsServer } from './servers.js';
import type { DnsAnswer, RecordData, Resolver, RrType } from './types.js';

export interface ResolverOptions {
  /**
   * Servers to use instead of DNSCACHEIP/resolv.conf, each entry in DNSCACHEIP syntax
   * ("127.0.0.1:5353", "[::1]:53"); one string may hold several, separated as in DNSCACHEIP.
   */
  readonly servers?: string | readonly string[];
  /** Environment to read DNSCACHEIP from; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to /etc/resolv.conf. */
  readonly resolvConfPath?: string;
  /** Milliseconds per try; defaults to DEFAULT_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Rounds over the server list; defaults to DEFAULT_ATTEMPTS. */
  readonly attempts?: number;
  /** true (the default) or settings for the answer cache; false turns it off. */
  readonly cache?: boolean | { readonly maxEntries?: number };
  /** Clock for the cache, milliseconds; defaults to Date.now. */
  readonly now?: () => number;
  /** Told of every lookup and its answer, after the fact (qfront spf --trace). Must not throw. */
  readonly onLookup?: LookupObserver;
}

/** `fromCache` is true when no query was sent for this lookup (a cached answer). */
export type LookupObserver = (name: string, type: RrType, answer: DnsAnswer<unknown>, fromCache: boolean) => void;

export interface DnsCounters {
  /** lookup() calls. */
  lookups: number;
  /** Lookups answered from the cache. */
  cacheHits: number;
  /** Lookups that joined an identical query already in flight. */
  joined: number;
  /** Datagrams sent (one per UDP try). */
  udpQueries: number;
  /** TCP tries (after a truncated UDP reply). */
  tcpQueries: number;
}

export interface DnsResolver extends Resolver {
  readonly servers: readonly DnsServer[];
  /** Where the server list came from. */
  readonly serverSource: ServerSource;
  /** Server entries that were skipped, for the caller to log. */
  readonly invalidServers: readonly InvalidServerEntry[];
  /** Live counts since creation. */
  readonly counters: Readonly<DnsCounters>;
  /** Always there: a live cache entry (or a bad name, or being closed) is answered at once. */
  answerNow<T extends RrType>(name: string, type: T): DnsAnswer<RecordData[T]> | undefined;
  /** Ends running tries (their lookups get a 'network' error) and refuses further lookups. */
  close(): void;
}

/** Builds a resolver; throws RangeError only for a timeoutMs or attempts that make no sense. */
export function createResolver(options: ResolverOptions = {}): DnsResolver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, not ${timeoutMs}`);
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, not ${attempts}`);

  const config = serverConfig(options);
  const cache = options.cache === false ? undefined : new AnswerCache({ ...(options.cache === true ? {} : options.cache), now: options.now });
  const counters: DnsCounters = { lookups: 0, cacheHits: 0, joined: 0, udpQueries: 0, tcpQueries: 0 };
  const closing = new AbortController();
  // Every query in flight listens for close(); a busy listener has far more than Node's default 10.
  setMaxListeners(0, closing.signal);
  const settings: ClientSettings = { servers: config.servers, timeoutMs, attempts, signal: closing.signal, counters };
  const inFlight = new Map<string, Promise<QueryOutcome>>();

  const observe = (name: string, type: RrType, answer: DnsAnswer<unknown>, fromCache: boolean): DnsAnswer<unknown> => {
    try {
      options.onLookup?.(name, type, answer, fromCache);
    } catch {
      // An observer is for tracing; its bug must not turn into a DNS failure.
    }
    return answer;
  };

  /**
   * The answer when one can be given without a query (resolver closed, bad name, live cache
   * entry), counted and observed; undefined when the servers must be asked.
   */
  const answerAtOnce = (raw: string, type: RrType): DnsAnswer<unknown> | undefined => {
    if (closing.signal.aborted) return observe(raw, type, { kind: 'error', failure: 'network', detail: 'resolver closed' }, false);
    // Only names that passed checkName are stored, and its verdict ignores ASCII case: a hit
    // needs no second check (the hot path of a warm SPF check).
    const hit = cache?.get(raw.endsWith('.') ? raw.slice(0, -1) : raw, type);
    if (hit !== undefined) {
      counters.cacheHits++;
      return observe(raw, type, hit, true);
    }
    const checked = checkName(raw);
    if (!checked.ok) return observe(raw, type, { kind: 'error', failure: 'badname', detail: checked.detail }, false);
    return undefined;
  };

  const askServers = async (raw: string, type: RrType): Promise<DnsAnswer<unknown>> => {
    const name = raw.endsWith('.') ? raw.slice(0, -1) : raw;
    const key = cacheKey(name, type);
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = queryServers(settings, name, type)
        .catch((err: unknown): QueryOutcome => ({ answer: { kind: 'error', failure: 'network', detail: `internal error: ${String(err)}` }, ttl: undefined }))
        .then((outcome) => {
          inFlight.delete(key);
          if (outcome.ttl !== undefined) cache?.set(name, type, outcome.answer, outcome.ttl);
          return outcome;
        });
      inFlight.set(key, pending);
    } else {
      counters.joined++;
    }
    const outcome = await pending;
    return observe(raw, type, outcome.answer, false);
  };

  return {
    servers: config.servers,
    serverSource: config.source,
    invalidServers: config.invalid,
    counters,
    async lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
      counters.lookups++;
      return (answerAtOnce(name, type) ?? (await askServers(name, type))) as DnsAnswer<RecordData[T]>;
    },
    answerNow<T extends RrType>(name: string, type: T): DnsAnswer<RecordData[T]> | undefined {
      const now = answerAtOnce(name, type);
      if (now !== undefined) counters.lookups++;
      return now as DnsAnswer<RecordData[T]> | undefined;
    },
    close(): void {
      closing.abort();
      cache?.clear();
    },
  };
}

function serverConfig(options: ResolverOptions): { servers: readonly DnsServer[]; source: ServerSource; invalid: readonly InvalidServerEntry[] } {
  if (options.servers === undefined) return loadServerConfig({ env: options.env, resolvConfPath: options.resolvConfPath });
  const text = typeof options.servers === 'string' ? options.servers : options.servers.join(' ');
  const parsed = parseServerList(text);
  return { servers: parsed.servers, source: 'option', invalid: parsed.invalid.map((entry) => ({ source: 'option', entry })) };
}
