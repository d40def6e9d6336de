// Fuzzes the MAIL/RCPT address parser (src/smtp/address.ts, qmail's addrparse) with fast-check,
// alone and through a whole in-memory session. Invariants: parseAddressArg never throws and is
// linear; the address is made only of the argument's characters and params is the argument's
// tail; any address written with '\', '"', '>' and a leading '@' escaped parses back exactly,
// whatever the ESMTP parameters after it and whatever case "FROM:"/"TO:" is in; a line from the
// wire (split at LF, cut at NUL) never yields an address with a NUL or LF, so the NUL-framed
// qmail-queue envelope always decodes back to the addresses given; and in a session fed in
// random chunks with random verb case, the envelope that reaches the queue is exactly what the
// parser says and no log line carries a control character.
// Note (not a bug, qmail does the same): a CR inside the line (not the one before LF) stays in
// the address and reaches the envelope as is; the envelope's framing is NUL, so it is harmless
// there, and the logs replace it (logSafe) - checked below.
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import { parseAddressArg, rewriteLocalIpLiteral } from '../../src/smtp/address.js';
import { splitCommand } from '../../src/smtp/commands.js';
import { envelopeBytes } from '../../src/queue/envelope.js';
import { converse } from '../helpers/session.js';
import { runs } from '../helpers/fuzz.js';

const latin1 = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));
const special = fc.constantFrom('<', '>', '"', '\\', '@', ':', ' ', ',', '\r', '\0', '[', ']', '.');
const char = fc.oneof({ arbitrary: special, weight: 5 }, { arbitrary: latin1(0x21, 0x7e), weight: 4 }, { arbitrary: latin1(0, 255), weight: 2 });
const anyArg = fc.string({ unit: char, maxLength: 120 });
const cased = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((up) => [...word].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/** Writes `a` so that addrparse reads exactly `a` back between '<' and '>'. */
function escapeAddress(a: string): string {
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const c = a[i]!;
    out += c === '\\' || c === '"' || c === '>' || (i === 0 && c === '@') ? `\\${c}` : c;
  }
  return out;
}

/** Decodes qmail-queue's envelope ("F" sender NUL, "T" rcpt NUL ..., NUL). */
function decodeEnvelope(b: Buffer): { sender: string; recipients: string[] } {
  const s = b.toString('latin1');
  if (!s.endsWith('\0\0')) throw new Error('bad envelope end');
  const fields = s.slice(0, -1).split('\0');
  if (fields.pop() !== '') throw new Error('bad envelope end');
  const [f, ...ts] = fields;
  if (f === undefined || !f.startsWith('F') || ts.some((x) => !x.startsWith('T'))) throw new Error('bad envelope fields');
  return { sender: f.slice(1), recipients: ts.map((x) => x.slice(1)) };
}

test('never throws; the address is made of the argument; params is its tail', (t) => {
  fc.assert(
    fc.property(anyArg, (arg) => {
      const { address, params } = parseAddressArg(arg);
      if (address.length > arg.length) throw new Error('address longer than the argument');
      for (const c of new Set(address)) if (!arg.includes(c)) throw new Error(`char ${c.charCodeAt(0)} not in the argument`);
      if (!arg.endsWith(params)) throw new Error('params is not the tail');
      if (params !== '' && !arg.includes('<')) throw new Error('params without <');
    }),
    runs(5000),
  );
  t.pass();
});

test('an escaped address parses back exactly, whatever follows and whatever case FROM/TO is in', (t) => {
  const word = fc.oneof(cased('from'), cased('to'));
  fc.assert(
    fc.property(word, fc.string({ unit: fc.constant(' '), maxLength: 3 }), fc.string({ unit: char, maxLength: 80 }), anyArg, (w, sp, a, params) => {
      const r = parseAddressArg(`${w}:${sp}<${escapeAddress(a)}>${params}`);
      if (r.address !== a) throw new Error(`got ${JSON.stringify(r.address)}`);
      if (r.params !== params) throw new Error(`params ${JSON.stringify(r.params)}`);
      const upper = parseAddressArg(`${w.toUpperCase()}:${sp}<${escapeAddress(a)}>${params}`);
      if (upper.address !== r.address || upper.params !== r.params) throw new Error('case of the word mattered');
    }),
    runs(5000),
  );
  t.pass();
});

