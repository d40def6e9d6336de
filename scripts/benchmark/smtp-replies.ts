// Reads SMTP replies off a client socket, one complete reply (its last line, "NNN text") at a
// time, for the load client. A closed or failed socket rejects every waiting and later read,
// so a session never hangs on a server that went away. Never writes to the socket.

import type { Socket } from 'node:net';

export interface Reply {
  readonly code: number;
  /** Every line of the reply, CRLF removed. */
  readonly lines: readonly string[];
}

export class ReplyReader {
  private buffered = '';
  private lines: string[] = [];
  private readonly ready: Reply[] = [];
  private readonly waiters: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.take(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  next(): Promise<Reply> {
    const r = this.ready.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private take(chunk: string): void {
    this.buffered += chunk;
    let start = 0;
    let end: number;
    while ((end = this.buffered.indexOf('\r\n', start)) !== -1) {
      const line = this.buffered.slice(start, end);
      start = end + 2;
      this.lines.push(line);
      if (line[3] === '-') continue;
      const reply: Reply = { code: Number(line.slice(0, 3)) || 0, lines: this.lines };
      this.lines = [];
      const w = this.waiters.shift();
      if (w !== undefined) w.resolve(reply);
      else this.ready.push(reply);
    }
    this.buffered = this.buffered.slice(start);
  }

  private fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
