// A small DNS server for tests, built on dns-packet like src/dns (octet-level checks of the codec
// use hand-built messages in test/dns/wire-octets.test.ts): serves a TestZone over UDP and TCP on
// one port of 127.0.0.1 or ::1, answering like a recursive server (CNAMEs followed, SOA in
// negative answers, RFC 2308). Queries are decoded by dns-packet as UTF-8, so names with octets >= 0x80 cannot be served here;
// tests of those use a raw socket. Only for tests: never binds anything but a loopback address.

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import dnsPacket from 'dns-packet';
import type { TestZone, ZoneEntry } from './zone.js';

export type ServerMode = 'answer' | 'servfail' | 'refused' | 'drop';

export interface DnsServerOptions {
  /** Loopback address to bind; default 127.0.0.1. */
  readonly host?: '127.0.0.1' | '::1';
  /** Largest UDP reply sent, whatever the query's EDNS payload says; larger ones get TC=1. */
  readonly maxUdpPayload?: number;
  /** 'servfail'/'refused' answer every query with that rcode; 'drop' never replies. */
  readonly mode?: ServerMode;
  /** SOA put in negative answers (TTL and MINIMUM, seconds); null sends none. */
  readonly soa?: { readonly ttl: number; readonly minimum: number } | null;
}

export interface TestDnsServer {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:PORT" or "[::1]:PORT", as DNSCACHEIP takes it. */
  readonly address: string;
  /** Queries received per transport. */
  readonly counters: { udp: number; tcp: number };
  setZone(zone: TestZone): void;
  setMode(mode: ServerMode): void;
  close(): Promise<void>;
}

/** TTL of zone records that give none, seconds. */
export const DEFAULT_RECORD_TTL = 300;
/** Default SOA in negative answers. */
const DEFAULT_SOA = { ttl: 300, minimum: 60 };
/** Reply size limit without EDNS (RFC 1035 4.2.1). */
const PLAIN_UDP_LIMIT = 512;
/** Longest character-string in a TXT RR (RFC 1035 3.3). */
const MAX_CHARACTER_STRING = 255;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
/** Tries at binding TCP to the port UDP got, in case another process took it meanwhile. */
const BIND_TRIES = 10;

type Answer = dnsPacket.Answer;
type ServedEntry = Exclude<ZoneEntry, { type: 'TIMEOUT' }>;

