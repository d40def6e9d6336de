// One measurement: the load client (its own process, clean environment) against one running
// server for one cell, with the server's CPU read from its account before and after (after the
// server went idle again, so work finished after the last reply, such as Postfix's delivery,
// is counted) and its RSS sampled every 100 ms. Never touches the server's processes.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Cell } from './cells.js';
import type { LoadResult } from './load-result.js';
import { rssBytes, type ServerAccount } from './measure.js';
import { cleanEnv, sleep } from './processes.js';
import { runSmtpSource } from './smtp-source-client.js';
import { HELO_NAME, RECIPIENT, SENDER } from './spf-zone.js';

const RSS_SAMPLE_MS = 100;
const SETTLE_POLL_MS = 100;
/** The server counts as idle when it used less than this CPU over one poll. */
const IDLE_CPU_NS = 3e6;
const SETTLE_MAX_MS = 3000;
/** Seconds the client may run past its time bound to finish what it started. */
const CLIENT_GRACE_SECONDS = 60;

export interface Measurement {
  readonly load: LoadResult;
  readonly cpuMs: number;
  readonly cpuMsPerMessage: number;
  readonly msgsPerSecond: number;
  readonly peakRssBytes: number;
}

export interface LoadSpec {
  readonly cell: Cell;
  readonly port: number;
  readonly seconds: number;
  readonly messages: number;
  /** Sessions to use instead of the cell's (warm-ups). */
  readonly sessions?: number;
  readonly pipelining: boolean;
  /** smtp-source instead of our client; it sends exactly `messages`. */
  readonly smtpSource?: boolean;
}

/** The client process of the running measurement, so an interrupt can stop it. */
export const clients = new Set<ReturnType<typeof spawn>>();

export function runClient(spec: LoadSpec): Promise<LoadResult> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'load-client.js');
  const args = [
    script,
    '--port', String(spec.port),
    '--sessions', String(spec.sessions ?? spec.cell.sessions),
    '--per-connection', String(spec.cell.perConnection),
    '--size', String(spec.cell.sizeBytes),
    '--seconds', String(spec.seconds),
    '--messages', String(spec.messages),
    '--grace', String(CLIENT_GRACE_SECONDS),
    '--from', SENDER,
    '--to', RECIPIENT,
    '--helo', HELO_NAME,
    '--pipelining', spec.pipelining ? 'auto' : 'off',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    clients.add(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('exit', (code) => {
      clients.delete(child);
      if (code !== 0) return reject(new Error(`load client exited ${code}: ${err.trim().slice(0, 500)}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load client printed no result: ${out.slice(0, 200)} ${err.slice(0, 200)}`));
      }
    });
  });
}

function runSource(spec: LoadSpec): Promise<LoadResult> {
  const { cell } = spec;
  const timeoutSeconds = spec.seconds + CLIENT_GRACE_SECONDS;
  return runSmtpSource({ port: spec.port, sessions: cell.sessions, perConnection: cell.perConnection, sizeBytes: cell.sizeBytes, messages: spec.messages, timeoutSeconds });
}

/** Waits until the server's CPU use stops (two idle polls in a row) or SETTLE_MAX_MS passes. */
async function settle(account: ServerAccount): Promise<void> {
  const deadline = Date.now() + SETTLE_MAX_MS;
  let last = account.cpuNs();
  let idle = 0;
  while (Date.now() < deadline && idle < 2) {
    await sleep(SETTLE_POLL_MS);
    const now = account.cpuNs();
    idle = now - last < IDLE_CPU_NS ? idle + 1 : 0;
    last = now;
  }
}

export async function measure(spec: LoadSpec, account: ServerAccount): Promise<Measurement> {
  await settle(account);
  const cpu0 = account.cpuNs();
  let peak = rssBytes(account.pids());
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(account.pids()));
  }, RSS_SAMPLE_MS);
  try {
    const load = spec.smtpSource === true ? await runSource(spec) : await runClient(spec);
    await settle(account);
    const cpuMs = (account.cpuNs() - cpu0) / 1e6;
    return {
      load,
      cpuMs,
      cpuMsPerMessage: load.accepted > 0 ? cpuMs / load.accepted : 0,
      msgsPerSecond: load.seconds > 0 ? load.accepted / load.seconds : 0,
      peakRssBytes: peak,
    };
  } finally {
    clearInterval(sampler);
  }
}
