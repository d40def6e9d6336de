import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Cdb, CdbFormatError, cdbHash } from '../../src/control/index.js';
import { buildCdb, type CdbRecord } from '../helpers/cdb-build.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

const dir = makeTempDir('qfront-cdb-');
test.after.always(() => removeTempDir(dir));

let serial = 0;
/** A Cdb over a file written by tinycdb's `cdb -c`. */
function cdbOf(records: readonly CdbRecord[]): { cdb: Cdb; file: string } {
  const file = path.join(dir, `t${++serial}.cdb`);
  buildCdb(file, records);
  return { cdb: new Cdb(fs.readFileSync(file)), file };
}

const latin1 = (b: Buffer | undefined): string | undefined => b?.toString('latin1');

// Written independently of the code under test: h = ((h * 33) mod 2^32) ^ c, from 5381.
function referenceHash(key: Buffer): number {
  let h = 5381n;
  for (const c of key) h = ((h * 33n) & 0xffffffffn) ^ BigInt(c);
  return Number(h);
}

test('the hash is djb\'s: 5381 for the empty key, 177604 for "a"', (t) => {
  t.is(cdbHash(Buffer.alloc(0)), 5381);
  t.is(cdbHash(Buffer.from('a')), 177604);
  for (const key of ['127.', 'example.org', '\xff\x00\x80 long key with spaces']) {
    const b = Buffer.from(key, 'latin1');
    t.is(cdbHash(b), referenceHash(b), key);
  }
});

test('a present key gives its value; an absent one gives undefined', (t) => {
  const { cdb } = cdbOf([
    ['example.org', 'one'],
    ['example.net', 'two'],
  ]);
  t.is(latin1(cdb.get('example.org')), 'one');
  t.is(latin1(cdb.get(Buffer.from('example.net'))), 'two');
  t.true(cdb.has('example.org'));
  t.is(cdb.get('example.com'), undefined);
  t.false(cdb.has('example.com'));
});

test('keys are compared exactly: case, prefixes and extensions do not match', (t) => {
  const { cdb } = cdbOf([['example.org', 'x']]);
  for (const miss of ['EXAMPLE.ORG', 'example.or', 'example.org.', 'xexample.org', '']) t.false(cdb.has(miss), miss);
});

test('several values under one key come back in file order; get gives the first', (t) => {
  const { cdb } = cdbOf([
    ['k', 'first'],
    ['other', 'o'],
    ['k', 'second'],
    ['k', 'third'],
  ]);
  t.deepEqual([...cdb.values('k')].map((b) => b.toString('latin1')), ['first', 'second', 'third']);
  t.is(latin1(cdb.get('k')), 'first');
  t.deepEqual([...cdb.values('absent')], []);
});

test('a key with an empty value is present (morercpthosts.cdb stores empty data)', (t) => {
  const { cdb } = cdbOf([['more.example', '']]);
  const v = cdb.get('more.example');
  t.not(v, undefined);
  t.is(v!.length, 0);
  t.true(cdb.has('more.example'));
});

test('the empty key can be stored and found, and is distinct from a missing one', (t) => {
  const { cdb } = cdbOf([['', 'empty key'], ['a', 'A']]);
  t.is(latin1(cdb.get('')), 'empty key');
  const { cdb: without } = cdbOf([['a', 'A']]);
  t.false(without.has(''));
});

test('binary keys and values (NUL, 0xFF, LF, "->") round-trip byte for byte', (t) => {
  const key = Buffer.from([0x00, 0xff, 0x0a, 0x2d, 0x3e, 0x80, 0x00]);
  const value = Buffer.from([0x00, 0x0d, 0x0a, 0xfe, 0x2b]);
  const { cdb } = cdbOf([[key, value], [Buffer.from([0x00]), 'nul']]);
  t.deepEqual(cdb.get(key), value);
  t.is(latin1(cdb.get('\x00')), 'nul');
  t.false(cdb.has(key.subarray(0, 6)));
  // A latin1 string key stands for the same bytes.
  t.deepEqual(cdb.get('\x00\xff\n->\x80\x00'), value);
});

test('keys with the same 32-bit hash are told apart by their bytes', (t) => {
  // "ba" and "c@" collide under the cdb hash (checked with the reference implementation).
  t.is(referenceHash(Buffer.from('ba')), referenceHash(Buffer.from('c@')));
  const { cdb } = cdbOf([['ba', 'from ba'], ['c@', 'from c@']]);
  t.is(latin1(cdb.get('ba')), 'from ba');
  t.is(latin1(cdb.get('c@')), 'from c@');
  const { cdb: onlyOne } = cdbOf([['ba', 'from ba']]);
  t.false(onlyOne.has('c@'));
});

