// One query to one server over UDP or TCP (RFC 1035 4.2, RFC 7766): send, wait for the reply
// that answers it, give up after the timeout. Resolves to a value, never rejects.
// A UDP socket is opened per try, connected to the server (so the kernel drops datagrams from
// elsewhere and each try gets a fresh random source port, RFC 5452); datagrams whose id or
// question do not match are ignored and waiting goes on. Sockets live only while a try runs.

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { DnsServer } from './servers.js';
import { formatServer } from './servers.js';
import { sameName } from './names.js';
import type { RrType } from './types.js';
import { CLASS_IN, RCODE, decodeEnvelope, decodeSections, isQueryResponse, type Envelope, type Sections } from './wire.js';

export type TryFailure = 'timeout' | 'network' | 'malformed';

export type TryResult =
  | { readonly kind: 'reply'; readonly envelope: Envelope; readonly sections: Sections }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'fail'; readonly failure: TryFailure; readonly detail: string };

export interface TryRequest {
  readonly server: DnsServer;
  readonly query: Buffer;
  readonly id: number;
  /** The question as sent: name (as checkName returned it) and type. */
  readonly name: string;
  readonly type: RrType;
  readonly timeoutMs: number;
  /** Aborted when the resolver is closed: the try ends at once as a network failure. */
  readonly signal: AbortSignal;
}

/** Octets of the length prefix on a DNS-over-TCP message (RFC 1035 4.2.2). */
const TCP_LENGTH_OCTETS = 2;

export function tryUdp(req: TryRequest): Promise<TryResult> {
  return withDeadline(req, (finish) => {
    const socket = dgram.createSocket(req.server.family === 6 ? 'udp6' : 'udp4');
    socket.on('error', (err) => finish(networkFailure(req, err)));
    socket.on('message', (msg) => {
      const verdict = judgeReply(msg, req);
      // Anything not provably ours is ignored: a spoofed or stale datagram must not end the try.
      if (verdict.kind !== 'ignore') finish(verdict);
    });
    // Node hands a failed connect's error to this callback (its typings omit the argument).
    const connected = (err?: Error): void => {
      if (err) return finish(networkFailure(req, err));
      try {
        socket.send(req.query, (sendErr) => {
          if (sendErr) finish(networkFailure(req, sendErr));
        });
      } catch (thrown) {
        // The try ended (timeout or close) while connecting, and the socket is already closed.
        finish(networkFailure(req, thrown as Error));
      }
    };
    socket.connect(req.server.port, req.server.host, connected);
    return () => socket.close();
  });
}

export function tryTcp(req: TryRequest): Promise<TryResult> {
  return withDeadline(req, (finish) => {
    const socket = net.connect({ host: req.server.host, port: req.server.port });
    let received = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const frame = Buffer.alloc(TCP_LENGTH_OCTETS + req.query.length);
      frame.writeUInt16BE(req.query.length, 0);
      req.query.copy(frame, TCP_LENGTH_OCTETS);
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < TCP_LENGTH_OCTETS) return;
      const length = received.readUInt16BE(0);
      if (received.length < TCP_LENGTH_OCTETS + length) return;
      const verdict = judgeReply(received.subarray(TCP_LENGTH_OCTETS, TCP_LENGTH_OCTETS + length), req);
      // Over TCP nobody can slip a reply in, so one that does not fit is the server's fault.
      if (verdict.kind === 'ignore') finish(malformed(req, verdict.detail));
      else finish(verdict);
    });
    socket.on('error', (err) => finish(networkFailure(req, err)));
    socket.on('close', () => finish({ kind: 'fail', failure: 'network', detail: `${formatServer(req.server)}: TCP connection closed before a full reply` }));
    return () => socket.destroy();
  });
}

type Verdict =
  | { readonly kind: 'reply'; readonly envelope: Envelope; readonly sections: Sections }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'ignore'; readonly detail: string }
  | { readonly kind: 'fail'; readonly failure: 'malformed'; readonly detail: string };

/**
 * Whether `msg` answers `req`'s question, and if so whether it is truncated or else its decoded
 * sections. The header and question are judged before the body is read, so a truncated reply
 * whose body was cut short still leads to TCP, and a broken body is the server's fault.
 */
function judgeReply(msg: Buffer, req: TryRequest): Verdict {
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(msg);
  } catch (err) {
    return { kind: 'ignore', detail: `undecodable header or question: ${(err as Error).message}` };
  }
  if (!isQueryResponse(envelope) || envelope.id !== req.id) {
    return { kind: 'ignore', detail: `reply id ${envelope.id} or flags do not match query id ${req.id}` };
  }
  const [q, ...more] = envelope.questions;
  // Some servers leave the question out of an error reply; such a reply carries no data we use.
  const questionless = q === undefined && envelope.rcode !== RCODE.NOERROR && envelope.rcode !== RCODE.NXDOMAIN;
  const matches = q !== undefined && more.length === 0 && q.type === req.type && q.klass === CLASS_IN && sameName(q.name, req.name);
  if (!matches && !questionless) return { kind: 'ignore', detail: 'reply question does not match the query' };
  if (envelope.truncated) return { kind: 'truncated' };
  try {
    return { kind: 'reply', envelope, sections: decodeSections(msg) };
  } catch (err) {
    return malformed(req, (err as Error).message);
  }
}

/**
 * Runs `start` until it calls finish or `req.timeoutMs` passes, whichever is first; the
 * function `start` returns releases its socket and runs exactly once.
 */
function withDeadline(req: TryRequest, start: (finish: (r: TryResult) => void) => () => void): Promise<TryResult> {
  return new Promise((resolve) => {
    let done = false;
    let release: (() => void) | undefined;
    const finish = (result: TryResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
      try {
        release?.();
      } catch {
        // Already closed: nothing left to release.
      }
      resolve(result);
    };
    const onAbort = (): void => finish({ kind: 'fail', failure: 'network', detail: 'resolver closed' });
    const timer = setTimeout(
      () => finish({ kind: 'fail', failure: 'timeout', detail: `no reply from ${formatServer(req.server)} within ${req.timeoutMs} ms` }),
      req.timeoutMs,
    );
    if (req.signal.aborted) return onAbort();
    req.signal.addEventListener('abort', onAbort);
    release = start(finish);
    if (done) release();
  });
}

function networkFailure(req: TryRequest, err: Error): TryResult {
  return { kind: 'fail', failure: 'network', detail: `${formatServer(req.server)}: ${err.message}` };
}

function malformed(req: TryRequest, why: string): { kind: 'fail'; failure: 'malformed'; detail: string } {
  return { kind: 'fail', failure: 'malformed', detail: `${formatServer(req.server)}: ${why}` };
}
