// Fuzzes the DATA reader (src/smtp/data.ts, qmail's blast() state machine) with fast-check.
// Invariants: feed() never throws and runs in bounded time; a well-formed (dot-stuffed, CRLF)
// message comes out unstuffed and re-stuffing the output (LF -> CRLF, leading '.' doubled, plus
// ".\r\n") gives the input back byte for byte; any chunking of any input gives the same output,
// end kind and end position as feeding it whole; the reader stops exactly at the first LF that
// is either stray (not after CR) or ends CRLF "." CRLF (so nothing after an end-of-data variant
// can become a second message); `stored` counts the output; hops match a line-based model.
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import { DataReader } from '../../src/smtp/data.js';
import { cpuMs, runs } from '../helpers/fuzz.js';

const CR = 13;
const LF = 10;
const DOT = 46;

interface Whole {
  readonly output: Buffer;
  readonly consumed: number;
  readonly ended: boolean;
  readonly strayLf: boolean;
  readonly stored: number;
  readonly hops: number;
}

/** Feeds the chunks in order until the message ends; positions are absolute. */
function feedAll(chunks: readonly Buffer[]): Whole {
  const r = new DataReader();
  const out: Buffer[] = [];
  let consumed = 0;
  for (const c of chunks) {
    const step = r.feed(c);
    if (step.consumed > c.length || step.consumed < 0) throw new Error(`consumed ${step.consumed} of ${c.length}`);
    out.push(Buffer.from(step.output));
    consumed += step.consumed;
    if (step.ended && step.strayLf) throw new Error('ended and strayLf together');
    if (step.ended || step.strayLf) {
      return { output: Buffer.concat(out), consumed, ended: step.ended, strayLf: step.strayLf, stored: r.stored, hops: r.hops };
    }
    if (step.consumed !== c.length) throw new Error('did not consume a chunk yet did not end');
  }
  return { output: Buffer.concat(out), consumed, ended: false, strayLf: false, stored: r.stored, hops: r.hops };
}

/** Splits b at the given cut points (any values; taken modulo the length, sorted, deduplicated). */
function split(b: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => (b.length === 0 ? 0 : c % (b.length + 1))))].sort((x, y) => x - y);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    parts.push(b.subarray(from, c));
    from = c;
  }
  parts.push(b.subarray(from));
  return parts;
}

/** SMTP transparency (RFC 5321 4.5.2): each stored line with a leading '.' doubled, CRLF, then ".\r\n". */
function restuff(stored: Buffer): Buffer {
  const text = stored.toString('latin1');
  if (text !== '' && !text.endsWith('\n')) throw new Error('stored message does not end in LF');
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  return Buffer.from(lines.map((l) => (l.startsWith('.') ? `.${l}` : l) + '\r\n').join('') + '.\r\n', 'latin1');
}

/** Where the reader must stop: the first LF not after a CR (stray), or ending CRLF "." CRLF. */
function expectedEnd(input: Buffer): { at: number; ended: boolean } | undefined {
  // As qmail, the reader starts as if just after a CRLF.
  const s = Buffer.concat([Buffer.from('\r\n'), input]);
  for (let i = 2; i < s.length; i++) {
    if (s[i] !== LF) continue;
    if (s[i - 1] !== CR) return { at: i - 2, ended: false };
    if (s[i - 2] === DOT && s[i - 3] === LF && s[i - 4] === CR) return { at: i - 2, ended: true };
  }
  return undefined;
}

/** ASCII case-insensitive "starts with". */
function startsWithCi(line: Buffer, word: string): boolean {
  return line.length >= word.length && line.subarray(0, word.length).toString('latin1').toLowerCase() === word;
}

/** Hop model: raw header lines (up to the first empty CRLF line) starting "received" or "delivered". */
function expectedHops(consumedInput: Buffer): number {
  let hops = 0;
  let from = 0;
  for (;;) {
    const lf = consumedInput.indexOf(LF, from);
    const line = consumedInput.subarray(from, lf === -1 ? consumedInput.length : lf + 1);
    if (line.length === 0) return hops;
    if (line.length >= 2 && line[0] === CR && line[1] === LF) return hops;
    if (startsWithCi(line, 'received') || startsWithCi(line, 'delivered')) hops++;
    if (lf === -1) return hops;
    from = lf + 1;
  }
}

// Bytes biased towards what matters to the state machine.
const byte = fc.oneof(
  { arbitrary: fc.constantFrom(CR, LF, DOT), weight: 6 },
  { arbitrary: fc.constantFrom(...Buffer.from('RrEeCcIiVvDdLl: ')), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 3 },
);
const rawInput = fc.oneof(
  fc.array(byte, { maxLength: 400 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
  // Fragments of the smuggling variants glued together.
  fc
    .array(fc.constantFrom('\r\n', '\n', '\r', '.', '\r\n.\r\n', '\n.\n', '\r.\r', '\n.\r\n', '\r\n.\n', '\0', 'x', 'Received: a', '\r\n\r\n'), { maxLength: 40 })
    .map((p) => Buffer.from(p.join(''), 'latin1')),
);
const cuts = fc.array(fc.nat(), { maxLength: 30 });

// A stored line: any bytes but LF (CR, leading dots and NUL included).
const lineByte = fc.oneof(
  { arbitrary: fc.constantFrom(CR, DOT), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 255 }).filter((b) => b !== LF), weight: 5 },
);
const storedLine = fc.oneof(
  fc.array(lineByte, { maxLength: 60 }).map((a) => Buffer.from(a).toString('latin1')),
  fc.constantFrom('', '.', '..', '.\r', '\r', 'Received: from x', 'DELIVERED-To: y', 'rEcEiVeD'),
);
const message = fc.array(storedLine, { maxLength: 40 });

