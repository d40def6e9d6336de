// The SRS hash (spec srs.md 3): the worked examples of 3.2, ASCII-only lower-casing (2.4), the
// secret as raw octets, the 27-character limit, and that verification compares with
// crypto.timingSafeEqual against every secret without stopping at the first match (15.2).
import crypto, { createHmac } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import test from 'ava';
import { srsHash, srsReverse, type SrsSettings } from '../../src/srs/index.js';
import { latin1 } from './vectors.js';

const SETTINGS: SrsSettings = {
  domain: 'fwd.example', signSecret: 'tops3cret', verifySecrets: ['tops3cret'], maxAge: 21,
  hashLength: 4, hashMin: 4, separator: '=', alwaysRewrite: false,
};
const JAN_15_2024 = Date.UTC(2024, 0, 15, 12);

test('3.2 SRS0 example: the message, the HMAC, its base64 and the 4-char hash', (t) => {
  const mac = createHmac('sha1', 'tops3cret').update('izexample.comalice').digest();
  t.is(mac.toString('hex'), 'f0daaed861a0803a1fc2db287d1eec3130677cb9');
  t.is(mac.toString('base64'), '8Nqu2GGggDofwtsofR7sMTBnfLk=');
  // The fields go in separately, in their own case; the hash lower-cases and joins them.
  t.is(srsHash('tops3cret', ['IZ', 'example.com', 'alice'], 4), '8Nqu');
  t.is(srsHash('tops3cret', ['IZ', 'example.com', 'alice'], 27), '8Nqu2GGggDofwtsofR7sMTBnfLk');
});

test('3.2 SRS1 example: first-hop host and the SRS0 tail with its separator', (t) => {
  t.is(srsHash('tops3cret', ['fwd0.example', '=abcd=IZ=orig.example=carol'], 4), '7bl1');
  t.is(createHmac('sha1', 'tops3cret').update('fwd0.example=abcd=iz=orig.example=carol').digest('base64').slice(0, 8), '7bl1w0Rd');
});

test('fields are joined with nothing between them (the 3.5 boundary weakness)', (t) => {
  t.is(srsHash('tops3cret', ['IZ', 'example.co', 'malice'], 4), srsHash('tops3cret', ['IZ', 'example.com', 'alice'], 4));
});

test('2.4 lower-casing is ASCII only: A-Z folded, octets >= 0x80 hashed as they are', (t) => {
  t.is(srsHash('k', ['ABC'], 8), srsHash('k', ['abc'], 8));
  // Latin1 of the UTF-8 of "Ü" is "Ã\x9c"; toLowerCase() would turn "Ã" into "ã" and change the hash.
  const upper = latin1('Ü');
  t.is(upper, '\u00c3\u009c');
  t.not(srsHash('k', [upper], 8), srsHash('k', [upper.toLowerCase()], 8));
  // F009 vs F010: only the ASCII letters were lower-cased, and the hash changes (non-ASCII case counts).
  const f009 = ['IZ', latin1('MÜNCHEN.example'), latin1('Jörg.Ü')];
  const f010 = ['IZ', latin1('mÜnchen.example'), latin1('jörg.ü')];
  t.is(srsHash('tops3cret', f009, 4), '+lFV');
  t.is(srsHash('tops3cret', f010, 4), 'g957');
});

test('the secret is its octets: a UTF-8 secret (P050) and trailing space kept (P051)', (t) => {
  t.is(srsHash(latin1('pässwörd'), ['IZ', 'example.com', 'alice'], 4), 'GuZH');
  t.is(srsHash('secret with spaces ', ['IZ', 'example.com', 'alice'], 4), 'iBHr');
  t.not(srsHash('secret with spaces', ['IZ', 'example.com', 'alice'], 4), 'iBHr');
});

test('hash length: 1 to 27 characters, standard base64, never the padding', (t) => {
  const fields = ['IZ', 'example.com', 'alice'];
  t.is(srsHash('tops3cret', fields, 1), '8');
  t.is(srsHash('tops3cret', fields, 20), '8Nqu2GGggDofwtsofR7s');
  t.is(srsHash('tops3cret', fields, 40), '8Nqu2GGggDofwtsofR7sMTBnfLk');
  t.is(srsHash('tops3cret', fields, 0), '8');
  t.is(srsHash('tops3cret', ['IZ', 'example.com', 'user233'], 4), '/mP+');
});

/** Runs `fn` with crypto.timingSafeEqual replaced by a counting wrapper (ESM bindings synced). */
function countingTimingSafeEqual<T>(fn: () => T): { result: T; calls: number } {
  const original = crypto.timingSafeEqual;
  let calls = 0;
  crypto.timingSafeEqual = (a, b) => {
    calls++;
    return original(a, b);
  };
  syncBuiltinESMExports();
  try {
    return { result: fn(), calls };
  } finally {
    crypto.timingSafeEqual = original;
    syncBuiltinESMExports();
  }
}

test.serial('15.2 verification uses timingSafeEqual, once per secret, also when the first matches', (t) => {
  const secrets = ['tops3cret', 'other-1', 'other-2'];
  const good = countingTimingSafeEqual(() =>
    srsReverse('SRS0=8Nqu=IZ=example.com=alice@fwd.example', { ...SETTINGS, verifySecrets: secrets }, JAN_15_2024));
  t.deepEqual(good.result, { kind: 'reversed', address: 'alice@example.com', tag: 'SRS0' });
  t.is(good.calls, secrets.length);
  const forged = countingTimingSafeEqual(() =>
    srsReverse('SRS1=AAAA=fwd0.example==abcd=IZ=orig.example=carol', { ...SETTINGS, verifySecrets: secrets }, JAN_15_2024));
  t.is(forged.result.kind, 'invalid');
  t.is(forged.calls, secrets.length);
});

test('case-insensitive compare: a case-smashed hash verifies, a wrong letter does not', (t) => {
  for (const hash of ['8nqu', '8NQU', '8nQu']) {
    t.is(srsReverse(`SRS0=${hash}=IZ=example.com=alice`, SETTINGS, JAN_15_2024).kind, 'reversed', hash);
  }
  t.is(srsReverse('SRS0=8Nqv=IZ=example.com=alice', SETTINGS, JAN_15_2024).kind, 'invalid');
});

test('a hash with chars beyond latin1 never matches (no truncation to the low byte)', (t) => {
  // U+0138 would become 0x38 '8' if it were squeezed into a latin1 Buffer.
  const r = srsReverse('SRS0=\u0138Nqu=IZ=example.com=alice', SETTINGS, JAN_15_2024);
  t.deepEqual(r, { kind: 'invalid', reason: 'Hash invalid in SRS address.' });
});
