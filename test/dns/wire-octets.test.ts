// What goes on the wire and what is accepted back, checked octet by octet with a raw socket:
// odd printable names and case, names with high octets (refused, or read without harm in replies),
// and replies that do not answer the query (ignored, not used).

import test from 'ava';
import dnsPacket from 'dns-packet';
import { createResolver, type DnsResolver } from '../../src/dns/index.js';
import { handReply, questionEnd, rrAtQname, startRawServer, wireName, wireQname, type RawServer } from './raw-server.js';
import { ODD_NAME } from './zone-fixtures.js';

const TYPE_A = 1;
const TYPE_PTR = 12;
const TYPE_TXT = 16;
/** No test here waits for a timeout; a generous one keeps a loaded machine from failing them. */
const TIMEOUT_MS = 3000;

const opened: { servers: RawServer[]; resolvers: DnsResolver[] } = { servers: [], resolvers: [] };
test.after.always(async () => {
  for (const r of opened.resolvers) r.close();
  for (const s of opened.servers) await s.close();
});

async function rawSetup(handler: Parameters<typeof startRawServer>[0]): Promise<{ server: RawServer; resolver: DnsResolver }> {
  const server = await startRawServer(handler);
  const resolver = createResolver({ servers: server.address, timeoutMs: TIMEOUT_MS, attempts: 1, cache: false });
  opened.servers.push(server);
  opened.resolvers.push(resolver);
  return { server, resolver };
}

test("':' '%' '_' '*' and other printable ASCII go out as those octets, case as given", async (t) => {
  const { server, resolver } = await rawSetup((query, send) => {
    const text = Buffer.from('v=spf1 \xe9\xff', 'latin1');
    const txt = Buffer.concat([Buffer.from([text.length]), text]);
    send(handReply(query, [rrAtQname(TYPE_TXT, txt)]));
  });
  const name = `*.${ODD_NAME.replace('x:y', 'X:Y').replace('test', 'TeSt')}`;
  const answer = await resolver.lookup(name, 'TXT');
  t.deepEqual(answer, { kind: 'records', records: [['v=spf1 \xe9\xff']] });
  t.is(server.queries.length, 1);
  t.is(wireQname(server.queries[0]!), wireName(name).toString('latin1'));
});

test('a name with an octet above 0x7F or a line break is badname, and nothing is sent', async (t) => {
  const { server, resolver } = await rawSetup((query, send) => send(handReply(query, [])));
  for (const name of ['Caf\xe9.TEST', '\x80.test', 'a\n.test']) {
    t.like(await resolver.lookup(name, 'TXT'), { kind: 'error', failure: 'badname' }, JSON.stringify(name));
  }
  t.is(server.queries.length, 0);
});

test('a PTR target with high octets is read without harm, and cannot be looked up in turn', async (t) => {
  const { server, resolver } = await rawSetup((query, send) => {
    send(handReply(query, [rrAtQname(TYPE_PTR, wireName('h\xf6st.test'))]));
  });
  const answer = await resolver.lookup('9.2.0.192.in-addr.arpa', 'PTR');
  // dns-packet reads labels as UTF-8: the lone 0xF6 becomes U+FFFD, never an ASCII letter.
  t.deepEqual(answer, { kind: 'records', records: ['h\ufffdst.test'] });
  t.like(await resolver.lookup('h\ufffdst.test', 'A'), { kind: 'error', failure: 'badname' });
  t.is(server.queries.length, 1);
});

test('a query carries EDNS0 with a 1232-octet payload and RD set', async (t) => {
  const { server, resolver } = await rawSetup((query, send) => send(handReply(query, [])));
  t.deepEqual(await resolver.lookup('edns.test', 'A'), { kind: 'nodata' });
  const decoded = dnsPacket.decode(server.queries[0]!);
  t.true(decoded.flag_rd);
  const opt = decoded.additionals?.find((a) => a.type === 'OPT');
  t.truthy(opt);
  t.is(opt !== undefined && 'udpPayloadSize' in opt ? opt.udpPayloadSize : undefined, 1232);
});

