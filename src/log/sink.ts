// Where log lines go: one write per line (so lines from concurrent sessions never interleave
// below PIPE_BUF) to fd 2 in production, to memory in tests. Lines carry no timestamp.
// Text is latin1 (one char per byte) and written back as the same bytes.

export interface LogSink {
  line(text: string): void;
}

export const stderrSink: LogSink = {
  line(text) {
    process.stderr.write(Buffer.from(`${text}\n`, 'latin1'));
  },
};

/** A sink that keeps lines in memory (tests, tools). */
export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  line(text: string): void {
    this.lines.push(text);
  }
}

/** Bytes in a free-text log line that could forge or break a line are shown as '?'. */
export function logSafe(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '?');
}