test('a well-formed message comes out unstuffed; re-stuffed, the output is the input', (t) => {
  fc.assert(
    fc.property(message, fc.uint8Array({ maxLength: 30 }), cuts, (lines, trailing, cutAt) => {
      const stored = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');
      const input = restuff(stored);
      // Bytes after the terminator (a pipelined QUIT, say) are never read.
      const wire = Buffer.concat([input, Buffer.from(trailing)]);
      const r = feedAll(split(wire, cutAt));
      if (!r.ended || r.strayLf) throw new Error('did not end at the terminator');
      if (r.consumed !== input.length) throw new Error(`consumed ${r.consumed}, terminator ends at ${input.length}`);
      if (!r.output.equals(stored)) throw new Error('output differs from the stored message');
      if (!restuff(r.output).equals(input)) throw new Error('re-stuffed output differs from the input');
      if (r.stored !== r.output.length) throw new Error('stored count wrong');
    }),
    runs(1000),
  );
  t.pass();
});

test('any input, any chunking: same output, end kind and end position as fed whole', (t) => {
  fc.assert(
    fc.property(rawInput, cuts, (input, cutAt) => {
      const whole = feedAll([input]);
      const chunked = feedAll(split(input, cutAt));
      const bytewise = feedAll([...input].map((b) => Buffer.of(b)));
      for (const other of [chunked, bytewise]) {
        if (!other.output.equals(whole.output)) throw new Error('output differs');
        if (other.consumed !== whole.consumed || other.ended !== whole.ended || other.strayLf !== whole.strayLf) throw new Error('end differs');
        if (other.stored !== whole.stored || other.hops !== whole.hops) throw new Error('counters differ');
      }
    }),
    runs(1000),
  );
  t.pass();
});

test('it stops at the first stray LF or CRLF "." CRLF, never later, never earlier', (t) => {
  fc.assert(
    fc.property(rawInput, (input) => {
      const r = feedAll([input]);
      const want = expectedEnd(input);
      if (want === undefined) {
        if (r.ended || r.strayLf || r.consumed !== input.length) throw new Error('ended without an end');
      } else {
        if (r.consumed !== want.at + 1) throw new Error(`stopped after ${r.consumed}, expected ${want.at + 1}`);
        if (r.ended !== want.ended || r.strayLf === want.ended) throw new Error('wrong end kind');
      }
      // Output never grows beyond the input, and never holds a LF that was not CRLF in the input.
      if (r.output.length > r.consumed) throw new Error('output longer than input');
      if (r.stored !== r.output.length) throw new Error('stored count wrong');
      const lfsIn = countCrlf(input.subarray(0, r.consumed));
      const lfsOut = r.output.filter((b) => b === LF).length;
      if (lfsOut > lfsIn) throw new Error('a LF appeared');
    }),
    runs(2000),
  );
  t.pass();
});

function countCrlf(b: Buffer): number {
  let n = 0;
  for (let i = 1; i < b.length; i++) if (b[i] === LF && b[i - 1] === CR) n++;
  return n;
}

test('hops: header lines starting Received/Delivered (any case) before the first empty line', (t) => {
  const headerLine = fc.oneof(
    fc.constantFrom('Received: x', 'received:', 'RECEIVED', 'ReCeIvEd', 'Delivered-To: a', 'dElIvErEd', 'Receive', 'Deliver', 'X-Received: y', ' Received', '.Received'),
    storedLine,
  );
  fc.assert(
    fc.property(fc.array(headerLine, { maxLength: 120 }), fc.array(headerLine, { maxLength: 10 }), (head, body) => {
      const input = restuff(Buffer.from([...head, '', ...body].map((l) => `${l}\n`).join(''), 'latin1'));
      const r = feedAll([input]);
      const want = expectedHops(input.subarray(0, r.consumed));
      if (r.hops !== want) throw new Error(`hops ${r.hops}, expected ${want}`);
    }),
    runs(800),
  );
  t.pass();
});

test('no hang: a megabyte of adversarial bytes in any chunk size is read in bounded time', (t) => {
  const patterns = ['\r', '.', '\r\n.', '\r\r\n', '\r\n..\r', 'Received:\r\n', '\0', 'x'];
  fc.assert(
    fc.property(fc.constantFrom(...patterns), fc.integer({ min: 64, max: 65536 }), (pattern, chunk) => {
      const input = Buffer.alloc(1 << 20, pattern, 'latin1');
      const chunks = split(input, Array.from({ length: Math.ceil(input.length / chunk) }, (_, i) => i * chunk));
      let r: ReturnType<typeof feedAll> | undefined;
      const ms = cpuMs(() => {
        r = feedAll(chunks);
      });
      if (ms > 2000) throw new Error(`${ms.toFixed(0)} ms CPU for 1 MiB in chunks of ${chunk}`);
      if (r !== undefined && !r.ended && !r.strayLf && r.stored > r.consumed) throw new Error('stored more than read');
    }),
    runs(12, 5000),
  );
  t.pass();
});
