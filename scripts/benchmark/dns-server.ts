// The benchmark's DNS server, run as its own process: answers the SPF-on cells' queries from
// BENCH_ZONE over UDP, like a local caching resolver that already holds them (RD and RA set,
// NXDOMAIN/NODATA with an SOA). Usage: dns-server.js --listen HOST:PORT [--listen ?HOST:PORT]
// (port 0: any free one; a leading '?' marks an address it may fail to bind). Prints one JSON
// line {"listening":[...]} when ready, then serves until SIGTERM. Binds loopback addresses only.

import * as dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';
import { BENCH_ZONE, RECORD_TTL, type BenchRecord } from './spf-zone.js';

const NOERROR = 0;
const NXDOMAIN = 3;
const SOA_OWNER = 'bench';
const SOA = {
  type: 'SOA' as const,
  name: SOA_OWNER,
  ttl: RECORD_TTL,
  data: { mname: 'ns.bench', rname: 'hostmaster.bench', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: RECORD_TTL },
};

function answerOf(name: string, r: BenchRecord): dnsPacket.Answer {
  if (r.type === 'TXT') return { type: 'TXT', name, ttl: RECORD_TTL, data: [r.data] };
  if (r.type === 'MX') return { type: 'MX', name, ttl: RECORD_TTL, data: { preference: r.data.preference, exchange: r.data.exchange } };
  return { type: 'A', name, ttl: RECORD_TTL, data: r.data };
}

function reply(query: Buffer): Buffer | undefined {
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return undefined;
  }
  const q = packet.questions?.[0];
  if (q === undefined) return undefined;
  const records = BENCH_ZONE.get(q.name.toLowerCase().replace(/\.$/, ''));
  const matching = (records ?? []).filter((r) => r.type === q.type).map((r) => answerOf(q.name, r));
  const rcode = records === undefined ? NXDOMAIN : NOERROR;
  return dnsPacket.encode({
    type: 'response',
    id: packet.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: [q],
    answers: matching,
    authorities: matching.length === 0 ? [SOA] : [],
  });
}

function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

async function bind(spec: string): Promise<string> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(spec);
  if (m === null) throw new Error(`bad --listen ${spec}`);
  const host = m[1] ?? m[2] ?? '';
  if (!isLoopback(host)) throw new Error(`the bench's DNS server binds loopback only, not ${host}`);
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => {
    const out = reply(msg);
    if (out !== undefined) socket.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(Number(m[3]), host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const { values } = parseArgs({ options: { listen: { type: 'string', multiple: true } } });
const listening: string[] = [];
const failed: string[] = [];
for (const spec of values.listen ?? ['127.0.0.1:0']) {
  const optional = spec.startsWith('?');
  try {
    listening.push(await bind(optional ? spec.slice(1) : spec));
  } catch (err) {
    if (!optional) throw err;
    failed.push(`${spec.slice(1)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.stdout.write(`${JSON.stringify({ listening, failed })}\n`);
process.on('SIGTERM', () => process.exit(0));
