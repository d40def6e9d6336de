import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cdb, CdbFormatError } from '../../src/control/index.js';
import { lookupRules, type RuleDecision, type RuleQuery } from '../../src/door/tcprules.js';

// Every cdb here is made by the real tcprules (ucspi-tcp 0.88); what tcprules cannot write (IPv6
// keys, malformed values) by tinycdb's `cdb -c`. The differential tests ask the real tcprulescheck.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-tcprules-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
let serial = 0;

/** Compiles rules text with tcprules; returns the cdb's path. */
function compile(text: string): string {
  const n = ++serial;
  const cdb = path.join(dir, `rules${n}.cdb`);
  execFileSync('tcprules', [cdb, path.join(dir, `rules${n}.tmp`)], { input: text, stdio: ['pipe', 'ignore', 'pipe'] });
  return cdb;
}

function rules(text: string): Cdb {
  return new Cdb(fs.readFileSync(compile(text)));
}

/** A cdb holding exactly these records, written by tinycdb's `cdb -c`. */
function rawRules(records: ReadonlyArray<readonly [string, string]>): Cdb {
  const parts: Buffer[] = [];
  for (const [k, v] of records) {
    const key = Buffer.from(k, 'latin1');
    const value = Buffer.from(v, 'latin1');
    parts.push(Buffer.from(`+${key.length},${value.length}:`), key, Buffer.from('->'), value, Buffer.from('\n'));
  }
  parts.push(Buffer.from('\n'));
  const cdb = path.join(dir, `raw${++serial}.cdb`);
  execFileSync('cdb', ['-c', cdb], { input: Buffer.concat(parts) });
  return new Cdb(fs.readFileSync(cdb));
}

function allowed(key: string | undefined, env: Record<string, string> = {}): RuleDecision {
  return { allow: true, env, key };
}

function denied(key: string): RuleDecision {
  return { allow: false, env: {}, key };
}

const q = (ip: string, host?: string, info?: string): RuleQuery => ({ ip, host, info });

// ---------------------------------------------------------------------------------------------
// The lookup order, one step at a time (tcprules(1) ADDRESSES, rules.c)

const LADDER = `joe@1.2.3.4:allow,STEP="1"
joe@=a.b.c:allow,STEP="2"
1.2.3.4:allow,STEP="3"
=a.b.c:allow,STEP="4"
1.2.3.:allow,STEP="5a"
1.2.:allow,STEP="5b"
1.:allow,STEP="5c"
=.b.c:allow,STEP="6a"
=.c:allow,STEP="6b"
=:allow,STEP="7"
:allow,STEP="8"
joe@1.2.3.:allow,STEP="never: info@ takes no IP prefixes"
joe@=.b.c:allow,STEP="never: info@= takes no host suffixes"
`;

const ladderCases: Array<[string, RuleQuery, string]> = [
  ['1. info@ip comes first', q('1.2.3.4', 'a.b.c', 'joe'), '1'],
  ['2. then info@=host', q('1.2.3.5', 'a.b.c', 'joe'), '2'],
  ['3. then the IP, when no info@ rule names this info', q('1.2.3.4', 'a.b.c', 'ann'), '3'],
  ['3. the IP, with no info and no host', q('1.2.3.4'), '3'],
  ['4. then =host', q('1.2.3.5', 'a.b.c'), '4'],
  ['4. =host beats an IP prefix', q('1.2.3.5', 'a.b.c', 'ann'), '4'],
  ['5. then the longest IP prefix ending with a dot', q('1.2.3.5'), '5a'],
  ['5. a shorter IP prefix', q('1.2.9.9'), '5b'],
  ['5. the shortest IP prefix', q('1.9.9.9'), '5c'],
  ['5. an IP prefix beats a host suffix', q('1.2.3.5', 'x.b.c'), '5a'],
  ['5. info without host skips info@=host and reaches the prefixes', q('1.2.3.5', undefined, 'joe'), '5a'],
  ['6. then the longest =.suffix of the host', q('9.9.9.9', 'x.b.c'), '6a'],
  ['6. a shorter =.suffix', q('9.9.9.9', 'x.y.c'), '6b'],
  ['7. then = for any host', q('9.9.9.9', 'x.y.z'), '7'],
  ['7. = for a host without a dot', q('9.9.9.9', 'c'), '7'],
  ['8. finally the empty key', q('9.9.9.9'), '8'],
  ['8. an info alone reaches the empty key', q('9.9.9.9', undefined, 'joe'), '8'],
];

