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
/** Made on first use: the stdio door's start-up snapshot cannot hold a SharedArrayBuffer. */
let pause: Int32Array | undefined;

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
      Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, RETRY_MS);
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

/** Writes up to this size reach a pipe whole, never interleaved with another writer's. */
const PIPE_BUF = 4096;

/**
 * For the listener: every session's lines, gathered for one event-loop turn and written in as
 * few writes as fit in PIPE_BUF each, cut at line ends (several listener processes may share the
 * pipe): one write a turn instead of one per line, about six a message. Lines still pending at
 * exit are written then. Like Node's own stderr on a pipe, a write blocks while the pipe is full.
 */
function batchedSink(): LogSink {
  let pending: Buffer[] = [];
  let size = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const lines = pending;
    pending = [];
    size = 0;
    let group: Buffer[] = [];
    let groupSize = 0;
    for (const l of lines) {
      if (groupSize + l.length > PIPE_BUF && group.length > 0) {
        writeLine(Buffer.concat(group, groupSize));
        group = [];
        groupSize = 0;
      }
      group.push(l);
      groupSize += l.length;
    }
    if (group.length > 0) writeLine(Buffer.concat(group, groupSize));
  };
  process.on('exit', flush);
  return {
    line(text) {
      const bytes = Buffer.from(`${text}\n`, 'latin1');
      pending.push(bytes);
      size += bytes.length;
      if (size >= PIPE_BUF) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}

let listenerSink: LogSink | undefined;

/** The listener's sink (see batchedSink), made on first use. */
export const stderrSink: LogSink = {
  line(text) {
    listenerSink ??= batchedSink();
    listenerSink.line(text);
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
