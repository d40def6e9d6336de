// SPF checks per second, qfront against pyspf, over the same zones served by Debian's nsd on
// 127.0.0.1 (test/helpers/nsd.ts): big-sender records (a, mx with two hosts, ip4 ranges, a
// three-level include chain, ~all) for N sender domains, with clients that pass and that
// softfail. Cold and warm cells, rated per wall-clock second and per CPU second (the machine
// may be shared; CPU time is what one core gives).
// A benchmark, not a test: run it through scripts/bench-spf. Aborts on any result mismatch.
// Usage: node dist/scripts/bench-spf.js [--domains 300] [--seconds 2] [--rounds 3] [--python PATH]

import { execFileSync, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createResolver } from '../src/dns/index.js';
import { checkHost, type SpfResult } from '../src/spf/index.js';
import { startNsd, type Nsd } from '../test/helpers/nsd.js';

const ZONE = 'bench.test';
const PYTHONS = ['python3', '/usr/bin/python3'];
/** TTL long enough that nothing expires from a warm cache during a run. */
const ZONE_TTL = 3600;
/** Untimed checks before each cell (JIT, first-call costs). */
const WARMUP_CHECKS = 100;
/** How often the timed loop looks at the clock: a multiple of the kinds, so every cell stops with
 * each kind checked equally often (a peer's mix must not depend on its speed). */
const CLOCK_EVERY = 15;
/** Checks whose results qfront and pyspf must agree on before anything is timed. */
const SAMPLE_CHECKS = 60;
const DNS_TIMEOUT_MS = 2000;
/** With two CPUs or more: the peers on one, nsd on another. */
const PEER_CPU = '0';
const NSD_CPU = '1';

const { values } = parseArgs({
  options: {
    domains: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    port: { type: 'string' },
    python: { type: 'string' },
  },
});
const DOMAINS = Number(values.domains);
const SECONDS = Number(values.seconds);
/** Every cell is timed this many times, rounds interleaving the peers; the median is shown. */
const ROUNDS = Number(values.rounds);
/** nsd's port: --port, else one free for UDP and TCP when nsd starts. */
const PORT = values.port !== undefined ? Number(values.port) : undefined;

type Kind = 'include-pass' | 'mx-pass' | 'softfail';
const EXPECTED: Record<Kind, SpfResult> = { 'include-pass': 'pass', 'mx-pass': 'pass', softfail: 'softfail' };
/** [client ip, sender, helo, expected result], the shape the Python side reads too. */
type Case = [string, string, string, SpfResult];

const octets = (i: number): string => `${i >> 8}.${i & 255}`;
const domain = (i: number): string => `s${i}.${ZONE}`;

/** One sender domain in zone-file lines (relative to ZONE), the shape of a big sender's setup. */
function senderZone(i: number): string[] {
  const d = `s${i}`;
  const rec = (s: string): string => `"${s}"`;
  return [
    `${d} A 10.0.${octets(i)}`,
    `${d} MX 10 mx1.${d}`,
    `${d} MX 20 mx2.${d}`,
    `mx1.${d} A 10.1.${octets(i)}`,
    `mx2.${d} A 10.2.${octets(i)}`,
    `${d} TXT ${rec(`v=spf1 a mx ip4:198.18.0.0/20 ip4:198.18.16.0/20 include:_spf.${d}.${ZONE} ~all`)}`,
    `_spf.${d} TXT ${rec(`v=spf1 ip4:172.16.0.0/16 ip4:172.17.0.0/16 ip4:172.18.0.0/16 ip6:2001:db8:1::/48 include:_spf2.${d}.${ZONE} ~all`)}`,
    `_spf2.${d} TXT ${rec(`v=spf1 ip4:100.64.0.0/16 ip4:100.65.0.0/16 ip6:2001:db8:2::/48 include:_spf3.${d}.${ZONE} ~all`)}`,
    `_spf3.${d} TXT ${rec('v=spf1 ip4:203.0.113.0/24 ip4:100.100.0.0/16 ip4:100.101.0.0/16 ip6:2001:db8:3::/48 ~all')}`,
  ];
}

/** The zone's records (nsd.ts adds the SOA and the NS ns.ZONE). */
function zoneRecords(): string[] {
  return ['ns A 127.0.0.1', ...Array.from({ length: DOMAINS }, (_, i) => senderZone(i)).flat()];
}

function clientFor(kind: Kind, i: number): string {
  if (kind === 'include-pass') return `100.100.${octets(i)}`;
  if (kind === 'mx-pass') return `10.2.${octets(i)}`;
  return `192.0.2.${(i % 250) + 1}`;
}

const KINDS: readonly Kind[] = ['include-pass', 'mx-pass', 'softfail'];

/**
 * Every domain with every kind, the kinds taking turns (any run of 3n checks holds n of each,
 * whatever the speed of the peer) and each kind a third of the domains ahead of the last, so
 * consecutive checks hit different domains.
 */
