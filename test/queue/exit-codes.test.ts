import test from 'ava';
import { QQ, queueOutcome, type QueueOutcome } from '../../src/queue/index.js';

const D = (text: string): QueueOutcome => ({ kind: 'failed', permanent: true, text });
const Z = (text: string): QueueOutcome => ({ kind: 'failed', permanent: false, text });

// Spec 5.2 (V, every code verified) plus the rows P adds (32, 58, 59, 70, 82/88, 122, 123),
// written out independently of src/queue/exit-codes.ts.
function expected(code: number): QueueOutcome {
  switch (code) {
    case 0: return { kind: 'accepted' };
    case 11: case 115: return D('envelope address too long for qq (#5.1.3)');
    case 31: return D('mail server permanently rejected message (#5.3.0)');
    case 32: return D('Private key file does not exist (#5.3.5)');
    case 51: return Z('qq out of memory (#4.3.0)');
    case 52: return Z('qq timeout (#4.3.0)');
    case 53: return Z('qq write error or disk full (#4.3.0)');
    case 54: return Z('qq read error (#4.3.0)');
    case 55: return Z('qq unable to read configuration (#4.3.0)');
    case 56: return Z('qq trouble making network connection (#4.3.0)');
    case 58: return Z('qq trouble creating child (#4.3.0)');
    case 59: return Z('qq trouble creating pipes (#4.3.0)');
    case 61: return Z('qq trouble in home directory (#4.3.0)');
    case 62: case 63: case 64: case 65: case 66: return Z('qq trouble creating files in queue (#4.3.0)');
    case 70: return Z('qq trouble with pid file (#4.3.0)');
    case 71: return Z('mail server temporarily rejected message (#4.3.0)');
    case 72: return Z('connection to mail server timed out (#4.4.1)');
    case 73: return Z('connection to mail server rejected (#4.4.1)');
    case 74: return Z('communication with mail server failed (#4.4.2)');
    case 81: case 91: return Z('qq internal bug (#4.3.0)');
    case 82: case 88: return Z('unable to exec qq (#4.3.0)'); // custom-error codes without a text
    case 120: return Z('unable to exec qq (#4.3.0)');
    case 122: return Z('qq waitpid surprise (#4.3.0)');
    case 123: return Z('qq crashed (#4.3.0)');
  }
  if (code >= 11 && code <= 40) return D('qq permanent problem (#5.3.0)');
  return Z('qq temporary problem (#4.3.0)');
}

