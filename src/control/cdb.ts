// Reader for D. J. Bernstein's constant database format (cdb), as written by tcprules,
// qmail-newmrh and tinycdb's `cdb -c`. Contract: works on the whole file held in memory;
// a malformed file raises CdbFormatError, never returns garbage or loops.
// Format: https://cr.yp.to/cdb/cdb.txt (256 hash tables, hash h = ((h << 5) + h) ^ c from 5381).

export class CdbFormatError extends Error {
  override name = 'CdbFormatError';
}

const HEADER = 2048;

/** The cdb hash of a key. */
export function cdbHash(key: Buffer): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) h = (((h << 5) + h) ^ key[i]!) >>> 0;
  return h;
}

export class Cdb {
  private readonly data: Buffer;

  constructor(data: Buffer) {
    if (data.length < HEADER) throw new CdbFormatError('cdb file shorter than its header');
    this.data = data;
  }

  /** The first value stored under key, or undefined. */
  get(key: Buffer | string): Buffer | undefined {
    for (const v of this.values(key)) return v;
    return undefined;
  }

  /** True when key is present. */
  has(key: Buffer | string): boolean {
    return this.get(key) !== undefined;
  }

  /** Every value stored under key, in file order. */
  *values(key: Buffer | string): Generator<Buffer> {
    const k = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
    const d = this.data;
    const h = cdbHash(k);
    const slot = (h & 255) * 8;
    const tablePos = d.readUInt32LE(slot);
    const tableLen = d.readUInt32LE(slot + 4);
    if (tableLen === 0) return;
    if (tablePos + tableLen * 8 > d.length) throw new CdbFormatError('hash table past end of file');
    let i = (h >>> 8) % tableLen;
    for (let probes = 0; probes < tableLen; probes++) {
      const at = tablePos + i * 8;
      const recHash = d.readUInt32LE(at);
      const recPos = d.readUInt32LE(at + 4);
      if (recPos === 0) return;
      if (recHash === h) {
        if (recPos + 8 > d.length) throw new CdbFormatError('record past end of file');
        const klen = d.readUInt32LE(recPos);
        const vlen = d.readUInt32LE(recPos + 4);
        const kstart = recPos + 8;
        if (kstart + klen + vlen > d.length) throw new CdbFormatError('record past end of file');
        if (klen === k.length && d.compare(k, 0, k.length, kstart, kstart + klen) === 0) {
          yield d.subarray(kstart + klen, kstart + klen + vlen);
        }
      }
      i = (i + 1) % tableLen;
    }
  }
}
