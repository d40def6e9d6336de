// scripts/bench's harness (scripts/bench builds it and the discard program, installs what is
// missing, then runs this with a clean environment): picks the peers that can run, starts the
// bench's DNS server when a cell has SPF on, runs the SPF-off then the SPF-on phase, prints the
// tables on stdout (progress on stderr) and writes the JSON. On exit, error or Ctrl-C it stops
// every server, client and DNS server it started and removes its cgroups and temporary dirs.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellId } from './cells.js';
import { BENCH_CLIENT_IP } from './spf-zone.js';
import { startDns, type BenchDns } from './dns.js';
import type { ServerAccount } from './measure.js';
import { parseOptions, USAGE } from './options.js';
import { PEERS, type Peer, type PeerName } from './peers/index.js';
import { runPhase, type PhaseSetup } from './phase.js';
import { stop, type Launched } from './processes.js';
import { problems, report, writeJson, type RunFacts } from './report.js';
import type { CellResult } from './results.js';
import { clients } from './runner.js';
import { SMTP_SOURCE } from './smtp-source-client.js';

/** dist/scripts/benchmark/ -> the checkout. */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const QFRONT_DOORS: readonly PeerName[] = ['qfront-listener', 'qfront-stdio'];

const live = new Set<{ launched: Launched | undefined; account: ServerAccount }>();
const dirs: string[] = [];
let dns: BenchDns | undefined;

async function cleanUp(): Promise<void> {
  for (const c of clients) c.kill('SIGKILL');
  await Promise.all([...live].map((e) => stop(e.launched, e.account)));
  live.clear();
  dns?.stop();
  dns = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

function onSignal(sig: NodeJS.Signals): void {
  process.stderr.write(`\n${sig}: stopping every server the bench started\n`);
  void cleanUp().finally(() => process.exit(130));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

function tempDir(base: string): string {
  const d = fs.mkdtempSync(path.join(base, 'qfront-bench-'));
  fs.chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const startedAt = new Date();
  const discardQueue = path.join(REPO, 'dist/scripts/benchmark/discard-queue');
  if (!fs.existsSync(discardQueue)) throw new Error(`${discardQueue} missing: run scripts/bench, which compiles it`);

  if (options.client === 'smtp-source' && !fs.existsSync(SMTP_SOURCE)) throw new Error(`${SMTP_SOURCE} missing (Debian postfix)`);
  const peers: Peer[] = [];
  const skipped: { name: PeerName; reason: string }[] = [];
  for (const name of options.peers) {
    const peer = PEERS.get(name)!;
    const missing = peer.missing(REPO);
    if (missing === undefined) peers.push(peer);
    else if (QFRONT_DOORS.includes(name) || options.peersChosen) throw new Error(`${name} cannot run: ${missing}`);
    else skipped.push({ name, reason: missing });
  }

  const runDir = tempDir(os.tmpdir());
  dns = await startDns(runDir);
  const memDir = fs.existsSync('/dev/shm') ? tempDir('/dev/shm') : undefined;
  if (options.keep) {
    dirs.splice(0);
    process.stderr.write(`keeping ${runDir}${memDir !== undefined ? ` and ${memDir}` : ''}\n`);
  }
  const results = new Map<string, CellResult>(options.cells.map((c) => [cellId(c), { cell: c, peers: new Map() }]));
  const setup: PhaseSetup = {
    repo: REPO,
    runDir,
    memDir,
    discardQueue,
    dns: dns.info,
    peerOptions: {
      harakaNodes: options.harakaNodes,
      listenerArgs: options.listenerArgs,
      maxSessions: Math.max(...options.cells.map((c) => c.sessions)),
    },
    reps: options.reps,
    seconds: options.seconds,
    messages: options.messages,
    warmupSeconds: options.warmupSeconds,
    pipelining: options.pipelining,
    smtpSource: options.client === 'smtp-source',
    procCpu: options.procCpu,
    live,
    methods: new Set(),
  };
  const off = options.cells.filter((c) => !c.spf);
  const on = options.cells.filter((c) => c.spf);
  const counter = { done: 0, total: options.cells.length };
  const estimate = options.cells.length * peers.length * (options.reps * (options.seconds + 0.6) + options.warmupSeconds + 0.5);
  process.stderr.write(`scripts/bench: ${options.cells.length} cell(s) × ${peers.length} peer(s) × ${options.reps} rep(s), about ${Math.ceil(estimate / 60)} min\n`);

  const dnsNote = `every query of every peer goes to the bench's DNS server on ${dns.info.address}${dns.info.resolvConf !== undefined ? ' and 127.0.53.53:53 (qpsmtpd, policyd-spf: resolv.conf bind-mounted in a private mount namespace)' : `; no port-53 listener (${dns.port53Problem ?? '?'})`}`;
  if (off.length > 0) await runPhase(setup, peers, off, undefined, results, counter);
  if (on.length > 0) await runPhase(setup, peers, on, { clientIp: BENCH_CLIENT_IP }, results, counter);

  const facts: RunFacts = { startedAt, options, peers, skipped, methods: setup.methods, repo: REPO, dnsNote };
  const cells = [...results.values()];
  process.stdout.write(report(facts, cells));
  const jsonFile = options.jsonFile ?? path.join(REPO, 'var/bench', `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeJson(jsonFile, facts, cells);
  process.stdout.write(`\nresults: ${jsonFile}\n`);

  const bad = problems(cells).filter((p) => options.preset === 'smoke' || / failed: /.test(p));
  if (bad.length > 0) process.stderr.write(`scripts/bench: ${bad.length} problem(s):\n${bad.map((b) => `  ${b}`).join('\n')}\n`);
  return bad.length > 0 ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`scripts/bench: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  await cleanUp();
}
process.exit(code);