for (const [label, query, step] of ladderCases) {
  test(`lookup order: ${label}`, (t) => {
    const d = lookupRules(rules(LADDER), query);
    t.true(d.allow);
    t.deepEqual(d.env, { STEP: step });
  });
}

test('lookup order: each step is the first found once the earlier ones are gone', (t) => {
  const lines = LADDER.trimEnd().split('\n').slice(0, 11);
  const keys = lines.map((l) => l.slice(0, l.indexOf(':')));
  for (let i = 0; i < lines.length; i++) {
    const d = lookupRules(rules(lines.slice(i).join('\n') + '\n'), q('1.2.3.4', 'a.b.c', 'joe'));
    t.deepEqual(d, allowed(keys[i], { STEP: /STEP="(.*)"/.exec(lines[i]!)![1]! }), `from rule ${i + 1}`);
  }
});

test('the decision names the key that matched', (t) => {
  const c = rules(LADDER);
  t.is(lookupRules(c, q('1.2.3.4', 'a.b.c', 'joe')).key, 'joe@1.2.3.4');
  t.is(lookupRules(c, q('1.2.3.5', 'a.b.c', 'joe')).key, 'joe@=a.b.c');
  t.is(lookupRules(c, q('1.2.9.9')).key, '1.2.');
  t.is(lookupRules(c, q('9.9.9.9', 'x.b.c')).key, '=.b.c');
  t.is(lookupRules(c, q('9.9.9.9', 'x')).key, '=');
  t.is(lookupRules(c, q('9.9.9.9')).key, '');
});

// ---------------------------------------------------------------------------------------------
// Allow, deny, default

test('no matching rule and no default: allowed with no environment and no key', (t) => {
  t.deepEqual(lookupRules(rules('10.:deny\n'), q('192.0.2.1', 'h.example', 'joe')), allowed(undefined));
});

test('an empty rules file allows everyone', (t) => {
  t.deepEqual(lookupRules(rules(''), q('192.0.2.1')), allowed(undefined));
});

test('deny drops the client and sets nothing, even with assignments on the rule', (t) => {
  const c = rules('10.1.2.3:deny,WHY="listed"\n10.:deny\n');
  t.deepEqual(lookupRules(c, q('10.1.2.3')), denied('10.1.2.3'));
  t.deepEqual(lookupRules(c, q('10.7.7.7')), denied('10.'));
});

test('a default :deny closes the door to everyone not listed', (t) => {
  const c = rules('127.:allow\n:deny\n');
  t.deepEqual(lookupRules(c, q('127.0.0.1')), allowed('127.'));
  t.deepEqual(lookupRules(c, q('192.0.2.1', 'h.example')), denied(''));
});

test('a default :allow with variables applies to everyone not listed', (t) => {
  const c = rules('10.:deny\n:allow,GREYLIST="1"\n');
  t.deepEqual(lookupRules(c, q('192.0.2.1')), allowed('', { GREYLIST: '1' }));
});

test('of two rules for the same address, the first in the file wins', (t) => {
  t.deepEqual(lookupRules(rules('1.2.3.4:allow,N="1"\n1.2.3.4:deny\n'), q('1.2.3.4')), allowed('1.2.3.4', { N: '1' }));
  t.deepEqual(lookupRules(rules('1.2.3.4:deny\n1.2.3.4:allow\n'), q('1.2.3.4')), denied('1.2.3.4'));
});

// ---------------------------------------------------------------------------------------------
// Environment assignments

const envCases: Array<[string, string, Record<string, string>]> = [
  ['an empty value', 'RELAYCLIENT=""', { RELAYCLIENT: '' }],
  ['a value containing =', 'X="a=b=c"', { X: 'a=b=c' }],
  ['a value containing : and ,', 'X="host:25,b"', { X: 'host:25,b' }],
  ['a value quoted with any repeated character', 'RELAYCLIENT=/@fix.me/', { RELAYCLIENT: '@fix.me' }],
  ['a value containing double quotes', "X='say \"hi\"'", { X: 'say "hi"' }],
  ['a value with spaces', 'SMTPGREETING="mx.example ESMTP ready"', { SMTPGREETING: 'mx.example ESMTP ready' }],
  [
    'several assignments, in order',
    'RELAYCLIENT="",TCPLOCALHOST="movie.edu",QFRONT_X="1"',
    { RELAYCLIENT: '', TCPLOCALHOST: 'movie.edu', QFRONT_X: '1' },
  ],
  ['the same variable twice: the later wins', 'X="1",Y="y",X="2"', { X: '2', Y: 'y' }],
  ['a name with a comma, as tcprules writes ,X,Y="1"', 'X,Y="1"', { 'X,Y': '1' }],
  ['a UTF-8 value', 'GREETING="héllo"', { GREETING: 'héllo' }],
  ['a variable called __proto__ is an ordinary variable', '__proto__="x"', { ['__proto__']: 'x' }],
];

