// The admin's default explanation (qmail's control/spfexp, spec qmail-smtpd.md 3.8.5): RFC 7208
// macros plus %{xr} receiver, %{xs} "SPF record at DOMAIN" / "local policy", %{xe} the problem
// text, upper-case second letter URL-escaping. Contract: only this local text may use x-macros
// (in DNS text they stay syntax errors); expansion never fails, unreadable "%" sequences stay.

import { identityOf } from './identity.js';
import { displayForm, dottedForm, parseClientIp } from './ip.js';
import { expandMacroString, parseMacroString, type MacroString, type MacroValues } from './macro.js';
import type { SpfOutcome, SpfQuery } from './types.js';

/** The local text parsed; the local dialect accepts any text, so this always succeeds. */
export function parseLocalText(template: string): MacroString {
  const parsed = parseMacroString(template, 'local');
  return parsed.ok ? parsed.value : { source: template, parts: [{ kind: 'text', text: template }] };
}

/** Values of the x-macros for an outcome. */
export function localMacroValues(
  outcome: Pick<SpfOutcome, 'recordDomain' | 'local' | 'problem'>,
  receiver: string | undefined,
): MacroValues {
  return {
    xr: receiver ?? 'unknown',
    xs: outcome.local ? 'local policy' : `SPF record at ${outcome.recordDomain}`,
    xe: outcome.problem ?? '',
  };
}

/**
 * Expands a local explanation for an outcome without DNS, for replies the evaluator did not
 * explain (softfail, neutral, none, permerror at high spfbehavior). %{p} is `ptrName` or
 * "unknown"; %{d} is the outcome's recordDomain; %{t} is `now()` (default: the clock).
 */
export function expandLocalText(
  template: string,
  outcome: SpfOutcome,
  query: SpfQuery,
  extras: { readonly now?: () => number; readonly ptrName?: string } = {},
): string {
  const ip = parseClientIp(query.ip);
  const who = identityOf(query);
  const at = outcome.sender.lastIndexOf('@');
  const values: MacroValues = {
    s: outcome.sender,
    l: at === -1 ? outcome.sender : outcome.sender.slice(0, at),
    o: at === -1 ? outcome.domain : outcome.sender.slice(at + 1),
    d: outcome.recordDomain,
    i: ip === undefined ? query.ip : dottedForm(ip),
    c: ip === undefined ? query.ip : displayForm(ip),
    v: ip?.family === 6 ? 'ip6' : 'in-addr',
    h: who.helo,
    p: extras.ptrName ?? 'unknown',
    r: query.receiver ?? 'unknown',
    t: String((extras.now ?? (() => Math.floor(Date.now() / 1000)))()),
    ...localMacroValues(outcome, query.receiver),
  };
  return expandMacroString(parseLocalText(template), values);
}
