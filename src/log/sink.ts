// Where log lines go: fd 2 in production (one write per line, so lines never interleave below
// PIPE_BUF), memory in tests. Lines carry no timestamp. Text is latin1 (one char per byte),
// written back as the same bytes. Never throws: logging must not end a session.

import * as fs from 'node:fs';

export interface LogSink {
  line(text: string): void;
}

/** How long a full log pipe (a stalled multilog) may hold us up before a line is given up. */
const FULL_PIPE_WAIT_MS = 10_000;
const RETRY_MS = 1;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Synchronous on purpose: Node's own stderr stream queues writes when the pipe is full and later
 * sends them together, which can split a line around another process's; the pipe is shared and
 * may have been made non-blocking by a sibling process, hence the EAGAIN retry.
 */
function writeLine(bytes: Buffer): void {
  const deadline = Date.now() + FULL_PIPE_WAIT_MS;
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(2, bytes, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return;
      Atomics.wait(pause, 0, 0, RETRY_MS);
    }
  }
}

/**
 * For the stdio door: one process of many under tcpserver, all sharing one log pipe. Blocking on
 * a full pipe is what qmail-smtpd does too, and the process serves one client only.
 */
export const sharedStderrSink: LogSink = {
  line(text) {
    writeLine(Buffer.from(`${text}\n`, 'latin1'));
  },
};

/**
 * For the listener: the only writer of its stderr, serving every session, so it must not block
 * on a slow log reader; Node's stream keeps the lines in order.
 */
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

/**
 * Free-text log lines keep printable ASCII only: every other character (controls, DEL, 8-bit
 * bytes, among them the C1 controls 0x80-0x9F that terminals obey, and anything above 0xFF,
 * which latin1 output would truncate to a byte such as LF) is shown as '?'.
 */
export function logSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
