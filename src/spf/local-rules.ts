// qmail-spf's local additions (spec qmail-smtpd.md 3.8.6): "spfrules" terms spliced into the
// sender's record, and "spfguess" + "spfrules" used when the domain publishes no record.
// Contract: pure functions over parsed directives; they never touch DNS. Local text that does
// not parse is reported as an error value, so the caller can ignore it and say so.

import { isSpfRecordText, parseDirective, splitTerms, type Directive, type Parsed } from './record.js';

// Qualifiers a trailing run may share: a "+all" record has already allowed everyone.
const RUN_QUALIFIERS = new Set(['-', '~', '?']);

/**
 * Local terms (mechanisms only) from the admin's text. A leading "v=spf1" is accepted and
 * dropped, so a record pasted as it is published works too. Modifiers are refused: a local
 * redirect= or exp= would rewrite the domain's policy rather than add to it.
 */
export function parseLocalTerms(text: string): Parsed<Directive[]> {
  const terms = splitTerms(text);
  if (terms.length > 0 && isSpfRecordText(terms[0] ?? '')) terms.shift();
  const out: Directive[] = [];
  for (const term of terms) {
    if (/^[A-Za-z][A-Za-z0-9\-_.]*=/.test(term)) return { ok: false, error: `"${term}": local rules hold mechanisms only` };
    const directive = parseDirective(term, true);
    if (!directive.ok) return directive;
    out.push(directive.value);
  }
  return { ok: true, value: out };
}

/**
 * Where local rules go in a record's directives: before the final run of directives that share
 * one qualifier among "-", "~", "?" and end in "all" — unless that run starts the record
 * ("v=spf1 -all" is left alone). Modifiers are not directives and do not interrupt the run, so
 * "v=spf1 mx -all exp=..." gets rules like "v=spf1 mx -all". Undefined: no insertion.
 */
export function localRulesIndex(directives: readonly Directive[]): number | undefined {
  const last = directives[directives.length - 1];
  if (last === undefined || last.mechanism.kind !== 'all' || !RUN_QUALIFIERS.has(last.qualifier)) return undefined;
  let start = directives.length - 1;
  while (start > 0 && directives[start - 1]?.qualifier === last.qualifier) start--;
  return start === 0 ? undefined : start;
}

/** The directives with the local rules spliced in, and where (undefined: not inserted). */
export function insertLocalRules(
  directives: readonly Directive[],
  rules: readonly Directive[],
): { readonly directives: readonly Directive[]; readonly at?: number } {
  const at = rules.length === 0 ? undefined : localRulesIndex(directives);
  if (at === undefined) return { directives };
  return { directives: [...directives.slice(0, at), ...rules, ...directives.slice(at)], at };
}
