// One phase of a run: the cells that share an SPF setting. Starts every peer for it (each in its
// own account and directory), then per cell warms each peer up and measures the peers in turn,
// the order rotated each repetition so machine noise spreads over all of them; stops the peers
// at the end. Results go into the caller's map; progress to stderr. Never leaves a server
// running: every start is registered with `live` until stopped.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellId, cellTitle, type Cell } from './cells.js';
import { createAccount, type ServerAccount } from './measure.js';
import type { DnsInfo, Peer, PeerName, PeerOptions, SpfSetup } from './peers/index.js';
import { freePort, stop, waitForGreeting, type Launched } from './processes.js';
import type { CellResult, PeerCellResult } from './results.js';
import { measure, runClient, type Measurement } from './runner.js';

const GREETING_TIMEOUT_MS = 30_000;
/** Warm-ups use at most this many sessions (200 Node starts would only add time). */
const WARMUP_MAX_SESSIONS = 20;
const LOG_TAIL_LINES = 15;

export interface PhaseSetup {
  readonly repo: string;
  readonly runDir: string;
  readonly memDir: string | undefined;
  readonly discardQueue: string;
  readonly dns: DnsInfo;
  readonly peerOptions: PeerOptions;
  readonly reps: number;
  readonly seconds: number;
  readonly messages: number;
  readonly warmupSeconds: number;
  readonly pipelining: boolean;
  readonly smtpSource: boolean;
  /** Use the /proc method even where a cgroup would do. */
  readonly procCpu: boolean;
  /** Servers started and not yet stopped, for the interrupt handler. */
  readonly live: Set<{ launched: Launched | undefined; account: ServerAccount }>;
  /** CPU accounting methods used, for the output. */
  readonly methods: Set<string>;
}

