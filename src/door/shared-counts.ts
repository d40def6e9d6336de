// Session counts shared by the processes of `qfront serve --workers N`, so --concurrency holds
// for all of them together: a small file (one 4-byte slot per process) that each process writes
// its own count into and reads the others' from, at every accept. Two syscalls, no locks: a
// count read may be a few microseconds old, never more. Must never be the only record of a
// session: each process keeps its own count, the file only mirrors it.

import * as fs from 'node:fs';
import * as path from 'node:path';

const SLOT_BYTES = 4;

export class SharedCounts {
  private readonly fd: number;
  private readonly all: Buffer;
  private readonly mine = Buffer.alloc(SLOT_BYTES);

  /** Opens the file made by create(); `slot` is this process's own. */
  constructor(
    file: string,
    private readonly slot: number,
    private readonly slots: number,
  ) {
    this.fd = fs.openSync(file, 'r+');
    this.all = Buffer.alloc(slots * SLOT_BYTES);
  }

  /** Makes the file (all counts 0) in `dir`; the listener calls it before forking workers. */
  static create(dir: string, slots: number): string {
    const file = path.join(dir, 'sessions');
    fs.writeFileSync(file, Buffer.alloc(slots * SLOT_BYTES), { mode: 0o600 });
    return file;
  }

  /** Records this process's count. */
  set(count: number): void {
    this.mine.writeInt32LE(count);
    fs.writeSync(this.fd, this.mine, 0, SLOT_BYTES, this.slot * SLOT_BYTES);
  }

  /** Another process's slot back to 0 (its process died, and its sessions with it). */
  clear(slot: number): void {
    fs.writeSync(this.fd, Buffer.alloc(SLOT_BYTES), 0, SLOT_BYTES, slot * SLOT_BYTES);
  }

  /** Sessions of the other processes. */
  others(): number {
    fs.readSync(this.fd, this.all, 0, this.all.length, 0);
    let sum = 0;
    for (let i = 0; i < this.slots; i++) if (i !== this.slot) sum += Math.max(0, this.all.readInt32LE(i * SLOT_BYTES));
    return sum;
  }
}
