// Postfix's smtpd (Debian) as a peer: a private instance (`postfix -c DIR start-fg`) with its own
// main.cf/master.cf, queue on tmpfs when there is one, smtpd on 127.0.0.1:PORT (maxproc above the
// largest cell, no chroot, no peer name lookup), the bench's recipient domain relayed to the
// discard: transport. Postfix cannot hand mail to a qmail-queue program: its figure includes its
// own queue file write and discard delivery. SPF: postfix-policyd-spf-python as a policy service,
// run inside a private mount namespace whose /etc/resolv.conf is a bind mount of the bench's
// (the machine's file is never edited). Writes only inside ctx.dir and ctx.memDir.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, launch, LOOPBACK, mountNamespaceWorks, runStep, withResolvConf } from '../processes.js';
import { RECIPIENT_DOMAIN, SERVER_NAME } from '../spf-zone.js';
import type { Peer, PeerContext } from './peer.js';

const POSTFIX = '/usr/sbin/postfix';
const POLICYD_SPF = '/usr/bin/policyd-spf';
const CONCURRENCY_MARGIN = 50;
const POLICY_SERVICE = 'spf-policy';

function mainCf(ctx: PeerContext, queue: string, data: string): string {
  const lines = [
    'compatibility_level = 3.6',
    `queue_directory = ${queue}`,
    `data_directory = ${data}`,
    'command_directory = /usr/sbin',
    'daemon_directory = /usr/lib/postfix/sbin',
    'meta_directory = /etc/postfix',
    'shlib_directory = /usr/lib/postfix',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `myhostname = ${SERVER_NAME}`,
    `mydomain = ${RECIPIENT_DOMAIN}`,
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    'mydestination =',
    `relay_domains = ${RECIPIENT_DOMAIN}`,
    'relay_recipient_maps =',
    'default_transport = discard',
    'relay_transport = discard',
    'local_transport = discard',
    'alias_maps =',
    'alias_database =',
    'smtpd_peername_lookup = no',
    'smtpd_banner = $myhostname ESMTP',
    'biff = no',
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    `smtpd_recipient_restrictions = ${ctx.spf !== undefined ? `check_policy_service unix:private/${POLICY_SERVICE}` : ''}`,
    'multi_instance_directories =',
  ];
  return `${lines.join('\n')}\n`;
}

function masterCf(ctx: PeerContext, policyConf: string): string {
  const maxproc = String(ctx.options.maxSessions + CONCURRENCY_MARGIN);
  const services = [
    `${LOOPBACK}:${ctx.port} inet n - n - ${maxproc} smtpd`,
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'discard unix - - n - - discard',
  ];
  if (ctx.spf !== undefined) services.push(`${POLICY_SERVICE} unix - n n - 0 spawn user=nobody argv=${POLICYD_SPF} ${policyConf}`);
  return `${services.join('\n')}\n`;
}

/** policyd-spf: check MAIL FROM only (as qmail-spf), as the bench's client, reject fail. */
function policyConfText(ctx: PeerContext): string {
  return [
    'debugLevel = 1',
    'TestOnly = 1',
    'HELO_reject = No_Check',
    'Mail_From_reject = Fail',
    `Prospective = ${ctx.spf?.clientIp ?? ''}`,
    'skip_addresses = 240.0.0.0/32',
    '',
  ].join('\n');
}

export const postfix: Peer = {
  name: 'postfix',
  missing: () => (fs.existsSync(POSTFIX) ? undefined : 'not installed (Debian postfix)'),
  unavailable: (dns, spf) => {
    if (!spf) return undefined;
    if (!fs.existsSync(POLICYD_SPF)) return 'postfix-policyd-spf-python not installed';
    if (dns.resolvConf === undefined) return 'no loopback address:53 free for the DNS server policyd-spf must use';
    if (!mountNamespaceWorks()) return 'cannot make a mount namespace (unshare -m) to give policyd-spf its resolv.conf';
    return undefined;
  },
  describe: () => {
    let version = '?';
    try {
      version = execFileSync('postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8' }).trim();
    } catch {
      // reported as '?'
    }
    return `Postfix ${version} smtpd (+ policyd-spf for SPF)`;
  },
  notes: [
    "postfix: Postfix cannot hand mail to a qmail-queue program; its figure includes its own queue file write (queue on tmpfs when available) and delivery to discard:",
    'postfix: SPF by postfix-policyd-spf-python (Prospective = the bench client address, HELO not checked), resolv.conf bind-mounted in a private mount namespace',
  ],
  start: async (ctx) => {
    const home = path.join(ctx.dir, 'postfix');
    const queue = path.join(ctx.memDir ?? home, 'postfix-queue');
    const data = path.join(home, 'data');
    fs.mkdirSync(home, { recursive: true, mode: 0o755 });
    fs.mkdirSync(queue, { recursive: true, mode: 0o755 });
    fs.mkdirSync(data, { mode: 0o700 });
    execFileSync('chown', ['postfix:', data]);
    const policyConf = path.join(home, 'policyd-spf.conf');
    fs.writeFileSync(policyConf, policyConfText(ctx));
    fs.writeFileSync(path.join(home, 'main.cf'), mainCf(ctx, queue, data));
    fs.writeFileSync(path.join(home, 'master.cf'), masterCf(ctx, policyConf));
    const env = cleanEnv();
    await runStep([POSTFIX, '-c', home, 'check'], { env, log: ctx.log });
    // In the bench's resolv.conf namespace whenever there is one, so nothing asks the system's DNS.
    const start = [POSTFIX, '-c', home, 'start-fg'];
    const argv = ctx.dns.resolvConf !== undefined && mountNamespaceWorks() ? withResolvConf(ctx.dns.resolvConf, start) : start;
    const launched = launch(ctx.account, argv, { env, cwd: home, log: ctx.log });
    launched.gracefulStop = () => runStep([POSTFIX, '-c', home, 'stop'], { env, log: ctx.log });
    return launched;
  },
};
