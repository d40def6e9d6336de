// The dns-packet adapter and name checks on their own: the query's octets (names exactly as
// checkName passed them, the OPT record), what replies decode to, and decoding that fails
// cleanly, with a WireError and nothing else, on hostile or random input.

import test from 'ava';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { checkName } from '../../src/dns/index.js';
import { WireError, decodeEnvelope, decodeSections, encodeQuery } from '../../src/dns/wire.js';
import { ODD_NAME } from './zone-fixtures.js';

const HEADER_OCTETS = 12;
/** Type and class after the question name. */
const QTYPE_QCLASS_OCTETS = 4;
/** An OPT record with no options: root, type, payload, extended rcode, version, flags, length. */
const OPT_OCTETS = 11;

/** The question name of a query holding nothing after its question, as latin1 wire octets. */
function qnameOctets(query: Buffer): string {
  return query.toString('latin1', HEADER_OCTETS, query.length - QTYPE_QCLASS_OCTETS);
}

/** Labels as they should appear on the wire, length octets and root included. */
function wireLabels(labels: readonly string[]): string {
  return labels.map((l) => String.fromCharCode(l.length) + l).join('') + '\x00';
}

test('a query without EDNS is header, question, nothing else', (t) => {
  const q = encodeQuery(0x1234, 'a.Bc', 'TXT');
  t.is(q.toString('hex'), '1234' + '0100' + '0001' + '0000' + '0000' + '0000' + '0161' + '024263' + '00' + '0010' + '0001');
});

test('a query with EDNS ends in an OPT record advertising the payload size', (t) => {
  const q = encodeQuery(1, 'x', 'A', 1232);
  t.is(q.readUInt16BE(10), 1);
  t.is(q.length, HEADER_OCTETS + 3 + QTYPE_QCLASS_OCTETS + OPT_OCTETS);
  t.is(q.subarray(-OPT_OCTETS).toString('hex'), '00' + '0029' + '04d0' + '00' + '00' + '0000' + '0000');
});

test('printable ASCII, a backslash and case go out exactly as given', (t) => {
  for (const raw of [ODD_NAME, ODD_NAME.toUpperCase(), 'a\\.b.Test', '*.x', 'tab\there.test', '\x00.\x7f']) {
    const checked = checkName(raw);
    if (!checked.ok) return t.fail(`${JSON.stringify(raw)} refused: ${checked.detail}`);
    const query = encodeQuery(7, checked.name, 'TXT');
    t.is(qnameOctets(query), wireLabels(checked.labels), JSON.stringify(raw));
  }
});

test('any name checkName passes is encoded label for label, octet for octet', (t) => {
  const char = fc.oneof(
    { arbitrary: fc.constant('.'), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), weight: 12 },
    { arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), weight: 1 },
  );
  let passed = 0;
  fc.assert(
    fc.property(fc.string({ unit: char, minLength: 1, maxLength: 90 }), (raw) => {
      const checked = checkName(raw);
      if (!checked.ok) return true;
      passed++;
      return qnameOctets(encodeQuery(0, checked.name, 'A')) === wireLabels(checked.labels);
    }),
    { numRuns: 2000 },
  );
  t.true(passed > 200, `only ${passed} generated names passed checkName`);
});

/** A response header with the given counts, then `body`. */
function message(counts: [qd: number, an: number, ns?: number], body: number[]): Buffer {
  const head = Buffer.alloc(HEADER_OCTETS);
  head.writeUInt16BE(0x8180, 2);
  head.writeUInt16BE(counts[0], 4);
  head.writeUInt16BE(counts[1], 6);
  head.writeUInt16BE(counts[2] ?? 0, 8);
  return Buffer.concat([head, Buffer.from(body)]);
}

/** Question "a" A IN at offset 12, then an answer owned by it (pointer), type, class, TTL. */
const Q_A = [1, 0x61, 0, 0, 1, 0, 1];
const RR_HEAD = (type: number, klass = 1, ttl = [0, 0, 0, 60]): number[] => [0xc0, 12, 0, type, klass >> 8, klass & 0xff, ...ttl];

