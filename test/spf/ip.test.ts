// The strict dotted-quad reader (RFC 7208 ip4-network: qnum 0-255, no leading zeros, exactly four
// parts) and %{c}'s IPv6 form; the digit-by-digit reader must agree with the grammar as written.
import test from 'ava';
import fc from 'fast-check';
import { displayForm, parseClientIp, parseIPv4 } from '../../src/spf/ip.js';

/** The ABNF as a pattern, per part: the reference the fast reader is held to. */
const QNUM = /^(0|[1-9][0-9]{0,2})$/;
function byGrammar(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => QNUM.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

const cases: [string, number[] | undefined][] = [
  ['192.0.2.1', [192, 0, 2, 1]],
  ['0.0.0.0', [0, 0, 0, 0]],
  ['255.255.255.255', [255, 255, 255, 255]],
  ['256.0.0.1', undefined],
  ['01.2.3.4', undefined],
  ['1.2.3.00', undefined],
  ['1.2.3', undefined],
  ['1.2.3.4.', undefined],
  ['.1.2.3.4', undefined],
  ['1..3.4', undefined],
  ['1.2.3.4.5', undefined],
  ['1.2.3.4 ', undefined],
  ['1.2.3.-4', undefined],
  ['1.2.3.1000', undefined],
  ['', undefined],
];
for (const [text, bytes] of cases) {
  test(`parseIPv4(${JSON.stringify(text)})`, (t) => t.deepEqual(parseIPv4(text), bytes));
}

test('parseIPv4 agrees with the ip4-network grammar on any text of digits and dots', (t) => {
  const piece = fc.constantFrom('0', '1', '9', '00', '01', '25', '255', '256', '999', '1000', '.', '', 'a', ' ');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const text = pieces.join('');
      return JSON.stringify(parseIPv4(text)) === JSON.stringify(byGrammar(text));
    }),
    { numRuns: 20000 },
  );
  fc.assert(fc.property(fc.ipV4(), (ip) => JSON.stringify(parseIPv4(ip)) === JSON.stringify(byGrammar(ip))));
  t.pass();
});

test('%{c} writes IPv6 clients in RFC 5952 form and mapped ones as IPv4', (t) => {
  const c = (text: string): string => displayForm(parseClientIp(text)!);
  t.is(c('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  t.is(c('::FFFF:192.0.2.1'), '192.0.2.1');
  t.is(c('0:0:0:0:0:0:0:1'), '::1');
});
