// Answers kept for their TTL, keyed by ASCII-lower-cased name and type. Records live for the
// TTL the resolver computed (minimum over the records used); NXDOMAIN and NODATA for the SOA
// negative TTL (RFC 2308 section 5). Failures are never stored. Bounded: when full, the oldest
// entry goes. Time comes from an injectable clock so tests can age entries without waiting.

import { nameKey } from './names.js';
import type { DnsAnswer, RrType } from './types.js';

/** Longest time any answer is kept, in seconds: one day, whatever TTL the zone asks for. */
export const MAX_CACHE_TTL = 86_400;
/** Longest time an NXDOMAIN or NODATA is kept, in seconds (RFC 2308 section 5: one to three hours). */
export const MAX_NEGATIVE_TTL = 10_800;
/** Entries held by default before the oldest is dropped. */
export const DEFAULT_CACHE_ENTRIES = 10_000;

export interface AnswerCacheOptions {
  /** At least 1; defaults to DEFAULT_CACHE_ENTRIES. */
  readonly maxEntries?: number;
  /** Milliseconds, like Date.now (the default). */
  readonly now?: () => number;
}

interface Entry {
  readonly answer: DnsAnswer<unknown>;
  /** now() value at which the entry stops being served. */
  readonly expires: number;
}

export class AnswerCache {
  readonly maxEntries: number;
  private readonly now: () => number;
  // Map iteration follows insertion order, so the first key is always the oldest entry.
  private readonly entries = new Map<string, Entry>();

  constructor(options: AnswerCacheOptions = {}) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_CACHE_ENTRIES));
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The stored answer if it has not expired. */
  get(name: string, type: RrType): DnsAnswer<unknown> | undefined {
    const key = cacheKey(name, type);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expires) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.answer;
  }

  /** Stores `answer` for `ttlSeconds` (capped); failures and TTLs of 0 are not stored. */
  set(name: string, type: RrType, answer: DnsAnswer<unknown>, ttlSeconds: number): void {
    if (answer.kind === 'error') return;
    const cap = answer.kind === 'records' ? MAX_CACHE_TTL : MAX_NEGATIVE_TTL;
    const ttl = Math.min(ttlSeconds, cap);
    if (!(ttl > 0)) return;
    const key = cacheKey(name, type);
    // Deleting first moves a refreshed key to the young end of the insertion order.
    this.entries.delete(key);
    this.entries.set(key, { answer, expires: this.now() + ttl * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Also the in-flight dedupe key: same name (ASCII case-insensitive) and same type. */
export function cacheKey(name: string, type: RrType): string {
  return `${type} ${nameKey(name)}`;
}
