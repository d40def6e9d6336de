// The other load client (--client smtp-source): Postfix's smtp-source, for throughput only. It
// sends a fixed number of messages (no time bound: the harness sizes the count from the
// warm-up's rate), says HELO and never pipelines, and with more than one message per connection
// (-d) keeps each connection for all its messages. Its exit status is all it reports: no latency,
// and a failure counts as one error. Runs in its own process with a clean environment.

import { spawn } from 'node:child_process';
import type { LoadResult } from './load-result.js';
import { cleanEnv, LOOPBACK } from './processes.js';
import { HELO_NAME, RECIPIENT, SENDER } from './spf-zone.js';

export interface SourceSpec {
  readonly port: number;
  readonly sessions: number;
  readonly perConnection: number;
  readonly sizeBytes: number;
  readonly messages: number;
  /** Kill it after this long (its count, not this, is meant to end it). */
  readonly timeoutSeconds: number;
}

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export function runSmtpSource(spec: SourceSpec): Promise<LoadResult> {
  const args = [
    '-s', String(spec.sessions),
    '-m', String(spec.messages),
    '-l', String(spec.sizeBytes),
    '-M', HELO_NAME,
    '-f', SENDER,
    '-t', RECIPIENT,
    ...(spec.perConnection > 1 ? ['-d'] : []),
    `${LOOPBACK}:${spec.port}`,
  ];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(SMTP_SOURCE, args, { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutSeconds * 1000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const ok = code === 0;
      const why = signal !== null ? `smtp-source killed (${signal})` : `smtp-source: ${err.trim().split('\n').pop() ?? `exit ${code}`}`;
      resolve({
        accepted: ok ? spec.messages : 0,
        errors: ok ? 0 : 1,
        errorKinds: ok ? {} : { [why.slice(0, 80)]: 1 },
        seconds: (performance.now() - t0) / 1000,
        p50Ms: 0,
        p99Ms: 0,
        connections: spec.perConnection > 1 ? spec.sessions : spec.messages,
        pipelinedConnections: 0,
      });
    });
  });
}
