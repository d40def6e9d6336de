// Evaluating one mechanism against the client (RFC 7208 5.1, 5.3-5.7); "include" lives with the
// record evaluator because it recurses. Contract: each function returns match, no match, or a
// Failure (temperror for DNS errors, permerror for limits); none of them throws. DNS-querying
// mechanisms are counted against the 10-term limit before they query, voids after (4.6.4).

import type { DnsAnswer, MxData } from '../dns/index.js';
import { countDnsTerm, countVoid, dnsProblem, permerror, query, temperror, type Context, type Failure } from './context.js';
import { isAtOrBelow, withoutTrailingDot } from './domain.js';
import { expandTarget } from './expand.js';
import { inPrefix, parseRecordAddress } from './ip.js';
import { then, type Later } from './later.js';
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

function target(ctx: Context, spec: MacroString | undefined, domain: string): Later<string> {
  return spec === undefined ? domain : expandTarget(ctx, spec, domain);
}

/** True when one of the address records is within `prefix` bits of the client (5.3, 5.4). */
function anyInPrefix(ctx: Context, records: readonly string[], prefix: number): boolean {
  for (const text of records) {
    const bytes = parseRecordAddress(text, ctx.ip.family);
    if (bytes !== undefined && inPrefix(bytes, ctx.ip.bytes, prefix)) return true;
  }
  return false;
}

/** An address answer that is not a DNS error, or the Failure it became. */
type Addresses = Exclude<DnsAnswer<string>, { readonly kind: 'error' }> | Failure;

/** Address lookup of one name: its records, or a Failure for a DNS error. */
function addresses(ctx: Context, name: string): Later<Addresses> {
  const type = addressType(ctx);
  return then(query(ctx, name, type), (answer) => (answer.kind === 'error' ? temperror(dnsProblem(answer, type, name)) : answer));
}

function evaluateA(ctx: Context, domain: string, m: AddressArgs): Later<TermOutcome> {
  return then(target(ctx, m.domain, domain), (name) =>
    then(addresses(ctx, name), (got) => {
      if (got.kind === 'error') return got;
      const voided = countVoid(ctx, got);
      if (voided !== undefined) return voided;
      const prefix = ctx.ip.family === 4 ? m.cidr4 : m.cidr6;
      return got.kind === 'records' && anyInPrefix(ctx, got.records, prefix) ? MATCH : NO_MATCH;
    }),
  );
}

// Per MX answer, which the DNS cache hands out as the same array while it keeps it.
const hostsOfAnswer = new WeakMap<readonly MxData[], readonly string[]>();

function mailHosts(records: readonly MxData[]): readonly string[] {
  let hosts = hostsOfAnswer.get(records);
  if (hosts === undefined) {
    // Preference order only makes traces readable: every host is checked anyway.
    hosts = [...records]
      .sort((x, y) => x.preference - y.preference)
      .map((r) => withoutTrailingDot(r.exchange))
      .filter((name) => name !== ''); // a null MX (RFC 7505) names no host
    hostsOfAnswer.set(records, Object.freeze(hosts));
  }
  return hosts;
}

function evaluateMx(ctx: Context, domain: string, m: AddressArgs): Later<TermOutcome> {
  return then(target(ctx, m.domain, domain), (name) =>
    then(query(ctx, name, 'MX'), (answer) => {
      if (answer.kind === 'error') return temperror(dnsProblem(answer, 'MX', name));
      const voided = countVoid(ctx, answer);
      if (voided !== undefined) return voided;
      if (answer.kind !== 'records') return NO_MATCH; // 5.4: never fall back to the name's own A record
      // 4.6.4: more than 10 MX names is the publisher's error, whatever the client's address.
      if (answer.records.length > MAX_MX_NAMES) return permerror(`${name} has more than ${MAX_MX_NAMES} MX records`);
      return anyHostMatches(ctx, mailHosts(answer.records), 0, ctx.ip.family === 4 ? m.cidr4 : m.cidr6);
    }),
  );
}

/** The mail hosts from `from` on, in order, until one has an address in the prefix. */
function anyHostMatches(ctx: Context, hosts: readonly string[], from: number, prefix: number): Later<TermOutcome> {
  for (let k = from; k < hosts.length; k++) {
    const got = addresses(ctx, hosts[k] ?? '');
    if (got instanceof Promise) return got.then((g) => hostOutcome(ctx, g, prefix) ?? anyHostMatches(ctx, hosts, k + 1, prefix));
    const decided = hostOutcome(ctx, got, prefix);
    if (decided !== undefined) return decided;
  }
  return NO_MATCH;
}

/** One mail host's addresses: a DNS error ends the term, a match decides it, else undefined. */
function hostOutcome(ctx: Context, got: Addresses, prefix: number): TermOutcome | undefined {
  if (got.kind === 'error') return got;
  return got.kind === 'records' && anyInPrefix(ctx, got.records, prefix) ? MATCH : undefined;
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

function evaluateExists(ctx: Context, domain: string, m: { readonly domain: MacroString }): Later<TermOutcome> {
  return then(target(ctx, m.domain, domain), (name) =>
    // 5.7: always an A query, whatever the client's address family.
    then(query(ctx, name, 'A'), (answer) => {
      if (answer.kind === 'error') return temperror(dnsProblem(answer, 'A', name));
      const voided = countVoid(ctx, answer);
      if (voided !== undefined) return voided;
      return answer.kind === 'records' && answer.records.length > 0 ? MATCH : NO_MATCH;
    }),
  );
}

/** Every mechanism but include, evaluated for the record of `domain`. */
export function evaluateMechanism(
  ctx: Context,
  domain: string,
  m: Exclude<Mechanism, { kind: 'include' }>,
): Later<TermOutcome> {
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
