import test from 'ava';
// The smtp folder's index exports only runSession; the DATA reader is tested from its file.
import { DataReader, MAX_HOPS } from '../../src/smtp/data.js';

interface Result {
  output: string;
  ended: boolean;
  strayLf: boolean;
  /** Offset in the whole input just past the last byte used (the input length if not ended). */
  consumed: number;
  hops: number;
  stored: number;
}

/** Feeds `input` to a fresh reader in the given chunks, as the session does, stopping at the end. */
function run(input: Buffer, cuts: number[]): Result {
  const r = new DataReader();
  const out: Buffer[] = [];
  let offset = 0;
  const bounds = [...cuts, input.length];
  for (const end of bounds) {
    const step = r.feed(input.subarray(offset, end));
    out.push(step.output);
    if (step.ended || step.strayLf) {
      return { output: Buffer.concat(out).toString('latin1'), ended: step.ended, strayLf: step.strayLf, consumed: offset + step.consumed, hops: r.hops, stored: r.stored };
    }
    if (step.consumed !== end - offset) throw new Error(`consumed ${step.consumed} of ${end - offset} without ending`);
    offset = end;
  }
  return { output: Buffer.concat(out).toString('latin1'), ended: false, strayLf: false, consumed: input.length, hops: r.hops, stored: r.stored };
}

/**
 * The reader's result for the input fed at once, after checking that every other way of
 * cutting it (one byte at a time, and two pieces at every split point) gives the same result.
 */
function feedAllWays(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, text: string): Result {
  const input = Buffer.from(text, 'latin1');
  const whole = run(input, []);
  const bytes = Array.from({ length: input.length }, (_, i) => i).slice(1);
  t.deepEqual(run(input, bytes), whole, 'fed one byte at a time');
  for (let cut = 1; cut < input.length; cut++) {
    const split = run(input, [cut]);
    if (JSON.stringify(split) !== JSON.stringify(whole)) t.deepEqual(split, whole, `split at byte ${cut}`);
  }
  return whole;
}

const END = '.\r\n';

