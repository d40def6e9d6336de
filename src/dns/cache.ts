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
  readonly type: RrType;
  /** The name as nameKey() gives it. */
  readonly key: string;
  readonly answer: DnsAnswer<unknown>;
  /** now() value at which the entry stops being served. */
  readonly expires: number;
}

export class AnswerCache {
  readonly maxEntries: number;
  private readonly now: () => number;
  // One map per type, keyed by the name itself: a hit builds no key string, and names that
  // come back as the same string (from cached records) are hashed only once.
  private readonly byType = new Map<RrType, Map<string, Entry>>();
  // Set iteration follows insertion order, so the first entry is always the oldest one.
  private readonly age = new Set<Entry>();

  constructor(options: AnswerCacheOptions = {}) {
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? DEFAULT_CACHE_ENTRIES));
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.age.size;
  }

  /** The stored answer if it has not expired. */
  get(name: string, type: RrType): DnsAnswer<unknown> | undefined {
    const names = this.byType.get(type);
    if (names === undefined) return undefined;
    // Keys are lower-case, so a name found as it is needs no folding (the usual case).
    let entry = names.get(name);
    if (entry === undefined) {
      const key = nameKey(name);
      if (key !== name) entry = names.get(key);
    }
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expires) {
      this.drop(entry);
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
    const key = nameKey(name);
    let names = this.byType.get(type);
    if (names === undefined) {
      names = new Map();
      this.byType.set(type, names);
    }
    // Dropping first moves a refreshed name to the young end of the age order.
    const old = names.get(key);
    if (old !== undefined) this.drop(old);
    const entry: Entry = { type, key, answer, expires: this.now() + ttl * 1000 };
    names.set(key, entry);
    this.age.add(entry);
    while (this.age.size > this.maxEntries) {
      const oldest = this.age.values().next();
      if (oldest.done === true) break;
      this.drop(oldest.value);
    }
  }

  clear(): void {
    this.byType.clear();
    this.age.clear();
  }

  private drop(entry: Entry): void {
    this.age.delete(entry);
    const names = this.byType.get(entry.type);
    if (names?.get(entry.key) === entry) names.delete(entry.key);
  }
}

/** Also the in-flight dedupe key: same name (ASCII case-insensitive) and same type. */
export function cacheKey(name: string, type: RrType): string {
  return `${type} ${nameKey(name)}`;
}