test('the envelope is read even when the body is not', (t) => {
  const buf = message([1, 1], [...Q_A, ...RR_HEAD(1), 0, 4, 192, 0]);
  const env = decodeEnvelope(buf);
  t.like(env, { id: 0, isResponse: true, opcode: 'QUERY', truncated: false, rcode: 'NOERROR' });
  t.deepEqual(env.questions, [{ name: 'a', type: 'A', klass: 'IN' }]);
  t.throws(() => decodeSections(buf), { instanceOf: WireError });
});

test('TC and the rcode come from the header', (t) => {
  const buf = message([1, 0], Q_A);
  buf.writeUInt16BE(0x8383, 2);
  t.like(decodeEnvelope(buf), { truncated: true, rcode: 'NXDOMAIN' });
});

test('a compression pointer to itself or forward is refused, not followed', (t) => {
  t.throws(() => decodeEnvelope(message([1, 0], [0xc0, 12, 0, 1, 0, 1])), { instanceOf: WireError });
  t.throws(() => decodeEnvelope(message([1, 0], [0xc0, 20, 0, 1, 0, 1, 0, 0])), { instanceOf: WireError });
});

test('two pointers pointing at each other are refused', (t) => {
  // question "a" at 12; answer owner at 19 points to 21, which points back to 19.
  const buf = message([1, 1], [...Q_A, 0xc0, 21, 0xc0, 19]);
  t.notThrows(() => decodeEnvelope(buf));
  t.throws(() => decodeSections(buf), { instanceOf: WireError });
});

test('a message cut short is refused', (t) => {
  t.throws(() => decodeEnvelope(Buffer.alloc(5)), { instanceOf: WireError });
  t.throws(() => decodeEnvelope(message([1, 0], [3, 0x61])), { instanceOf: WireError });
  t.throws(() => decodeSections(message([1, 1], [...Q_A, ...RR_HEAD(1), 0, 4, 192, 0])), { instanceOf: WireError });
  // TXT whose RDLENGTH runs past the end: dns-packet alone would return the short string.
  t.throws(() => decodeSections(message([1, 1], [...Q_A, ...RR_HEAD(16), 0, 9, 8, 0x61, 0x62])), { instanceOf: WireError });
});

test('rdata whose length disagrees with its content is refused', (t) => {
  const longA = message([1, 1], [...Q_A, ...RR_HEAD(1), 0, 5, 192, 0, 2, 1, 9]);
  t.throws(() => decodeSections(longA), { instanceOf: WireError });
  const shortA = message([1, 2], [...Q_A, ...RR_HEAD(1), 0, 3, 192, 0, 2, ...RR_HEAD(1), 0, 4, 192, 0, 2, 2]);
  t.throws(() => decodeSections(shortA), { instanceOf: WireError });
});

test('a TTL with the top bit set reads as 0', (t) => {
  const { answers } = decodeSections(message([1, 1], [...Q_A, ...RR_HEAD(1, 1, [0x80, 0, 0, 0]), 0, 4, 192, 0, 2, 1]));
  t.is(answers[0]?.ttl, 0);
  t.deepEqual(answers[0]?.data, { kind: 'A', address: '192.0.2.1' });
});

test('class IN with the top bit set is not IN', (t) => {
  const { answers } = decodeSections(message([1, 1], [...Q_A, ...RR_HEAD(1, 0x8001), 0, 4, 192, 0, 2, 1]));
  t.false(answers[0]?.internet);
});

