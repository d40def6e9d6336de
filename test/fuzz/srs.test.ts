// Fuzzes the SRS decoder (srsReverse, src/srs/index.ts) with fast-check; extends the never-throws
// and round-trip properties of test/srs/. Invariants: with a random secret, no address that was
// not made with it reverses: random text, SRS-shaped forgeries with a current stamp and hashes
// drawn from the base64 alphabet, and one-octet tampering of a genuine address (anywhere in the
// local part but the initial separator, any change beyond ASCII case) all give 'invalid' or
// 'not-srs' (hash-min >= 6, so a lucky guess is < 2^-36 per try); a 'reversed' answer is only
// ever built from the input's own fields; forward -> reverse round-trips for random senders
// with one '@'; reverse takes bounded CPU time on long inputs full of '='.
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import { srsForward, srsReverse, srsTimestamp, type SrsSeparator, type SrsSettings } from '../../src/srs/index.js';
import { asciiLower } from '../../src/util/ascii.js';
import { cpuMs, runs } from '../helpers/fuzz.js';

const octet = (except = '') => fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)).filter((c) => !except.includes(c));
const secret = fc.string({ unit: octet(), minLength: 1, maxLength: 40 });
const separator = fc.constantFrom<SrsSeparator>('=', '+', '-');
const nowMs = fc.integer({ min: 0, max: 7_258_118_400_000 });
/** hash-min of 6 or more: a random hash verifies with probability below 64^-6. */
const sizes = fc.integer({ min: 6, max: 27 }).chain((hashLength) => fc.record({ hashLength: fc.constant(hashLength), hashMin: fc.integer({ min: 6, max: hashLength }) }));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function settings(key: string, sep: SrsSeparator, sz: { hashLength: number; hashMin: number }): SrsSettings {
  return { domain: 'fwd.example', signSecret: key, verifySecrets: [key], maxAge: 21, separator: sep, alwaysRewrite: false, ...sz };
}

const field = fc.string({ unit: fc.oneof(octet('@='), fc.constantFrom('.', 'a', 'B')), maxLength: 20 });
const casing = fc.constantFrom('SRS0', 'SRS1', 'srs0', 'sRs1');

/** SRS0/SRS1 addresses with the right shape, a current stamp, and a hash that is a guess. */
const forgery = (now: number) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom('SRS0', 'srs0', 'Srs0'), separator, fc.string({ unit: fc.constantFrom(...B64), minLength: 1, maxLength: 30 }), field, field, fc.boolean())
      .map(([tag, sep, hash, host, user, lower]) => `${tag}${sep}${hash}=${lower ? srsTimestamp(now).toLowerCase() : srsTimestamp(now)}=${host}=${user}@fwd.example`),
    fc
      .tuple(fc.constantFrom('SRS1', 'srs1'), separator, fc.string({ unit: fc.constantFrom(...B64), minLength: 1, maxLength: 30 }), field, separator, field, field, field)
      .map(([tag, sep, hash, host, sep0, h0, s0, rest]) => `${tag}${sep}${hash}=${host}=${sep0}${h0}=${s0}=${rest}@fwd.example`),
    fc.string({ unit: fc.oneof(octet(), fc.constantFrom('=', 'S', 'R', '0', '1', '@')), maxLength: 80 }),
    fc.tuple(casing, separator, fc.array(fc.oneof(field, fc.constant('=')), { maxLength: 8 })).map(([t, s, p]) => t + s + p.join('')),
  );

test('with a random secret, random text and SRS-shaped forgeries never reverse', (t) => {
  fc.assert(
    fc.property(secret, separator, sizes, nowMs.chain((now) => fc.tuple(fc.constant(now), forgery(now))), (key, sep, sz, [now, input]) => {
      const r = srsReverse(input, settings(key, sep, sz), now);
      if (r.kind === 'reversed') throw new Error(`reversed ${JSON.stringify(input)} to ${JSON.stringify(r.address)}`);
      if (r.kind !== 'invalid' && r.kind !== 'not-srs') throw new Error(`outcome ${JSON.stringify(r)}`);
    }),
    runs(2000),
  );
  t.pass();
});

