// Builds real cdb files with tinycdb's `cdb -c` (records "+klen,dlen:key->data", blank last
// line), so the reader is tested against files written by an independent implementation.
import { execFileSync } from 'node:child_process';

export type CdbRecord = readonly [key: string | Buffer, data: string | Buffer];

const bytes = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v, 'latin1') : v);

export function cdbInput(records: readonly CdbRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const [k, d] of records) {
    const key = bytes(k);
    const data = bytes(d);
    parts.push(Buffer.from(`+${key.length},${data.length}:`, 'latin1'), key, Buffer.from('->', 'latin1'), data, Buffer.from('\n', 'latin1'));
  }
  parts.push(Buffer.from('\n', 'latin1'));
  return Buffer.concat(parts);
}

/** Writes file with `cdb -c file` from the given records (duplicates kept, in order). */
export function buildCdb(file: string, records: readonly CdbRecord[]): void {
  execFileSync('cdb', ['-c', file], { input: cdbInput(records), stdio: ['pipe', 'ignore', 'pipe'] });
}