export async function startDnsServer(initialZone: TestZone, opts: DnsServerOptions = {}): Promise<TestDnsServer> {
  const host = opts.host ?? '127.0.0.1';
  let zone = initialZone;
  let mode: ServerMode = opts.mode ?? 'answer';
  const counters = { udp: 0, tcp: 0 };
  const soa = opts.soa === undefined ? DEFAULT_SOA : opts.soa;

  const reply = (query: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    counters[transport]++;
    if (mode === 'drop') return undefined;
    let packet: dnsPacket.Packet;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return undefined;
    }
    const q = packet.questions?.[0];
    if (q === undefined) return undefined;
    const forced = mode === 'servfail' ? RCODE.SERVFAIL : mode === 'refused' ? RCODE.REFUSED : undefined;
    const result = forced === undefined ? resolve(zone, q.name, q.type, soa) : { rcode: forced, answers: [], authorities: [] };
    if (result === 'no reply') return undefined;
    const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | result.rcode;
    const base = { type: 'response' as const, id: packet.id ?? 0, questions: [q] };
    const full = dnsPacket.encode({ ...base, flags, answers: result.answers, authorities: result.authorities });
    if (transport === 'tcp') return full;
    const opt = packet.additionals?.find((a) => a.type === 'OPT');
    const advertised = opt !== undefined && 'udpPayloadSize' in opt ? Math.max(PLAIN_UDP_LIMIT, opt.udpPayloadSize ?? 0) : PLAIN_UDP_LIMIT;
    const limit = Math.min(advertised, opts.maxUdpPayload ?? Infinity);
    if (full.length <= limit) return full;
    return dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [] });
  };

  const makeUdp = (): dgram.Socket => {
    const socket = dgram.createSocket(host === '::1' ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => {
      const out = reply(msg, 'udp');
      if (out !== undefined) socket.send(out, rinfo.port, rinfo.address);
    });
    return socket;
  };
  const connections = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + query.length);
        const out = reply(query, 'tcp');
        if (out === undefined) continue;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        socket.write(Buffer.concat([len, out]));
      }
    });
  });
  const { udp, port } = await bindBoth(host, tcp, makeUdp);
  return {
    host,
    port,
    address: host === '::1' ? `[::1]:${port}` : `${host}:${port}`,
    counters,
    setZone: (z) => {
      zone = z;
    },
    setMode: (m) => {
      mode = m;
    },
    close: async () => {
      for (const c of connections) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

interface Resolution {
  readonly rcode: number;
  readonly answers: Answer[];
  readonly authorities: Answer[];
}

/** What a recursive server would answer for qname/qtype from `zone`, or 'no reply' (TIMEOUT). */
function resolve(zone: TestZone, qname: string, qtype: string, soa: DnsServerOptions['soa']): Resolution | 'no reply' {
  const answers: Answer[] = [];
  const seen = new Set<string>();
  let owner = qname;
  for (;;) {
    const key = asciiLower(owner);
    seen.add(key);
    const entries = zone.get(key);
    if (entries === undefined) return { rcode: RCODE.NXDOMAIN, answers, authorities: soaRecords(soa) };
    const matching = entries.filter((e): e is ServedEntry => e.type === qtype && e.type !== 'TIMEOUT');
    if (matching.length > 0) {
      for (const e of matching) answers.push(toAnswer(owner, e));
      return { rcode: RCODE.NOERROR, answers, authorities: [] };
    }
    const alias = entries.find((e) => e.type === 'CNAME');
    if (alias !== undefined && alias.type === 'CNAME') {
      answers.push(toAnswer(owner, alias));
      owner = alias.data;
      // A loop ends with the chain so far and no records, never with a hang.
      if (seen.has(asciiLower(owner))) return { rcode: RCODE.NOERROR, answers, authorities: [] };
      continue;
    }
    if (entries.some((e) => e.type === 'TIMEOUT')) return 'no reply';
    return { rcode: RCODE.NOERROR, answers, authorities: soaRecords(soa) };
  }
}

/** DNS case-insensitivity covers A-Z only (RFC 4343). */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function soaRecords(soa: DnsServerOptions['soa']): Answer[] {
  if (soa === null || soa === undefined) return [];
  const data = { mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: soa.minimum };
  return [{ type: 'SOA', name: 'test', ttl: soa.ttl, data }];
}

function toAnswer(name: string, e: ServedEntry): Answer {
  const ttl = e.ttl ?? DEFAULT_RECORD_TTL;
  if (e.type === 'TXT') {
    const strings = e.data.flatMap((s) => splitCharacterStrings(Buffer.from(s, 'latin1')));
    return { type: 'TXT', name, ttl, data: strings };
  }
  return { type: e.type, name, ttl, data: e.data } as Answer;
}

/** A string longer than 255 octets becomes several character-strings of at most 255. */
function splitCharacterStrings(bytes: Buffer): Buffer[] {
  if (bytes.length === 0) return [bytes];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += MAX_CHARACTER_STRING) out.push(bytes.subarray(i, i + MAX_CHARACTER_STRING));
  return out;
}

/** UDP on a free port, then TCP on the same one; another UDP port if that TCP port is taken. */
async function bindBoth(host: string, tcp: net.Server, makeUdp: () => dgram.Socket): Promise<{ udp: dgram.Socket; port: number }> {
  for (let i = 0; i < BIND_TRIES; i++) {
    const udp = makeUdp();
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const listening = await new Promise<boolean>((resolve) => {
      const refused = (): void => resolve(false);
      tcp.once('error', refused);
      tcp.listen(port, host, () => {
        tcp.off('error', refused);
        resolve(true);
      });
    });
    if (listening) return { udp, port };
    await new Promise<void>((r) => udp.close(() => r()));
  }
  throw new Error('could not bind UDP and TCP to one port');
}
