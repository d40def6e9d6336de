// The end of a run: what was measured and how (machine, accounting method, clean environment,
// each peer's version and set-up), the per-cell tables and the ratio summary on stdout, and the
// same as JSON in a file. Writes only the JSON file it is given.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellId, cellTitle } from './cells.js';
import type { BenchOptions } from './options.js';
import type { Peer, PeerName } from './peers/index.js';
import { summaryOf, type CellResult } from './results.js';
import { cellTable, ratioSummary } from './table.js';

export interface RunFacts {
  readonly startedAt: Date;
  readonly options: BenchOptions;
  readonly peers: readonly Peer[];
  readonly skipped: readonly { name: PeerName; reason: string }[];
  readonly methods: ReadonlySet<string>;
  readonly repo: string;
  readonly dnsNote: string | undefined;
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}`;
}

export function header(f: RunFacts): string {
  const o = f.options;
  const lines = [
    `## scripts/bench${o.preset === 'full' ? '' : ` --${o.preset}`}: ${f.startedAt.toISOString()}`,
    '',
    `- machine: ${machine()}; load client and servers share it (the client is a separate process, not counted as server CPU)`,
    `- every server runs with a clean environment (env -i PATH=... plus only what it needs): no NODE_EXTRA_CA_CERTS, NODE_OPTIONS or proxy variables from the caller`,
    `- each measurement: up to ${o.seconds} s${o.messages < 1e9 ? ` or ${o.messages} messages` : ''} after a ${o.warmupSeconds} s warm-up per cell; ${o.reps} repetition(s), peers taken in turn, order rotated each repetition`,
    o.client === 'smtp-source'
      ? '- load: Postfix\'s smtp-source (HELO, no pipelining, a message count sized from the warm-up\'s rate); msgs/s over its run time; no latency figures'
      : `- load: the bench's client (scripts/benchmark/load-client.ts), EHLO then MAIL/RCPT/DATA ${o.pipelining ? 'pipelined where the server offers PIPELINING' : 'one at a time (--no-pipelining)'}; no message is started after the time bound but each session's first; msgs/s: 250s after DATA over the wall time from the first connect to the last 250; latency: MAIL sent to 250 after DATA`,
    `- server CPU: ${[...f.methods].join(', ') || 'n/a'}, read after the server went idle again; peak RSS: sum of the RSS of all the server's processes (shared pages counted once per process), sampled every 100 ms`,
    `- every peer hands mail to the same discard qmail-queue program (reads message and envelope, exits 0), except Postfix (see its note)`,
    '- SPF on: sender domain record `v=spf1 include:_spf.a.bench mx a -all`, include chain 3 deep, passing at the deepest level, served by the bench\'s DNS server on 127.0.0.1 (TTL 1 day); checked as client 192.0.2.7 (tcprules TCPREMOTEIP for qfront, a bench plugin for Haraka/qpsmtpd, Prospective for policyd-spf), MAIL FROM only; peers without their own cache ask the DNS server for every message (it stands in for a local caching resolver)',
    '',
    'peers:',
    ...f.peers.map((p) => `- ${p.name}: ${p.describe(f.repo)}`),
    ...f.peers.flatMap((p) => p.notes.map((n) => `- ${n}`)),
    ...f.skipped.map((s) => `- ${s.name}: not run: ${s.reason}`),
  ];
  if (f.dnsNote !== undefined) lines.push(`- DNS: ${f.dnsNote}`);
  return lines.join('\n');
}

export function problems(cells: readonly CellResult[]): string[] {
  const out: string[] = [];
  for (const c of cells) {
    for (const [name, r] of c.peers) {
      if (r.status === 'failed') out.push(`${cellTitle(c.cell)}: ${name} failed: ${r.reason}`);
      const s = summaryOf(r);
      if (s !== undefined && s.errors > 0) out.push(`${cellTitle(c.cell)}: ${name} had ${s.errors} error(s)`);
    }
  }
  return out;
}

export function report(f: RunFacts, cells: readonly CellResult[]): string {
  const names = f.peers.map((p) => p.name);
  const parts = [header(f), ...cells.map((c) => cellTable(c, names)), ratioSummary(cells, names)];
  const bad = problems(cells);
  if (bad.length > 0) parts.push(['problems:', ...bad.map((b) => `- ${b.split('\n')[0]}`)].join('\n'));
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}

export function writeJson(file: string, f: RunFacts, cells: readonly CellResult[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const json = {
    startedAt: f.startedAt.toISOString(),
    machine: machine(),
    options: f.options,
    cpuMethods: [...f.methods],
    peers: Object.fromEntries(f.peers.map((p) => [p.name, { describe: p.describe(f.repo), notes: p.notes }])),
    skipped: f.skipped,
    cells: cells.map((c) => ({
      id: cellId(c.cell),
      title: cellTitle(c.cell),
      cell: c.cell,
      peers: Object.fromEntries([...c.peers].map(([name, r]) => [name, { ...r, summary: summaryOf(r) }])),
    })),
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}