for (const [label, assignments, env] of envCases) {
  test(`environment: ${label}`, (t) => {
    const d = lookupRules(rules(`1.2.3.4:allow,${assignments}\n`), q('1.2.3.4'));
    t.true(d.allow);
    t.deepEqual(Object.entries(d.env), Object.entries(env));
  });
}

test('environment: a name tcprules lets be empty (,="x") sets nothing', (t) => {
  // tcprules accepts it and writes "+=x"; tcprulescheck prints "set environment variable =x" and
  // tcpserver would put a nameless "=x" into the environment. A nameless variable is dropped here.
  t.deepEqual(lookupRules(rules(':allow,="x",Y="y"\n'), q('1.2.3.4')), allowed('', { Y: 'y' }));
});

test('the decision and its environment are frozen', (t) => {
  const d = lookupRules(rules(':allow,X="1"\n'), q('1.2.3.4'));
  t.true(Object.isFrozen(d));
  t.true(Object.isFrozen(d.env));
});

// ---------------------------------------------------------------------------------------------
// What tcprules does to the rules file

test('an address range 1.2.3.4-6 covers exactly .4 to .6', (t) => {
  const c = rules('1.2.3.4-6:allow,R="1"\n:deny\n');
  for (const last of [4, 5, 6]) t.deepEqual(lookupRules(c, q(`1.2.3.${last}`)), allowed(`1.2.3.${last}`, { R: '1' }));
  for (const last of [3, 7, 40]) t.false(lookupRules(c, q(`1.2.3.${last}`)).allow);
});

test('a range inside a prefix, 10.2-3., covers 10.2. and 10.3.', (t) => {
  const c = rules('10.2-3.:allow\n:deny\n');
  t.deepEqual(lookupRules(c, q('10.2.9.9')), allowed('10.2.'));
  t.deepEqual(lookupRules(c, q('10.3.0.1')), allowed('10.3.'));
  t.false(lookupRules(c, q('10.4.0.1')).allow);
  t.false(lookupRules(c, q('10.1.0.1')).allow);
});

test('a range past 255 stops at 255; a backwards range matches nothing', (t) => {
  const c = rules('1.2.3.250-300:allow\n1.2.4.9-5:allow\n:deny\n');
  t.true(lookupRules(c, q('1.2.3.255')).allow);
  t.false(lookupRules(c, q('1.2.3.249')).allow);
  for (const last of [5, 7, 9]) t.false(lookupRules(c, q(`1.2.4.${last}`)).allow);
});

test('only the first range of a line is expanded; the second stays literal and never matches', (t) => {
  const c = rules('1.2-3.4-5.:allow\n:deny\n');
  t.false(lookupRules(c, q('1.2.4.1')).allow);
  t.false(lookupRules(c, q('1.3.5.1')).allow);
  t.true(lookupRules(c, q('1.2.4-5.1')).allow, 'the key is the literal text 1.2.4-5.');
});

test('ranges are not expanded in info@ and =host rules', (t) => {
  const c = rules('joe@1.2.3.4-5:deny\n=h-1.example:deny\n');
  t.true(lookupRules(c, q('1.2.3.4', undefined, 'joe')).allow);
  t.false(lookupRules(c, q('1.2.3.4-5', undefined, 'joe')).allow);
  t.false(lookupRules(c, q('9.9.9.9', 'h-1.example')).allow);
});

test('comment lines and blank lines are not rules', (t) => {
  const c = rules('# 9.9.9.9:deny\n#9.9.9.9:deny\n\n9.9.9.8:deny\n');
  t.deepEqual(lookupRules(c, q('9.9.9.9')), allowed(undefined));
  t.deepEqual(lookupRules(c, q('9.9.9.8')), denied('9.9.9.8'));
});

