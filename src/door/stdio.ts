// The stdio door: one SMTP session on fd 0/1, as qmail-smtpd runs under tcpserver (or tcpsvd,
// s6-tcpserver, inetd). The environment tcpserver and tcprules built is the configuration; the
// whole of it is passed on to the queue program. Owns fds and the process exit, nothing else.

import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { ControlDir, loadSnapshot } from '../control/index.js';
import type { Resolver } from '../dns/index.js';
import { sharedStderrSink, type LogSink } from '../log/index.js';
import { QmailQueue, type Queue } from '../queue/index.js';
import { runSession, type ConnectionEnv, type SessionIo } from '../smtp/index.js';
import { localIpChecker } from './local-ips.js';
import { LazyResolver } from './resolver.js';
import { controlDirOf, queueCwd, queueTimeoutSeconds } from './settings.js';

function kindOf(fd: number): 'stream' | 'file' | 'tty' {
  const st = fs.fstatSync(fd);
  if (st.isSocket() || st.isFIFO()) return 'stream';
  return st.isCharacterDevice() ? 'tty' : 'file';
}

function inputOf(fd: number): Readable {
  const kind = kindOf(fd);
  if (kind === 'stream') return new net.Socket({ fd, readable: true, writable: false });
  return kind === 'tty' ? process.stdin : fs.createReadStream('', { fd, autoClose: false });
}

function outputOf(fd: number): Writable {
  const kind = kindOf(fd);
  if (kind === 'stream') return new net.Socket({ fd, readable: false, writable: true });
  return kind === 'tty' ? process.stdout : fs.createWriteStream('', { fd, autoClose: false });
}

export interface StdioOptions {
  readonly env: ConnectionEnv;
  readonly argv: readonly string[];
  readonly sink?: LogSink;
  readonly queue?: Queue;
  /** Instead of fd 0 and fd 1 (the snapshot's rehearsal). */
  readonly io?: SessionIo;
  /** Instead of DNS from the environment (the snapshot's rehearsal). */
  readonly resolver?: Resolver;
}

/** Runs the session and resolves with the exit status once the output is flushed. */
export async function runStdio(opts: StdioOptions): Promise<number> {
  const { env } = opts;
  const sink = opts.sink ?? sharedStderrSink;
  const { input, output } = opts.io ?? { input: inputOf(0), output: outputOf(1) };
  const flushed = flushWatch(output);
  const control = new ControlDir(controlDirOf(env));
  const queue = opts.queue ?? new QmailQueue({ timeoutSeconds: queueTimeoutSeconds(env), cwd: queueCwd(env) });
  const id = String(process.pid);
  const lazy = opts.resolver === undefined ? new LazyResolver(env) : undefined;
  if (opts.argv.length > 0) {
    sink.line(`qmail-smtpd: pid ${id}: note: AUTH arguments ignored; AUTH is not offered by this qfront version`);
  }
  const code = await runSession({ input, output }, {
    env,
    loadControl: () => loadSnapshot(control),
    queue,
    sink,
    id,
    isLocalIp: localIpChecker(),
    resolver: opts.resolver ?? lazy,
  });
  lazy?.close();
  await flushed();
  return code;
}

/** How long a finished session waits for its last replies to reach the kernel. */
const FLUSH_WAIT_MS = 5000;

/**
 * Starts watching the output at once and returns the wait for it to be handed to the kernel
 * (bounded, so a dead peer cannot hang us). At once: process.stdout, used for a tty or
 * /dev/null, emits 'finish' during end() without ever setting writableFinished.
 */
function flushWatch(output: Writable): () => Promise<void> {
  let flushed = false;
  let wake = (): void => {};
  const done = (): void => {
    flushed = true;
    wake();
  };
  output.once('finish', done);
  output.once('close', done);
  output.once('error', done);
  return () => {
    if (flushed || output.writableFinished || output.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, FLUSH_WAIT_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
}
