// srsForward/srsReverse/isSrsLocalPart beyond the vector file (spec srs.md 2, 7, 8, 15): what is
// SRS, the alias domain, the '@' rules, the order of errors, hash-min/hash-length on verify, and
// that no input makes the codec throw.
import test from 'ava';
import fc from 'fast-check';
import { SRS_ERRORS, isSrsLocalPart, srsForward, srsHash, srsReverse, type SrsSettings } from '../../src/srs/index.js';

const SETTINGS: SrsSettings = {
  domain: 'fwd.example', signSecret: 'tops3cret', verifySecrets: ['tops3cret'], maxAge: 21,
  hashLength: 4, hashMin: 4, separator: '=', alwaysRewrite: false,
};
const NOW = Date.UTC(2024, 0, 15, 12);
const fwd = (sender: string, s: Partial<SrsSettings> = {}) => srsForward(sender, { ...SETTINGS, ...s }, NOW);
const rev = (address: string, s: Partial<SrsSettings> = {}) => srsReverse(address, { ...SETTINGS, ...s }, NOW);

test('2.3/15.7 isSrsLocalPart: SRS0/SRS1 in any case, then = + or -', (t) => {
  for (const yes of ['SRS0=x', 'SRS1=x', 'srs0+', 'Srs1-abc', 'sRs0=', 'SRS0=8Nqu=IZ=example.com=alice@fwd.example']) {
    t.true(isSrsLocalPart(yes), yes);
  }
  for (const no of ['', 'SRS0', 'SRS1', 'SRS2=x', 'SRS0x=', 'SRS08Nqu=', 'SRS0@x', 'SRS=0', ' SRS0=x', 'SRS0_x', 'ＳRS0=x']) {
    t.false(isSrsLocalPart(no), no);
  }
});

test('7.2 the alias domain is what follows the last @ of the configured one (C199)', (t) => {
  t.deepEqual(fwd('alice@example.com', { domain: 'list@x@srs.Example.NET' }), {
    kind: 'rewritten', address: 'SRS0=8Nqu=IZ=example.com=alice@srs.Example.NET',
  });
  t.deepEqual(fwd('bob@SRS.example.net', { domain: 'list@srs.Example.NET' }), { kind: 'unchanged', address: 'bob@SRS.example.net' });
});

test("7.3/15.1 the sender's '@': none, several, empty sides", (t) => {
  t.deepEqual(fwd('noatsign'), { kind: 'error', reason: SRS_ERRORS.noAtSign });
  t.deepEqual(fwd(''), { kind: 'error', reason: SRS_ERRORS.noAtSign });
  t.deepEqual(fwd('a@b@example.com'), { kind: 'error', reason: SRS_ERRORS.manyAtSigns });
  t.deepEqual(fwd('SRS0=abcd=IZ=x=y@a@fwd0.example'), { kind: 'error', reason: SRS_ERRORS.manyAtSigns });
  t.deepEqual(fwd('@example.com'), { kind: 'rewritten', address: 'SRS0=puSq=IZ=example.com=@fwd.example' });
  t.deepEqual(fwd('user@'), { kind: 'rewritten', address: 'SRS0=SSg9=IZ==user@fwd.example' });
});

test('7.4 same domain: exact and ASCII case-insensitive; alwaysRewrite rewrites it', (t) => {
  t.deepEqual(fwd('BOB@FWD.EXAMPLE'), { kind: 'unchanged', address: 'BOB@FWD.EXAMPLE' });
  t.is(fwd('carol@sub.fwd.example').kind, 'rewritten');
  t.is(fwd('carol@fwd.example.').kind, 'rewritten');
  t.deepEqual(fwd('BOB@Fwd.Example', { alwaysRewrite: true }), { kind: 'rewritten', address: 'SRS0=hi5d=IZ=Fwd.Example=BOB@fwd.example' });
  // Unchanged needs no secret; rewriting does.
  t.deepEqual(fwd('bob@fwd.example', { signSecret: undefined }), { kind: 'unchanged', address: 'bob@fwd.example' });
  t.deepEqual(fwd('alice@example.com', { signSecret: undefined }), { kind: 'error', reason: SRS_ERRORS.noSecrets });
});

test('7.5/7.6 SRS senders: configured separator after the tag, old hash dropped, errors before "no secret"', (t) => {
  t.deepEqual(fwd('srs0-abcd=IZ=orig.example=carol@FWD0.example', { separator: '+' }), {
    kind: 'rewritten', address: `SRS1+${srsHash('tops3cret', ['FWD0.example', '-abcd=IZ=orig.example=carol'], 4)}=FWD0.example=-abcd=IZ=orig.example=carol@fwd.example`,
  });
  t.deepEqual(fwd('SRS1+wxyz=fwd0.example==abcd=IZ=orig.example=carol@fwd1.example'), {
    kind: 'rewritten', address: 'SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example',
  });
  t.deepEqual(fwd('SRS1=@fwd1.example'), { kind: 'error', reason: SRS_ERRORS.srs1NoHash });
  t.deepEqual(fwd('SRS1=abc@fwd1.example', { signSecret: undefined }), { kind: 'error', reason: SRS_ERRORS.srs1NoHost });
  // Empty host and tail are no error (libsrs2 only needs the two '=').
  t.deepEqual(fwd('SRS1===@fwd1.example'), { kind: 'rewritten', address: `SRS1=${srsHash('tops3cret', ['', ''], 4)}==@fwd.example` });
});

