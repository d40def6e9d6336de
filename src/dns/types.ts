// The resolver contract every DNS user (SPF, SRS, later DMARC) programs against: a name and a
// type in, an answer value out. An answer keeps NXDOMAIN, NODATA and failure apart, because SPF
// counts the first two as "void" and turns the third into temperror.
// Never throws for anything the network or a server does: failures are values.

/** The record types qfront asks for. */
export type RrType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR';

export interface MxData {
  readonly preference: number;
  readonly exchange: string;
}

/**
 * Record data per type. Names have no trailing dot. Names from replies are read as UTF-8 (bad
 * sequences as U+FFFD), so one with octets above 0x7F never passes checkName or equals an ASCII name.
 */
export interface RecordData {
  readonly A: string;
  readonly AAAA: string;
  readonly MX: MxData;
  /** One TXT RR: its character-strings, each a latin1 string, not joined. */
  readonly TXT: readonly string[];
  readonly PTR: string;
}

export type DnsFailure = 'timeout' | 'servfail' | 'refused' | 'network' | 'malformed' | 'badname';

export type DnsAnswer<T> =
  | { readonly kind: 'records'; readonly records: readonly T[] }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'nodata' }
  | { readonly kind: 'error'; readonly failure: DnsFailure; readonly detail: string };

export interface Resolver {
  /** Records of `type` at `name`, following CNAMEs as a recursive resolver does. */
  lookup<T extends RrType>(name: string, type: T): Promise<DnsAnswer<RecordData[T]>>;
  /**
   * What lookup() would answer, when that needs no query (a live cache entry, a bad name, a
   * closed resolver), given synchronously and counted as a lookup; else undefined, nothing sent
   * or counted, and the caller uses lookup(). Optional: a warm SPF check runs without promises.
   */
  answerNow?<T extends RrType>(name: string, type: T): DnsAnswer<RecordData[T]> | undefined;
}
