// `qfront serve`: argv of the listener door to its settings, then the door itself.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveIds, runningAsRoot, type Ids } from '../door/privileges.js';
import { serve } from '../door/serve.js';
import { controlDirOf } from '../door/settings.js';
import type { ListenAddress } from '../door/listener.js';

export const SERVE_USAGE = `usage: qfront serve [options]
  --listen HOST:PORT     address to listen on, repeatable ([::1]:2525 for IPv6); default 0.0.0.0:25
  --rules FILE.cdb       tcprules cdb, as tcpserver -x
  --concurrency N        sessions at once, as tcpserver -c (default 40)
  --per-ip N             sessions at once from one address (default 0: no limit)
  --control DIR          control directory (default $CONTROLDIR, else $QMAILHOME/control)
  --spool DIR            built-in spool instead of qmail-queue (when QMAILQUEUE is unset)
  --local-host NAME      TCPLOCALHOST, as tcpserver -l (default: control/me)
  --remote-host          TCPREMOTEHOST from the client's PTR record, as tcpserver -h
                         (default: not looked up, as tcpserver -H)
  --paranoid             with --remote-host: keep the name only if it points back, as -p
  --user USER --group G  run sessions as this user and group (required as root)
  --drain-timeout S      on SIGTERM, seconds to let sessions in DATA finish (default 60)
  --workers N            serve from N processes sharing the sockets, one per core (default 1);
                         --concurrency counts them all; each gets its share of --per-ip
  --embedded             the embedded default: 127.0.0.1:2525, the repo's control/,
                         spool var/spool, and user nobody when started as root`;

/** The checkout this file belongs to (dist/src/cli/ -> repo root). */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function parseListen(spec: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(spec);
  if (m === null) throw new Error(`bad --listen ${spec}: want HOST:PORT or [IPv6]:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`bad ${name} ${value}: want a number`);
  return Number(value);
}

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      listen: { type: 'string', multiple: true },
      rules: { type: 'string' },
      concurrency: { type: 'string' },
      'per-ip': { type: 'string' },
      control: { type: 'string' },
      spool: { type: 'string' },
      'local-host': { type: 'string' },
      'remote-host': { type: 'boolean' },
      paranoid: { type: 'boolean' },
      user: { type: 'string' },
      group: { type: 'string' },
      'drain-timeout': { type: 'string' },
      embedded: { type: 'boolean' },
      workers: { type: 'string' },
      worker: { type: 'boolean' },
      'worker-counts': { type: 'string' },
      'worker-slot': { type: 'string' },
    },
  });
  const embedded = values.embedded === true;
  const listen = (values.listen ?? [embedded ? '127.0.0.1:2525' : '0.0.0.0:25']).map(parseListen);
  let ids: Ids | undefined;
  if (values.user !== undefined) ids = resolveIds(values.user, values.group);
  else if (embedded && runningAsRoot()) ids = resolveIds('nobody', 'nogroup');
  await serve({
    listen,
    rulesFile: values.rules,
    concurrency: count(values.concurrency, 40, '--concurrency'),
    perIp: count(values['per-ip'], 0, '--per-ip'),
    controlDir: path.resolve(values.control ?? (embedded ? path.join(REPO, 'control') : controlDirOf(process.env))),
    spoolDir: values.spool !== undefined ? path.resolve(values.spool) : embedded ? path.join(REPO, 'var/spool') : undefined,
    localHost: values['local-host'],
    remoteHost: values['remote-host'] !== true ? 'off' : values.paranoid === true ? 'paranoid' : 'lookup',
    ids,
    drainSeconds: count(values['drain-timeout'], 60, '--drain-timeout'),
    env: process.env,
    workers: count(values.workers, 1, '--workers'),
    workerArgv: process.argv.slice(1),
    worker: values.worker === true,
    workerCounts:
      values['worker-counts'] !== undefined ? { file: values['worker-counts'], slot: count(values['worker-slot'], 0, '--worker-slot') } : undefined,
  });
}

