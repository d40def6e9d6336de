// The benchmark's cells: message size x concurrent sessions x messages per connection x SPF,
// the full matrix and the named subsets (--quick, --smoke), and the short id a cell is named by
// on the command line ("1k-20-1-off": 1 KiB, 20 sessions, 1 message per connection, SPF off).
// Pure data and parsing: runs nothing.

export interface Cell {
  readonly sizeBytes: number;
  readonly sessions: number;
  readonly perConnection: number;
  readonly spf: boolean;
}

const KIB = 1024;
export const SIZES = [KIB, 100 * KIB] as const;
export const SESSIONS = [1, 20, 200] as const;
export const PER_CONNECTION = [1, 100] as const;

export function fullMatrix(): Cell[] {
  const cells: Cell[] = [];
  for (const spf of [false, true])
    for (const sizeBytes of SIZES)
      for (const sessions of SESSIONS)
        for (const perConnection of PER_CONNECTION) cells.push({ sizeBytes, sessions, perConnection, spf });
  return cells;
}

/** The headline cells: 1 KiB, 20 sessions, 1 and 100 messages per connection, SPF off and on. */
export function quickCells(): Cell[] {
  return ['1k-20-1-off', '1k-20-100-off', '1k-20-1-on', '1k-20-100-on'].map(parseCell);
}

/** One tiny cell that still goes through every part (SPF and its DNS server included). */
export function smokeCells(): Cell[] {
  return [parseCell('1k-2-2-on')];
}

export function cellId(c: Cell): string {
  const size = c.sizeBytes % KIB === 0 ? `${c.sizeBytes / KIB}k` : String(c.sizeBytes);
  return `${size}-${c.sessions}-${c.perConnection}-${c.spf ? 'on' : 'off'}`;
}

export function cellTitle(c: Cell): string {
  const size = c.sizeBytes % KIB === 0 ? `${c.sizeBytes / KIB} KiB` : `${c.sizeBytes} B`;
  const per = c.perConnection === 1 ? '1 msg/conn' : `${c.perConnection} msgs/conn`;
  return `${size}, ${c.sessions} session${c.sessions === 1 ? '' : 's'}, ${per}, SPF ${c.spf ? 'on' : 'off'}`;
}

/** "SIZE-SESSIONS-PERCONN-SPF": SIZE in bytes or with k (KiB), SPF "on" or "off". */
export function parseCell(id: string): Cell {
  const m = /^(\d+)(k?)-(\d+)-(\d+)-(on|off)$/i.exec(id.trim());
  if (m === null) throw new Error(`bad cell ${id}: want SIZE-SESSIONS-PERCONN-on|off, e.g. 1k-20-1-off`);
  const cell = {
    sizeBytes: Number(m[1]) * (m[2] !== '' ? KIB : 1),
    sessions: Number(m[3]),
    perConnection: Number(m[4]),
    spf: m[5]!.toLowerCase() === 'on',
  };
  if (cell.sizeBytes < 200 || cell.sessions < 1 || cell.perConnection < 1) throw new Error(`bad cell ${id}: size >= 200 B, at least 1 session and 1 message`);
  return cell;
}
