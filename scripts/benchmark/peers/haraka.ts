// Haraka (npm, pinned in scripts/benchmark/haraka/package.json) as a peer: an instance directory
// per run with plugins bench_client (see its header), spf when SPF is on, rcpt_to.in_host_list
// and queue/qmail-queue pointed at the discard program; listening on the bench port with
// smtp.ini nodes= from --haraka-nodes (default "cpus", Haraka's performance advice). Node's
// resolver is pointed at the bench's DNS server by a --require preload, never by /etc.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, launch, LOOPBACK } from '../processes.js';
import { RECIPIENT_DOMAIN, SERVER_NAME } from '../spf-zone.js';
import type { Peer } from './peer.js';

const HARAKA_DIR = 'scripts/benchmark/haraka';

function harakaPackage(repo: string): string {
  return path.join(repo, HARAKA_DIR, 'node_modules/Haraka');
}

function version(repo: string, pkg: string): string {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(repo, HARAKA_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string };
    return json.version ?? '?';
  } catch {
    return 'not installed';
  }
}

export const haraka: Peer = {
  name: 'haraka',
  missing: (repo) =>
    fs.existsSync(path.join(harakaPackage(repo), 'bin/haraka')) ? undefined : `not installed (npm ci --prefix ${HARAKA_DIR})`,
  unavailable: () => undefined,
  describe: (repo) => `Haraka ${version(repo, 'Haraka')} + haraka-plugin-spf ${version(repo, 'haraka-plugin-spf')}`,
  notes: [
    'haraka: plugins bench_client (no rDNS; SPF-on cells present the client as a public address), ' +
      '[spf], rcpt_to.in_host_list, queue/qmail-queue; default log level',
  ],
  start: async (ctx) => {
    const home = path.join(ctx.dir, 'haraka');
    const config = path.join(home, 'config');
    fs.mkdirSync(home, { recursive: true });
    // Haraka's own default config files first (as `haraka -i` would), then the bench's.
    fs.cpSync(path.join(harakaPackage(ctx.repo), 'config'), config, { recursive: true });
    fs.mkdirSync(path.join(home, 'plugins'));
    const assets = path.join(ctx.repo, HARAKA_DIR);
    fs.copyFileSync(path.join(assets, 'plugins/bench_client.js'), path.join(home, 'plugins/bench_client.js'));
    fs.symlinkSync(path.join(assets, 'node_modules'), path.join(home, 'node_modules'));
    const plugins = ['bench_client', ...(ctx.spf !== undefined ? ['spf'] : []), 'rcpt_to.in_host_list', 'queue/qmail-queue'];
    const files: Record<string, string> = {
      'smtp.ini': `listen=${LOOPBACK}:${ctx.port}\nnodes=${ctx.options.harakaNodes}\n`,
      plugins: `${plugins.join('\n')}\n`,
      host_list: `${RECIPIENT_DOMAIN}\n`,
      me: `${SERVER_NAME}\n`,
      'qmail-queue.path': `${ctx.discardQueue}\n`,
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(config, name), text);
    const env = cleanEnv({
      NODE_OPTIONS: `--require ${path.join(assets, 'dns-preload.cjs')}`,
      BENCH_DNS: ctx.dns.address,
      ...(ctx.spf !== undefined ? { BENCH_CLIENT_IP: ctx.spf.clientIp } : {}),
    });
    const argv = [process.execPath, path.join(harakaPackage(ctx.repo), 'bin/haraka'), '-c', home];
    return launch(ctx.account, argv, { env, cwd: home, log: ctx.log });
  },
};
