// The state of one check_host() run shared by every record it visits: the inputs the macros
// need, the DNS-term and void-lookup counters (RFC 7208 4.6.4), the elapsed-time budget, and the
// single door to DNS, which also writes the trace. Contract: query() never throws and never
// returns anything but a DnsAnswer; an unusable name is answered as NXDOMAIN without asking DNS.

import type { DnsAnswer, DnsFailure, MxData, RecordData, Resolver, RrType } from '../dns/index.js';
import { isQueryable } from './domain.js';
import type { IpAddress } from './ip.js';
import { MAX_DNS_TERMS, MAX_ELAPSED_MS, MAX_VOID_LOOKUPS } from './limits.js';

export interface Context {
  readonly ip: IpAddress;
  /** %{s}, %{l}, %{o}: the sender as checked (postmaster@helo for the HELO identity). */
  readonly sender: string;
  readonly localPart: string;
  readonly senderDomain: string;
  /** %{h} */
  readonly helo: string;
  /** %{r} */
  readonly receiver: string;
  readonly resolver: Resolver;
  readonly trace: ((line: string) => void) | undefined;
  /** Seconds since the epoch, for %{t}. */
  readonly now: () => number;
  /** Date.now() after which no further DNS query is sent. */
  readonly deadline: number;
  dnsTerms: number;
  voidLookups: number;
  /** Include nesting, for indenting trace lines. */
  depth: number;
  /** PTR names of the client that validate, computed once for %{p} (7.3). */
  validatedNames?: Promise<readonly string[]>;
}

/** A term's exception: the check stops with this result (4.6.2). */
export interface Failure {
  readonly kind: 'error';
  readonly result: 'temperror' | 'permerror';
  readonly problem: string;
}

export function temperror(problem: string): Failure {
  return { kind: 'error', result: 'temperror', problem };
}

export function permerror(problem: string): Failure {
  return { kind: 'error', result: 'permerror', problem };
}

export function traceLine(ctx: Context, line: string): void {
  ctx.trace?.(`${'  '.repeat(ctx.depth)}${line}`);
}

/** Latin1 text made printable for traces and problem texts: controls and 8-bit octets as \xNN. */
export function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c >= 0x7f || ch === '\\' ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

export function quoted(text: string): string {
  return `"${printable(text).replace(/"/g, '\\"')}"`;
}

function summary<T extends RrType>(type: T, answer: DnsAnswer<RecordData[T]>): string {
  switch (answer.kind) {
    case 'nxdomain':
      return 'NXDOMAIN';
    case 'nodata':
      return 'no records';
    case 'error':
      return `error: ${answer.failure}${answer.detail === '' ? '' : ` (${printable(answer.detail)})`}`;
    case 'records': {
      if (answer.records.length === 0) return 'no records';
      const items = answer.records.map((r) => {
        if (type === 'TXT') return quoted((r as RecordData['TXT']).join(''));
        if (type === 'MX') return `${(r as MxData).preference} ${printable((r as MxData).exchange) || '.'}`;
        return printable(r as string);
      });
      return items.join(type === 'TXT' ? ' | ' : ', ');
    }
  }
}

const FAILURE_WORDS: Readonly<Record<DnsFailure, string>> = {
  timeout: 'DNS timeout',
  servfail: 'DNS server failure',
  refused: 'DNS query refused',
  network: 'DNS network error',
  malformed: 'Malformed DNS answer',
  badname: 'Bad DNS name',
};

/** The problem text for a DNS failure ("DNS timeout on TXT example.com"). */
export function dnsProblem(answer: { readonly failure: DnsFailure }, type: RrType, name: string): string {
  return `${FAILURE_WORDS[answer.failure]} on ${type} ${printable(name)}`;
}

/** One DNS query, traced. Names that cannot be asked for are NXDOMAIN; a throw is an error. */
export async function query<T extends RrType>(ctx: Context, name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
  let answer: DnsAnswer<RecordData[T]>;
  if (!isQueryable(name)) {
    answer = { kind: 'nxdomain' };
    traceLine(ctx, `dns ${type} ${quoted(name)}: not a valid DNS name, treated as NXDOMAIN`);
    return answer;
  }
  if (Date.now() > ctx.deadline) {
    answer = { kind: 'error', failure: 'timeout', detail: `SPF check ran over ${MAX_ELAPSED_MS / 1000} s` };
  } else {
    try {
      answer = await ctx.resolver.lookup(name, type);
    } catch (err) {
      answer = { kind: 'error', failure: 'network', detail: err instanceof Error ? err.message : String(err) };
    }
  }
  if (answer.kind === 'error' && answer.failure === 'badname') {
    traceLine(ctx, `dns ${type} ${printable(name)}: ${summary(type, answer)}, treated as NXDOMAIN`);
    return { kind: 'nxdomain' };
  }
  traceLine(ctx, `dns ${type} ${printable(name)}: ${summary(type, answer)}`);
  return answer;
}

/** True for the answers 4.6.4 calls void: NXDOMAIN, or no records of the type. */
export function isVoid(answer: DnsAnswer<unknown>): boolean {
  return answer.kind === 'nxdomain' || answer.kind === 'nodata' || (answer.kind === 'records' && answer.records.length === 0);
}

/** Counts a DNS-querying term; the 11th is a permerror (4.6.4). */
export function countDnsTerm(ctx: Context): Failure | undefined {
  ctx.dnsTerms++;
  return ctx.dnsTerms > MAX_DNS_TERMS ? permerror(`More than ${MAX_DNS_TERMS} DNS-querying terms`) : undefined;
}

/** Counts a term's void answer; the third is a permerror (4.6.4). */
export function countVoid(ctx: Context, answer: DnsAnswer<unknown>): Failure | undefined {
  if (!isVoid(answer)) return undefined;
  ctx.voidLookups++;
  return ctx.voidLookups > MAX_VOID_LOOKUPS ? permerror(`More than ${MAX_VOID_LOOKUPS} void DNS lookups`) : undefined;
}

/** The counters as trace lines show them. */
export function counters(ctx: Context): string {
  return `dns terms ${ctx.dnsTerms}/${MAX_DNS_TERMS}, void ${ctx.voidLookups}/${MAX_VOID_LOOKUPS}`;
}
