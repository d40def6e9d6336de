// Evaluating one mechanism against the client (RFC 7208 5.1, 5.3-5.7); "include" lives with the
// record evaluator because it recurses. Contract: each function returns match, no match, or a
// Failure (temperror for DNS errors, permerror for limits); none of them throws. DNS-querying
// mechanisms are counted against the 10-term limit before they query, voids after (4.6.4).

import type { DnsAnswer, MxData } from '../dns/index.js';
import { countDnsTerm, countVoid, dnsProblem, permerror, query, temperror, type Context, type Failure } from './context.js';
import { isAtOrBelow, withoutTrailingDot } from './domain.js';
import { expandTarget } from './expand.js';
import { inPrefix, parseRecordAddress } from './ip.js';
import { MAX_MX_NAMES } from './limits.js';
import type { MacroString } from './macro.js';
import { firstPtrNames, hasClientAddress, ptrLookup } from './ptr.js';
import type { AddressArgs, Mechanism } from './record.js';

export type TermOutcome =
  | { readonly kind: 'match'; readonly note?: string }
  | { readonly kind: 'nomatch'; readonly note?: string }
  | Failure;

const MATCH: TermOutcome = { kind: 'match' };
const NO_MATCH: TermOutcome = { kind: 'nomatch' };

function addressType(ctx: Context): 'A' | 'AAAA' {
  return ctx.ip.family === 4 ? 'A' : 'AAAA';
}

function target(ctx: Context, spec: MacroString | undefined, domain: string): Promise<string> {
  return spec === undefined ? Promise.resolve(domain) : expandTarget(ctx, spec, domain);
}

/** True when one of the address records is within `prefix` bits of the client (5.3, 5.4). */
function anyInPrefix(ctx: Context, records: readonly string[], prefix: number): boolean {
  return records.some((text) => {
    const bytes = parseRecordAddress(text, ctx.ip.family);
    return bytes !== undefined && inPrefix(bytes, ctx.ip.bytes, prefix);
  });
}

/** Address lookup of one name: its records, or a Failure for a DNS error. */
async function addresses(ctx: Context, name: string): Promise<{ answer: DnsAnswer<string> } | Failure> {
  const type = addressType(ctx);
  const answer = await query(ctx, name, type);
  return answer.kind === 'error' ? temperror(dnsProblem(answer, type, name)) : { answer };
}

async function evaluateA(ctx: Context, domain: string, m: AddressArgs): Promise<TermOutcome> {
  const name = await target(ctx, m.domain, domain);
  const got = await addresses(ctx, name);
  if ('kind' in got) return got;
  const voided = countVoid(ctx, got.answer);
  if (voided !== undefined) return voided;
  const prefix = ctx.ip.family === 4 ? m.cidr4 : m.cidr6;
  return got.answer.kind === 'records' && anyInPrefix(ctx, got.answer.records, prefix) ? MATCH : NO_MATCH;
}

function mailHosts(records: readonly MxData[]): string[] {
  // Preference order only makes traces readable: every host is checked anyway.
  return [...records]
    .sort((x, y) => x.preference - y.preference)
    .map((r) => withoutTrailingDot(r.exchange))
    .filter((name) => name !== ''); // a null MX (RFC 7505) names no host
}

async function evaluateMx(ctx: Context, domain: string, m: AddressArgs): Promise<TermOutcome> {
  const name = await target(ctx, m.domain, domain);
  const answer = await query(ctx, name, 'MX');
  if (answer.kind === 'error') return temperror(dnsProblem(answer, 'MX', name));
  const voided = countVoid(ctx, answer);
  if (voided !== undefined) return voided;
  if (answer.kind !== 'records') return NO_MATCH; // 5.4: never fall back to the name's own A record
  // 4.6.4: more than 10 MX names is the publisher's error, whatever the client's address.
  if (answer.records.length > MAX_MX_NAMES) return permerror(`${name} has more than ${MAX_MX_NAMES} MX records`);
  const prefix = ctx.ip.family === 4 ? m.cidr4 : m.cidr6;
  for (const host of mailHosts(answer.records)) {
    const got = await addresses(ctx, host);
    if ('kind' in got) return got;
    if (got.answer.kind === 'records' && anyInPrefix(ctx, got.answer.records, prefix)) return MATCH;
  }
  return NO_MATCH;
}

async function evaluatePtr(ctx: Context, domain: string, m: { readonly domain?: MacroString }): Promise<TermOutcome> {
  const name = await target(ctx, m.domain, domain);
  const answer = await ptrLookup(ctx);
  // 5.5: a failed PTR lookup is simply no match (the client, not the sender, owns that zone).
  if (answer.kind === 'error') return { kind: 'nomatch', note: 'PTR lookup failed' };
  const voided = countVoid(ctx, answer);
  if (voided !== undefined) return voided;
  // Only names at or below the target can match, so only they are validated.
  for (const candidate of firstPtrNames(answer).filter((n) => isAtOrBelow(n, name))) {
    if (await hasClientAddress(ctx, candidate)) return { kind: 'match', note: `validated ${candidate}` };
  }
  return NO_MATCH;
}

async function evaluateExists(ctx: Context, domain: string, m: { readonly domain: MacroString }): Promise<TermOutcome> {
  const name = await target(ctx, m.domain, domain);
  // 5.7: always an A query, whatever the client's address family.
  const answer = await query(ctx, name, 'A');
  if (answer.kind === 'error') return temperror(dnsProblem(answer, 'A', name));
  const voided = countVoid(ctx, answer);
  if (voided !== undefined) return voided;
  return answer.kind === 'records' && answer.records.length > 0 ? MATCH : NO_MATCH;
}

/** Every mechanism but include, evaluated for the record of `domain`. */
export async function evaluateMechanism(
  ctx: Context,
  domain: string,
  m: Exclude<Mechanism, { kind: 'include' }>,
): Promise<TermOutcome> {
  switch (m.kind) {
    case 'all':
      return MATCH;
    case 'ip4':
    case 'ip6':
      // 5/9: an IPv4 client (mapped ones included) only ever matches ip4, an IPv6 one ip6.
      if ((m.kind === 'ip4') !== (ctx.ip.family === 4)) return NO_MATCH;
      return inPrefix(m.network, ctx.ip.bytes, m.prefix) ? MATCH : NO_MATCH;
    default: {
      const counted = countDnsTerm(ctx);
      if (counted !== undefined) return counted;
      if (m.kind === 'a') return evaluateA(ctx, domain, m);
      if (m.kind === 'mx') return evaluateMx(ctx, domain, m);
      if (m.kind === 'ptr') return evaluatePtr(ctx, domain, m);
      return evaluateExists(ctx, domain, m);
    }
  }
}
