// qpsmtpd (Debian) as a peer: qpsmtpd-forkserver on the bench port (-H: no reverse lookups, as
// tcpserver -H; -c above the largest cell; -m 0), a config dir of its own (QPSMTPD_CONFIG) with
// plugins [bench_client, sender_permitted_from reject 3] rcpt_ok queue/qmail-queue DISCARD, and
// Debian's log level (6). qpsmtpd 0.94's forkserver looks every client up in DNS whatever -H
// says, and under perl -T Net::DNS only trusts /etc/resolv.conf: so it runs in a private mount
// namespace whose /etc/resolv.conf is a bind mount of the bench's (the machine's file is never
// edited), in every cell. Writes only inside ctx.dir.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, launch, LOOPBACK, mountNamespaceWorks, withResolvConf } from '../processes.js';
import { RECIPIENT_DOMAIN, SERVER_NAME } from '../spf-zone.js';
import type { Peer } from './peer.js';

const FORKSERVER = '/usr/bin/qpsmtpd-forkserver';
const PLUGIN_DIR = '/usr/share/qpsmtpd/plugins';
const USER = 'qpsmtpd';
const CONCURRENCY_MARGIN = 50;
/** Debian's /etc/qpsmtpd/loglevel. */
const LOG_LEVEL = '6';

function hasMailSpf(): boolean {
  try {
    execFileSync('perl', ['-MMail::SPF', '-e', '1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function debVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
  } catch {
    return '?';
  }
}

export const qpsmtpd: Peer = {
  name: 'qpsmtpd',
  missing: () => (fs.existsSync(FORKSERVER) ? undefined : 'not installed (Debian qpsmtpd)'),
  unavailable: (dns, spf) => {
    if (dns.resolvConf === undefined) return 'no loopback address:53 free for the DNS server its resolver must use';
    if (!mountNamespaceWorks()) return 'cannot make a mount namespace (unshare -m) to give it its resolv.conf';
    if (spf && !hasMailSpf()) return 'Mail::SPF missing (Debian libmail-spf-perl)';
    return undefined;
  },
  describe: () => `qpsmtpd ${debVersion('qpsmtpd')} forkserver, Mail::SPF ${debVersion('libmail-spf-perl')}`,
  notes: [
    'qpsmtpd: forkserver, plugins [bench_client, sender_permitted_from reject 3] rcpt_ok queue/qmail-queue, loglevel 6 to stderr; ' +
      "0.94's forkserver looks up every client's PTR whatever -H says (one query per connection to the bench's DNS server)",
  ],
  start: async (ctx) => {
    const home = path.join(ctx.dir, 'qpsmtpd');
    const config = path.join(home, 'config');
    const spool = path.join(home, 'spool');
    fs.mkdirSync(config, { recursive: true, mode: 0o755 });
    fs.mkdirSync(spool, { mode: 0o700 });
    execFileSync('chown', [`${USER}:`, spool]);
    const plugins = [
      ...(ctx.spf !== undefined ? ['bench_client', 'sender_permitted_from reject 3'] : []),
      'rcpt_ok',
      `queue/qmail-queue ${ctx.discardQueue}`,
    ];
    const files: Record<string, string> = {
      plugins: `${plugins.join('\n')}\n`,
      plugin_dirs: `${PLUGIN_DIR}\n${path.join(ctx.repo, 'scripts/benchmark/qpsmtpd/plugins')}\n`,
      rcpthosts: `${RECIPIENT_DOMAIN}\n`,
      me: `${SERVER_NAME}\n`,
      spool_dir: `${spool}\n`,
      loglevel: `${LOG_LEVEL}\n`,
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(config, name), text);
    const sessions = String(ctx.options.maxSessions + CONCURRENCY_MARGIN);
    const forkserver = [FORKSERVER, '-l', LOOPBACK, '-p', String(ctx.port), '-c', sessions, '-m', '0', '-u', USER, '-H'];
    const argv = withResolvConf(ctx.dns.resolvConf!, forkserver);
    const env = cleanEnv({
      QPSMTPD_CONFIG: config,
      QMAILQUEUE: ctx.discardQueue,
      ...(ctx.spf !== undefined ? { BENCH_CLIENT_IP: ctx.spf.clientIp } : {}),
    });
    return launch(ctx.account, argv, { env, cwd: home, log: ctx.log });
  },
};
