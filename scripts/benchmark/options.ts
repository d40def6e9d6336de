// scripts/bench's command line to settings: the preset (--smoke, --quick, else the full matrix)
// and what may override it. Only parsing and defaults; starts nothing.

import { parseArgs } from 'node:util';
import { fullMatrix, parseCell, quickCells, smokeCells, type Cell } from './cells.js';
import type { PeerName } from './peers/peer.js';

export const USAGE = `usage: scripts/bench [--smoke | --quick] [options]
  (default)            the full matrix: 1 KiB and 100 KiB, 1/20/200 sessions, 1 and 100 msgs/conn,
                       SPF off and on; 3 repetitions of 2 s per peer and cell (about 20 minutes)
  --quick              the headline cells: 1 KiB, 20 sessions, 1 and 100 msgs/conn, SPF off and on
  --smoke              one tiny cell, a few seconds; qfront's two doors plus any peer already
                       installed, nothing installed (what CI runs); fails if a peer it runs fails
  --peers a,b,...      qfront-listener, qfront-stdio, haraka, qpsmtpd, postfix (default: all)
  --cells id,...       cells by id SIZE-SESSIONS-PERCONN-on|off, e.g. 1k-20-1-off,100k-200-100-on
  --reps N             repetitions, peers taken in turn, the order rotated each time (default 3)
  --seconds S          time bound of one measurement (default 2; --quick 3; --smoke 0.5)
  --messages N         and at most N messages per measurement (default no limit)
  --warmup S           warm-up per peer and cell before measuring (default 0.5)
  --client C           ours (default) or smtp-source (Postfix's; throughput only, HELO, no
                       pipelining, a message count sized from the warm-up's rate)
  --no-pipelining      our client never pipelines (default: it does when PIPELINING is offered)
  --haraka-nodes N     Haraka's smtp.ini nodes= (default cpus)
  --listener-args="…"  extra arguments for qfront serve, split on spaces (with "=": they
                       start with a dash), e.g. --listener-args="--workers 2"
  --json FILE          where the results go (default var/bench/bench-DATE.json)
  --cpu proc           account CPU from /proc even where a cgroup could be used (to test it)
  --keep               keep the run's directory (configs and server logs) and print its path
  --no-install         (scripts/bench itself) install nothing, skip peers that are missing`;

export const ALL_PEERS: readonly PeerName[] = ['qfront-listener', 'qfront-stdio', 'haraka', 'qpsmtpd', 'postfix'];

export type Preset = 'smoke' | 'quick' | 'full';

export interface BenchOptions {
  readonly preset: Preset;
  readonly peers: readonly PeerName[];
  /** Peers named on the command line (not the default list): a missing one is an error. */
  readonly peersChosen: boolean;
  readonly cells: readonly Cell[];
  readonly reps: number;
  readonly seconds: number;
  readonly messages: number;
  readonly warmupSeconds: number;
  readonly harakaNodes: string;
  readonly listenerArgs: readonly string[];
  readonly jsonFile: string | undefined;
  readonly keep: boolean;
  readonly client: 'ours' | 'smtp-source';
  readonly pipelining: boolean;
  readonly procCpu: boolean;
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`bad --${name} ${value}: want a positive number`);
  return n;
}

/** undefined when --help was asked for. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      smoke: { type: 'boolean' },
      quick: { type: 'boolean' },
      peers: { type: 'string' },
      cells: { type: 'string' },
      reps: { type: 'string' },
      seconds: { type: 'string' },
      messages: { type: 'string' },
      warmup: { type: 'string' },
      'haraka-nodes': { type: 'string' },
      'listener-args': { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean' },
      client: { type: 'string' },
      cpu: { type: 'string' },
      'no-pipelining': { type: 'boolean' },
      'no-install': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return undefined;
  const preset: Preset = values.smoke === true ? 'smoke' : values.quick === true ? 'quick' : 'full';
  const peers = values.peers === undefined ? ALL_PEERS : values.peers.split(',').map((p) => p.trim());
  for (const p of peers) if (!ALL_PEERS.includes(p as PeerName)) throw new Error(`unknown peer ${p}: one of ${ALL_PEERS.join(', ')}`);
  const presetCells = preset === 'smoke' ? smokeCells() : preset === 'quick' ? quickCells() : fullMatrix();
  const nodes = values['haraka-nodes'] ?? 'cpus';
  const client = values.client ?? 'ours';
  if (client !== 'ours' && client !== 'smtp-source') throw new Error(`bad --client ${client}: ours or smtp-source`);
  if (!/^(\d+|cpus)$/.test(nodes)) throw new Error(`bad --haraka-nodes ${nodes}: a number or "cpus"`);
  return {
    preset,
    peers: peers as PeerName[],
    peersChosen: values.peers !== undefined,
    cells: values.cells === undefined ? presetCells : values.cells.split(',').map(parseCell),
    reps: Math.round(positive(values.reps, preset === 'smoke' ? 1 : 3, 'reps')),
    seconds: positive(values.seconds, preset === 'smoke' ? 0.5 : preset === 'quick' ? 3 : 2, 'seconds'),
    messages: Math.round(positive(values.messages, 1e9, 'messages')),
    warmupSeconds: positive(values.warmup, preset === 'smoke' ? 0.2 : 0.5, 'warmup'),
    harakaNodes: nodes,
    listenerArgs: (values['listener-args'] ?? '').split(/\s+/).filter(Boolean),
    jsonFile: values.json,
    keep: values.keep === true,
    client,
    pipelining: values['no-pipelining'] !== true,
    procCpu: values.cpu === 'proc',
  };
}