// [label, input after "354", stored message, ended, strayLf]
const cases: [label: string, input: string, stored: string, ended: boolean, strayLf: boolean][] = [
  ['CRLF lines are stored with LF', 'a\r\nb\r\n' + END, 'a\nb\n', true, false],
  ['".\\r\\n" right away ends an empty message', END, '', true, false],
  ['a leading dot is removed ("..dot" -> ".dot")', '..dot\r\n' + END, '.dot\n', true, false],
  ['only one leading dot is removed', '...\r\n' + END, '..\n', true, false],
  ['a leading dot is removed before any text', '.x\r\n. y\r\n' + END, 'x\n y\n', true, false],
  ['a dot not at the start of a line is kept', 'a.b.\r\n' + END, 'a.b.\n', true, false],
  ['an empty line is kept', 'a\r\n\r\nb\r\n' + END, 'a\n\nb\n', true, false],
  ['a bare CR inside a line is kept', 'a\rb\r\n' + END, 'a\rb\n', true, false],
  ['a bare CR at the start of a line is kept', '\rb\r\n' + END, '\rb\n', true, false],
  ['CR CR LF keeps one CR before the LF', 'a\r\r\n' + END, 'a\r\n', true, false],
  ['CR CR CR LF keeps two CRs', 'a\r\r\r\n' + END, 'a\r\r\n', true, false],
  ['".\\rX" keeps ".\\r" (the leading dot is not removed)', '.\rX\r\n' + END, '.\rX\n', true, false],
  ['".\\r\\r\\n" keeps ".\\r" before the LF', '.\r\r\n' + END, '.\r\n', true, false],
  ['".\\r." keeps both dots', 'a\r\n.\r.\r\n' + END, 'a\n.\r.\n', true, false],
  ['8-bit bytes and NUL pass', '\0\xff\x80 x\r\n' + END, '\0\xff\x80 x\n', true, false],
  ['a message without the final dot has not ended', 'a\r\nb\r\n', 'a\nb\n', false, false],
  ['".\\r" at the very end has not ended yet', 'a\r\n.\r', 'a\n', false, false],
  // stray LF, in every state where LF is not part of CRLF
  ['a stray LF inside a line ends with strayLf', 'a\nb\r\n' + END, 'a', false, true],
  ['a stray LF at the start of the data ends with strayLf', '\n' + END, '', false, true],
  ['a stray LF at the start of a line ends with strayLf', 'a\r\n\nb\r\n' + END, 'a\n', false, true],
  ['a stray LF after a leading dot ends with strayLf', 'a\r\n.\nb\r\n' + END, 'a\n', false, true],
  ['a stray LF in the body (after the header) ends with strayLf', 'H: v\r\n\r\nbody\nmore\r\n' + END, 'H: v\n\nbody', false, true],
  // SMTP smuggling: end-of-data look-alikes never end the message
  ['LF.LF does not end the message', 'a\n.\nMAIL FROM:<x>\r\n' + END, 'a', false, true],
  ['CRLF.LF does not end the message', 'a\r\n.\nMAIL FROM:<x>\r\n' + END, 'a\n', false, true],
  ['LF.CRLF does not end the message', 'a\n.\r\nMAIL FROM:<x>\r\n' + END, 'a', false, true],
  ['CR.CR does not end the message', 'a\r.\rMAIL FROM:<x>\r\n' + END, 'a\r.\rMAIL FROM:<x>\n', true, false],
  ['CR.CRLF does not end the message', 'a\r.\r\nMAIL FROM:<x>\r\n' + END, 'a\r.\nMAIL FROM:<x>\n', true, false],
  ['CRLF.CR does not end the message', 'a\r\n.\rMAIL FROM:<x>\r\n' + END, 'a\n.\rMAIL FROM:<x>\n', true, false],
];

for (const [label, input, stored, ended, strayLf] of cases) {
  test(`DATA: ${label}`, (t) => {
    const r = feedAllWays(t, input);
    t.is(r.ended, ended, 'ended');
    t.is(r.strayLf, strayLf, 'strayLf');
    t.is(r.output, stored, strayLf ? 'bytes stored before the stray LF' : 'stored message');
    if (ended) t.is(r.consumed, Buffer.byteLength(input, 'latin1'));
    if (!strayLf) t.is(r.stored, Buffer.byteLength(stored, 'latin1'), 'stored byte count');
  });
}

test('DATA: consumed points just past the final LF, so pipelined commands are kept', (t) => {
  const input = 'x\r\n.\r\nMAIL FROM:<u@x>\r\nRCPT TO:<a@b>\r\n';
  const r = feedAllWays(t, input);
  t.true(r.ended);
  t.is(r.consumed, 6);
  t.is(input.slice(r.consumed), 'MAIL FROM:<u@x>\r\nRCPT TO:<a@b>\r\n');
  t.is(r.output, 'x\n');
});

test('DATA: an empty message followed by QUIT leaves exactly "QUIT\\r\\n"', (t) => {
  const input = '.\r\nQUIT\r\n';
  const r = feedAllWays(t, input);
  t.is(input.slice(r.consumed), 'QUIT\r\n');
});

test('DATA: a stray LF is reported on the byte that carries it', (t) => {
  const r = feedAllWays(t, 'abc\ndef');
  t.true(r.strayLf);
  t.is(r.consumed, 4);
});

// ---- hop counting (spec 3.5) ----

