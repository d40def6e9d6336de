import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Spool, spoolHeader, unxtext, xtext, type Envelope } from '../../src/queue/index.js';
import { eventually, makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

const dirs: string[] = [];
test.after.always(() => dirs.forEach(removeTempDir));

function freshSpool(): { spool: Spool; dir: string } {
  const dir = path.join(makeTempDir('qfront-spool-'), 'spool');
  dirs.push(path.dirname(dir));
  return { spool: Spool.prepare(dir), dir };
}

const ls = (dir: string, sub: string): string[] => fs.readdirSync(path.join(dir, sub));
const request = (envelope: Envelope) => ({ env: {}, envelope });

test('prepare creates the spool with tmp/ and new/', (t) => {
  const { dir } = freshSpool();
  t.true(fs.statSync(path.join(dir, 'tmp')).isDirectory());
  t.true(fs.statSync(path.join(dir, 'new')).isDirectory());
  t.deepEqual(ls(dir, 'new'), []);
});

test('a delivered message appears in new/<qp>: envelope header lines, then the exact bytes', async (t) => {
  const { spool, dir } = freshSpool();
  const job = await spool.open(request({ sender: 's@good.example', recipients: ['a@example.org', 'b c@example.net'] }));
  const part1 = Buffer.from('Received: from x\n  by y with SMTP; 1 Jan 2026 00:00:00 -0000\n', 'latin1');
  const part2 = Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0x00, 0x0d, 0x0a, 0x0a, 0x62, 0x0a]); // 8-bit, NUL, CR kept
  job.write(part1);
  job.write(part2);
  t.deepEqual(await job.close(true), { kind: 'accepted' });
  t.deepEqual(ls(dir, 'new'), [job.qp]);
  const stored = fs.readFileSync(path.join(dir, 'new', job.qp));
  const header = 'X-Envelope-From: <s@good.example>\nX-Envelope-To: <a@example.org>\nX-Envelope-To: <b+20c@example.net>\n';
  t.deepEqual(stored, Buffer.concat([Buffer.from(header, 'latin1'), part1, part2]));
  t.deepEqual(ls(dir, 'tmp'), []);
});

test('the null sender is written as "X-Envelope-From: <>"', async (t) => {
  const { spool, dir } = freshSpool();
  const job = await spool.open(request({ sender: '', recipients: ['a@example.org'] }));
  job.write(Buffer.from('x\n'));
  await job.close(true);
  t.is(fs.readFileSync(path.join(dir, 'new', job.qp), 'latin1'), 'X-Envelope-From: <>\nX-Envelope-To: <a@example.org>\nx\n');
});

test('two messages get two different qp numbers and two files', async (t) => {
  const { spool, dir } = freshSpool();
  const a = await spool.open(request({ sender: 'a', recipients: ['x'] }));
  const b = await spool.open(request({ sender: 'b', recipients: ['y'] }));
  a.write(Buffer.from('A\n'));
  b.write(Buffer.from('B\n'));
  await Promise.all([a.close(true), b.close(true)]);
  t.not(a.qp, b.qp);
  t.deepEqual(ls(dir, 'new').sort(), [a.qp, b.qp].sort());
  t.true(fs.readFileSync(path.join(dir, 'new', a.qp), 'latin1').endsWith('A\n'));
  t.true(fs.readFileSync(path.join(dir, 'new', b.qp), 'latin1').endsWith('B\n'));
});

test('close(false) queues nothing, reports a temporary failure and leaves nothing behind', async (t) => {
  const { spool, dir } = freshSpool();
  const job = await spool.open(request({ sender: 's', recipients: ['r'] }));
  job.write(Buffer.from('half a message'));
  const outcome = await job.close(false);
  t.is(outcome.kind, 'failed');
  if (outcome.kind === 'failed') t.false(outcome.permanent);
  t.deepEqual(ls(dir, 'new'), []);
  t.true(await eventually(() => ls(dir, 'tmp').length === 0), 'tmp/ not emptied');
});

