// Record parsing (RFC 7208 4.5, 4.6.1, 5, 6, 12): what parses into which directive, what is a
// syntax error, and that no input at all makes the parsers throw (fast-check).
import test from 'ava';
import fc from 'fast-check';
import { parseRecord, parseClientIp, parseMacroString, type Mechanism } from '../../src/spf/index.js';
import { parseIPv6 } from '../../src/spf/ip.js';
import ipaddr from 'ipaddr.js';

function mechanisms(text: string): Mechanism[] {
  const r = parseRecord(text);
  if (!r.ok) throw new Error(r.error);
  return r.value.directives.map((d) => d.mechanism);
}

test('dual CIDR lengths and their defaults', (t) => {
  t.like(mechanisms('v=spf1 a a/24 a//64 a:x.example/24//64 mx:x.example//0'), [
    { kind: 'a', cidr4: 32, cidr6: 128 },
    { kind: 'a', cidr4: 24, cidr6: 128 },
    { kind: 'a', cidr4: 32, cidr6: 64 },
    { kind: 'a', cidr4: 24, cidr6: 64 },
    { kind: 'mx', cidr4: 32, cidr6: 0 },
  ]);
});

test('names and qualifiers are case-insensitive, the version too', (t) => {
  const r = parseRecord('V=SPF1 -MX ~Include:x.example ?ALL');
  t.true(r.ok);
  if (r.ok) t.deepEqual(r.value.directives.map((d) => [d.qualifier, d.mechanism.kind]), [['-', 'mx'], ['~', 'include'], ['?', 'all']]);
});

const errors: [string, string][] = [
  ['v=spf1 a/33', 'ip4 CIDR over 32'],
  ['v=spf1 a//129', 'ip6 CIDR over 128'],
  ['v=spf1 ip4:1.2.3.4/032', 'leading zero in a CIDR length'],
  ['v=spf1 ip4:01.2.3.4', 'leading zero in a dotted quad'],
  ['v=spf1 ip6:fe80::1%eth0', 'zone id'],
  ['v=spf1 ip4:1.2.3.4/', 'empty CIDR length'],
  ['v=spf1 ptr/24', 'ptr takes no CIDR'],
  ['v=spf1 redirect=a.example redirect=b.example', 'two redirects'],
  ['v=spf1 exp=a.example exp=b.example', 'two exps'],
  ['v=spf1 exp=', 'empty exp'],
  ['v=spf1 -all\tmx', 'tab between terms'],
  ['v=spf1 foo=%{', 'bad macro in an unknown modifier'],
  ['v=spf1 +', 'a bare qualifier'],
];
for (const [record, why] of errors) {
  test(`syntax error: ${why} (${JSON.stringify(record)})`, (t) => t.false(parseRecord(record).ok));
}

test('unknown modifiers are ignored when well-formed', (t) => {
  t.true(parseRecord('v=spf1 default=deny moo.cow-far_out=man:dog/cat -all').ok);
});

test('the parsers never throw, whatever the octets', (t) => {
  const octets = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 80 });
  const pieces = ['v=spf1 ', 'a', 'mx', ':', '/', '%{', '}', 'd', 'ip4:', 'ip6:', '1.2.3.4', '::', '=', ' ', '-', '.', 'x', '%', '0'];
  const spfish = fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((p) => `v=spf1 ${p.join('')}`);
  fc.assert(
    fc.property(fc.oneof(octets, spfish), (s) => {
      parseRecord(s);
      parseMacroString(s, 'local');
      parseClientIp(s);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('IPv6 parsing agrees with ipaddr.js on hex-only addresses', (t) => {
  fc.assert(
    fc.property(fc.ipV6().filter((a) => !a.includes('.')), (a) => {
      t.deepEqual(parseIPv6(a), ipaddr.IPv6.parse(a).toByteArray());
    }),
    { numRuns: 500 },
  );
});

test('IPv6 with a trailing dotted quad, and mapped clients as IPv4', (t) => {
  t.deepEqual(parseIPv6('::1.2.3.4'), [...new Array(12).fill(0), 1, 2, 3, 4]);
  t.deepEqual(parseClientIp('::ffff:1.2.3.4'), { family: 4, bytes: [1, 2, 3, 4] });
  t.is(parseClientIp('::1.2.3.4')?.family, 6); // IPv4-compatible is not IPv4-mapped
  t.is(parseIPv6('1:2:3:4:5:6:7::8'), undefined);
  t.is(parseIPv6('1::2::3'), undefined);
});
