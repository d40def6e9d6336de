// qfront's stdio door: bin/qmail-smtpd, one Node process per connection, under the real
// tcpserver (ucspi-tcp) as a qmail run script starts it: -R -H -l NAME, the bench's rules cdb,
// -u/-g nobody, -c and -b above the largest cell; CONTROLDIR and QMAILQUEUE (the discard program) in
// a clean environment.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, launch, LOOPBACK } from '../processes.js';
import { SERVER_NAME } from '../spf-zone.js';
import type { Peer } from './peer.js';
import { nobodyIds, qfrontEnv, qfrontVersion, writeQfrontFiles } from './qfront-control.js';

const CONCURRENCY_MARGIN = 50;

function onPath(name: string): boolean {
  return ['/usr/bin', '/usr/local/bin', '/bin'].some((d) => fs.existsSync(path.join(d, name)));
}

export const qfrontStdio: Peer = {
  name: 'qfront-stdio',
  missing: (repo) => {
    if (!fs.existsSync(path.join(repo, 'dist/src/cli/qmail-smtpd.js'))) return 'not built (npx tsc)';
    if (!onPath('tcpserver') || !onPath('tcprules')) return 'tcpserver/tcprules missing (Debian ucspi-tcp)';
    return undefined;
  },
  unavailable: () => undefined,
  describe: (repo) => `${qfrontVersion(repo)}, bin/qmail-smtpd under tcpserver (ucspi-tcp)`,
  notes: ['qfront-stdio: tcpserver -R -H -l NAME -x rules.cdb -u nobody -c N -b N ... bin/qmail-smtpd (a Node start per connection)'],
  start: async (ctx) => {
    const files = writeQfrontFiles(ctx);
    const ids = nobodyIds();
    const sessions = String(ctx.options.maxSessions + CONCURRENCY_MARGIN);
    const argv = [
      'tcpserver',
      '-c',
      sessions,
      // tcpserver's default backlog (20) loses bursts of connects: with syncookies the client
      // thinks it is connected and waits for a greeting that never comes.
      '-b',
      sessions,
      '-R',
      '-H',
      '-l',
      SERVER_NAME,
      '-x',
      files.rulesCdb,
      '-u',
      ids.uid,
      '-g',
      ids.gid,
      LOOPBACK,
      String(ctx.port),
      path.join(ctx.repo, 'bin/qmail-smtpd'),
    ];
    const env = cleanEnv({ ...qfrontEnv(ctx), CONTROLDIR: files.controlDir });
    return launch(ctx.account, argv, { env, cwd: ctx.dir, log: ctx.log });
  },
};
