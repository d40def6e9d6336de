// qfront's listener door: `bin/qfront serve` on the bench port with the bench's control dir and
// rules cdb, sessions as nobody, --concurrency above the largest cell, QMAILQUEUE the discard
// program. Extra `qfront serve` arguments (a cluster option, say) come from --listener-args.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, launch, LOOPBACK } from '../processes.js';
import type { Peer } from './peer.js';
import { qfrontEnv, qfrontVersion, writeQfrontFiles } from './qfront-control.js';

/** Sessions allowed above the largest cell, so the limit never shapes a figure. */
const CONCURRENCY_MARGIN = 50;

export const qfrontListener: Peer = {
  name: 'qfront-listener',
  missing: (repo) => (fs.existsSync(path.join(repo, 'dist/src/cli/qfront.js')) ? undefined : 'not built (npx tsc)'),
  unavailable: () => undefined,
  describe: (repo) => `${qfrontVersion(repo)}, bin/qfront serve`,
  notes: ['qfront-listener: bin/qfront serve, sessions as nobody, control dir and tcprules cdb made for the bench'],
  start: async (ctx) => {
    const files = writeQfrontFiles(ctx);
    const argv = [
      process.execPath,
      path.join(ctx.repo, 'bin/qfront'),
      'serve',
      '--listen',
      `${LOOPBACK}:${ctx.port}`,
      '--control',
      files.controlDir,
      '--rules',
      files.rulesCdb,
      '--concurrency',
      String(ctx.options.maxSessions + CONCURRENCY_MARGIN),
      '--user',
      'nobody',
      '--group',
      'nogroup',
      ...ctx.options.listenerArgs,
    ];
    return launch(ctx.account, argv, { env: cleanEnv(qfrontEnv(ctx)), cwd: ctx.dir, log: ctx.log });
  },
};
