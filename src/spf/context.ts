// The state of one check_host() run shared by every record it visits: the inputs the macros
// need, the DNS-term and void-lookup counters (RFC 7208 4.6.4), the elapsed-time budget, and the
// single door to DNS, which also writes the trace. Contract: query() never throws and gives a
// DnsAnswer (at once when the resolver has it, else a promise that never rejects); an unusable
// name is answered as NXDOMAIN without asking DNS.

import type { DnsAnswer, DnsFailure, MxData, RecordData, Resolver, RrType } from '../dns/index.js';
import { isQueryable } from './domain.js';
import type { IpAddress } from './ip.js';
import type { Later } from './later.js';
import type { MacroValues } from './macro.js';
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
  validatedNames?: Later<readonly string[]>;
  /** The macro values that stay the same for the whole check, made on first use (7.3). */
  checkMacros?: MacroValues;
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

/** True when someone reads the trace: build trace text only then (it costs more than the check). */
export function tracing(ctx: Context): boolean {
  return ctx.trace !== undefined;
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

/**
 * One DNS query, traced. Names that cannot be asked for are NXDOMAIN; a throw is an error.
 * Synchronous when the resolver can answer at once (a warm cache), so a warm check allocates
 * no promise per query.
 */
export function query<T extends RrType>(ctx: Context, name: string, type: T): Later<DnsAnswer<RecordData[T]>> {
  if (!isQueryable(name)) {
    if (tracing(ctx)) traceLine(ctx, `dns ${type} ${quoted(name)}: not a valid DNS name, treated as NXDOMAIN`);
    return NXDOMAIN;
  }
  if (Date.now() > ctx.deadline) {
    return answered(ctx, name, type, { kind: 'error', failure: 'timeout', detail: `SPF check ran over ${MAX_ELAPSED_MS / 1000} s` });
  }
  let now: DnsAnswer<RecordData[T]> | undefined;
  try {
    now = ctx.resolver.answerNow?.(name, type);
  } catch (err) {
    now = networkError(err);
  }
  return now !== undefined ? answered(ctx, name, type, now) : askResolver(ctx, name, type);
}

const NXDOMAIN: DnsAnswer<never> = { kind: 'nxdomain' };

function networkError(err: unknown): DnsAnswer<never> {
  return { kind: 'error', failure: 'network', detail: err instanceof Error ? err.message : String(err) };
}

async function askResolver<T extends RrType>(ctx: Context, name: string, type: T): Promise<DnsAnswer<RecordData[T]>> {
  let answer: DnsAnswer<RecordData[T]>;
  try {
    answer = await ctx.resolver.lookup(name, type);
  } catch (err) {
    answer = networkError(err);
  }
  return answered(ctx, name, type, answer);
}

/** The resolver's answer as SPF takes it: a bad name is NXDOMAIN (see domain.ts isQueryable). */
function answered<T extends RrType>(ctx: Context, name: string, type: T, answer: DnsAnswer<RecordData[T]>): DnsAnswer<RecordData[T]> {
  if (answer.kind === 'error' && answer.failure === 'badname') {
    if (tracing(ctx)) traceLine(ctx, `dns ${type} ${printable(name)}: ${summary(type, answer)}, treated as NXDOMAIN`);
    return NXDOMAIN;
  }
  if (tracing(ctx)) traceLine(ctx, `dns ${type} ${printable(name)}: ${summary(type, answer)}`);
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
