// The SPF record of a TXT answer (RFC 7208 3.3, 4.5), and the admin's local terms, worked out
// once and shared by every later check: a warm check neither joins strings nor matches "v=spf1"
// nor parses again. Contract: what it gives is frozen and never changes; keyed by the answer's
// records array (held weakly, so it lives as long as the DNS cache keeps the answer) and by text
// (bounded). Pure: the same records always give the same choice, whoever asked, from any cache.

import { parseLocalTerms } from './local-rules.js';
import { isSpfRecordText, parseRecord, type Directive, type Parsed, type SpfRecord } from './record.js';

/** What a TXT answer holds for SPF. */
export type RecordChoice =
  /** No TXT record starts with "v=spf1". */
  | { readonly kind: 'none' }
  /** More than one does (4.5: permerror). */
  | { readonly kind: 'many'; readonly count: number }
  /** Exactly one: its text and the parse of it, good or bad. */
  | { readonly kind: 'one'; readonly text: string; readonly parsed: Parsed<SpfRecord> };

/** Distinct record texts whose parse is kept; past this the oldest is dropped. */
export const PARSED_RECORDS_KEPT = 4096;
/** Distinct local-term texts kept (spfrules and spfguess: a handful per listener). */
export const PARSED_LOCAL_TERMS_KEPT = 64;

const NONE: RecordChoice = Object.freeze({ kind: 'none' });
// Answers come back as the same array while the DNS cache holds them: that is the warm path.
const byAnswer = new WeakMap<object, RecordChoice>();
// The same text in a fresh answer (another resolver, an expired and refetched entry).
const byText = new Map<string, Parsed<SpfRecord>>();
const localByText = new Map<string, Parsed<readonly Directive[]>>();

/** The SPF record among one name's TXT records, each given as its character-strings. */
export function chooseRecord(records: readonly (readonly string[])[]): RecordChoice {
  let choice = byAnswer.get(records);
  if (choice === undefined) {
    choice = choose(records);
    byAnswer.set(records, choice);
  }
  return choice;
}

function choose(records: readonly (readonly string[])[]): RecordChoice {
  let text: string | undefined;
  let count = 0;
  for (const strings of records) {
    // 3.3: the strings of one TXT record are joined with nothing between them.
    const joined = strings.length === 1 ? (strings[0] ?? '') : strings.join('');
    if (!isSpfRecordText(joined)) continue;
    count++;
    text ??= joined;
  }
  if (text === undefined) return NONE;
  if (count > 1) return Object.freeze({ kind: 'many', count });
  return Object.freeze({ kind: 'one', text, parsed: parsedRecord(text) });
}

/** parseRecord(text), from the cache when this text was parsed before. */
export function parsedRecord(text: string): Parsed<SpfRecord> {
  return remembered(byText, PARSED_RECORDS_KEPT, text, parseRecord);
}

/** parseLocalTerms(text), from the cache when this text was parsed before. */
export function parsedLocalTerms(text: string): Parsed<readonly Directive[]> {
  return remembered(localByText, PARSED_LOCAL_TERMS_KEPT, text, parseLocalTerms);
}

function remembered<T>(kept: Map<string, T>, most: number, text: string, parse: (text: string) => T): T {
  let parsed = kept.get(text);
  if (parsed === undefined) {
    parsed = deepFreeze(parse(text));
    if (kept.size >= most) {
      const oldest = kept.keys().next();
      if (oldest.done !== true) kept.delete(oldest.value);
    }
    kept.set(text, parsed);
  }
  return parsed;
}

/** How many record texts are held (for tests). */
export function parsedRecordsHeld(): number {
  return byText.size;
}

/** Shared between checks, so nobody may change it: frozen all the way down, once. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
