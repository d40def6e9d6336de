// Macro values for the running check and the expansion of domain-specs into target names
// (RFC 7208 4.8, 7.3). Contract: %{p} is looked up only when the string uses it; expansion never
// fails once the string has parsed; a target name is trimmed and truncated but not validated here.

import type { Context } from './context.js';
import { targetName } from './domain.js';
import { displayForm, dottedForm } from './ip.js';
import { expandMacroString, usesLetter, type MacroString, type MacroValues } from './macro.js';
import { validatedName } from './ptr.js';

/** The letter values of 7.3 while evaluating the record of `domain`. */
export async function macroValues(ctx: Context, ms: MacroString, domain: string): Promise<MacroValues> {
  return {
    s: ctx.sender,
    l: ctx.localPart,
    o: ctx.senderDomain,
    d: domain,
    i: dottedForm(ctx.ip),
    v: ctx.ip.family === 4 ? 'in-addr' : 'ip6',
    h: ctx.helo,
    c: displayForm(ctx.ip),
    r: ctx.receiver,
    t: String(ctx.now()),
    ...(usesLetter(ms, 'p') ? { p: await validatedName(ctx, domain) } : {}),
  };
}

/** A parsed macro string expanded for the record of `domain`, with extra values if given. */
export async function expand(ctx: Context, ms: MacroString, domain: string, extra: MacroValues = {}): Promise<string> {
  return expandMacroString(ms, { ...(await macroValues(ctx, ms, domain)), ...extra });
}

/** A domain-spec expanded into the <target-name> to query (4.8, 7.3 truncation). */
export async function expandTarget(ctx: Context, ms: MacroString, domain: string): Promise<string> {
  return targetName(await expand(ctx, ms, domain));
}
