// Fuzzes the tcprules lookup (src/door/tcprules.ts) with fast-check, on random rule cdbs written
// by tinycdb's `cdb -c` (test/helpers/cdb-build.ts) and random client IPs, hosts and infos.
// Invariant: lookupRules never throws on a sound cdb, whatever the query (NULs, odd IPv4/IPv6,
// 8-bit hosts), and always agrees with a reference model written here from ucspi-tcp 0.88's
// rules.c (info@ip, info@=host, ip, =host, ip prefixes to '.', =.host suffixes, =, "") plus
// qfront's IPv6 extension (':'-ending prefixes of the groups before "::", ::ffff:a.b.c.d as
// a.b.c.d) and tcpserver's found() (NUL-terminated elements, 'D' denies, +VAR=value sets).
// FUZZ_RUNS (scripts/fuzz) raises the run counts; FUZZ_SEED replays a seed.
import test from 'ava';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cdb } from '../../src/control/index.js';
import { lookupRules, type RuleQuery } from '../../src/door/tcprules.js';
import { buildCdb } from '../helpers/cdb-build.js';
import { runs } from '../helpers/fuzz.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-fuzz-tcprules-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
let serial = 0;

// ----- the reference model ------------------------------------------------------------------

const upToNul = (s: string) => s.split('\0')[0]!;

/** rules.c's keys in order, with qfront's IPv6 extension. */
function modelKeys(q: RuleQuery): string[] {
  let ip = upToNul(q.ip);
  const mapped = /^::[fF]{4}:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(ip);
  if (mapped) ip = mapped[1]!;
  const host = q.host === undefined ? undefined : upToNul(q.host);
  const info = q.info === undefined ? undefined : upToNul(q.info);
  const keys: string[] = [];
  if (info !== undefined) {
    keys.push(`${info}@${ip}`);
    if (host !== undefined) keys.push(`${info}@=${host}`);
  }
  keys.push(ip);
  if (host !== undefined) keys.push(`=${host}`);
  if (!ip.includes(':')) {
    // rules.c: shorten the ip one char at a time, try it whenever it ends in '.'.
    for (let len = ip.length; len > 0; len--) if (ip.charAt(len - 1) === '.') keys.push(ip.slice(0, len));
  } else {
    const gap = ip.indexOf('::');
    const head = gap === -1 ? ip : ip.slice(0, gap);
    const groups = head === '' ? [] : head.split(':');
    // With "::" every written group closes a prefix; without, all but the last.
    // A bare ':' (malformed ":1") closes no written group and is never a prefix.
    for (let k = gap === -1 ? groups.length - 1 : groups.length; k >= 1; k--) {
      const prefix = `${groups.slice(0, k).join(':')}:`;
      if (prefix !== ':') keys.push(prefix);
    }
  }
  if (host !== undefined) {
    for (let i = 0; i < host.length; i++) if (host.charAt(i) === '.') keys.push(`=${host.slice(i)}`);
    keys.push('=');
  }
  keys.push('');
  return keys;
}

interface Decision {
  allow: boolean;
  env: [string, string][];
  key: string | undefined;
}

/** tcpserver's found() on the first record of the first key present. */
function model(records: readonly [Buffer, Buffer][], q: RuleQuery): Decision {
  for (const k of modelKeys(q)) {
    const kb = Buffer.from(k, 'utf8');
    const rec = records.find(([rk]) => rk.equals(kb));
    if (rec === undefined) continue;
    const value = rec[1];
    let allow = true;
    const env = new Map<string, string>();
    const elements: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === 0) {
        elements.push(value.subarray(from, i));
        from = i + 1;
      }
    }
    for (const e of elements) {
      if (e[0] === 0x44) allow = false;
      if (e[0] !== 0x2b) continue;
      const eq = e.indexOf(0x3d);
      if (eq > 1) env.set(e.subarray(1, eq).toString('utf8'), e.subarray(eq + 1).toString('utf8'));
    }
    return { allow, env: allow ? [...env].sort() : [], key: k };
  }
  return { allow: true, env: [], key: undefined };
}

// ----- generators ---------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const ipv4ish = fc.oneof(
  fc.ipV4(),
  fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 5 }).map((a) => a.join('.')),
  fc.string({ unit: fc.constantFrom('1', '2', '.', '0', '\0'), maxLength: 12 }),
);
const ipv6ish = fc.oneof(
  fc.ipV6(),
  fc.ipV4().map((a) => `::ffff:${a}`),
  fc.ipV4().map((a) => `::FFFF:${a}`),
  fc.string({ unit: fc.constantFrom('1', 'a', ':', '::', '.', 'f'), maxLength: 14 }),
);
const hostish = fc.oneof(
  fc.array(fc.constantFrom('mail', 'x', 'example', 'com', '', 'Mail'), { maxLength: 4 }).map((l) => l.join('.')),
  fc.string({ unit: fc.oneof(octet, fc.constant('.')), maxLength: 12 }),
);
const infoish = fc.oneof(fc.constantFrom('joe', '', 'root', 'a@b'), fc.string({ unit: octet, maxLength: 6 }));
const query = fc.record(
  { ip: fc.oneof(ipv4ish, ipv6ish), host: hostish, info: infoish },
  { requiredKeys: ['ip'] },
) as fc.Arbitrary<RuleQuery>;

const element = fc.oneof(
  fc.constantFrom('D', 'Deny', '+A=1', '+B=', '+=x', '+C', '+A=2', '+__proto__=p', 'x', '', '+TCPREMOTEHOST=h', '+RELAYCLIENT=').map((s) => Buffer.from(s, 'latin1')),
  fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)),
);
const value = fc
  .tuple(fc.array(element, { maxLength: 5 }), fc.uint8Array({ maxLength: 3 }))
  .map(([els, tail]) => Buffer.concat([...els.flatMap((e) => [e.filter((b) => b !== 0), Buffer.of(0)]), Buffer.from(tail)]));

/** A cdb keyed by some of the query's own candidates (in random order) plus noise keys. */
const scenario = fc.array(query, { minLength: 1, maxLength: 4 }).chain((queries) => {
  const candidates = [...new Set(queries.flatMap(modelKeys))];
  const keyArb = fc.oneof({ arbitrary: fc.constantFrom(...candidates), weight: 4 }, { arbitrary: fc.string({ unit: fc.oneof(octet, fc.constantFrom('.', ':', '=', '@')), maxLength: 8 }), weight: 1 });
  return fc.tuple(fc.constant(queries), fc.array(fc.tuple(keyArb.map((k) => Buffer.from(k, 'utf8')), value), { maxLength: 25 }));
});

test('lookup on random rule cdbs never throws and agrees with the rules.c model', (t) => {
  fc.assert(
    fc.property(scenario, fc.array(query, { maxLength: 6 }), ([queries, records], extra) => {
      const file = path.join(dir, `r${++serial}.cdb`);
      buildCdb(file, records);
      const cdb = new Cdb(fs.readFileSync(file));
      fs.rmSync(file);
      for (const q of [...queries, ...extra]) {
        const got = lookupRules(cdb, q);
        const want = model(records, q);
        const gotN = { allow: got.allow, env: Object.entries(got.env).sort(), key: got.key };
        if (JSON.stringify(gotN) !== JSON.stringify(want)) {
          throw new Error(`query ${JSON.stringify(q)}: got ${JSON.stringify(gotN)}, model ${JSON.stringify(want)}`);
        }
        if (!Object.isFrozen(got) || !Object.isFrozen(got.env)) throw new Error('decision not frozen');
      }
    }),
    runs(150, 1000),
  );
  t.pass();
});
