// The explanation of a fail (RFC 7208 6.2): the exp= text of the record where evaluation ended,
// else the admin's default explanation. Contract: any trouble with exp= (no name, DNS error, not
// exactly one TXT record, bad syntax, 8-bit text) silently falls back; exp= lookups are not
// counted against any limit (4.6.4). Never throws and never changes the result.

import { printable, query, traceLine, tracing, type Context } from './context.js';
import type { Evaluation } from './evaluate.js';
import { expand, expandTarget } from './expand.js';
import { localMacroValues, parseLocalText } from './local-text.js';
import { parseMacroString } from './macro.js';

async function fromExp(ctx: Context, exp: NonNullable<Evaluation['exp']>): Promise<string | undefined> {
  const name = await expandTarget(ctx, exp.domain, exp.recordDomain);
  const answer = await query(ctx, name, 'TXT');
  const ignore = (why: string): undefined => {
    if (tracing(ctx)) traceLine(ctx, `exp ${printable(name)}: ignored, ${why}`);
    return undefined;
  };
  if (answer.kind !== 'records' || answer.records.length === 0) return ignore('no TXT record');
  if (answer.records.length > 1) return ignore(`${answer.records.length} TXT records`);
  const text = (answer.records[0] ?? []).join('');
  const parsed = parseMacroString(text, 'explain');
  if (!parsed.ok) return ignore(parsed.error);
  // %{d} in the text is the domain of the record that carried exp=.
  return expand(ctx, parsed.value, exp.recordDomain);
}

/** The explanation for a fail: exp= text if usable, else the expanded default, else undefined. */
export async function explain(
  ctx: Context,
  ev: Evaluation,
  defaultExplanation: string | undefined,
): Promise<string | undefined> {
  if (ev.exp !== undefined) {
    const text = await fromExp(ctx, ev.exp);
    if (text !== undefined) return text;
  }
  if (defaultExplanation === undefined) return undefined;
  const template = parseLocalText(defaultExplanation);
  return expand(ctx, template, ev.recordDomain, localMacroValues(ev, ctx.receiver));
}
