// Macro values for the running check and the expansion of domain-specs into target names
// (RFC 7208 4.8, 7.3). Contract: %{p} is looked up only when the string uses it; expansion never
// fails once the string has parsed; a target name is trimmed and truncated but not validated here.
// A string without macros (most include: and a: targets) is its own expansion: no values built.

import type { Context } from './context.js';
import { targetName } from './domain.js';
import { displayForm, dottedForm } from './ip.js';
import { then, type Later } from './later.js';
import { expandMacroString, literalText, usesLetter, type MacroString, type MacroValues } from './macro.js';
import { validatedName } from './ptr.js';

/** The letters whose values are the same for every string of the check, made once. */
function checkMacros(ctx: Context): MacroValues {
  ctx.checkMacros ??= {
    s: ctx.sender,
    l: ctx.localPart,
    o: ctx.senderDomain,
    i: dottedForm(ctx.ip),
    v: ctx.ip.family === 4 ? 'in-addr' : 'ip6',
    h: ctx.helo,
    c: displayForm(ctx.ip),
    r: ctx.receiver,
  };
  return ctx.checkMacros;
}

function withValues(ctx: Context, ms: MacroString, domain: string, extra: MacroValues, p: string | undefined): string {
  const values: MacroValues = {
    ...checkMacros(ctx),
    d: domain,
    ...(usesLetter(ms, 't') ? { t: String(ctx.now()) } : {}),
    ...(p === undefined ? {} : { p }),
    ...extra,
  };
  return expandMacroString(ms, values);
}

/** A parsed macro string expanded for the record of `domain`, with extra values if given. */
export function expand(ctx: Context, ms: MacroString, domain: string, extra: MacroValues = {}): Later<string> {
  const literal = literalText(ms);
  if (literal !== undefined) return literal;
  if (!usesLetter(ms, 'p')) return withValues(ctx, ms, domain, extra, undefined);
  return then(validatedName(ctx, domain), (p) => withValues(ctx, ms, domain, extra, p));
}

/** A domain-spec expanded into the <target-name> to query (4.8, 7.3 truncation). */
export function expandTarget(ctx: Context, ms: MacroString, domain: string): Later<string> {
  return then(expand(ctx, ms, domain), targetName);
}
