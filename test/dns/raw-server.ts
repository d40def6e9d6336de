// A bare UDP socket on 127.0.0.1 that hands each query to a test's own handler, for replies
// no well-behaved server would send (wrong ids, wrong questions, hand-built octets).
// Also the few octet builders those tests need. Test-only; binds loopback only.

import * as dgram from 'node:dgram';

export interface RawServer {
  readonly address: string;
  readonly queries: Buffer[];
  close(): Promise<void>;
}

export type RawHandler = (query: Buffer, send: (reply: Buffer) => void) => void;

export async function startRawServer(handler: RawHandler): Promise<RawServer> {
  const socket = dgram.createSocket('udp4');
  const queries: Buffer[] = [];
  socket.on('message', (msg, rinfo) => {
    queries.push(msg);
    handler(msg, (reply) => socket.send(reply, rinfo.port, rinfo.address));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** The query's question name as wire labels, e.g. "\x04caf\xe9\x04test\x00", in latin1. */
export function wireQname(query: Buffer): string {
  return query.toString('latin1', 12, questionEnd(query) - 4);
}

/** Offset just past the (single, uncompressed) question of a query. */
export function questionEnd(query: Buffer): number {
  let at = 12;
  while (query[at] !== 0) at += 1 + (query[at] ?? 0);
  return at + 5;
}

/** A reply built from the query's own header and question plus `answers` (NOERROR, RD RA). */
export function handReply(query: Buffer, answers: Buffer[]): Buffer {
  const head = Buffer.from(query.subarray(0, questionEnd(query)));
  head.writeUInt16BE(0x8180, 2);
  head.writeUInt16BE(answers.length, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  return Buffer.concat([head, ...answers]);
}

/** One RR owned by the question name (compression pointer to offset 12). */
export function rrAtQname(type: number, rdata: Buffer, ttl = 60): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0);
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(1, 4);
  fixed.writeUInt32BE(ttl, 6);
  fixed.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([fixed, rdata]);
}

/** A name as uncompressed wire labels, octets taken from the latin1 string. */
export function wireName(name: string): Buffer {
  const parts = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}
