// qmail's control-file reading rules (control.c), on file contents already read.
// Contract: pure functions; "absent" (the file does not exist) is the caller's business, these
// only see present files. Never trims a CR: qmail strips trailing space, tab and LF only.
// Follows qmail-control(5) and netqmail's control.c; see spec qmail-smtpd.md section 2.1.

/** Strips trailing spaces, tabs and LFs (qmail's striptrailingwhitespace). */
function stripTrailing(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}

/** First line of a file (control_readline): an empty file gives "". */
export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return stripTrailing(nl === -1 ? text : text.slice(0, nl));
}

/**
 * Unsigned decimal prefix of the first line (control_readint): "12kb" is 12; a line that does
 * not start with a digit gives undefined, which callers treat as "keep the default".
 */
export function leadingInteger(text: string): number | undefined {
  const line = firstLine(text);
  let i = 0;
  let value = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
    i++;
  }
  if (i === 0) return undefined;
  return Math.min(value, Number.MAX_SAFE_INTEGER);
}

/**
 * Every usable line of a list file (control_readfile): trailing white space stripped, empty
 * lines and lines starting with '#' skipped, a last line without LF still counted. A NUL inside
 * a line splits it, as qmail's constmap does.
 */
export function listLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = stripTrailing(raw);
    const first = line.charCodeAt(0);
    if (line === '' || first === 0x23 || first === 0) continue;
    if (line.includes('\0')) {
      for (const part of line.split('\0')) if (part !== '') out.push(part);
    } else out.push(line);
  }
  return out;
}
