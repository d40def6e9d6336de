// Validated reverse names of the client (RFC 7208 5.5 steps, 4.6.4 PTR limit, 7.3 %{p}).
// Contract: a name "validates" when its A/AAAA records contain the client address; only the
// first 10 PTR names are ever considered. DNS errors never escape: for the ptr mechanism a PTR
// failure means no match and an address failure skips that name; for %{p} they give "unknown".

import { reverseName, type DnsAnswer } from '../dns/index.js';
import { query, type Context } from './context.js';
import { isAtOrBelow, sameName, withoutTrailingDot } from './domain.js';
import { inPrefix, parseRecordAddress } from './ip.js';
import { then, type Later } from './later.js';
import { MAX_PTR_NAMES } from './limits.js';

/** The PTR query for the client address. */
export function ptrLookup(ctx: Context): Later<DnsAnswer<string>> {
  return query(ctx, reverseName(ctx.ip.bytes), 'PTR');
}

/** The names a PTR answer offers, in answer order, cut to the first 10 (4.6.4). */
export function firstPtrNames(answer: DnsAnswer<string>): string[] {
  if (answer.kind !== 'records') return [];
  return answer.records.slice(0, MAX_PTR_NAMES).map(withoutTrailingDot);
}

/** True when `name` has an address record equal to the client's; a DNS error is false (5.5). */
export async function hasClientAddress(ctx: Context, name: string): Promise<boolean> {
  const family = ctx.ip.family;
  const answer = await query(ctx, name, family === 4 ? 'A' : 'AAAA');
  if (answer.kind !== 'records') return false;
  return answer.records.some((text) => {
    const bytes = parseRecordAddress(text, family);
    return bytes !== undefined && inPrefix(bytes, ctx.ip.bytes, bytes.length * 8);
  });
}

async function computeValidatedNames(ctx: Context): Promise<readonly string[]> {
  const names = firstPtrNames(await ptrLookup(ctx));
  const out: string[] = [];
  for (const name of names) if (await hasClientAddress(ctx, name)) out.push(name);
  return out;
}

/**
 * %{p} for the record at `domain`: the domain itself if it validates, else a validated name
 * below it, else the first validated name, else "unknown" (7.3). The lookups run once per check.
 */
export function validatedName(ctx: Context, domain: string): Later<string> {
  ctx.validatedNames ??= computeValidatedNames(ctx);
  return then(ctx.validatedNames, (names) =>
    names.find((n) => sameName(n, domain)) ??
    names.find((n) => isAtOrBelow(n, domain)) ??
    names[0] ??
    'unknown',
  );
}
