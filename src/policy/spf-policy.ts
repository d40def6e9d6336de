// qmail-spf's policy at MAIL (spec qmail-smtpd.md 3.8): whether SPF runs, what the result means
// at this spfbehavior (451 now, 550 at every RCPT, or only a header), the 550's explanation, and
// the SPFRESULT word. Evaluation itself is RFC 7208 (src/spf). Never throws and never answers
// 5xx for local or DNS trouble: a check that fails or hangs is temperror, which is at most a 451.

import { checkHost, expandLocalText, identityOf, spfLimits, type SpfOutcome, type SpfQuery, type SpfResult } from '../spf/index.js';
import { isLocalClient } from './spf-local.js';
import type { RejectableResult, SpfSettings } from './spf-settings.js';
import type { Rejection } from './types.js';

/**
 * The hard bound on a whole check: the evaluator stops querying after spfLimits.MAX_ELAPSED_MS,
 * but a query already sent may still be waiting; this answers the client regardless.
 */
export const SPF_CHECK_TIMEOUT_MS = spfLimits.MAX_ELAPSED_MS;

/** Results a behaviour level can reject, with the lowest level that rejects each. */
const REJECT_FROM_LEVEL: Readonly<Partial<Record<SpfResult, number>>> = {
  fail: 3,
  softfail: 4,
  neutral: 5,
  none: 6,
  permerror: 6,
};

/** Level from which a temporary DNS error refuses the MAIL with 451. */
const DEFER_FROM_LEVEL = 2;

/** The rc5 result words qmail-spf puts in SPFRESULT (S and P keep them). */
const SPFRESULT_WORD: Readonly<Record<SpfResult, string>> = {
  pass: 'pass',
  fail: 'fail',
  softfail: 'softfail',
  neutral: 'neutral',
  none: 'none',
  permerror: 'unknown',
  temperror: 'error',
};

export interface SpfDecision {
  readonly outcome: SpfOutcome;
  /** SPFRESULT for the queue program. */
  readonly word: string;
  /** Refuse the MAIL now (451 for a temporary DNS error). */
  readonly refuse?: Rejection;
  /** Refuse every RCPT of the transaction (550 with the explanation). */
  readonly deferred?: Rejection;
}

export async function checkSpf(s: SpfSettings, query: SpfQuery): Promise<SpfDecision> {
  const outcome = await evaluate(s, query);
  const word = SPFRESULT_WORD[outcome.result];
  if (outcome.result === 'temperror') {
    if (s.behavior < DEFER_FROM_LEVEL) return { outcome, word };
    return { outcome, word, refuse: { reason: 'spf', detail: 'lookupfailure' } };
  }
  const level = REJECT_FROM_LEVEL[outcome.result];
  if (level === undefined || s.behavior < level) return { outcome, word };
  const text = explanationLines(s, outcome, query);
  return { outcome, word, deferred: { reason: 'spf', detail: word, text } };
}

async function evaluate(s: SpfSettings, query: SpfQuery): Promise<SpfOutcome> {
  if (isLocalClient(query.ip, s.isLocalIp)) return localPass(query);
  if (s.resolver === undefined) return failed(query, 'no DNS resolver configured');
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = s.timeoutMs ?? SPF_CHECK_TIMEOUT_MS;
  const expired = new Promise<SpfOutcome>((resolve) => {
    timer = setTimeout(() => resolve(failed(query, `SPF check took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    timer.unref();
  });
  const check = checkHost(query, {
    resolver: s.resolver,
    localRules: s.control.rules,
    guess: s.control.guess,
    defaultExplanation: s.control.exp ?? s.defaultExplanation.fail,
    trace: s.trace,
  }).catch((err: unknown) => failed(query, `internal error: ${err instanceof Error ? err.message : String(err)}`));
  try {
    return await Promise.race([check, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The explanation of a 550, as reply-safe lines. */
function explanationLines(s: SpfSettings, outcome: SpfOutcome, query: SpfQuery): string[] {
  const result = outcome.result as RejectableResult;
  const text =
    result === 'fail' && outcome.explanation !== undefined
      ? outcome.explanation
      : expandLocalText(s.control.exp ?? s.defaultExplanation[result], outcome, query);
  return text.split('\n').map(replySafe);
}

/** SMTP reply text: printable ASCII only, and short enough for one reply line (RFC 5321 4.5.3.1.5). */
const MAX_EXPLANATION_LINE = 400;
const replySafe = (line: string): string => line.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_EXPLANATION_LINE);

/** The outcome fields that name the identity, as the evaluator would fill them. */
function identityFields(query: SpfQuery): Pick<SpfOutcome, 'identity' | 'domain' | 'sender'> {
  const { identity, domain, sender } = identityOf(query);
  return { identity, domain, sender };
}

/** A client on one of our own addresses passes by local policy, without DNS (qmail-spf). */
function localPass(query: SpfQuery): SpfOutcome {
  const id = identityFields(query);
  return { ...id, result: 'pass', recordDomain: id.domain, local: true, lookups: 0 };
}

function failed(query: SpfQuery, problem: string): SpfOutcome {
  const id = identityFields(query);
  return { ...id, result: 'temperror', recordDomain: id.domain, local: false, problem, lookups: 0 };
}
