// check_host() for one SMTP transaction (RFC 7208 2.3-2.4, 4), with qmail-spf's local rules and
// guess (spec qmail-smtpd.md 3.8.6). Contract: always resolves to an SpfOutcome — DNS failures
// are temperror, bad records and exceeded limits permerror, an unexpected exception temperror —
// and never throws. An unusable client address is a permerror before any DNS query.

import { printable, quoted, traceLine, tracing, type Context } from './context.js';
import { isCheckableDomain, withoutTrailingDot } from './domain.js';
import { evaluateRecord, fetchRecord, type Evaluation } from './evaluate.js';
import { explain } from './explanation.js';
import { identityOf, type Identity } from './identity.js';
import { parseClientIp } from './ip.js';
import { then, type Later } from './later.js';
import { MAX_ELAPSED_MS } from './limits.js';
import type { Directive } from './record.js';
import { parsedLocalTerms } from './record-cache.js';
import type { SpfOptions, SpfOutcome, SpfQuery } from './types.js';

function localTerms(ctx: Context, what: string, text: string | undefined): readonly Directive[] {
  if (text === undefined || text.trim() === '') return [];
  const parsed = parsedLocalTerms(text);
  if (parsed.ok) return parsed.value;
  // A broken local setting must not turn every sender's result into an error: drop it, say so.
  traceLine(ctx, `${what} ignored: ${printable(parsed.error)}`);
  return [];
}

/**
 * No record at the domain: the guess, then the local rules, stand in for it. A match is local
 * policy; no match, or any error inside (the guess is ours, not the domain's), stays none.
 */
function guessFor(ctx: Context, domain: string, terms: readonly Directive[], noRecord: string): Later<Evaluation> {
  const none: Evaluation = { result: 'none', recordDomain: domain, local: false, problem: noRecord };
  if (terms.length === 0) return none;
  if (tracing(ctx)) traceLine(ctx, `${printable(domain)}: no SPF record, trying local guess: ${terms.map((d) => d.text).join(' ')}`);
  return then(evaluateRecord(ctx, domain, { text: '', directives: terms }, []), (ev) => {
    if (ev.result === 'temperror' || ev.result === 'permerror') {
      return { ...none, problem: `${noRecord}; local guess gave ${ev.result}: ${ev.problem ?? ''}` };
    }
    return ev.mechanism === undefined ? none : ev;
  });
}

function evaluateDomain(ctx: Context, domain: string, options: SpfOptions): Later<Evaluation> {
  const rules = localTerms(ctx, 'local rules', options.localRules);
  return then(fetchRecord(ctx, domain), (fetched): Later<Evaluation> => {
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
  });
}

type Base = Pick<SpfOutcome, 'identity' | 'domain' | 'sender'>;

function outcomeOf(base: Base, ev: Evaluation, lookups: number, explanation?: string): SpfOutcome {
  // Fields in the order reports print them; optional ones left out rather than undefined.
  const outcome = { identity: base.identity, domain: base.domain, sender: base.sender, result: ev.result, recordDomain: ev.recordDomain } as Writable<SpfOutcome>;
  if (ev.mechanism !== undefined) outcome.mechanism = ev.mechanism;
  outcome.local = ev.local;
  if (explanation !== undefined) outcome.explanation = explanation;
  if (ev.problem !== undefined) outcome.problem = ev.problem;
  outcome.lookups = lookups;
  return outcome;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function traceResult(ctx: Context, ev: Evaluation): void {
  if (!tracing(ctx)) return;
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
  const later = evaluateDomain(ctx, withoutTrailingDot(who.domain), options);
  const ev = later instanceof Promise ? await later : later;
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
