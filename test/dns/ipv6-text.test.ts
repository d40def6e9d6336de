// IPv6 text in RFC 5952 form (section 4): the longest zero run of two or more groups as "::",
// the first of equal runs, lower-case hex without leading zeros; the same text ipaddr.js writes.
import test from 'ava';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { formatIPv6, ipv6Groups } from '../../src/dns/ipv6-text.js';

const cases: [number[], string][] = [
  [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
  [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
  [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
  [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
  [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'], // one zero group stays
  [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'], // the longest run
  [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // the first of equal runs
  [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201], '::ffff:c000:201'], // no dotted quad
  [[0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345, 0x6789], 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
];
for (const [groups, text] of cases) {
  test(`formatIPv6 writes ${text}`, (t) => {
    t.is(formatIPv6(groups), text);
    t.deepEqual(ipv6Groups(text), groups);
  });
}

test('formatIPv6 agrees with ipaddr.js, and ipv6Groups reads back what either writes', (t) => {
  const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
      const ours = formatIPv6(groups);
      const theirs = new ipaddr.IPv6(groups);
      return ours === theirs.toRFC5952String() && ipv6Groups(ours)?.join() === groups.join() && ipv6Groups(theirs.toNormalizedString())?.join() === groups.join();
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

test('ipv6Groups refuses what is not eight groups with at most one "::"', (t) => {
  for (const bad of ['', '1:2:3', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'g::', '1.2.3.4', '::ffff:1.2.3.4', 'fe80::1%eth0']) {
    t.is(ipv6Groups(bad), undefined, bad);
  }
});