test('one changed octet in a genuine address (beyond ASCII case, not the separator) never reverses', (t) => {
  const local = fc.string({ unit: octet('@'), maxLength: 30 }).filter((l) => !/^srs[01][=+-]/i.test(l));
  const dom = fc.string({ unit: octet('@='), maxLength: 30 }).filter((d) => asciiLower(d) !== 'fwd.example');
  fc.assert(
    fc.property(secret, separator, sizes, nowMs, local, dom, fc.nat(), octet(), (key, sep, sz, now, l, d, where, replacement) => {
      const s = settings(key, sep, sz);
      const out = srsForward(`${l}@${d}`, s, now);
      if (out.kind !== 'rewritten') throw new Error(JSON.stringify(out));
      const at = out.address.lastIndexOf('@');
      const i = where % at;
      const original = out.address[i]!;
      fc.pre(i !== 4 && asciiLower(original) !== asciiLower(replacement));
      const tampered = out.address.slice(0, i) + replacement + out.address.slice(i + 1);
      // A changed stamp may also happen to be still valid: then the hash must still fail.
      const r = srsReverse(tampered, s, now);
      if (r.kind === 'reversed') throw new Error(`tampered ${JSON.stringify(tampered)} reversed to ${JSON.stringify(r.address)}`);
      // The untouched one still reverses, also via SRS1 built on top of it.
      const good = srsReverse(out.address, s, now);
      if (good.kind !== 'reversed' || good.address !== `${l}@${d}`) throw new Error(`genuine did not reverse: ${JSON.stringify(good)}`);
    }),
    runs(1500),
  );
  t.pass();
});

test('a "reversed" answer is made of the input\'s own fields', (t) => {
  // Reverse with the secret that made the address, then check where the answer came from.
  fc.assert(
    fc.property(secret, separator, sizes, nowMs, fc.string({ unit: octet('@'), maxLength: 30 }), fc.string({ unit: octet('@='), maxLength: 30 }), fc.boolean(), (key, sep, sz, now, l, d, twice) => {
      const s = settings(key, sep, sz);
      const hop1 = srsForward(`${l}@${d}`, s, now);
      if (hop1.kind === 'unchanged') return;
      if (hop1.kind !== 'rewritten') return;
      const addr = twice ? srsForward(hop1.address.replace(/@fwd\.example$/, '@hop1.example'), { ...s, domain: 'hop2.example' }, now) : hop1;
      if (addr.kind !== 'rewritten') return;
      const r = srsReverse(addr.address, s, now);
      if (r.kind !== 'reversed') return;
      const local = addr.address.slice(0, addr.address.indexOf('@'));
      const [user, host] = [r.address.slice(0, r.address.lastIndexOf('@')), r.address.slice(r.address.lastIndexOf('@') + 1)];
      if (!local.includes(host) || !local.includes(user.replace(/^SRS0/, ''))) throw new Error(`${JSON.stringify(r.address)} is not from ${JSON.stringify(local)}`);
    }),
    runs(2000),
  );
  t.pass();
});

test('forward -> reverse round-trips for random senders with one "@" under a random secret', (t) => {
  fc.assert(
    fc.property(secret, separator, sizes, nowMs, fc.integer({ min: 0, max: 21 }), fc.string({ unit: octet('@'), maxLength: 40 }), fc.string({ unit: octet('@='), maxLength: 40 }), (key, sep, sz, now, age, l, d) => {
      fc.pre(!/^srs[01][=+-]/i.test(l) && asciiLower(d) !== 'fwd.example');
      const s = settings(key, sep, sz);
      const out = srsForward(`${l}@${d}`, s, now);
      if (out.kind !== 'rewritten') throw new Error(JSON.stringify(out));
      if (out.address.split('@').length !== 2 + (l.match(/@/g)?.length ?? 0)) throw new Error('extra @ in the result');
      const r = srsReverse(out.address, s, now + age * 86_400_000);
      if (r.kind !== 'reversed' || r.address !== `${l}@${d}`) throw new Error(JSON.stringify(r));
      const old = srsReverse(out.address, s, now + 22 * 86_400_000 + 1);
      if (old.kind === 'reversed') throw new Error('reversed after maxAge');
    }),
    runs(3000),
  );
  t.pass();
});

test('no hang: reverse of long inputs full of "=" takes bounded CPU time', (t) => {
  fc.assert(
    fc.property(fc.constantFrom('SRS0=', 'SRS1=', 'SRS0+'), fc.constantFrom('=', 'a=', '==a', 'AA=', '@'), fc.integer({ min: 1, max: 1 << 18 }), (head, unit, len) => {
      const input = head + unit.repeat(Math.ceil(len / unit.length));
      const ms = cpuMs(() => srsReverse(input, settings('k', '=', { hashLength: 27, hashMin: 6 }), Date.UTC(2025, 0, 1)));
      if (ms > 1000) throw new Error(`${ms.toFixed(0)} ms CPU for ${input.length} chars`);
    }),
    runs(30, 5000),
  );
  t.pass();
});