test('the no-"<" form: "FROM: a" gives a up to the next space', (t) => {
  const plain = fc.string({ unit: char, minLength: 1, maxLength: 60 }).filter((a) => !/[ <"\\]/.test(a) && !a.startsWith('@'));
  fc.assert(
    fc.property(cased('from'), fc.string({ unit: fc.constant(' '), maxLength: 3 }), plain, fc.string({ unit: char, maxLength: 30 }), (w, sp, a, rest) => {
      fc.pre(!rest.includes('<'));
      const r = parseAddressArg(`${w}:${sp}${a} ${rest}`);
      if (r.address !== a || r.params !== '') throw new Error(`got ${JSON.stringify(r)}`);
    }),
    runs(3000),
  );
  t.pass();
});

test('from a wire line: no NUL or LF in the address, and the envelope decodes back to it', (t) => {
  const wireLine = fc.string({ unit: char, maxLength: 150 }).filter((l) => !l.includes('\n'));
  fc.assert(
    fc.property(cased('mail'), wireLine, fc.array(wireLine, { maxLength: 5 }), (verb, m, rs) => {
      const addr = (l: string) => parseAddressArg(splitCommand(`${verb} ${l}\r`).arg).address;
      const sender = addr(m);
      const recipients = rs.map(addr);
      for (const a of [sender, ...recipients]) if (a.includes('\0') || a.includes('\n')) throw new Error(`NUL/LF in ${JSON.stringify(a)}`);
      const back = decodeEnvelope(envelopeBytes({ sender, recipients }));
      if (back.sender !== sender || JSON.stringify(back.recipients) !== JSON.stringify(recipients)) throw new Error('envelope does not decode back');
    }),
    runs(5000),
  );
  t.pass();
});

test('no hang: long runs of backslashes, quotes, "<" and "@," are parsed in linear time', (t) => {
  fc.assert(
    fc.property(fc.constantFrom('\\', '"', '<', '@,', '\\"', 'a', '<@a,', ':'), fc.integer({ min: 1, max: 1 << 18 }), (unit, len) => {
      const arg = `FROM:<${unit.repeat(Math.ceil(len / unit.length))}`;
      const t0 = performance.now();
      parseAddressArg(arg);
      rewriteLocalIpLiteral(`a@[${'1'.repeat(len)}.2.3.4]`, 'me', () => true);
      const ms = performance.now() - t0;
      if (ms > 1000) throw new Error(`${ms.toFixed(0)} ms for ${arg.length} chars`);
    }),
    runs(30, 5000),
  );
  t.pass();
});

// The whole dialogue, in memory: what the parser predicts is what qmail-queue gets.
const CONTROL = { me: 'mail.example.org\n', rcpthosts: 'example.org\n' };
const ENV = { TCPREMOTEIP: '10.1.2.3', TCPREMOTEPORT: '40000', TCPLOCALIP: '198.51.100.1', TCPLOCALPORT: '25', RELAYCLIENT: '' };
const isLocalIp = (ip: string) => ip === '127.0.0.1' || ip === '198.51.100.1';

test('a session fed in random chunks queues exactly the parsed envelope; logs stay one clean line each', async (t) => {
  const sessionArg = fc.oneof(
    fc.string({ unit: char, maxLength: 60 }).map((a) => `<${escapeAddress(a)}>`),
    fc.string({ unit: char, maxLength: 80 }),
    fc.constantFrom('<box@[198.51.100.1]>', '<@a,@b:u@example.org>', '<"a b"@example.org> SIZE=10', 'u@x', '<a\rb@example.org>', '<a\0b@x>'),
  ).filter((a) => !a.includes('\n'));
  await fc.assert(
    fc.asyncProperty(
      cased('mail'),
      cased('rcpt'),
      cased('from'),
      sessionArg,
      fc.array(sessionArg, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (mail, rcpt, from, m, rs, cutAt) => {
        const lines = [`HELO x`, `${mail} ${from}:${m}`, ...rs.map((r) => `${rcpt} TO:${r}`), 'DATA'];
        const input = Buffer.from(`${lines.join('\r\n')}\r\nhi\r\n.\r\nQUIT\r\n`, 'latin1');
        const at = [...new Set(cutAt.map((c) => c % (input.length + 1)))].sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const c of at) {
          chunks.push(input.subarray(prev, c));
          prev = c;
        }
        chunks.push(input.subarray(prev));
        const conv = await converse(chunks, { control: CONTROL, env: ENV, isLocalIp });
        const predict = (line: string) => rewriteLocalIpLiteral(parseAddressArg(splitCommand(`${line}\r`).arg).address, 'mail.example.org', isLocalIp);
        const sender = predict(lines[1]!);
        const recipients = lines.slice(2, -1).map(predict);
        const stored = conv.queue.stored;
        if (stored.length !== 1) throw new Error(`queued ${stored.length}; output ${JSON.stringify(conv.output)}`);
        const env = stored[0]!.envelope;
        if (env.sender !== sender || JSON.stringify(env.recipients) !== JSON.stringify(recipients)) {
          throw new Error(`envelope ${JSON.stringify(env)}, expected ${JSON.stringify({ sender, recipients })}`);
        }
        const back = decodeEnvelope(envelopeBytes(env));
        if (back.sender !== sender || JSON.stringify(back.recipients) !== JSON.stringify(recipients)) throw new Error('envelope framing broken');
        for (const l of conv.logs) if (/[\x00-\x1f\x7f]/.test(l)) throw new Error(`control char in log line ${JSON.stringify(l)}`);
      },
    ),
    runs(150, 200),
  );
  t.pass();
});