function allCases(): Case[] {
  const stride = Math.floor(DOMAINS / KINDS.length);
  return Array.from({ length: DOMAINS * KINDS.length }, (_, k): Case => {
    const kind = KINDS[k % KINDS.length]!;
    const i = (Math.floor(k / KINDS.length) + (k % KINDS.length) * stride) % DOMAINS;
    return [clientFor(kind, i), `user${i}@${domain(i)}`, 'mail.client.example', EXPECTED[kind]];
  });
}

function findPython(): string {
  for (const py of values.python !== undefined ? [values.python] : PYTHONS) {
    if (spawnSync(py, ['-c', 'import spf'], { stdio: 'ignore' }).status === 0) return py;
  }
  throw new Error('no python3 with pyspf found: apt-get install -y python3-spf (or give --python)');
}

/** nsd serving ZONE, on CPU NSD_CPU when pinned; every record loaded once it answers. */
function nsdFor(pinned: boolean): Promise<Nsd> {
  return startNsd([{ name: ZONE, records: zoneRecords(), ttl: ZONE_TTL, negativeTtl: ZONE_TTL }], {
    port: PORT,
    readyName: `mx1.${domain(DOMAINS - 1)}`,
    // No A records of MX hosts in the additional section: pyspf would cache them and skip
    // queries qfront makes; recursive resolvers (unbound's default) answer minimally too.
    minimalResponses: true,
    // nsd's default response rate limiting (200 q/s per source) drops or truncates replies.
    rateLimit: false,
    launcher: pinned ? ['taskset', '-c', NSD_CPU] : [],
  });
}

interface Cell {
  peer: string;
  /** checks/s of the slowest and fastest round, for the median cell. */
  spread?: [number, number];
  cache: 'cold' | 'warm';
  checks: number;
  seconds: number;
  queries: number;
  cpuSeconds?: number;
}

type Checker = (c: Case) => Promise<SpfResult>;

