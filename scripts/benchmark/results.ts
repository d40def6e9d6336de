// What a run found, per cell and peer, and the figures drawn from the repetitions (min, median,
// max of msgs/s; medians of the rest; errors summed). Data and arithmetic only: prints nothing.

import type { Cell } from './cells.js';
import type { PeerName } from './peers/peer.js';
import type { Measurement } from './runner.js';

export type PeerCellResult =
  | { readonly status: 'ok'; readonly reps: Measurement[]; warmupErrors: number }
  | { readonly status: 'n/a'; readonly reason: string }
  | { readonly status: 'failed'; readonly reason: string; readonly reps: Measurement[] };

export interface CellResult {
  readonly cell: Cell;
  readonly peers: Map<PeerName, PeerCellResult>;
}

export interface Summary {
  readonly msgsPerSecond: { readonly min: number; readonly median: number; readonly max: number };
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMsPerMessage: number;
  readonly peakRssMiB: number;
  readonly accepted: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const MIB = 1024 * 1024;

export function summarize(reps: readonly Measurement[]): Summary {
  const rates = reps.map((m) => m.msgsPerSecond);
  const errorKinds: Record<string, number> = {};
  for (const m of reps) for (const [k, n] of Object.entries(m.load.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
  return {
    msgsPerSecond: { min: Math.min(...rates), median: median(rates), max: Math.max(...rates) },
    p50Ms: median(reps.map((m) => m.load.p50Ms)),
    p99Ms: median(reps.map((m) => m.load.p99Ms)),
    cpuMsPerMessage: median(reps.map((m) => m.cpuMsPerMessage)),
    peakRssMiB: Math.max(...reps.map((m) => m.peakRssBytes)) / MIB,
    accepted: reps.reduce((n, m) => n + m.load.accepted, 0),
    errors: reps.reduce((n, m) => n + m.load.errors, 0),
    errorKinds,
  };
}

/** The figures of a peer in a cell, when it has any. */
export function summaryOf(result: PeerCellResult | undefined): Summary | undefined {
  if (result === undefined || result.status === 'n/a' || result.reps.length === 0) return undefined;
  return summarize(result.reps);
}