test('trailing spaces are stripped; leading spaces become part of the address and never match', (t) => {
  const c = rules('9.9.9.9:deny \t\n  9.9.9.8:deny\n');
  t.false(lookupRules(c, q('9.9.9.9')).allow);
  t.true(lookupRules(c, q('9.9.9.8')).allow);
});

test('host rules match byte for byte: =Mail.Example.COM is not mail.example.com', (t) => {
  // tcpserver's resolver lowercases the names it puts in TCPREMOTEHOST; rules.c compares bytes.
  const c = rules('=Mail.Example.COM:deny\n=.Example.COM:deny\n');
  t.true(lookupRules(c, q('9.9.9.9', 'mail.example.com')).allow);
  t.false(lookupRules(c, q('9.9.9.9', 'Mail.Example.COM')).allow);
  t.false(lookupRules(c, q('9.9.9.9', 'x.Example.COM')).allow);
});

test('info@ rules: TCPREMOTEINFO of one user, by IP and by host name', (t) => {
  const c = rules('joe@127.0.0.1:allow,WHO="joe"\nbob@=mx.example:deny\n127.:allow,WHO="anyone"\n');
  t.deepEqual(lookupRules(c, q('127.0.0.1', undefined, 'joe')), allowed('joe@127.0.0.1', { WHO: 'joe' }));
  t.deepEqual(lookupRules(c, q('127.0.0.1', undefined, 'bill')), allowed('127.', { WHO: 'anyone' }));
  t.deepEqual(lookupRules(c, q('127.0.0.1', 'mx.example', 'bob')), denied('bob@=mx.example'));
  t.deepEqual(lookupRules(c, q('127.0.0.1', 'mx.example')), allowed('127.', { WHO: 'anyone' }));
});

test('the man page example: joe@127.0.0.1, 18.23.0.32, the default, 127.', (t) => {
  const c = rules('joe@127.0.0.1:allow,N="first"\n18.23.0.32:allow,N="second"\n:allow,N="third"\n127.:allow,N="fourth"\n');
  t.is(lookupRules(c, q('10.119.75.38')).env.N, 'third');
  t.is(lookupRules(c, q('18.23.0.32')).env.N, 'second');
  t.is(lookupRules(c, q('127.0.0.1', undefined, 'bill')).env.N, 'fourth');
  t.is(lookupRules(c, q('127.0.0.1', undefined, 'joe')).env.N, 'first');
});

test('tcprules 0.88 cannot write an IPv6 address: it splits the line at the first colon', (t) => {
  t.throws(() => compile('2001:db8::1:allow\n'), { message: /unable to parse this line/ });
});

// ---------------------------------------------------------------------------------------------
// IPv6: qfront's extension (tcpserver 0.88 has no IPv6)

const V6 = rawRules([
  ['2001:db8:1::5', ''],
  ['2001:db8:1::', '+K=2001:db8:1::\0'],
  ['2001:db8:1:', '+K=2001:db8:1:\0'],
  ['2001:db8:', '+K=2001:db8:\0'],
  ['2001:', '+K=2001:\0'],
  ['2001:db8:1:2:3:4:5:', '+K=seven groups\0'],
  ['::', 'D\0'],
  [':', 'D\0'],
  ['64:ff9b::1.2.3.', 'D\0'],
  ['10.1.2.', '+K=mapped\0'],
  ['=.example.com', '+K=host suffix\0'],
  ['', '+K=default\0'],
]);

