// The SRS0 day stamp (spec srs.md 4): the reference values of 4.1, day changes at 00:00 UTC,
// maxage inclusive, stamps from the future refused, the 1024-day wrap, and no hang (or any work
// proportional to it) on a long stamp, the CVE-2020-35573 case of E124/E125.
import test from 'ava';
import { SRS_ERRORS, srsHash, srsReverse, srsTimestamp, type SrsSettings } from '../../src/srs/index.js';

const SETTINGS: SrsSettings = {
  domain: 'fwd.example', signSecret: 'tops3cret', verifySecrets: ['tops3cret'], maxAge: 21,
  hashLength: 4, hashMin: 4, separator: '=', alwaysRewrite: false,
};
const DAY = 86_400_000;
const at = (iso: string): number => Date.parse(`${iso}Z`);
/** alice@example.com as made with tops3cret on 2024-01-15 (F001). */
const IZ_ADDRESS = 'SRS0=8Nqu=IZ=example.com=alice@fwd.example';
const reverseAt = (iso: string, s: SrsSettings = SETTINGS) => srsReverse(IZ_ADDRESS, s, at(iso));

test('4.1 reference stamps', (t) => {
  const reference: [string, string][] = [
    ['1970-01-01T00:00:00', 'AA'],
    ['1970-01-01T23:59:59', 'AA'],
    ['1970-01-02T00:00:00', 'AB'],
    ['1970-02-02T00:00:00', 'BA'],
    ['2000-01-01T00:00:00', 'WN'],
    ['2024-01-15T00:00:00', 'IZ'],
    ['2024-01-15T23:59:59', 'IZ'],
    ['2026-01-26T12:00:00', '77'],
    ['2026-01-27T00:00:00', 'AA'],
    ['2038-01-19T03:14:08', 'IX'],
    ['2100-01-01T00:00:00', 'L2'],
  ];
  for (const [when, stamp] of reference) t.is(srsTimestamp(at(when)), stamp, when);
});

test('the stamp is UTC days: the last millisecond of a day and the first of the next', (t) => {
  const midnight = at('2024-01-16T00:00:00');
  t.is(srsTimestamp(midnight - 1), 'IZ');
  t.is(srsTimestamp(midnight), 'I2');
  t.is(srsTimestamp(-1), '77'); // the day before the epoch is slot 1023
});

test('4.2 maxage is inclusive: valid on day +21 at any hour, invalid from day +22', (t) => {
  t.is(reverseAt('2024-01-15T00:00:00').kind, 'reversed');
  t.is(reverseAt('2024-02-05T00:00:00').kind, 'reversed');
  t.is(reverseAt('2024-02-05T23:59:59').kind, 'reversed');
  t.deepEqual(reverseAt('2024-02-06T00:00:00'), { kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate });
  t.is(reverseAt('2024-01-22T12:00:00', { ...SETTINGS, maxAge: 7 }).kind, 'reversed');
  t.is(reverseAt('2024-01-23T12:00:00', { ...SETTINGS, maxAge: 7 }).kind, 'invalid');
});

test('4.2 a stamp from the future is refused (its age counts as 1023 days)', (t) => {
  t.deepEqual(reverseAt('2024-01-14T23:59:59'), { kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate });
  t.is(reverseAt('2024-01-14T23:59:59', { ...SETTINGS, maxAge: 1023 }).kind, 'reversed');
  t.is(reverseAt('2024-01-14T23:59:59', { ...SETTINGS, maxAge: 1022 }).kind, 'invalid');
});

test('4.2 the 1024-day wrap: across the cycle end, and the replay a cycle later', (t) => {
  const made77 = 'SRS0=7+lH=77=example.com=alice@fwd.example';
  t.is(srsReverse(made77, SETTINGS, at('2026-01-27T12:00:00')).kind, 'reversed');
  t.is(srsReverse(made77, SETTINGS, at('2026-02-16T12:00:00')).kind, 'reversed');
  t.is(srsReverse(made77, SETTINGS, at('2026-02-17T12:00:00')).kind, 'invalid');
  t.is(reverseAt('2026-11-04T12:00:00').kind, 'reversed'); // day +1024
  t.is(reverseAt('2026-11-25T12:00:00').kind, 'reversed'); // +1045
  t.is(reverseAt('2026-11-26T12:00:00').kind, 'invalid'); // +1046
});

test('the stamp is read case-insensitively; a char outside base32 is its own error', (t) => {
  const lower = `SRS0=${srsHash('tops3cret', ['iz', 'example.com', 'alice'], 4)}=iz=example.com=alice`;
  t.is(srsReverse(lower, SETTINGS, at('2024-01-15T12:00:00')).kind, 'reversed');
  const i1 = `SRS0=${srsHash('tops3cret', ['I1', 'example.com', 'alice'], 4)}=I1=example.com=alice`;
  t.deepEqual(srsReverse(i1, SETTINGS, at('2024-01-15T12:00:00')), { kind: 'invalid', reason: SRS_ERRORS.badStampChar });
});

test('15.2 exactly two stamp characters: 0, 1 and 3 are out of date even with a valid hash', (t) => {
  const now = at('2024-01-15T12:00:00');
  for (const stamp of ['', 'Z', 'AIZ']) {
    const forged = `SRS0=${srsHash('tops3cret', [stamp, 'example.com', 'alice'], 4)}=${stamp}=example.com=alice`;
    t.deepEqual(srsReverse(forged, SETTINGS, now), { kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate }, stamp);
  }
});

test('E124/E125: a 12-char stamp, and a huge one, are refused at once (no CVE-2020-35573 loop)', (t) => {
  const now = at('2024-01-15T12:00:00');
  const long = 'T'.repeat(12);
  const huge = 'T'.repeat(1_000_000);
  const started = process.hrtime.bigint();
  t.deepEqual(srsReverse(`SRS0=8Nqu=${long}=example.com=alice@fwd.example`, SETTINGS, now), { kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate });
  t.deepEqual(srsReverse(`SRS0=6K+R=${long}=example.com=alice@fwd.example`, SETTINGS, now), { kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate });
  t.deepEqual(srsReverse(`SRS0=6K+R=${huge}=example.com=alice`, SETTINGS, now), { kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.true(ms < 1000, `took ${ms} ms`);
  // E125's hash really is valid over the long stamp: only the length rule refuses it.
  t.is(srsHash('tops3cret', [long, 'example.com', 'alice'], 4), '6K+R');
});

test('time far from now: a day is 86,400,000 ms whatever the date', (t) => {
  t.is(srsTimestamp(1024 * DAY), 'AA');
  t.is(srsTimestamp(1023 * DAY), '77');
});