test('TXT keeps every octet as latin1; AAAA is in RFC 5952 form; SOA gives its minimum', (t) => {
  const txt = [...RR_HEAD(16), 0, 7, 3, 0xe9, 0xff, 0x80, 2, 0, 0x22];
  const aaaa = [...RR_HEAD(28), 0, 16, 0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
  // SOA: mname and rname are the root, then serial, refresh, retry, expire, minimum 42.
  const soa = [...RR_HEAD(6), 0, 22, 0, 0, ...Array<number>(16).fill(0), 0, 0, 0, 42];
  const { answers, authorities } = decodeSections(message([1, 2, 1], [...Q_A, ...txt, ...aaaa, ...soa]));
  t.deepEqual(answers[0]?.data, { kind: 'TXT', strings: ['\xe9\xff\x80', '\x00"'] });
  t.deepEqual(answers[1]?.data, { kind: 'AAAA', address: '2001:0:0:1::1' });
  t.deepEqual(authorities[0]?.data, { kind: 'SOA', minimum: 42 });
});

test('names with octets above 0x7F decode without error; the root is the empty name', (t) => {
  const ptr = [...RR_HEAD(12), 0, 7, 4, 0x68, 0xf6, 0x73, 0x74, 0xc0, 12];
  const mx = [...RR_HEAD(15), 0, 3, 0, 0, 0];
  const { answers } = decodeSections(message([1, 2], [...Q_A, ...ptr, ...mx]));
  t.deepEqual(answers[0]?.data, { kind: 'PTR', target: 'h\ufffdst.a' });
  t.deepEqual(answers[1]?.data, { kind: 'MX', preference: 0, exchange: '' });
});

/** A reply as a server would send it, for the random-damage test below. */
function sampleReply(): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: 9,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type: 'MX', name: 'a.test', class: 'IN' }],
    answers: [
      { type: 'CNAME', name: 'a.test', ttl: 60, data: 'b.test' },
      { type: 'MX', name: 'b.test', ttl: 60, data: { preference: 5, exchange: 'mx.b.test' } },
      { type: 'TXT', name: 'b.test', ttl: 60, data: ['one', 'two'] },
      { type: 'AAAA', name: 'b.test', ttl: 60, data: '2001:db8::1' },
    ],
    authorities: [{ type: 'SOA', name: 'test', ttl: 60, data: { mname: 'ns.test', rname: 'h.test', minimum: 30 } }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
}

/** Runs both decoders; anything thrown must be a WireError. */
function decodesCleanly(buf: Buffer): boolean {
  for (const run of [() => decodeEnvelope(buf), () => decodeSections(buf)]) {
    try {
      run();
    } catch (err) {
      if (!(err instanceof WireError)) return false;
    }
  }
  return true;
}

test('random octets and damaged replies fail with a WireError or decode, never anything else', (t) => {
  const reply = sampleReply();
  t.notThrows(() => decodeSections(reply));
  const damage = fc.record({
    cut: fc.integer({ min: 0, max: reply.length }),
    edits: fc.array(fc.tuple(fc.nat(reply.length - 1), fc.integer({ min: 0, max: 0xff })), { maxLength: 6 }),
  });
  fc.assert(
    fc.property(damage, ({ cut, edits }) => {
      const buf = Buffer.from(reply.subarray(0, Math.max(cut, HEADER_OCTETS)));
      for (const [at, octet] of edits) if (at < buf.length) buf[at] = octet;
      return decodesCleanly(buf);
    }),
    { numRuns: 3000 },
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesCleanly(Buffer.from(bytes))), { numRuns: 3000 });
  t.pass();
});

const names: [string, string | undefined][] = [
  ['example.org', 'example.org'],
  ['example.org.', 'example.org'],
  ['_spf.x:y%z.test', '_spf.x:y%z.test'],
  ['*.Example.ORG', '*.Example.ORG'],
  ['a\\.b', 'a\\.b'],
  ['a b.test', 'a b.test'],
  ['x', 'x'],
  ['\x7f.test', '\x7f.test'],
  ['caf\xe9.test', undefined],
  ['\x80', undefined],
  ['x.\xff', undefined],
  ['a\n.b', undefined],
  ['a.\rb', undefined],
  ['a\nb', undefined],
  ['', undefined],
  ['.', undefined],
  ['..', undefined],
  ['a..b', undefined],
  ['.a', undefined],
  ['a.b..', undefined],
  ['\u0100.test', undefined],
  ['x'.repeat(63), 'x'.repeat(63)],
  ['x'.repeat(64), undefined],
  [`${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(61)}`, `${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(61)}`],
  [`${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(63)}.${'x'.repeat(62)}`, undefined],
];

for (const [raw, expected] of names) {
  test(`checkName ${JSON.stringify(raw.length > 40 ? `${raw.length} octets` : raw)}${raw.endsWith('.') ? ' (dot)' : ''}`, (t) => {
    const checked = checkName(raw);
    t.is(checked.ok ? checked.name : undefined, expected);
  });
}