test('a thousand keys are all found and their neighbours are not', (t) => {
  const records: CdbRecord[] = [];
  for (let i = 0; i < 1000; i++) records.push([`host${i}.example`, `v${i}`]);
  const { cdb } = cdbOf(records);
  for (let i = 0; i < 1000; i++) {
    if (latin1(cdb.get(`host${i}.example`)) !== `v${i}`) return t.fail(`host${i}.example`);
    if (cdb.has(`host${i + 1000}.example`)) return t.fail(`host${i + 1000}.example`);
  }
  t.pass();
});

test('an empty database answers every lookup with undefined', (t) => {
  const { cdb } = cdbOf([]);
  t.false(cdb.has(''));
  t.false(cdb.has('anything'));
});

test('a tcprules-compiled file is readable: rule values as tcprules stores them', (t) => {
  const src = path.join(dir, 'rules.txt');
  const out = path.join(dir, 'rules.cdb');
  fs.writeFileSync(src, '127.:allow,RELAYCLIENT=""\n10.1.:deny\n=host.example:allow,QMAILQUEUE="/bin/qq"\n:allow\n');
  execFileSync('tcprules', [out, path.join(dir, 'rules.tmp')], { input: fs.readFileSync(src) });
  const cdb = new Cdb(fs.readFileSync(out));
  t.is(latin1(cdb.get('127.')), '+RELAYCLIENT=\0');
  t.is(latin1(cdb.get('10.1.')), 'D\0');
  t.is(latin1(cdb.get('=host.example')), '+QMAILQUEUE=/bin/qq\0');
  t.is(latin1(cdb.get('')), '');
  t.false(cdb.has('192.'));
});

// ---- malformed files ----

test('a file shorter than the 2048-byte header raises CdbFormatError', (t) => {
  t.throws(() => new Cdb(Buffer.alloc(0)), { instanceOf: CdbFormatError });
  t.throws(() => new Cdb(Buffer.alloc(2047)), { instanceOf: CdbFormatError });
  const { file } = cdbOf([['a', 'b']]);
  t.throws(() => new Cdb(fs.readFileSync(file).subarray(0, 100)), { instanceOf: CdbFormatError });
});

test('a file cut after its records (hash tables lost) raises CdbFormatError on lookup', (t) => {
  const { file } = cdbOf([['example.org', 'value']]);
  const whole = fs.readFileSync(file);
  const recordsEnd = 2048 + 8 + 'example.org'.length + 'value'.length;
  const cut = new Cdb(whole.subarray(0, recordsEnd));
  t.throws(() => cut.get('example.org'), { instanceOf: CdbFormatError });
});

/** A 2048-byte header whose every slot points at (pos, len), then `rest`. */
function handMade(pos: number, len: number, rest: Buffer): Buffer {
  const header = Buffer.alloc(2048);
  for (let s = 0; s < 256; s++) {
    header.writeUInt32LE(pos, s * 8);
    header.writeUInt32LE(len, s * 8 + 4);
  }
  return Buffer.concat([header, rest]);
}

test('a hash table claimed past the end of the file raises CdbFormatError', (t) => {
  const cdb = new Cdb(handMade(2048, 1000, Buffer.alloc(16)));
  t.throws(() => cdb.get('x'), { instanceOf: CdbFormatError });
});

test('a slot pointing at a record past the end raises CdbFormatError', (t) => {
  const h = cdbHash(Buffer.from('x'));
  const table = Buffer.alloc(16);
  for (let i = 0; i < 2; i++) {
    table.writeUInt32LE(h, i * 8);
    table.writeUInt32LE(999999, i * 8 + 4);
  }
  t.throws(() => new Cdb(handMade(2048, 2, table)).get('x'), { instanceOf: CdbFormatError });
});

test('a record whose lengths run past the end raises CdbFormatError', (t) => {
  const h = cdbHash(Buffer.from('x'));
  const table = Buffer.alloc(16);
  for (let i = 0; i < 2; i++) {
    table.writeUInt32LE(h, i * 8);
    table.writeUInt32LE(2048 + 16, i * 8 + 4);
  }
  const record = Buffer.alloc(9);
  record.writeUInt32LE(0xffffffff, 0);
  record.writeUInt32LE(1, 4);
  t.throws(() => new Cdb(handMade(2048, 2, Buffer.concat([table, record]))).get('x'), { instanceOf: CdbFormatError });
});

test('a full hash table without the key ends the search instead of looping', (t) => {
  const table = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) {
    table.writeUInt32LE(12345, i * 8); // a hash no test key has
    table.writeUInt32LE(2048, i * 8 + 4);
  }
  const cdb = new Cdb(handMade(2048, 4, table));
  t.is(cdb.get('x'), undefined);
  t.is(cdb.get('another key'), undefined);
});
