// The parsed-record cache: a TXT answer's SPF record is chosen and parsed once, the result is
// shared and frozen, the same text in a fresh answer is not parsed again, and the cache is bounded.
import test from 'ava';
import {
  PARSED_RECORDS_KEPT,
  chooseRecord,
  parsedLocalTerms,
  parsedRecord,
  parsedRecordsHeld,
} from '../../src/spf/record-cache.js';
import { parseRecord } from '../../src/spf/index.js';

const RECORD = 'v=spf1 a mx ip4:192.0.2.0/24 include:_spf.example.net ~all';

test('the same answer gives the very same choice, parsed once', (t) => {
  const records = [['unrelated'], [RECORD]];
  const first = chooseRecord(records);
  t.is(chooseRecord(records), first);
  t.like(first, { kind: 'one', text: RECORD });
  t.deepEqual(first.kind === 'one' ? first.parsed : undefined, parseRecord(RECORD));
});

test('the same text in a fresh answer reuses the parsed record', (t) => {
  const a = chooseRecord([[RECORD]]);
  const b = chooseRecord([[RECORD]]);
  t.not(a, b);
  t.true(a.kind === 'one' && b.kind === 'one' && a.parsed === b.parsed);
});

test('the strings of one TXT record are joined before "v=spf1" is looked for (3.3)', (t) => {
  t.like(chooseRecord([['v=spf1 ', '-all']]), { kind: 'one', text: 'v=spf1 -all' });
  t.like(chooseRecord([['v=sp', 'f1 -all']]), { kind: 'one', text: 'v=spf1 -all' });
});

test('no SPF record, several, and a bad one are told apart', (t) => {
  t.deepEqual(chooseRecord([['hello'], ['v=spf10 -all']]), { kind: 'none' });
  t.deepEqual(chooseRecord([]), { kind: 'none' });
  t.deepEqual(chooseRecord([['v=spf1 -all'], ['V=SPF1 +all'], ['x']]), { kind: 'many', count: 2 });
  const bad = chooseRecord([['v=spf1 moo']]);
  t.true(bad.kind === 'one' && !bad.parsed.ok);
});

test('what the cache hands out is frozen all the way down', (t) => {
  const parsed = parsedRecord('v=spf1 ip4:192.0.2.1 a:%{d}.example.com -all exp=e.%{d}');
  if (!parsed.ok) return t.fail(parsed.error);
  const record = parsed.value;
  t.true(Object.isFrozen(record));
  t.true(Object.isFrozen(record.directives));
  t.true(Object.isFrozen(record.directives[0]));
  t.true(Object.isFrozen(record.directives[1]?.mechanism));
  t.true(Object.isFrozen(record.exp?.domain.parts));
  t.throws(() => (record.directives as unknown as unknown[]).push('x'), { instanceOf: TypeError });
  t.throws(() => {
    (record.directives[0] as { text: string }).text = 'changed';
  }, { instanceOf: TypeError });
  return undefined;
});

test('local terms are parsed once per text, errors included', (t) => {
  const good = parsedLocalTerms('ip4:10.0.0.0/8 a:relay.example');
  t.is(parsedLocalTerms('ip4:10.0.0.0/8 a:relay.example'), good);
  t.true(good.ok && good.value.length === 2 && Object.isFrozen(good.value));
  t.like(parsedLocalTerms('redirect=x.example'), { ok: false });
});

test('the text cache is bounded: the oldest text goes first', (t) => {
  const first = parsedRecord('v=spf1 ip4:198.51.100.1 -all');
  for (let i = 0; i < PARSED_RECORDS_KEPT + 10; i++) parsedRecord(`v=spf1 ip4:10.${i >> 16}.${(i >> 8) & 255}.${i & 255} -all`);
  t.true(parsedRecordsHeld() <= PARSED_RECORDS_KEPT);
  // Parsed again, as an equal but new value.
  const again = parsedRecord('v=spf1 ip4:198.51.100.1 -all');
  t.not(again, first);
  t.deepEqual(again, first);
});