async function timeCell(peer: string, cache: Cell['cache'], cases: readonly Case[], check: Checker, queries: () => number): Promise<Cell> {
  for (let k = 0; k < WARMUP_CHECKS; k++) await check(cases[k % cases.length]!);
  const q0 = queries();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let done = 0;
  for (;;) {
    const c = cases[done % cases.length]!;
    const result = await check(c);
    if (result !== c[3]) throw new Error(`${peer} ${cache}: ${c.slice(0, 3).join(' ')} gave ${result}, expected ${c[3]}`);
    done++;
    if (done % CLOCK_EVERY === 0 && performance.now() >= deadline) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { peer, cache, checks: done, seconds, queries: queries() - q0, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function qfrontCells(cases: readonly Case[], servers: string): Promise<{ cells: Cell[]; sample: SpfResult[] }> {
  let coldQueries = 0;
  const cold: Checker = async ([ip, sender, helo]) => {
    const resolver = createResolver({ servers, timeoutMs: DNS_TIMEOUT_MS });
    const outcome = await checkHost({ ip, sender, helo }, { resolver });
    coldQueries += resolver.counters.udpQueries + resolver.counters.tcpQueries;
    resolver.close();
    return outcome.result;
  };
  const sample: SpfResult[] = [];
  for (const c of sampleOf(cases)) sample.push(await cold(c));
  const cells = [await timeCell('qfront', 'cold', cases, cold, () => coldQueries)];
  const shared = createResolver({ servers, timeoutMs: DNS_TIMEOUT_MS });
  const warm: Checker = async ([ip, sender, helo]) => (await checkHost({ ip, sender, helo }, { resolver: shared })).result;
  for (const c of cases) await warm(c);
  cells.push(await timeCell('qfront', 'warm', cases, warm, () => shared.counters.udpQueries + shared.counters.tcpQueries));
  shared.close();
  return { cells, sample };
}

function sampleOf(cases: readonly Case[]): Case[] {
  // A step that is no multiple of the kinds, so the sample holds every kind.
  let step = Math.max(1, Math.floor(cases.length / SAMPLE_CHECKS));
  if (step % KINDS.length === 0) step++;
  return cases.filter((_, k) => k % step === 0).slice(0, SAMPLE_CHECKS);
}

interface PyReport {
  version: string;
  backend: string;
  sample: SpfResult[];
  cells: { cache: 'cold' | 'warm'; checks: number; seconds: number; queries: number; cpuSeconds: number }[];
}

function pyspfCells(python: string, cases: readonly Case[], port: number): PyReport {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'bench-spf-pyspf.py');
  const job = { port, seconds: SECONDS, clockEvery: CLOCK_EVERY, modes: ['cold', 'warm'], cases, sample: sampleOf(cases) };
  const run = spawnSync(python, [script], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`pyspf run failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as PyReport;
}

const rateOf = (c: Cell): number => c.checks / c.seconds;
/** Checks per second of CPU: the per-core figure, which other load on the machine does not skew. */
const cpuRateOf = (c: Cell): number => (c.cpuSeconds === undefined ? NaN : c.checks / c.cpuSeconds);

/** Per peer and cache, the round with the median rate, with the spread over all rounds. */
function medians(all: readonly Cell[]): Cell[] {
  const keys = [...new Set(all.map((c) => `${c.peer} ${c.cache}`))];
  return keys.map((key) => {
    const rounds = all.filter((c) => `${c.peer} ${c.cache}` === key).sort((a, b) => rateOf(a) - rateOf(b));
    return { ...rounds[Math.floor(rounds.length / 2)]!, spread: [rateOf(rounds[0]!), rateOf(rounds[rounds.length - 1]!)] };
  });
}

function table(cells: readonly Cell[]): string {
  const rows = [['peer', 'cache', 'checks/s', 'checks/cpu-s', 'ms/check', 'cpu ms/check', 'DNS q/check', 'rounds range checks/s']];
  for (const c of cells) {
    const cpu = c.cpuSeconds === undefined ? '-' : ((c.cpuSeconds * 1000) / c.checks).toFixed(3);
    const spread = c.spread === undefined ? '-' : c.spread.map((x) => x.toFixed(0)).join('-');
    rows.push([c.peer, c.cache, rateOf(c).toFixed(0), cpuRateOf(c).toFixed(0), ((c.seconds * 1000) / c.checks).toFixed(3), cpu, (c.queries / c.checks).toFixed(2), spread]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((v, j) => (j < 2 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  if (!(DOMAINS > 0 && SECONDS > 0 && ROUNDS >= 1 && (PORT === undefined || (PORT > 0 && PORT < 65536)))) throw new Error('--domains, --seconds, --rounds and --port must be positive numbers');
  const python = findPython();
  const pinned = os.availableParallelism() >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  // Pinning this process (all threads) also pins the Python child it starts later.
  if (pinned) execFileSync('taskset', ['-a', '-p', '-c', PEER_CPU, String(process.pid)], { stdio: 'ignore' });
  const nsd = await nsdFor(pinned);
  try {
    const cases = allCases();
    const sample = sampleOf(cases);
    const all: Cell[] = [];
    let py: PyReport | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const qf = await qfrontCells(cases, nsd.address);
      py = pyspfCells(python, cases, nsd.port);
      const pySample = py.sample;
      if (sample.some((c, k) => qf.sample[k] !== c[3] || pySample[k] !== c[3])) {
        const lines = sample.map((c, k) => `${c.slice(0, 3).join(' ')}: expected ${c[3]}, qfront ${qf.sample[k]}, pyspf ${pySample[k]}`);
        throw new Error(`results differ:\n${lines.join('\n')}`);
      }
      all.push(...qf.cells, ...py.cells.map((c) => ({ ...c, peer: 'pyspf' })));
    }
    const cells = medians(all);
    const cell = (peer: string, cache: string): Cell => cells.find((x) => x.peer === peer && x.cache === cache)!;
    const ratio = (cache: string, of: (c: Cell) => number): string => (of(cell('qfront', cache)) / of(cell('pyspf', cache))).toFixed(2);
    console.log(`SPF bench: ${DOMAINS} sender domains x 3 clients (include-pass, mx-pass, softfail) taking turns, one check at a time`);
    console.log(`${ROUNDS} rounds of ${SECONDS} s per cell, peers taking turns; the median round is shown`);
    console.log(`DNS: nsd on ${nsd.address}, minimal responses; ${pinned ? `peers (one thread each, all threads) on CPU ${PEER_CPU}, nsd on CPU ${NSD_CPU}` : 'not pinned'}`);
    console.log(`qfront: node ${process.versions.node}; pyspf ${py!.version} on ${py!.backend} (${python})`);
    console.log('cold: no cache in the checker, every query goes to nsd (a warm local DNS server): qfront a fresh');
    console.log('      resolver per check; pyspf as deployed, a fresh spf.query (and its DNS dict) per check');
    console.log('warm: qfront one resolver, filled first, TTLs checked on every hit; pyspf one query cache dict');
    console.log('      shared by all checks, filled first (pyspf never shares it itself: it keeps no TTLs)');
    console.log(`results agree on ${sample.length} sampled checks and on every timed one\n`);
    console.log(table(cells));
    console.log(`\nqfront/pyspf in checks/s:     cold ${ratio('cold', rateOf)}x, warm ${ratio('warm', rateOf)}x`);
    console.log(`qfront/pyspf in checks/cpu-s: cold ${ratio('cold', cpuRateOf)}x, warm ${ratio('warm', cpuRateOf)}x (per core)`);
  } finally {
    await nsd.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench-spf: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
