// What both qfront doors are given: a control directory made for the bench (me, rcpthosts with
// the bench's recipient domain, spfbehavior 3 when SPF is on) and a tcprules cdb built by the
// real tcprules, which in the SPF-on cells sets TCPREMOTEIP to the bench's client address (qfront,
// as qmail-spf, passes loopback clients without asking DNS). Writes only inside ctx.dir.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RECIPIENT_DOMAIN, SERVER_NAME } from '../spf-zone.js';
import type { PeerContext } from './peer.js';

/** qmail-spf's level 3: reject on fail, as the other peers are configured. */
const SPF_BEHAVIOR = '3';

export interface QfrontFiles {
  readonly controlDir: string;
  readonly rulesCdb: string;
}

export function writeQfrontFiles(ctx: PeerContext): QfrontFiles {
  const controlDir = path.join(ctx.dir, 'control');
  fs.mkdirSync(controlDir, { mode: 0o755 });
  fs.writeFileSync(path.join(controlDir, 'me'), `${SERVER_NAME}\n`);
  fs.writeFileSync(path.join(controlDir, 'rcpthosts'), `${RECIPIENT_DOMAIN}\n`);
  if (ctx.spf !== undefined) fs.writeFileSync(path.join(controlDir, 'spfbehavior'), `${SPF_BEHAVIOR}\n`);
  const rulesText = path.join(ctx.dir, 'tcp.smtp');
  const rulesCdb = path.join(ctx.dir, 'tcp.smtp.cdb');
  const rule = ctx.spf === undefined ? ':allow\n' : `:allow,TCPREMOTEIP="${ctx.spf.clientIp}"\n`;
  fs.writeFileSync(rulesText, rule);
  execFileSync('tcprules', [rulesCdb, `${rulesCdb}.tmp`], { input: rule });
  return { controlDir, rulesCdb };
}

/** The environment both doors share. */
export function qfrontEnv(ctx: PeerContext): Record<string, string> {
  const env: Record<string, string> = { QMAILQUEUE: ctx.discardQueue };
  env.DNSCACHEIP = ctx.dns.address;
  return env;
}

export function qfrontVersion(repo: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version?: string };
  let rev = '';
  try {
    rev = execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no', '--', 'src'], { encoding: 'utf8' });
    if (dirty.trim() !== '') rev += '+uncommitted src';
  } catch {
    rev = 'no git';
  }
  return `qfront ${pkg.version ?? '?'} (${rev})`;
}

/** uid and gid of nobody/nogroup, the unprivileged ids qfront's sessions run as. */
export function nobodyIds(): { uid: string; gid: string } {
  return {
    uid: execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim(),
    gid: execFileSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).split(':')[2] ?? '65534',
  };
}