test('every exit code 0..255 maps to the reply of spec 5.2', (t) => {
  const wrong: string[] = [];
  for (let code = 0; code <= 255; code++) {
    const got = queueOutcome({ code, wroteAll: true });
    const want = expected(code);
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${code}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  t.deepEqual(wrong, []);
});

const spotChecks: [code: number, permanent: boolean, text: string][] = [
  [11, true, 'envelope address too long for qq (#5.1.3)'],
  [31, true, 'mail server permanently rejected message (#5.3.0)'],
  [40, true, 'qq permanent problem (#5.3.0)'],
  [10, false, 'qq temporary problem (#4.3.0)'],
  [41, false, 'qq temporary problem (#4.3.0)'],
  [53, false, 'qq write error or disk full (#4.3.0)'],
  [99, false, 'qq temporary problem (#4.3.0)'],
  [100, false, 'qq temporary problem (#4.3.0)'],
  [255, false, 'qq temporary problem (#4.3.0)'],
];
for (const [code, permanent, text] of spotChecks) {
  test(`exit ${code} gives "${permanent ? 554 : 451} ${text}"`, (t) => {
    t.deepEqual(queueOutcome({ code, wroteAll: true }), { kind: 'failed', permanent, text });
  });
}

test('exit 0 is accepted only when every byte was written', (t) => {
  t.deepEqual(queueOutcome({ code: 0, wroteAll: true }), { kind: 'accepted' });
  t.deepEqual(queueOutcome({ code: 0, wroteAll: false }), Z('qq read error (#4.3.0)'));
});

test('a write error does not change the meaning of a non-zero exit', (t) => {
  t.deepEqual(queueOutcome({ code: 31, wroteAll: false }), D('mail server permanently rejected message (#5.3.0)'));
  t.deepEqual(queueOutcome({ code: 71, wroteAll: false }), Z('mail server temporarily rejected message (#4.3.0)'));
});

test('killed by a signal is "qq crashed", whatever was written', (t) => {
  t.deepEqual(queueOutcome({ code: null, wroteAll: true }), Z('qq crashed (#4.3.0)'));
  t.deepEqual(queueOutcome({ code: null, wroteAll: false }), Z('qq crashed (#4.3.0)'));
  t.deepEqual(QQ.crashed, Z('qq crashed (#4.3.0)'));
});

test('the named outcomes carry qmail\'s texts', (t) => {
  t.deepEqual(QQ.timeout, Z('qq timeout (#4.3.0)'));
  t.deepEqual(QQ.cannotExec, Z('unable to exec qq (#4.3.0)'));
  t.deepEqual(QQ.readError, Z('qq read error (#4.3.0)'));
  t.deepEqual(QQ.waitSurprise, Z('qq waitpid surprise (#4.3.0)'));
});

// ---- custom error text on fd 4 (spec 5.3) ----

const custom = (code: number, text: string | Buffer) =>
  queueOutcome({ code, wroteAll: true, customError: typeof text === 'string' ? Buffer.from(text, 'latin1') : text });

test('exit 82 with a "D" text is a permanent failure with that text', (t) => {
  t.deepEqual(custom(82, 'Dvirus found, message rejected'), D('virus found, message rejected'));
});

test('exit 88 with a "Z" text is a temporary failure with that text', (t) => {
  t.deepEqual(custom(88, 'Zscanner busy, try later'), Z('scanner busy, try later'));
});

test('any first character other than "D" (even "d") is temporary', (t) => {
  t.deepEqual(custom(82, 'Xsomething odd'), Z('something odd'));
  t.deepEqual(custom(82, 'dlower case d'), Z('lower case d'));
});

test('a custom text of 3 bytes is used; 2 bytes or fewer fall back to "unable to exec qq"', (t) => {
  t.deepEqual(custom(82, 'Dab'), D('ab'));
  t.deepEqual(custom(82, 'Da'), Z('unable to exec qq (#4.3.0)'));
  t.deepEqual(custom(88, 'D'), Z('unable to exec qq (#4.3.0)'));
  t.deepEqual(custom(88, ''), Z('unable to exec qq (#4.3.0)'));
  t.deepEqual(queueOutcome({ code: 82, wroteAll: true }), Z('unable to exec qq (#4.3.0)'));
});

test('only the first 255 bytes of the custom text are used', (t) => {
  const long = 'D' + 'x'.repeat(100) + 'y'.repeat(400);
  const out = custom(82, long);
  t.deepEqual(out, D(long.slice(1, 255)));
});

test('a trailing line end of the custom text is dropped', (t) => {
  t.deepEqual(custom(82, 'Dvirus found\n'), D('virus found'));
  t.deepEqual(custom(82, 'Dvirus found\r\n'), D('virus found'));
});

test('CR and LF inside the custom text never reach the reply', (t) => {
  const out = custom(82, 'Dline one\r\n250 fake ok\rline\nthree\n');
  t.is(out.kind, 'failed');
  if (out.kind !== 'failed') return;
  t.true(out.permanent);
  t.false(/[\r\n]/.test(out.text));
  t.true(out.text.startsWith('line one'));
  t.true(out.text.endsWith('three'));
});

test('a custom text is ignored for exit codes other than 82 and 88', (t) => {
  t.deepEqual(custom(31, 'Dsomething else'), D('mail server permanently rejected message (#5.3.0)'));
  t.deepEqual(custom(0, 'Dsomething else'), { kind: 'accepted' });
  t.deepEqual(custom(99, 'Dsomething else'), Z('qq temporary problem (#4.3.0)'));
});
