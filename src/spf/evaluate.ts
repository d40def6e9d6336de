// Fetching and evaluating SPF records (RFC 7208 4.4-4.7, 5.2 include, 6.1 redirect). Contract:
// every path returns an Evaluation; DNS errors become temperror, bad records, limits and empty
// include/redirect targets permerror (5.2 table, 6.1). Nothing here throws for DNS trouble.
// Local rules ride along the redirect chain of the sender's record but never enter an include:
// a redirect target *is* the sender's policy, an included record only answers a question for it.
// Steps return Later values: synchronous for as long as DNS answers from its cache (later.ts).

import type { DnsAnswer, RecordData } from '../dns/index.js';
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
  tracing,
  type Context,
  type Failure,
} from './context.js';
import { expandTarget } from './expand.js';
import { then, type Later } from './later.js';
import { insertLocalRules } from './local-rules.js';
import type { MacroString } from './macro.js';
import { evaluateMechanism, type TermOutcome } from './mechanisms.js';
import type { Directive, Qualifier, SpfRecord } from './record.js';
import { chooseRecord } from './record-cache.js';

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
const MATCH: TermOutcome = { kind: 'match' };
const NO_MATCH: TermOutcome = { kind: 'nomatch' };

/** The SPF record of `domain`: TXT records only, exactly one starting "v=spf1" (4.4, 4.5). */
export function fetchRecord(ctx: Context, domain: string): Later<Fetched> {
  return then(query(ctx, domain, 'TXT'), (answer) => recordIn(ctx, domain, answer));
}

function recordIn(ctx: Context, domain: string, answer: DnsAnswer<RecordData['TXT']>): Fetched {
  if (answer.kind === 'error') return { kind: 'dns-error', problem: dnsProblem(answer, 'TXT', domain) };
  if (answer.kind !== 'records' || answer.records.length === 0) {
    const why = answer.kind === 'nxdomain' ? 'does not exist' : 'has no TXT records';
    return { kind: 'none', problem: `${printable(domain)} ${why}`, void: isVoid(answer) };
  }
  const choice = chooseRecord(answer.records);
  if (choice.kind === 'none') return { kind: 'none', problem: `No SPF record at ${printable(domain)}`, void: false };
  if (choice.kind === 'many') return { kind: 'bad-record', problem: `${choice.count} SPF records at ${printable(domain)}` };
  const { text, parsed } = choice;
  if (!parsed.ok) {
    if (tracing(ctx)) traceLine(ctx, `record ${printable(domain)}: ${quoted(text)} is invalid: ${printable(parsed.error)}`);
    return { kind: 'bad-record', problem: `Bad SPF record at ${printable(domain)}: ${printable(parsed.error)}` };
  }
  if (tracing(ctx)) traceLine(ctx, `record ${printable(domain)}: ${quoted(text)}`);
  return { kind: 'record', record: parsed.value };
}

/** A Failure located at a term of some record (the deepest one, for errors inside includes). */
interface Located extends Failure {
  readonly at: { readonly domain: string; readonly mechanism?: string };
}

function evaluateInclude(ctx: Context, domain: string, spec: MacroString): Later<TermOutcome | Located> {
  const counted = countDnsTerm(ctx);
  if (counted !== undefined) return counted;
  return then(expandTarget(ctx, spec, domain), (target) => {
    ctx.depth++;
    return then(includeResult(ctx, target), (outcome) => {
      ctx.depth--;
      return outcome;
    });
  });
}

/** 5.2: check_host() on the include target, its result mapped to match, no match or error. */
function includeResult(ctx: Context, target: string): Later<TermOutcome | Located> {
  return then(fetchRecord(ctx, target), (fetched): Later<TermOutcome | Located> => {
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
        return then(evaluateRecord(ctx, target, fetched.record, []), (inner) => includeOutcome(ctx, target, inner));
    }
  });
}

