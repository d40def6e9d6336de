// Round trips (spec srs.md 8.5, 6): for any sender without a second '@' and a domain without
// '=', reverse(forward(x)) = x with case kept; through a Guarded chain of three forwarders, each
// bounce unwraps to the first forwarder's SRS0 and that to x. Random octets, secrets, settings, days.
import test from 'ava';
import fc from 'fast-check';
import { isSrsLocalPart, srsForward, srsReverse, type SrsSeparator, type SrsSettings } from '../../src/srs/index.js';
import { asciiLower } from '../../src/util/ascii.js';

/** Any octet but '@' (latin1 string, one char per octet). */
const octet = (except: string) =>
  fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)).filter((c) => !except.includes(c));
const localPart = fc.string({ unit: octet('@'), maxLength: 40 }).filter((l) => !isSrsLocalPart(l));
/** A domain with '=' would be split in the wrong place on reverse (spec 2.1): not generated. */
const domain = fc.string({ unit: octet('@='), maxLength: 40 });
const secret = fc.string({ unit: octet(''), minLength: 1, maxLength: 32 });
const separator = fc.constantFrom<SrsSeparator>('=', '+', '-');
/** 1970..2200, any millisecond. */
const nowMs = fc.integer({ min: 0, max: 7_258_118_400_000 });
const hashSizes = fc.integer({ min: 1, max: 27 }).chain((hashLength) => fc.record({ hashLength: fc.constant(hashLength), hashMin: fc.integer({ min: 1, max: hashLength }) }));

function hop(alias: string, key: string, sep: SrsSeparator, sizes: { hashLength: number; hashMin: number }): SrsSettings {
  return { domain: alias, signSecret: key, verifySecrets: ['unrelated', key], maxAge: 21, separator: sep, alwaysRewrite: false, ...sizes };
}

function forwarded(sender: string, s: SrsSettings, now: number): string {
  const out = srsForward(sender, s, now);
  if (out.kind !== 'rewritten') throw new Error(`${sender}: ${JSON.stringify(out)}`);
  return out.address;
}

test('SRS0: reverse(forward(x)) = x, case kept, also with the case smashed on the way back', (t) => {
  fc.assert(
    fc.property(localPart, domain, secret, separator, hashSizes, nowMs, fc.integer({ min: 0, max: 21 }), (local, dom, key, sep, sizes, now, age) => {
      fc.pre(asciiLower(dom) !== 'fwd1.example');
      const s = hop('fwd1.example', key, sep, sizes);
      const sender = `${local}@${dom}`;
      const srs = forwarded(sender, s, now);
      const later = now + age * 86_400_000;
      const back = srsReverse(srs, s, later);
      const smashed = srsReverse(asciiLower(srs), s, later);
      return back.kind === 'reversed' && back.address === sender && back.tag === 'SRS0'
        && smashed.kind === 'reversed' && smashed.address === asciiLower(sender);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('SRS1 chain: hop 2 and hop 3 bounce to hop 1, hop 1 to the sender', (t) => {
  fc.assert(
    fc.property(localPart, domain, fc.tuple(secret, secret, secret), fc.tuple(separator, separator, separator), hashSizes, nowMs, (local, dom, keys, seps, sizes, now) => {
      const aliases = ['fwd1.example', 'fwd2.example', 'fwd3.example'];
      fc.pre(!aliases.includes(asciiLower(dom)));
      const [h1, h2, h3] = aliases.map((a, i) => hop(a, keys[i] as string, seps[i] as SrsSeparator, sizes)) as [SrsSettings, SrsSettings, SrsSettings];
      const sender = `${local}@${dom}`;
      const a1 = forwarded(sender, h1, now);
      const a2 = forwarded(a1, h2, now);
      const a3 = forwarded(a2, h3, now);
      const at3 = srsReverse(a3, h3, now);
      const at2 = srsReverse(a2, h2, now);
      const at1 = srsReverse(a1, h1, now);
      // An SRS1 never expires: hop 3 still unwraps years later.
      const muchLater = srsReverse(a3, h3, now + 1000 * 86_400_000);
      return a2.startsWith(`SRS1${seps[1]}`) && a3.startsWith(`SRS1${seps[2]}`)
        && at3.kind === 'reversed' && at3.address === a1 && at3.tag === 'SRS1'
        && at2.kind === 'reversed' && at2.address === a1
        && muchLater.kind === 'reversed' && muchLater.address === a1
        && at1.kind === 'reversed' && at1.address === sender;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('a forged or tampered address does not reverse', (t) => {
  fc.assert(
    fc.property(localPart, domain, secret, secret, nowMs, (local, dom, key, other, now) => {
      fc.pre(key !== other && asciiLower(dom) !== 'fwd1.example');
      const sizes = { hashLength: 8, hashMin: 8 };
      const srs = forwarded(`${local}@${dom}`, hop('fwd1.example', key, '=', sizes), now);
      return srsReverse(srs, { ...hop('fwd1.example', other, '=', sizes), verifySecrets: [other] }, now).kind === 'invalid';
    }),
    { numRuns: 200 },
  );
  t.pass();
});
