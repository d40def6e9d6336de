// Fetching and evaluating SPF records (RFC 7208 4.4-4.7, 5.2 include, 6.1 redirect). Contract:
// every path returns an Evaluation; DNS errors become temperror, bad records, limits and empty
// include/redirect targets permerror (5.2 table, 6.1). Nothing here throws for DNS trouble.
// Local rules ride along the redirect chain of the sender's record but never enter an include:
// a redirect target *is* the sender's policy, an included record only answers a question for it.

import type { SpfResult } from './types.js';
import {
  counters,
  countDnsTerm,
  countVoid,
  dnsProblem,
  isVoid,
  printable,
  query,
  quoted,
  traceLine,
  type Context,
  type Failure,
} from './context.js';
import { expandTarget } from './expand.js';
import { insertLocalRules } from './local-rules.js';
import type { MacroString } from './macro.js';
import { evaluateMechanism, type TermOutcome } from './mechanisms.js';
import { isSpfRecordText, parseRecord, type Directive, type Qualifier, type SpfRecord } from './record.js';

export interface Evaluation {
  readonly result: SpfResult;
  /** The record whose term decided, or where the error was found. */
  readonly recordDomain: string;
  /** That term as written; undefined when no term matched or the record itself was bad. */
  readonly mechanism?: string;
  readonly local: boolean;
  readonly problem?: string;
  /** exp= of the record where evaluation ended (6.2: never one of an included record). */
  readonly exp?: { readonly domain: MacroString; readonly recordDomain: string };
}

export type Fetched =
  | { readonly kind: 'record'; readonly record: SpfRecord }
  /** No SPF record (4.5: none); `void` when DNS had no TXT records at all. */
  | { readonly kind: 'none'; readonly problem: string; readonly void: boolean }
  /** DNS failure (4.4: temperror). */
  | { readonly kind: 'dns-error'; readonly problem: string }
  /** Several SPF records or a syntax error (4.5, 4.6: permerror). */
  | { readonly kind: 'bad-record'; readonly problem: string };

const RESULT_OF: Readonly<Record<Qualifier, SpfResult>> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

/** The SPF record of `domain`: TXT records only, exactly one starting "v=spf1" (4.4, 4.5). */
export async function fetchRecord(ctx: Context, domain: string): Promise<Fetched> {
  const answer = await query(ctx, domain, 'TXT');
  if (answer.kind === 'error') return { kind: 'dns-error', problem: dnsProblem(answer, 'TXT', domain) };
  if (answer.kind !== 'records' || answer.records.length === 0) {
    const why = answer.kind === 'nxdomain' ? 'does not exist' : 'has no TXT records';
    return { kind: 'none', problem: `${printable(domain)} ${why}`, void: isVoid(answer) };
  }
  // 3.3: the strings of one TXT record are joined with nothing between them.
  const spf = answer.records.map((strings) => strings.join('')).filter(isSpfRecordText);
  if (spf.length === 0) return { kind: 'none', problem: `No SPF record at ${printable(domain)}`, void: false };
  if (spf.length > 1) return { kind: 'bad-record', problem: `${spf.length} SPF records at ${printable(domain)}` };
  const text = spf[0] ?? '';
  const parsed = parseRecord(text);
  if (!parsed.ok) {
    traceLine(ctx, `record ${printable(domain)}: ${quoted(text)} is invalid: ${printable(parsed.error)}`);
    return { kind: 'bad-record', problem: `Bad SPF record at ${printable(domain)}: ${printable(parsed.error)}` };
  }
  traceLine(ctx, `record ${printable(domain)}: ${quoted(text)}`);
  return { kind: 'record', record: parsed.value };
}

/** A Failure located at a term of some record (the deepest one, for errors inside includes). */
interface Located extends Failure {
  readonly at: { readonly domain: string; readonly mechanism?: string };
}

async function evaluateInclude(ctx: Context, domain: string, spec: MacroString): Promise<TermOutcome | Located> {
  const counted = countDnsTerm(ctx);
  if (counted !== undefined) return counted;
  const target = await expandTarget(ctx, spec, domain);
  ctx.depth++;
  try {
    return await includeResult(ctx, target);
  } finally {
    ctx.depth--;
  }
}

/** 5.2: check_host() on the include target, its result mapped to match, no match or error. */
async function includeResult(ctx: Context, target: string): Promise<TermOutcome | Located> {
  const fetched = await fetchRecord(ctx, target);
  switch (fetched.kind) {
    case 'dns-error':
      return { kind: 'error', result: 'temperror', problem: fetched.problem };
    case 'bad-record':
      return { kind: 'error', result: 'permerror', problem: fetched.problem, at: { domain: target } };
    case 'none': {
      const voided = fetched.void ? countVoid(ctx, { kind: 'nxdomain' }) : undefined;
      // 5.2: an included domain without a record is the includer's error, not a quiet no-match.
      return voided ?? { kind: 'error', result: 'permerror', problem: `include target: ${fetched.problem}` };
    }
    case 'record':
      break;
  }
  const inner = await evaluateRecord(ctx, target, fetched.record, []);
  switch (inner.result) {
    case 'pass':
      return { kind: 'match', note: `${printable(target)} gave pass` };
    case 'fail':
    case 'softfail':
    case 'neutral':
      return { kind: 'nomatch', note: `${printable(target)} gave ${inner.result}` };
    default:
      return {
        kind: 'error',
        result: inner.result === 'temperror' ? 'temperror' : 'permerror',
        problem: inner.problem ?? `${printable(target)} gave ${inner.result}`,
        at: { domain: inner.recordDomain, ...(inner.mechanism === undefined ? {} : { mechanism: inner.mechanism }) },
      };
  }
}

