// Which names a check may start from (RFC 7208 4.3) and which expanded targets may be queried
// (4.8): the one-pass readers must agree with the label-by-label rules they replace.
import test from 'ava';
import fc from 'fast-check';
import { isCheckableDomain, isQueryable } from '../../src/spf/domain.js';

const LABEL = 63;
const NAME = 253;
/** 4.3 as label rules: 2+ labels of 1-63 letters, digits, "-" or "_", the last not all digits. */
function checkableByLabels(domain: string): boolean {
  const name = domain.endsWith('.') ? domain.slice(0, -1) : domain;
  if (name.length === 0 || name.length > NAME) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => l.length > 0 && l.length <= LABEL && /^[A-Za-z0-9_-]+$/.test(l))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}
function queryableByLabels(name: string): boolean {
  if (name.length === 0 || name.length > NAME) return false;
  return name.split('.').every((l) => l.length > 0 && l.length <= LABEL);
}

const examples: [string, boolean, boolean][] = [
  // name, checkable (4.3), queryable (4.8)
  ['example.com', true, true],
  ['example.com.', true, false],
  ['_spf.example.com', true, true],
  ['localhost', false, true],
  ['a..example.com', false, false],
  ['.example.com', false, false],
  ['192.0.2.1', false, true],
  ['example.123', false, true],
  ['123.example', true, true],
  ['[192.0.2.1]', false, true],
  ['foo:bar/baz.example.com', false, true],
  [`${'a'.repeat(63)}.example`, true, true],
  [`${'a'.repeat(64)}.example`, false, false],
  [`${'a.'.repeat(126)}ab`, false, false],
  ['', false, false],
];
for (const [name, checkable, queryable] of examples) {
  test(`${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}...(${name.length})` : name)}: checkable ${checkable}, queryable ${queryable}`, (t) => {
    t.is(isCheckableDomain(name), checkable);
    t.is(isQueryable(name), queryable);
  });
}

test('the one-pass readers agree with the label rules on any name', (t) => {
  const piece = fc.constantFrom('a', 'B', '7', '-', '_', '.', '..', ' ', '@', ':', '\xe9', 'x'.repeat(62), 'y'.repeat(63), 'z'.repeat(64), 'w'.repeat(190));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
      const name = pieces.join('');
      return isCheckableDomain(name) === checkableByLabels(name) && isQueryable(name) === queryableByLabels(name);
    }),
    { numRuns: 20000 },
  );
  t.pass();
});
