// Access to one control directory with qmail's "missing vs unreadable" rule: a file that does
// not exist is absent (the caller uses its default); any other failure (permission, a directory,
// I/O error) raises ControlReadError, which the session turns into "421 unable to read controls".
// With caching on, a file is re-read only when its stat (inode, size, times) changes; parsed
// forms are cached with it. Never caches a failure. No other module reads control files.

import * as fs from 'node:fs';
import * as path from 'node:path';

export class ControlReadError extends Error {
  override name = 'ControlReadError';
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`${file}: ${code}`);
  }
}

interface Entry {
  key: string;
  raw: Buffer;
  parsed: Map<unknown, unknown>;
}

/**
 * A file changed this recently may change again within the file system's time resolution
 * with the same size: such a file is read every time rather than trusted from the cache.
 */
const SETTLE_MS = 2000;

function statKey(st: fs.Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? 'EIO';
}

export class ControlDir {
  private readonly cache = new Map<string, Entry>();

  constructor(
    readonly dir: string,
    private readonly caching = false,
  ) {}

  /** Forgets every cached file (SIGHUP). */
  flush(): void {
    this.cache.clear();
  }

  /** Path of a control file, as shown in log lines. */
  pathOf(name: string): string {
    return path.join(this.dir, name);
  }

  /** Raw bytes of a control file, or undefined when it does not exist. */
  raw(name: string): Buffer | undefined {
    return this.entry(name)?.raw;
  }

  /**
   * The file parsed by `parse` (latin1 text in), or undefined when absent. The parsed value is
   * cached per parser, so callers must not mutate it.
   */
  parsed<T>(name: string, parse: (raw: Buffer) => T): T | undefined {
    const e = this.entry(name);
    if (e === undefined) return undefined;
    if (e.parsed.has(parse)) return e.parsed.get(parse) as T;
    const value = parse(e.raw);
    if (this.caching) e.parsed.set(parse, value);
    return value;
  }

  private entry(name: string): Entry | undefined {
    const file = this.pathOf(name);
    if (!this.caching) {
      const raw = this.readFile(file);
      return raw === undefined ? undefined : { key: '', raw, parsed: new Map() };
    }
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file, { throwIfNoEntry: false });
    } catch (err) {
      throw new ControlReadError(file, errorCode(err));
    }
    if (st === undefined) {
      this.cache.delete(name);
      return undefined;
    }
    const key = statKey(st);
    const hit = this.cache.get(name);
    const settled = Date.now() - Math.max(st.mtimeMs, st.ctimeMs) > SETTLE_MS;
    if (hit !== undefined && hit.key === key && settled) return hit;
    const raw = this.readFile(file);
    if (raw === undefined) {
      this.cache.delete(name);
      return undefined;
    }
    const entry: Entry = { key, raw, parsed: new Map() };
    this.cache.set(name, entry);
    return entry;
  }

  private readFile(file: string): Buffer | undefined {
    try {
      // Most control files are absent: a stat that returns undefined is far cheaper than the
      // ENOENT exception readFileSync would throw (the stdio door reads them all per session).
      if (fs.statSync(file, { throwIfNoEntry: false }) === undefined) return undefined;
      return fs.readFileSync(file);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw new ControlReadError(file, errorCode(err));
    }
  }
}
