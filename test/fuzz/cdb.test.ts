// Fuzzes the cdb reader (src/control/cdb.ts) with fast-check, on files written by tinycdb's
// `cdb -c` (test/helpers/cdb-build.ts). Invariants: for random key/value sets (binary, empty,
// duplicate keys), every key gives all its values in file order and get() the first, and keys
// not stored give nothing; a truncated or corrupted file (cut anywhere, octets overwritten, the
// header pointed at random places) either answers or raises CdbFormatError - never another
// error, never a loop (CPU time per lookup bounded) - and never returns bytes from outside the file.
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cdb, CdbFormatError } from '../../src/control/index.js';
import { buildCdb, type CdbRecord } from '../helpers/cdb-build.js';
import { cpuMs, runs } from '../helpers/fuzz.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-fuzz-cdb-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
let serial = 0;

function build(records: readonly CdbRecord[]): Buffer {
  const file = path.join(dir, `f${++serial}.cdb`);
  buildCdb(file, records);
  const data = fs.readFileSync(file);
  fs.rmSync(file);
  return data;
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
// Short keys collide in the 256 tables and in the hash slots; some repeat.
const key = fc.oneof(bytes(3), bytes(40), fc.constantFrom('', 'a', '1.2.3.', '=host', '\0').map((s) => Buffer.from(s, 'latin1')));
const recordSet = fc.array(fc.tuple(key, bytes(60)), { maxLength: 60 }).chain((recs) =>
  // Repeat some keys with new values, to have duplicates in file order.
  fc.array(fc.tuple(fc.nat(), bytes(20)), { maxLength: recs.length === 0 ? 0 : 5 }).map((dups) => [...recs, ...dups.map(([i, v]) => [recs[i % recs.length]![0], v] as [Buffer, Buffer])]),
);

test('every stored key gives its values in file order; absent keys give nothing', (t) => {
  fc.assert(
    fc.property(recordSet, fc.array(key, { maxLength: 20 }), (records, probes) => {
      const cdb = new Cdb(build(records));
      const byKey = new Map<string, Buffer[]>();
      for (const [k, v] of records) {
        const id = k.toString('hex');
        byKey.set(id, [...(byKey.get(id) ?? []), v]);
      }
      for (const [id, want] of byKey) {
        const k = Buffer.from(id, 'hex');
        const got = [...cdb.values(k)];
        if (got.length !== want.length || got.some((g, i) => !g.equals(want[i]!))) throw new Error(`values of ${id} differ`);
        if (!cdb.get(k)!.equals(want[0]!) || !cdb.has(k)) throw new Error(`get ${id}`);
      }
      for (const p of probes) {
        if (byKey.has(p.toString('hex'))) continue;
        if (cdb.get(p) !== undefined || [...cdb.values(p)].length !== 0) throw new Error(`absent key ${p.toString('hex')} found`);
      }
    }),
    runs(120, 1000),
  );
  t.pass();
});

/** Looks every key up; only CdbFormatError may come out; values lie inside the file. */
function probeAll(data: Buffer, keys: readonly Buffer[]): void {
  let cdb: Cdb;
  try {
    cdb = new Cdb(data);
  } catch (err) {
    if (err instanceof CdbFormatError) return;
    throw err;
  }
  for (const k of keys) {
    const ms = cpuMs(() => {
      try {
        for (const v of cdb.values(k)) {
          if (v.buffer !== data.buffer || v.byteOffset < data.byteOffset || v.byteOffset + v.length > data.byteOffset + data.length) throw new Error('value outside the file');
        }
      } catch (err) {
        if (!(err instanceof CdbFormatError)) throw new Error(`not a CdbFormatError: ${String(err)}`);
      }
    });
    if (ms > 500) throw new Error(`lookup took ${ms.toFixed(0)} ms CPU`);
  }
}

const damage = fc.record({
  cut: fc.option(fc.nat()),
  edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
  // Header slots pointed at random places (inside, near the end, past the end).
  slots: fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.nat(), fc.oneof(fc.nat({ max: 64 }), fc.nat())), { maxLength: 6 }),
  // 32-bit words written at random aligned places (positions and lengths in tables and records).
  words: fc.array(fc.tuple(fc.nat(), fc.oneof(fc.nat({ max: 4096 }), fc.constant(0xffffffff), fc.nat())), { maxLength: 6 }),
});

test('truncated or corrupted files raise only CdbFormatError and never loop', (t) => {
  fc.assert(
    fc.property(recordSet, fc.array(damage, { minLength: 1, maxLength: 20 }), fc.array(key, { maxLength: 10 }), (records, damages, probes) => {
      const good = build(records);
      const keys = [...records.map(([k]) => k), ...probes];
      for (const d of damages) {
        let data = Buffer.from(good);
        if (d.cut !== null) data = data.subarray(0, d.cut % (data.length + 1));
        data = Buffer.from(data);
        for (const [at, b] of d.edits) if (data.length > 0) data[at % data.length] = b;
        for (const [slot, pos, len] of d.slots) {
          if (data.length < 2048) break;
          data.writeUInt32LE((pos % (data.length + 64)) >>> 0, slot * 8);
          data.writeUInt32LE(len >>> 0, slot * 8 + 4);
        }
        for (const [at, w] of d.words) {
          if (data.length < 4) break;
          data.writeUInt32LE(w >>> 0, (at % (data.length - 3)) & ~3);
        }
        probeAll(data, keys);
      }
    }),
    runs(100, 1000),
  );
  t.pass();
});

test('random buffers (with or without a plausible header) raise only CdbFormatError', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 6000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.nat({ max: 7000 }), fc.nat({ max: 900 })), { maxLength: 256 }), fc.array(key, { maxLength: 20 }), fc.integer(), (size, slots, probes, seed) => {
      const data = Buffer.alloc(size);
      let x = seed >>> 0;
      for (let i = 0; i < size; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        data[i] = x >>> 24;
      }
      if (size >= 2048) for (const [slot, pos, len] of slots) {
        data.writeUInt32LE(pos, slot * 8);
        data.writeUInt32LE(len, slot * 8 + 4);
      }
      probeAll(data, probes);
    }),
    runs(1000),
  );
  t.pass();
});