interface Running {
  readonly name: PeerName;
  readonly port: number;
  readonly launched: Launched;
  readonly account: ServerAccount;
  readonly log: string;
  exited: string | undefined;
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function logTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

async function startPeer(setup: PhaseSetup, peer: Peer, spf: SpfSetup | undefined): Promise<Running> {
  const tag = `${peer.name}-spf-${spf !== undefined ? 'on' : 'off'}`;
  const dir = path.join(setup.runDir, tag);
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const account = createAccount(tag, setup.procCpu);
  setup.methods.add(account.method);
  const entry: { launched: Launched | undefined; account: ServerAccount } = { launched: undefined, account };
  setup.live.add(entry);
  const log = path.join(setup.runDir, `${tag}.log`);
  const port = await freePort();
  try {
    const ctx = { repo: setup.repo, dir, memDir: setup.memDir, port, discardQueue: setup.discardQueue, dns: setup.dns, spf, account, log, options: setup.peerOptions };
    entry.launched = await peer.start(ctx);
    await waitForGreeting(port, entry.launched, GREETING_TIMEOUT_MS);
  } catch (err) {
    await stop(entry.launched, account);
    setup.live.delete(entry);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n  ${peer.name}'s log:\n${logTail(log)}`);
  }
  const running: Running = { name: peer.name, port, launched: entry.launched, account, log, exited: undefined };
  void entry.launched.exited.then((how) => {
    running.exited = how;
  });
  return running;
}

function rotate<T>(xs: readonly T[], by: number): T[] {
  const k = xs.length === 0 ? 0 : by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function progress(m: Measurement): string {
  const l = m.load;
  return `${Math.round(m.msgsPerSecond)} msgs/s (${l.accepted} in ${l.seconds.toFixed(2)} s), p50 ${l.p50Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms, ${m.cpuMsPerMessage.toFixed(2)} CPU ms/msg, ${(m.peakRssBytes / 1048576).toFixed(0)} MiB, ${l.errors} errors`;
}

/** Runs `cells` (all with the same SPF setting) on `peers`; fills `results`. */
export async function runPhase(
  setup: PhaseSetup,
  peers: readonly Peer[],
  cells: readonly Cell[],
  spf: SpfSetup | undefined,
  results: Map<string, CellResult>,
  counter: { done: number; total: number },
): Promise<void> {
  const setAll = (name: PeerName, r: PeerCellResult): void => {
    for (const c of cells) results.get(cellId(c))!.peers.set(name, r);
  };
  const startable: Peer[] = [];
  for (const peer of peers) {
    const why = peer.unavailable(setup.dns, spf !== undefined);
    if (why === undefined) startable.push(peer);
    else setAll(peer.name, { status: 'n/a', reason: why });
  }
  say(`starting ${startable.map((p) => p.name).join(', ')} (SPF ${spf !== undefined ? 'on' : 'off'})`);
  const started = await Promise.allSettled(startable.map((p) => startPeer(setup, p, spf)));
  const running: Running[] = [];
  started.forEach((s, i) => {
    const name = startable[i]!.name;
    if (s.status === 'fulfilled') running.push(s.value);
    else {
      const reason = s.reason instanceof Error ? s.reason.message : String(s.reason);
      say(`${name} did not start: ${reason}`);
      setAll(name, { status: 'failed', reason: reason.split('\n')[0]!, reps: [] });
    }
  });
  try {
    for (const cell of cells) {
      counter.done++;
      const title = `[${counter.done}/${counter.total} ${cellTitle(cell)}]`;
      const result = results.get(cellId(cell))!;
      const alive = running.filter((r) => {
        if (r.exited === undefined) return true;
        result.peers.set(r.name, { status: 'failed', reason: `server ${r.exited}`, reps: [] });
        return false;
      });
      const entries = new Map<PeerName, { status: 'ok'; reps: Measurement[]; warmupErrors: number }>();
      const counts = new Map<PeerName, number>();
      for (const r of alive) {
        const sessions = Math.min(cell.sessions, WARMUP_MAX_SESSIONS);
        const warm = await runClient({ cell, port: r.port, seconds: setup.warmupSeconds, messages: setup.messages, sessions, pipelining: setup.pipelining });
        say(`${title} warm-up ${r.name}: ${warm.accepted} accepted, ${warm.errors} errors`);
        // smtp-source sends a count, not for a time: about what the warm-up's rate fills the bound with.
        const rate = warm.seconds > 0 ? warm.accepted / warm.seconds : 0;
        counts.set(r.name, Math.min(setup.messages, Math.max(cell.sessions * cell.perConnection, 1, Math.round(rate * setup.seconds))));
        const entry = { status: 'ok' as const, reps: [] as Measurement[], warmupErrors: warm.errors };
        entries.set(r.name, entry);
        result.peers.set(r.name, entry);
      }
      for (let rep = 0; rep < setup.reps; rep++) {
        for (const r of rotate(alive, rep)) {
          if (r.exited !== undefined) continue;
          const messages = setup.smtpSource ? counts.get(r.name)! : setup.messages;
          const spec = { cell, port: r.port, seconds: setup.seconds, messages, pipelining: setup.pipelining, smtpSource: setup.smtpSource };
          const m = await measure(spec, r.account);
          entries.get(r.name)!.reps.push(m);
          say(`${title} rep ${rep + 1}/${setup.reps} ${r.name}: ${progress(m)}`);
        }
      }
      for (const r of alive) {
        const entry = entries.get(r.name)!;
        if (r.exited !== undefined) result.peers.set(r.name, { status: 'failed', reason: `server ${r.exited} during the cell\n${logTail(r.log)}`, reps: entry.reps });
        else if (entry.reps.some((m) => m.load.accepted === 0)) result.peers.set(r.name, { status: 'failed', reason: 'no message accepted in a repetition', reps: entry.reps });
      }
    }
  } finally {
    await Promise.all(
      running.map(async (r) => {
        const clean = await stop(r.launched, r.account);
        for (const e of setup.live) if (e.account === r.account) setup.live.delete(e);
        if (!clean) say(`${r.name}: some of its processes outlived SIGKILL`);
      }),
    );
  }
}
