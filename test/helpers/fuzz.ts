// Settings shared by the property tests in test/fuzz/: how many runs (a CI-sized default, or
// FUZZ_RUNS for scripts/fuzz, divided by a cost factor for the slow properties), FUZZ_SEED to
// replay a failure, and CPU time for the "no hang" checks (wall time lies on a busy machine).

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? '') || 0;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

export function runs(ci: number, cost = 1): { numRuns: number; seed?: number; includeErrorInReport: true } {
  const numRuns = FUZZ_RUNS > 0 ? Math.max(ci, Math.ceil(FUZZ_RUNS / cost)) : ci;
  return SEED === undefined ? { numRuns, includeErrorInReport: true } : { numRuns, seed: SEED, includeErrorInReport: true };
}

/** CPU milliseconds `f` takes. */
export function cpuMs(f: () => void): number {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}
