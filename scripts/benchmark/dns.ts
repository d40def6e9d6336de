// Starts the bench's DNS server (dns-server.ts, its own process, clean environment), which
// answers every DNS query of every peer in every cell: on a free port of 127.0.0.1 for the peers that take a port, and if it can, on
// port 53 of a spare loopback address for qpsmtpd and policyd-spf, whose resolvers only read resolv.conf
// (a resolv.conf naming it is written into the run's directory, never over /etc's).

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DnsInfo } from './peers/peer.js';
import { cleanEnv } from './processes.js';

/** A loopback address that no system resolver uses, for the port-53 listener. */
const PORT53_HOST = '127.0.53.53';
const START_TIMEOUT_MS = 10_000;

export interface BenchDns {
  readonly info: DnsInfo;
  /** Why there is no port-53 listener, when there is none. */
  readonly port53Problem: string | undefined;
  stop(): void;
}

export async function startDns(dir: string): Promise<BenchDns> {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'dns-server.js');
  const child: ChildProcess = spawn(process.execPath, [script, '--listen', '127.0.0.1:0', '--listen', `?${PORT53_HOST}:53`], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the DNS server did not start')), START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      resolve(out.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`the DNS server exited ${code}`)));
  });
  const { listening, failed } = JSON.parse(first) as { listening: string[]; failed: string[] };
  const main = listening[0]!;
  const [host, port] = [main.slice(0, main.lastIndexOf(':')), Number(main.slice(main.lastIndexOf(':') + 1))];
  let resolvConf: string | undefined;
  if (listening.includes(`${PORT53_HOST}:53`)) {
    resolvConf = path.join(dir, 'resolv.conf');
    fs.writeFileSync(resolvConf, `nameserver ${PORT53_HOST}\n`, { mode: 0o644 });
  }
  return {
    info: { address: main, host, port, resolvConf },
    port53Problem: failed[0],
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}
