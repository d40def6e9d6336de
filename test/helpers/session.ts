// Runs one session in memory: the client's bytes in (all at once, or chunk by chunk), the
// server's reply text out, with the log lines, the exit status and what the queue got.
import { PassThrough } from 'node:stream';
import { ControlDir, loadSnapshot } from '../../src/control/index.js';
import type { Resolver } from '../../src/dns/index.js';
import { MemorySink } from '../../src/log/index.js';
import { runSession, type ConnectionEnv } from '../../src/smtp/index.js';
import { makeControlDir, removeDir } from './control-dir.js';
import { MemoryQueue } from './memory-queue.js';

export const BASE_CONTROL = {
  me: 'mail.example.org\n',
  rcpthosts: 'example.org\n.example.net\n',
  badmailfrom: 'bad@example.com\n@spam.example\n',
};

export const BASE_ENV: ConnectionEnv = {
  TCPREMOTEIP: '10.1.2.3',
  TCPREMOTEPORT: '40000',
  TCPLOCALIP: '198.51.100.1',
  TCPLOCALPORT: '25',
};

export interface Conversation {
  readonly output: string;
  /** The output as written, one entry per write (shows when replies were flushed). */
  readonly writes: readonly string[];
  readonly code: number;
  readonly logs: readonly string[];
  readonly queue: MemoryQueue;
}

export interface ConverseOptions {
  readonly control?: Record<string, string | Buffer>;
  readonly env?: ConnectionEnv;
  readonly queue?: MemoryQueue;
  readonly now?: () => number;
  readonly maxLineBytes?: number;
  readonly isLocalIp?: (ip: string) => boolean;
  /** DNS for SPF. */
  readonly resolver?: Resolver;
  /** Keep the input open after the last chunk (for timeout tests). */
  readonly keepOpen?: boolean;
}

/** Converses with a fresh session; input chunks are written one after another. */
export async function converse(input: string | Buffer | (string | Buffer)[], opts: ConverseOptions = {}): Promise<Conversation> {
  const dir = makeControlDir(opts.control ?? BASE_CONTROL);
  const client = new PassThrough();
  const server = new PassThrough();
  const out: Buffer[] = [];
  server.on('data', (b: Buffer) => out.push(b));
  const sink = new MemorySink();
  const queue = opts.queue ?? new MemoryQueue();
  const done = runSession(
    { input: client, output: server },
    {
      env: opts.env ?? BASE_ENV,
      loadControl: () => loadSnapshot(new ControlDir(dir)),
      queue,
      sink,
      id: '4242',
      isLocalIp: opts.isLocalIp ?? ((ip) => ip === '127.0.0.1' || ip === '198.51.100.1'),
      now: opts.now ?? (() => Date.UTC(2026, 10, 22, 1, 29, 41)),
      maxLineBytes: opts.maxLineBytes,
      resolver: opts.resolver,
    },
  );
  const chunks = Array.isArray(input) ? input : [input];
  for (const c of chunks) {
    client.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    await new Promise((r) => setImmediate(r));
  }
  if (!opts.keepOpen) client.end();
  const code = await done;
  removeDir(dir);
  return { output: Buffer.concat(out).toString('latin1'), writes: out.map((b) => b.toString('latin1')), code, logs: sink.lines, queue };
}

/** Reply lines of a conversation, without their CRLF. */
export const replyLines = (c: Conversation): string[] => c.output.split('\r\n').slice(0, -1);