const v6Cases: Array<[string, RuleQuery, string, string]> = [
  ['the address itself comes first', q('2001:db8:1::5'), '2001:db8:1::5', ''],
  ['then the written groups before ::, longest first', q('2001:db8:1::6'), '2001:db8:1:', '2001:db8:1:'],
  ['a shorter group prefix', q('2001:db8:2::1'), '2001:db8:', '2001:db8:'],
  ['the shortest group prefix', q('2001:f00::1'), '2001:', '2001:'],
  ['an uncompressed address tries every group', q('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2:3:4:5:', 'seven groups'],
  ['::1 has no group prefix: on to host rules', q('::1', 'v6.example.com'), '=.example.com', 'host suffix'],
  ['an embedded IPv4 tail makes no dotted prefix', q('64:ff9b::1.2.3.4'), '', 'default'],
  ['::ffff:a.b.c.d is the IPv4 client a.b.c.d', q('::ffff:10.1.2.3'), '10.1.2.', 'mapped'],
  ['with no prefix rule, the default', q('3fff::1'), '', 'default'],
];

for (const [label, query, key, k] of v6Cases) {
  test(`IPv6: ${label}`, (t) => {
    t.deepEqual(lookupRules(V6, query), allowed(key, k === '' ? {} : { K: k }));
  });
}

// ---------------------------------------------------------------------------------------------
// Odd input never throws

test('odd value elements are ignored the way tcpserver ignores them', (t) => {
  const c = rawRules([
    ['1.1.1.1', '+NOEQUALS\0+=nameless\0\0Xother\0+A=1\0+B=unterminated'],
    ['1.1.1.2', 'Dwhatever\0+A=1\0'],
    ['1.1.1.3', '+A=1\0D'],
    ['1.1.1.4', 'junk without a NUL'],
  ]);
  t.deepEqual(lookupRules(c, q('1.1.1.1')), allowed('1.1.1.1', { A: '1' }));
  t.deepEqual(lookupRules(c, q('1.1.1.2')), denied('1.1.1.2'), "an element starting with D denies");
  t.deepEqual(lookupRules(c, q('1.1.1.3')), allowed('1.1.1.3', { A: '1' }), 'an unterminated D is ignored');
  t.deepEqual(lookupRules(c, q('1.1.1.4')), allowed('1.1.1.4'));
});

test('an empty IP is looked up as given, so it finds the default rule at step 3, as rules.c does', (t) => {
  t.deepEqual(lookupRules(rules('=h.example:deny\n:allow\n'), q('', 'h.example')), allowed(''));
});

test('an empty host counts as set: = is tried', (t) => {
  const c = rules('=:deny\n');
  t.deepEqual(lookupRules(c, q('9.9.9.9', '')), denied('='));
  t.deepEqual(lookupRules(c, q('9.9.9.9')), allowed(undefined));
});

test('a NUL ends a query string, as it would in C', (t) => {
  const c = rules('=h.example:deny\njoe@9.9.9.9:deny\n');
  t.deepEqual(lookupRules(c, q('9.9.9.9', 'h.example\0.evil')), denied('=h.example'));
  t.deepEqual(lookupRules(c, q('9.9.9.9\0junk', undefined, 'joe\0x')), denied('joe@9.9.9.9'));
});

test('strange queries do not throw', (t) => {
  const c = rules(LADDER);
  const odd = ['', '.', '...', ':', '::', ':::', '1.2.3.4.', 'not an ip', '🙂', '1'.repeat(10000), '@', '=', '\0'];
  for (const s of odd) {
    t.notThrows(() => lookupRules(c, q(s, s, s)), JSON.stringify(s.slice(0, 20)));
    t.notThrows(() => lookupRules(c, q(s)));
  }
});

test('a corrupt rules file raises CdbFormatError (tcpserver drops the connection)', (t) => {
  const good = fs.readFileSync(compile('1.2.3.4:allow\n'));
  const bad = Buffer.from(good);
  for (let slot = 0; slot < 256; slot++) bad.writeUInt32LE(0xfffffff0, slot * 8); // every table past the end
  t.throws(() => lookupRules(new Cdb(bad), q('1.2.3.4')), { instanceOf: CdbFormatError });
});

// ---------------------------------------------------------------------------------------------
// Differential: the real tcprulescheck says what tcpserver would do

const RICH = `# qfront's differential fixture
127.:allow,RELAYCLIENT=""
127.0.0.1:allow,RELAYCLIENT="",TCPLOCALHOST="movie.edu"
10.:allow,NET="ten"
10.1.:deny
10.1.2.:allow,A="a=b",B=/c:d,e/,C=""
10.1.2.3:deny,WHY="listed"
10.1.2.4-6:allow,RANGE="4-6"
192.168.1-2.:allow,LAN="1-2"
172.16.0.250-300:allow,TOP="capped"
joe@10.1.2.3:allow,WHO="joe@ip"
joe@10.1.9.9:allow,WHO="joe@ip2"
joe@=mail.example.com:allow,WHO="joe@=host"
bob@=mail.example.com:deny
@10.1.2.7:allow,WHO="empty info"
=mail.example.com:allow,BYNAME="exact",X="1",X="2"
=.example.com:allow,BYNAME="example.com"
=.com:allow,BYNAME="com"
=.bad.example:deny
=:allow,NAMED="any name"
# 10.9.9.9:deny
`;

const IPS = [
  '127.0.0.1', '127.0.0.2', '10.1.2.3', '10.1.2.4', '10.1.2.6', '10.1.2.7', '10.1.9.9', '10.2.0.1',
  '192.168.1.5', '192.168.2.5', '192.168.3.5', '172.16.0.255', '172.16.0.249', '10.9.9.9', '8.8.8.8',
  '', '2001:db8::1',
];
const HOSTS = [undefined, 'mail.example.com', 'x.mail.example.com', 'example.com', 'host.bad.example', 'example.org', 'com', ''];
const INFOS = [undefined, 'joe', 'bob', ''];

const END = '--- end of one tcprulescheck run ---';
const sh = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs tcprulescheck once per query, with the query as TCPREMOTEIP/HOST/INFO and nothing else in
 * its environment, all from one shell (one Node spawn per query would take seconds), and reads
 * the verdicts.
 */
function tcprulescheck(cdbPath: string, queries: readonly RuleQuery[]): RuleDecision[] {
  const script = queries.map((query) => {
    const vars = [`TCPREMOTEIP=${sh(query.ip)}`];
    if (query.host !== undefined) vars.push(`TCPREMOTEHOST=${sh(query.host)}`);
    if (query.info !== undefined) vars.push(`TCPREMOTEINFO=${sh(query.info)}`);
    return `${vars.join(' ')} tcprulescheck ${sh(cdbPath)}; echo ${sh(END)}\n`;
  });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const out = execFileSync('sh', ['-e'], { input: script.join(''), encoding: 'utf8', env });
  const runs = out.split(`${END}\n`);
  if (runs.pop() !== '' || runs.length !== queries.length) throw new Error(`odd output: ${out}`);
  return runs.map(parseCheck);
}

/** tcprulescheck says "rule KEY:" or "default:", then "set environment variable VAR=value" lines, then the verdict. */
function parseCheck(out: string): RuleDecision {
  const lines = out.split('\n');
  if (lines.pop() !== '') throw new Error(`unterminated output: ${out}`);
  const head = lines.shift();
  const verdict = lines.pop();
  if (verdict !== 'allow connection' && verdict !== 'deny connection') throw new Error(`no verdict: ${out}`);
  const key = head === 'default:' ? undefined : /^rule (.*):$/s.exec(head ?? '')?.[1];
  if (head !== 'default:' && key === undefined) throw new Error(`no rule line: ${out}`);
  const env = new Map<string, string>();
  for (const line of lines) {
    const m = /^set environment variable ([^=]*)=(.*)$/s.exec(line);
    if (!m) throw new Error(`unexpected line ${line}: ${out}`);
    env.set(m[1]!, m[2]!);
  }
  return { allow: verdict === 'allow connection', env: Object.fromEntries(env), key };
}

/** Keys every differential run must reach, so that agreement proves something. */
const MUST_SEE = [
  'allow', 'deny', 'joe@10.1.2.3', 'joe@=mail.example.com', '@10.1.2.7', '10.1.2.3', '=mail.example.com',
  '10.1.2.', '10.1.', '10.', '=.example.com', '=.bad.example', '=', '10.1.2.4', '192.168.2.', '172.16.0.255',
];

for (const [label, text, fallback] of [
  ['without a default rule', RICH, 'no rule'],
  ['with a default rule', `${RICH}:allow,DEFAULT="yes"\n`, ''],
] as const) {
  test(`differential: every IP, host and info combination agrees with tcprulescheck, ${label}`, (t) => {
    const cdbPath = compile(text);
    const c = new Cdb(fs.readFileSync(cdbPath));
    const queries = IPS.flatMap((ip) => HOSTS.flatMap((host) => INFOS.map((info) => q(ip, host, info))));
    const verdicts = tcprulescheck(cdbPath, queries);
    const seen = new Set<string>();
    queries.forEach((query, i) => {
      const ours = lookupRules(c, query);
      const theirs = verdicts[i]!;
      t.deepEqual(
        { ...ours, env: Object.entries(ours.env) },
        { ...theirs, env: Object.entries(theirs.env) },
        JSON.stringify(query),
      );
      seen.add(theirs.key ?? 'no rule').add(theirs.allow ? 'allow' : 'deny');
    });
    for (const k of [...MUST_SEE, fallback]) t.true(seen.has(k), `reached ${JSON.stringify(k)}`);
  });
}