const hopCases: [label: string, input: string, hops: number][] = [
  ['"Received:" header lines count', 'Received: a\r\nReceived: b\r\nSubject: x\r\n\r\nbody\r\n' + END, 2],
  ['"Delivered-To:" counts', 'Delivered-To: a@b\r\n\r\n' + END, 1],
  ['"ReCeIvEd-SPF:" counts (any case, any suffix)', 'ReCeIvEd-SPF: pass\r\n\r\n' + END, 1],
  ['"DELIVERED" in capitals counts', 'DELIVERED-TO: x\r\n\r\n' + END, 1],
  ['mixed-case "dElIvErEd" counts', 'dElIvErEd: x\r\n\r\n' + END, 1],
  ['exactly "received" (8 bytes) counts', 'received\r\n\r\n' + END, 1],
  ['exactly "delivered" (9 bytes) counts', 'delivered\r\n\r\n' + END, 1],
  ['"receive" (7 bytes) does not count', 'receive\r\n\r\n' + END, 0],
  ['"delivere" (8 bytes) does not count', 'delivere: x\r\n\r\n' + END, 0],
  ['a prefix before "Received" stops it counting', 'X-Received: a\r\n\r\n' + END, 0],
  ['a folded continuation line does not count', 'Subject: a\r\n Received: b\r\n\r\n' + END, 0],
  ['a dot-stuffed ".Received" line does not count', '.Received: a\r\n\r\n' + END, 0],
  ['lines after the empty line do not count', 'Subject: x\r\n\r\nReceived: a\r\nDelivered-To: b\r\n' + END, 0],
  ['an empty first line ends the header at once', '\r\nReceived: a\r\n' + END, 0],
  ['only lines before the first empty line count', 'Received: a\r\n\r\nReceived: b\r\n\r\nReceived: c\r\n' + END, 1],
  ['a line of only CR does not end the header', 'Received: a\r\n\r\r\nReceived: b\r\n\r\n' + END, 2],
];

for (const [label, input, hops] of hopCases) {
  test(`hops: ${label}`, (t) => {
    const r = feedAllWays(t, input);
    t.true(r.ended);
    t.is(r.hops, hops);
  });
}

test('hops: 99 Received lines are not a loop, 100 are', (t) => {
  t.is(MAX_HOPS, 100);
  const header = (n: number): string => 'Received: from a by b\r\n'.repeat(n) + '\r\nbody\r\n' + END;
  const r99 = new DataReader();
  r99.feed(Buffer.from(header(99), 'latin1'));
  t.is(r99.hops, 99);
  t.false(r99.tooManyHops);
  const r100 = new DataReader();
  r100.feed(Buffer.from(header(100), 'latin1'));
  t.is(r100.hops, 100);
  t.true(r100.tooManyHops);
});

test('hops: 99 "ReCeIvEd:" lines plus one "Received-SPF:" make a loop (verified in spec 3.5)', (t) => {
  const input = 'ReCeIvEd: x\r\n'.repeat(99) + 'Received-SPF: pass\r\n\r\n' + END;
  const r = feedAllWays(t, input);
  t.is(r.hops, 100);
  const reader = new DataReader();
  reader.feed(Buffer.from(input, 'latin1'));
  t.true(reader.tooManyHops);
});

test('hops: 150 Received lines after the empty line are no loop', (t) => {
  const reader = new DataReader();
  reader.feed(Buffer.from('Subject: x\r\n\r\n' + 'Received: y\r\n'.repeat(150) + END, 'latin1'));
  t.is(reader.hops, 0);
  t.false(reader.tooManyHops);
});

test('a long mixed message gives the same result however it is cut', (t) => {
  const input =
    'Received: a\r\nDelivered-To: b\r\nSubject: \xe9\r\n\r\n..dot\r\n.\rX\r\nbare\rcr\r\r\n' +
    'x'.repeat(1000) + '\r\n.x\r\n\r\n' + END + 'QUIT\r\n';
  const r = feedAllWays(t, input);
  t.true(r.ended);
  t.is(r.hops, 2);
  t.is(input.slice(r.consumed), 'QUIT\r\n');
  t.is(r.output, 'Received: a\nDelivered-To: b\nSubject: \xe9\n\n.dot\n.\rX\nbare\rcr\r\n' + 'x'.repeat(1000) + '\nx\n\n');
});