function includeOutcome(ctx: Context, target: string, inner: Evaluation): TermOutcome | Located {
  switch (inner.result) {
    case 'pass':
      return tracing(ctx) ? { kind: 'match', note: `${printable(target)} gave pass` } : MATCH;
    case 'fail':
    case 'softfail':
    case 'neutral':
      return tracing(ctx) ? { kind: 'nomatch', note: `${printable(target)} gave ${inner.result}` } : NO_MATCH;
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

function followRedirect(
  ctx: Context,
  domain: string,
  redirect: NonNullable<SpfRecord['redirect']>,
  localRules: readonly Directive[],
): Later<Evaluation> {
  const failed = (result: 'temperror' | 'permerror', problem: string): Evaluation => ({
    result,
    recordDomain: domain,
    mechanism: redirect.text,
    local: false,
    problem,
  });
  const counted = countDnsTerm(ctx);
  if (counted !== undefined) return failed(counted.result, counted.problem);
  return then(expandTarget(ctx, redirect.domain, domain), (target) => {
    if (tracing(ctx)) traceLine(ctx, `${printable(domain)}: ${printable(redirect.text)} -> ${printable(target)} (${counters(ctx)})`);
    return then(fetchRecord(ctx, target), (fetched): Later<Evaluation> => {
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
    });
  });
}

/** One record being evaluated: its domain, the record, and its directives with local rules in. */
interface Run {
  readonly ctx: Context;
  readonly domain: string;
  readonly record: SpfRecord;
  readonly directives: readonly Directive[];
  readonly localRules: readonly Directive[];
}

/**
 * Evaluates the record of `domain` (4.6, 4.7): directives in order, the first match decides;
 * with no match, redirect= if present, else neutral. `localRules` are spliced in as qmail-spf does.
 */
export function evaluateRecord(
  ctx: Context,
  domain: string,
  record: SpfRecord,
  localRules: readonly Directive[],
): Later<Evaluation> {
  const { directives, at } = insertLocalRules(record.directives, localRules);
  if (at !== undefined && tracing(ctx)) {
    const before = directives[at + localRules.length]?.text ?? '';
    traceLine(ctx, `${printable(domain)}: local rules inserted before ${quoted(before)}`);
  }
  return evaluateFrom({ ctx, domain, record, directives, localRules }, 0);
}

/** The directives from index `from` on; synchronous for as long as DNS answers at once. */
function evaluateFrom(run: Run, from: number): Later<Evaluation> {
  const { ctx, domain, directives } = run;
  for (let k = from; k < directives.length; k++) {
    const d = directives[k]!;
    const m = d.mechanism;
    const outcome = m.kind === 'include' ? evaluateInclude(ctx, domain, m.domain) : evaluateMechanism(ctx, domain, m);
    if (outcome instanceof Promise) return outcome.then((o) => decide(run, d, o) ?? evaluateFrom(run, k + 1));
    const decided = decide(run, d, outcome);
    if (decided !== undefined) return decided;
  }
  // 6.1: redirect only when nothing matched (an "all" anywhere would have matched already).
  if (run.record.redirect !== undefined) {
    if (tracing(ctx)) traceLine(ctx, `${printable(domain)}: no term matched, following redirect`);
    return followRedirect(ctx, domain, run.record.redirect, run.localRules);
  }
  if (tracing(ctx)) traceLine(ctx, `${printable(domain)}: no term matched -> neutral`);
  return { result: 'neutral', recordDomain: domain, local: false };
}

/** What one directive's outcome means for the record: its Evaluation, or undefined to go on. */
function decide(run: Run, d: Directive, outcome: TermOutcome | Located): Evaluation | undefined {
  const { ctx, domain, record } = run;
  // A local term that can never work must not hide the domain's own verdict (a fail would
  // become an accepted permerror); a temporary error still may have matched, so it stands.
  const skipped = outcome.kind === 'error' && d.local && outcome.result === 'permerror';
  if (tracing(ctx)) {
    const term = `${printable(d.text)}${d.local ? ' (local)' : ''}`;
    const decision = `${describe(outcome, d)}${skipped ? ', local term skipped' : ''}`;
    traceLine(ctx, `${printable(domain)}: ${term} -> ${decision} (${counters(ctx)})`);
  }
  if (outcome.kind === 'nomatch' || skipped) return undefined;
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
  // A local term decided, so the domain's own explanation does not apply.
  if (record.exp === undefined || d.local) return { result: RESULT_OF[d.qualifier], recordDomain: domain, mechanism: d.text, local: d.local };
  return {
    result: RESULT_OF[d.qualifier],
    recordDomain: domain,
    mechanism: d.text,
    local: d.local,
    exp: { domain: record.exp.domain, recordDomain: domain },
  };
}