test('each query draws a new id', async (t) => {
  const { server, resolver } = await rawSetup((query, send) => send(handReply(query, [])));
  for (let i = 0; i < 8; i++) await resolver.lookup(`id${i}.test`, 'A');
  const ids = new Set(server.queries.map((q) => q.readUInt16BE(0)));
  t.true(ids.size >= 7, `ids: ${[...ids].join(' ')}`);
});

test('datagrams with a wrong id, a wrong question or garbage are ignored; the true reply is used', async (t) => {
  const { resolver } = await rawSetup((query, send) => {
    const a = (octets: number[]): Buffer => rrAtQname(TYPE_A, Buffer.from(octets));
    const qnameAt = 12;
    const qtypeAt = questionEnd(query) - 4;
    const wrongId = handReply(query, [a([6, 6, 6, 1])]);
    wrongId.writeUInt16BE(query.readUInt16BE(0) ^ 0x5555, 0);
    const wrongName = handReply(query, [a([6, 6, 6, 2])]);
    wrongName[qnameAt + 1] = 0x74; // "spoof..." becomes "tpoof..."
    const wrongType = handReply(query, [a([6, 6, 6, 3])]);
    wrongType.writeUInt16BE(28, qtypeAt);
    // '{' and '[' differ by 0x20 like a case pair, but only A-Z fold.
    const notALetter = handReply(query, [a([6, 6, 6, 4])]);
    notALetter[notALetter.indexOf(0x7b)] = 0x5b;
    // 's' with its top bit set: a 7-bit comparison would take it for 's'.
    const highBit = handReply(query, [a([6, 6, 6, 6])]);
    highBit[qnameAt + 1] = 0xf3;
    const notResponse = handReply(query, [a([6, 6, 6, 5])]);
    notResponse.writeUInt16BE(0x0180, 2);
    for (const d of [wrongId, wrongName, wrongType, notALetter, highBit, notResponse, Buffer.from('xx')]) send(d);
    // The true reply, with the question's ASCII letters upper-cased: still ours.
    const good = handReply(query, [a([192, 0, 2, 9])]);
    for (let i = qnameAt; i < qtypeAt; i++) if ((good[i] ?? 0) >= 0x61 && (good[i] ?? 0) <= 0x7a) good[i] = (good[i] ?? 0) - 32;
    setTimeout(() => send(good), 20);
  });
  t.deepEqual(await resolver.lookup('spoof{x.test', 'A'), { kind: 'records', records: ['192.0.2.9'] });
});

test('a reply whose body cannot be decoded is malformed', async (t) => {
  const { resolver } = await rawSetup((query, send) => {
    const reply = handReply(query, []);
    reply.writeUInt16BE(1, 6); // claims one answer that is not there
    send(reply);
  });
  t.like(await resolver.lookup('broken.test', 'A'), { kind: 'error', failure: 'malformed' });
});

test('a truncated reply is sent to TCP even when its body is cut short', async (t) => {
  const { resolver } = await rawSetup((query, send) => {
    const reply = handReply(query, []);
    reply.writeUInt16BE(0x8380, 2); // TC set
    reply.writeUInt16BE(3, 6); // three answers claimed, none present
    send(reply);
  });
  // The raw server has no TCP side, so the TCP try fails on its connection, not as malformed.
  t.like(await resolver.lookup('cut.test', 'TXT'), { kind: 'error', failure: 'network' });
  t.is(resolver.counters.tcpQueries, 1);
});

test('a FORMERR to an EDNS query is retried once without OPT', async (t) => {
  const { server, resolver } = await rawSetup((query, send) => {
    const reply = handReply(query, []);
    if (query.readUInt16BE(10) > 0) reply.writeUInt16BE(0x8181, 2); // FORMERR while OPT present
    send(reply);
  });
  t.deepEqual(await resolver.lookup('old.test', 'A'), { kind: 'nodata' });
  t.is(server.queries.length, 2);
  t.is(server.queries[1]!.readUInt16BE(10), 0);
});
