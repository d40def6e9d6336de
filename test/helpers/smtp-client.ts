// A raw SMTP client for end-to-end tests (node:net, 127.0.0.1 only): sends exactly the bytes it
// is given and parses what comes back into replies (RFC 5321 4.2: "NNN-" lines continue, "NNN "
// ends), strictly CRLF-framed so a wrong line end shows up as a failure, not as a lenient parse.
// talk() sends steps one at a time (waiting for each reply) or all pipelined at once; replies
// are matched to steps in order. Every wait is bounded; nothing here retries or reorders.

import * as net from 'node:net';

export interface Reply {
  readonly code: number;
  /** The lines as sent, without CRLF. */
  readonly lines: string[];
}

/** One thing to send and how many replies it earns (1 unless told: a DATA body earns 1 too). */
export type Step = string | Buffer | { readonly send: string | Buffer; readonly replies: number };

export interface Transcript {
  /** The greeting first (when there was one), then the replies to the steps, in order. */
  readonly replies: Reply[];
  /** All reply lines, flattened. */
  readonly lines: string[];
  /** Every byte the server sent. */
  readonly raw: Buffer;
  /** The server closed the connection. */
  readonly closed: boolean;
  /** Our side's port (the server's TCPREMOTEPORT). */
  readonly localPort: number;
}

export interface TalkOptions {
  /** Write all steps at once after the greeting instead of waiting for each reply. */
  readonly pipelined?: boolean;
  /** Bound for the whole dialogue; default 15 s. */
  readonly timeoutMs?: number;
  /** Wait for the server to close at the end; default: when the last step is QUIT. */
  readonly waitClose?: boolean;
  /** Server address; default 127.0.0.1 (tests never leave loopback). */
  readonly host?: '127.0.0.1' | '::1';
}

const CRLF = Buffer.from('\r\n');

function bytesOf(data: string | Buffer): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

export class SmtpClient {
  private buffer = Buffer.alloc(0);
  private all: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (b: Buffer) => {
      this.all.push(b);
      this.buffer = Buffer.concat([this.buffer, b]);
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static connect(port: number, timeoutMs = 5000, host = '127.0.0.1'): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', reject);
        resolve(new SmtpClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Every byte received so far. */
  get raw(): Buffer {
    return Buffer.concat(this.all);
  }

  get closed(): boolean {
    return this.ended;
  }

  send(data: string | Buffer): void {
    this.socket.write(bytesOf(data));
  }

  /** The next complete reply; rejects when the server closes first or nothing comes in time. */
  async reply(timeoutMs = 10000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.takeReply();
      if (r !== undefined) return r;
      if (this.ended) throw new Error(`connection closed while waiting for a reply; unparsed: ${JSON.stringify(this.buffer.toString('latin1'))}`);
      if (!(await this.waitForInput(deadline))) {
        throw new Error(`no complete reply within ${timeoutMs} ms; unparsed: ${JSON.stringify(this.buffer.toString('latin1'))}`);
      }
    }
  }

  /** Resolves true once the server has closed, false if it has not within timeoutMs. */
  async waitClose(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) if (!(await this.waitForInput(deadline))) return false;
    return true;
  }

  /** Half-closes our side (the client hangs up; the server sees EOF). */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitForInput(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, left);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  private takeReply(): Reply | undefined {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = this.buffer.indexOf(CRLF, offset);
      if (end === -1) return undefined;
      const line = this.buffer.toString('latin1', offset, end);
      offset = end + 2;
      lines.push(line);
      if (!/^\d{3}/.test(line)) throw new Error(`not an SMTP reply line: ${JSON.stringify(line)}`);
      if (line[3] !== '-') {
        this.buffer = this.buffer.subarray(offset);
        return { code: Number(line.slice(0, 3)), lines };
      }
    }
  }
}

function stepParts(step: Step): { data: Buffer; replies: number } {
  if (typeof step === 'string' || Buffer.isBuffer(step)) return { data: bytesOf(step), replies: 1 };
  return { data: bytesOf(step.send), replies: step.replies };
}

/** Connects, reads the greeting, sends the steps and collects every reply, in order. */
export async function talk(port: number, steps: readonly Step[], opts: TalkOptions = {}): Promise<Transcript> {
  const timeoutMs = opts.timeoutMs ?? 15000;
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  const client = await SmtpClient.connect(port, left(), opts.host);
  try {
    const replies: Reply[] = [await client.reply(left())];
    const parts = steps.map(stepParts);
    if (opts.pipelined) {
      client.send(Buffer.concat(parts.map((p) => p.data)));
      const want = parts.reduce((n, p) => n + p.replies, 0);
      for (let i = 0; i < want; i++) replies.push(await client.reply(left()));
    } else {
      for (const p of parts) {
        client.send(p.data);
        for (let i = 0; i < p.replies; i++) replies.push(await client.reply(left()));
      }
    }
    const last = parts.at(-1)?.data.toString('latin1') ?? '';
    const waitClose = opts.waitClose ?? /^quit\b/i.test(last);
    const closed = waitClose ? await client.waitClose(left()) : client.closed;
    return { replies, lines: replies.flatMap((r) => r.lines), raw: client.raw, closed, localPort: client.localPort };
  } finally {
    client.destroy();
  }
}

/** "MAIL FROM:<s>", "RCPT TO:<r>"..., "DATA", body + ".": the steps of one transaction. */
export function transaction(sender: string, recipients: readonly string[], body: string | Buffer): Step[] {
  return [
    `MAIL FROM:<${sender}>\r\n`,
    ...recipients.map((r) => `RCPT TO:<${r}>\r\n`),
    'DATA\r\n',
    Buffer.concat([bytesOf(body), Buffer.from('.\r\n')]),
  ];
}

/** The qp number of a "250 ok UNIXTIME qp PID" reply, or undefined. */
export function qpOf(reply: Reply | string | undefined): number | undefined {
  const line = typeof reply === 'string' ? reply : reply?.lines.at(-1);
  const m = /^250 ok \d+ qp (\d+)$/.exec(line ?? '');
  return m ? Number(m[1]) : undefined;
}