function describe(outcome: TermOutcome | Located, d: Directive): string {
  const note = outcome.kind !== 'error' && outcome.note !== undefined ? ` (${outcome.note})` : '';
  if (outcome.kind === 'match') return `match: ${RESULT_OF[d.qualifier]}${note}`;
  if (outcome.kind === 'nomatch') return `no match${note}`;
  return `${outcome.result}: ${outcome.problem}`;
}

async function followRedirect(
  ctx: Context,
  domain: string,
  redirect: NonNullable<SpfRecord['redirect']>,
  localRules: readonly Directive[],
): Promise<Evaluation> {
  const failed = (result: 'temperror' | 'permerror', problem: string): Evaluation => ({
    result,
    recordDomain: domain,
    mechanism: redirect.text,
    local: false,
    problem,
  });
  const counted = countDnsTerm(ctx);
  if (counted !== undefined) return failed(counted.result, counted.problem);
  const target = await expandTarget(ctx, redirect.domain, domain);
  traceLine(ctx, `${printable(domain)}: ${printable(redirect.text)} -> ${printable(target)} (${counters(ctx)})`);
  const fetched = await fetchRecord(ctx, target);
  switch (fetched.kind) {
    case 'dns-error':
      return failed('temperror', fetched.problem);
    case 'bad-record':
      return { result: 'permerror', recordDomain: target, local: false, problem: fetched.problem };
    case 'none': {
      const voided = fetched.void ? countVoid(ctx, { kind: 'nxdomain' }) : undefined;
      // 6.1: a redirect to a domain without a record is a permerror, not none.
      return failed('permerror', voided?.problem ?? `redirect target: ${fetched.problem}`);
    }
    case 'record':
      return evaluateRecord(ctx, target, fetched.record, localRules);
  }
}

/**
 * Evaluates the record of `domain` (4.6, 4.7): directives in order, the first match decides;
 * with no match, redirect= if present, else neutral. `localRules` are spliced in as qmail-spf does.
 */
export async function evaluateRecord(
  ctx: Context,
  domain: string,
  record: SpfRecord,
  localRules: readonly Directive[],
): Promise<Evaluation> {
  const { directives, at } = insertLocalRules(record.directives, localRules);
  if (at !== undefined) {
    const before = directives[at + localRules.length]?.text ?? '';
    traceLine(ctx, `${printable(domain)}: local rules inserted before ${quoted(before)}`);
  }
  for (const d of directives) {
    const m = d.mechanism;
    const outcome =
      m.kind === 'include' ? await evaluateInclude(ctx, domain, m.domain) : await evaluateMechanism(ctx, domain, m);
    // A local term that can never work must not hide the domain's own verdict (a fail would
    // become an accepted permerror); a temporary error still may have matched, so it stands.
    const skipped = outcome.kind === 'error' && d.local && outcome.result === 'permerror';
    const term = `${printable(d.text)}${d.local ? ' (local)' : ''}`;
    const decision = `${describe(outcome, d)}${skipped ? ', local term skipped' : ''}`;
    traceLine(ctx, `${printable(domain)}: ${term} -> ${decision} (${counters(ctx)})`);
    if (outcome.kind === 'nomatch' || skipped) continue;
    if (outcome.kind === 'error') {
      // Inside an include the error belongs to the included record's term, if it named one.
      const where = 'at' in outcome ? (outcome as Located).at : { domain, mechanism: d.text };
      return {
        result: outcome.result,
        recordDomain: where.domain,
        ...(where.mechanism === undefined ? {} : { mechanism: where.mechanism }),
        local: d.local,
        problem: outcome.problem,
      };
    }
    return {
      result: RESULT_OF[d.qualifier],
      recordDomain: domain,
      mechanism: d.text,
      local: d.local,
      // A local term decided, so the domain's own explanation does not apply.
      ...(record.exp !== undefined && !d.local ? { exp: { domain: record.exp.domain, recordDomain: domain } } : {}),
    };
  }
  // 6.1: redirect only when nothing matched (an "all" anywhere would have matched already).
  if (record.redirect !== undefined) {
    traceLine(ctx, `${printable(domain)}: no term matched, following redirect`);
    return followRedirect(ctx, domain, record.redirect, localRules);
  }
  traceLine(ctx, `${printable(domain)}: no term matched -> neutral`);
  return { result: 'neutral', recordDomain: domain, local: false };
}