test('8 reverse: the domain is ignored, may be absent, and any initial separator is accepted', (t) => {
  const alice = { kind: 'reversed', address: 'alice@example.com', tag: 'SRS0' };
  t.deepEqual(rev('SRS0=8Nqu=IZ=example.com=alice'), alice);
  t.deepEqual(rev('SRS0=8Nqu=IZ=example.com=alice@other.example'), alice);
  t.deepEqual(rev('SRS0+8Nqu=IZ=example.com=alice@fwd.example'), alice);
  t.deepEqual(rev('SRS0-8Nqu=IZ=example.com=alice@fwd.example', { separator: '+' }), alice);
  t.deepEqual(rev('SRS0=8Nqu=IZ=example.co=malice'), { kind: 'reversed', address: 'malice@example.co', tag: 'SRS0' });
});

test('8 reverse: not SRS, and the missing-field errors in libsrs2 order', (t) => {
  for (const notSrs of ['', 'alice@example.com', 'SRS0', 'SRS0@fwd.example', 'SRS2=8Nqu=IZ=example.com=alice']) {
    t.deepEqual(rev(notSrs), { kind: 'not-srs' }, notSrs);
  }
  t.deepEqual(rev('SRS0='), { kind: 'invalid', reason: SRS_ERRORS.srs0NoHash });
  t.deepEqual(rev('SRS0=8Nqu'), { kind: 'invalid', reason: SRS_ERRORS.srs0NoStamp });
  t.deepEqual(rev('SRS0=8Nqu=IZ'), { kind: 'invalid', reason: SRS_ERRORS.srs0NoHost });
  t.deepEqual(rev('SRS0=8Nqu=IZ=example.com'), { kind: 'invalid', reason: SRS_ERRORS.srs0NoUser });
  t.deepEqual(rev('SRS1='), { kind: 'invalid', reason: SRS_ERRORS.srs1NoHash });
  t.deepEqual(rev('SRS1=7bl1'), { kind: 'invalid', reason: SRS_ERRORS.srs1NoHost });
  t.deepEqual(rev('SRS1=7bl1=fwd0.example'), { kind: 'invalid', reason: SRS_ERRORS.srs1NoUser });
  // Stamp before hash: a bad hash on an expired address reports the stamp (E123).
  t.deepEqual(srsReverse('SRS0=8Nqv=IZ=example.com=alice', SETTINGS, Date.UTC(2024, 1, 20, 12)), {
    kind: 'invalid', reason: SRS_ERRORS.stampOutOfDate,
  });
});

test('15.2 hash length on verify: hash-min..hash-length chars, a prefix of the digest', (t) => {
  const six = { hashLength: 6, hashMin: 4 };
  t.is(rev('SRS0=8Nqu2G=IZ=example.com=alice', six).kind, 'reversed');
  t.is(rev('SRS0=8Nqu2=IZ=example.com=alice', six).kind, 'reversed');
  t.is(rev('SRS0=8Nqu=IZ=example.com=alice', six).kind, 'reversed');
  t.deepEqual(rev('SRS0=8Nq=IZ=example.com=alice', six), { kind: 'invalid', reason: SRS_ERRORS.hashTooShort });
  t.deepEqual(rev('SRS0==IZ=example.com=alice'), { kind: 'invalid', reason: SRS_ERRORS.hashTooShort });
  t.deepEqual(rev('SRS0=8Nqu2G=IZ=example.com=alice'), { kind: 'invalid', reason: SRS_ERRORS.hashInvalid });
  t.deepEqual(rev('SRS0=8Nqu2GGggDofwtsofR7sMTBnfLkX=IZ=example.com=alice', { hashLength: 99, hashMin: 4 }), {
    kind: 'invalid', reason: SRS_ERRORS.hashInvalid,
  });
  // A hash-min above hash-length (a misconfiguration) is lowered to it, never locking everyone out.
  t.is(rev('SRS0=8Nqu=IZ=example.com=alice', { hashMin: 9 }).kind, 'reversed');
  // A hash-min of 0 is raised to 1: an empty hash never verifies.
  t.deepEqual(rev('SRS0==IZ=example.com=alice', { hashMin: 0 }), { kind: 'invalid', reason: SRS_ERRORS.hashTooShort });
});

test('5 secrets: the first signs, all verify, none verifies nothing', (t) => {
  const made = fwd('alice@example.com', { signSecret: 'old', verifySecrets: ['old'] });
  if (made.kind !== 'rewritten') return t.fail();
  t.is(rev(made.address, { verifySecrets: ['new', 'old'] }).kind, 'reversed');
  t.is(rev(made.address, { verifySecrets: ['old', 'new'] }).kind, 'reversed');
  t.deepEqual(rev(made.address, { verifySecrets: ['new'] }), { kind: 'invalid', reason: SRS_ERRORS.hashInvalid });
  t.deepEqual(rev(made.address, { verifySecrets: [] }), { kind: 'invalid', reason: SRS_ERRORS.hashInvalid });
});

test('no input makes the codec throw', (t) => {
  const octets = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 80 });
  const srsish = fc.tuple(fc.constantFrom('SRS0', 'SRS1', 'srs0', 'Srs1'), fc.constantFrom('=', '+', '-'), fc.array(fc.oneof(octets, fc.constant('=')), { maxLength: 8 }))
    .map(([tag, sep, parts]) => tag + sep + parts.join(''));
  const anyString = fc.string({ unit: 'binary', maxLength: 40 });
  fc.assert(
    fc.property(fc.oneof(octets, srsish, anyString), fc.integer({ min: -4, max: 40 }), fc.integer({ min: -4, max: 40 }), fc.double(), (input, hl, hm, now) => {
      const s = { ...SETTINGS, hashLength: hl, hashMin: hm };
      const f = srsForward(input, s, now);
      const r = srsReverse(input, s, now);
      return ['rewritten', 'unchanged', 'error'].includes(f.kind) && ['reversed', 'not-srs', 'invalid'].includes(r.kind);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
