// check_host() for one SMTP transaction (RFC 7208 2.3-2.4, 4), with qmail-spf's local rules and
// guess (spec qmail-smtpd.md 3.8.6). Contract: always resolves to an SpfOutcome — DNS failures
// are temperror, bad records and exceeded limits permerror, an unexpected exception temperror —
// and never throws. An unusable client address is a permerror before any DNS query.

import { printable, quoted, traceLine, type Context } from './context.js';
import { isCheckableDomain, withoutTrailingDot } from './domain.js';
import { evaluateRecord, fetchRecord, type Evaluation } from './evaluate.js';
import { explain } from './explanation.js';
import { identityOf, type Identity } from './identity.js';
import { parseClientIp } from './ip.js';
import { MAX_ELAPSED_MS } from './limits.js';
import { parseLocalTerms } from './local-rules.js';
import type { Directive } from './record.js';
import type { SpfOptions, SpfOutcome, SpfQuery } from './types.js';

function localTerms(ctx: Context, what: string, text: string | undefined): Directive[] {
  if (text === undefined || text.trim() === '') return [];
  const parsed = parseLocalTerms(text);
  if (parsed.ok) return parsed.value;
  // A broken local setting must not turn every sender's result into an error: drop it, say so.
  traceLine(ctx, `${what} ignored: ${printable(parsed.error)}`);
  return [];
}

/**
 * No record at the domain: the guess, then the local rules, stand in for it. A match is local
 * policy; no match, or any error inside (the guess is ours, not the domain's), stays none.
 */
async function guessFor(ctx: Context, domain: string, terms: readonly Directive[], noRecord: string): Promise<Evaluation> {
  const none: Evaluation = { result: 'none', recordDomain: domain, local: false, problem: noRecord };
  if (terms.length === 0) return none;
  traceLine(ctx, `${printable(domain)}: no SPF record, trying local guess: ${terms.map((d) => d.text).join(' ')}`);
  const ev = await evaluateRecord(ctx, domain, { text: '', directives: terms }, []);
  if (ev.result === 'temperror' || ev.result === 'permerror') {
    return { ...none, problem: `${noRecord}; local guess gave ${ev.result}: ${ev.problem ?? ''}` };
  }
  return ev.mechanism === undefined ? none : ev;
}

async function evaluateDomain(ctx: Context, domain: string, options: SpfOptions): Promise<Evaluation> {
  const rules = localTerms(ctx, 'local rules', options.localRules);
  const fetched = await fetchRecord(ctx, domain);
  switch (fetched.kind) {
    case 'dns-error':
      return { result: 'temperror', recordDomain: domain, local: false, problem: fetched.problem };
    case 'bad-record':
      return { result: 'permerror', recordDomain: domain, local: false, problem: fetched.problem };
    case 'none': {
      const guess = localTerms(ctx, 'guess', options.guess);
      return guessFor(ctx, domain, [...guess, ...rules], fetched.problem);
    }
    case 'record':
      return evaluateRecord(ctx, domain, fetched.record, rules);
  }
}

type Base = Pick<SpfOutcome, 'identity' | 'domain' | 'sender'>;

function outcomeOf(base: Base, ev: Evaluation, lookups: number, explanation?: string): SpfOutcome {
  return {
    ...base,
    result: ev.result,
    recordDomain: ev.recordDomain,
    ...(ev.mechanism === undefined ? {} : { mechanism: ev.mechanism }),
    local: ev.local,
    ...(explanation === undefined ? {} : { explanation }),
    ...(ev.problem === undefined ? {} : { problem: ev.problem }),
    lookups,
  };
}

function traceResult(ctx: Context, ev: Evaluation): void {
  const by = ev.mechanism === undefined ? '' : ` by ${printable(ev.mechanism)}`;
  const local = ev.local ? ' (local policy)' : '';
  const problem = ev.problem === undefined ? '' : `: ${ev.problem}`;
  traceLine(ctx, `result ${ev.result}${by} at ${printable(ev.recordDomain)}${local}${problem}`);
}

async function run(query: SpfQuery, options: SpfOptions, who: Identity): Promise<SpfOutcome> {
  const base: Base = { identity: who.identity, domain: who.domain, sender: who.sender };
  const early = (result: 'permerror' | 'none', problem: string): SpfOutcome =>
    outcomeOf(base, { result, recordDomain: who.domain, local: false, problem }, 0);
  const ip = parseClientIp(query.ip);
  if (ip === undefined) return early('permerror', `No usable client IP address (${printable(query.ip)})`);
  const ctx: Context = {
    ip,
    sender: who.sender,
    localPart: who.localPart,
    senderDomain: who.domain,
    helo: who.helo,
    receiver: query.receiver ?? 'unknown',
    resolver: options.resolver,
    trace: options.trace,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    deadline: Date.now() + MAX_ELAPSED_MS,
    dnsTerms: 0,
    voidLookups: 0,
    depth: 0,
  };
  // 4.3: a malformed or single-label domain is none, without asking DNS.
  if (!isCheckableDomain(who.domain)) {
    traceLine(ctx, `domain ${quoted(who.domain)} cannot be checked -> none`);
    return early('none', `Invalid domain ${quoted(who.domain)}`);
  }
  const ev = await evaluateDomain(ctx, withoutTrailingDot(who.domain), options);
  const explanation = ev.result === 'fail' ? await explain(ctx, ev, options.defaultExplanation) : undefined;
  traceResult(ctx, ev);
  return outcomeOf(base, ev, ctx.dnsTerms, explanation);
}

/** RFC 7208 check_host() for the MAIL FROM identity, or the HELO identity for the null sender. */
export async function checkHost(query: SpfQuery, options: SpfOptions): Promise<SpfOutcome> {
  const who = identityOf(query);
  try {
    return await run(query, options, who);
  } catch (err) {
    const problem = `internal error: ${err instanceof Error ? err.message : String(err)}`;
    const base: Base = { identity: who.identity, domain: who.domain, sender: who.sender };
    return outcomeOf(base, { result: 'temperror', recordDomain: who.domain, local: false, problem }, 0);
  }
}