test('abort() queues nothing and leaves nothing behind', async (t) => {
  const { spool, dir } = freshSpool();
  const job = await spool.open(request({ sender: 's', recipients: ['r'] }));
  job.write(Buffer.from('the client went away'));
  job.abort();
  t.true(await eventually(() => ls(dir, 'tmp').length === 0), 'tmp/ not emptied');
  t.deepEqual(ls(dir, 'new'), []);
});

test('a large message written in many chunks is stored completely', async (t) => {
  const { spool, dir } = freshSpool();
  const job = await spool.open(request({ sender: 's', recipients: ['r'] }));
  const chunks: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const c = Buffer.alloc(8192, i);
    chunks.push(c);
    if (!job.write(c)) await job.drained();
  }
  t.deepEqual(await job.close(true), { kind: 'accepted' });
  const stored = fs.readFileSync(path.join(dir, 'new', job.qp));
  const header = Buffer.from(spoolHeader({ sender: 's', recipients: ['r'] }), 'latin1');
  t.deepEqual(stored, Buffer.concat([header, ...chunks]));
});

test('waiting for drain many times in one message adds no lasting listeners (no leak warning)', async (t) => {
  const { spool } = freshSpool();
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(`${w.name}: ${w.message}`);
  };
  process.on('warning', onWarning);
  try {
    const job = await spool.open(request({ sender: 's', recipients: ['r'] }));
    let waits = 0;
    for (let i = 0; i < 100 && waits < 30; i++) {
      if (!job.write(Buffer.alloc(65536, i))) {
        waits++;
        await job.drained();
      }
    }
    t.true(waits >= 11, `only ${waits} drain waits`);
    await job.close(true);
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  t.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
});

// ---- xtext (RFC 3461) ----

const xtextCases: [label: string, input: string, expected: string][] = [
  ['plain printable text is unchanged', 'user@example.org', 'user@example.org'],
  ['"+" is encoded', 'a+b', 'a+2Bb'],
  ['"=" is encoded', 'a=b', 'a+3Db'],
  ['a space is encoded', 'quoted local@b.c', 'quoted+20local@b.c'],
  ['NUL, CR and LF are encoded', '\0\r\n', '+00+0D+0A'],
  ['DEL and 8-bit bytes are encoded in upper-case hex', '\x7f\xe9\xff', '+7F+E9+FF'],
  ['"!" and "~" (the ends of the printable range) are kept', '!~', '!~'],
  ['"<" and ">" are kept (they are printable)', '<>', '<>'],
  ['the empty string stays empty', '', ''],
];
for (const [label, input, expected] of xtextCases) {
  test(`xtext: ${label}`, (t) => {
    t.is(xtext(input), expected);
  });
}

test('xtext output uses only printable ASCII, never "=", and "+" only before two hex digits', (t) => {
  let all = '';
  for (let b = 0; b < 256; b++) all += String.fromCharCode(b);
  const out = xtext(all);
  t.regex(out, /^[\x21-\x7e]*$/);
  t.false(out.includes('='));
  t.regex(out.replace(/\+[0-9A-F]{2}/g, ''), /^[^+]*$/);
});

test('unxtext(xtext(x)) is x for every single byte and for all 256 together', (t) => {
  let all = '';
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    if (unxtext(xtext(c)) !== c) return t.fail(`byte 0x${b.toString(16)}`);
    all += c;
  }
  t.is(unxtext(xtext(all)), all);
});

test('the spool header lines are xtext-encoded addresses in angle brackets', (t) => {
  t.is(
    spoolHeader({ sender: 'a=b@x', recipients: ['c+d@y', '\xe9@z'] }),
    'X-Envelope-From: <a+3Db@x>\nX-Envelope-To: <c+2Bd@y>\nX-Envelope-To: <+E9@z>\n',
  );
});
