// `qfront srs forward|reverse ADDRESS`: the SRS codec for admins and scripts, with the settings of
// a control directory (sagredo's control/srs_* files or H-Sphere's control/srs/). Contract: the
// resulting address alone on stdout and exit 0; anything else is a non-zero exit with the reason
// on stderr ("qfront srs: SRS: Hash invalid in SRS address."). Forward here is the bare codec:
// no rcpthosts test (that belongs to `qfront forward`). Spec srs.md 7, 8, 10, 12.

import { parseArgs } from 'node:util';
import { ControlDir } from '../control/index.js';
import { controlDirOf } from '../door/settings.js';
import { srsForward, srsReverse } from '../srs/index.js';
import {
  CliFailure,
  EXIT_OK,
  EXIT_PERMANENT,
  EXIT_TEMPORARY,
  NO_SECRETS,
  NOT_SRS,
  SRS_NOW_VARIABLE,
  SRS_PREFIX,
  lineBytes,
  octets,
  requireSrs,
  srsNow,
  type CliOutput,
  type Env,
} from './srs-common.js';

export const SRS_USAGE = `usage: qfront srs forward|reverse ADDRESS [--control DIR]
  forward ADDRESS    the SRS address a forwarder sends ADDRESS's mail from (an SRS0 or
                     SRS1 ADDRESS gives SRS1; ADDRESS in the SRS domain comes back as it is)
  reverse ADDRESS    the address an SRS0 or SRS1 ADDRESS stands for (for SRS1: the first
                     forwarder's SRS0 address); the part after '@' may be left out
  --control DIR      control directory (default $CONTROLDIR, else $QMAILHOME/control)
  $${SRS_NOW_VARIABLE}    the time to work with, in unix seconds (default: the clock)
exit 0 with the address alone on stdout; 100 for bad usage or an address that cannot be
rewritten or does not verify; 111 when SRS is off, has no secret, or a control file can't be read`;

const PREFIX = 'qfront srs: ';
const OPERATIONS = ['forward', 'reverse'] as const;
type Operation = (typeof OPERATIONS)[number];

export function srsCommand(args: string[], env: Env, io: CliOutput): number {
  let op: Operation;
  let address: string;
  let control: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args, options: { control: { type: 'string' } }, allowPositionals: true });
    const [word, given, ...extra] = positionals;
    if (!OPERATIONS.includes(word as Operation)) throw new Error(word === undefined ? 'forward or reverse?' : `unknown operation ${word}`);
    if (given === undefined) throw new Error('which ADDRESS?');
    if (extra.length > 0) throw new Error(`one ADDRESS only, not also ${extra.join(' ')}`);
    op = word as Operation;
    address = octets(given);
    control = values.control;
  } catch (err) {
    io.stderr(`${PREFIX}${(err as Error).message}\n${SRS_USAGE}`);
    return EXIT_PERMANENT;
  }
  try {
    const dir = new ControlDir(control ?? controlDirOf(env));
    const result = op === 'forward' ? forward(address, dir, env) : reverse(address, dir, env);
    io.stdout(lineBytes(result));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof CliFailure)) throw err;
    io.stderr(`${PREFIX}${err.message}`);
    return err.exitCode;
  }
}

function forward(address: string, dir: ControlDir, env: Env): string {
  const srs = requireSrs(dir);
  if (srs.signSecret === undefined) throw new CliFailure(EXIT_TEMPORARY, `${SRS_PREFIX}${NO_SECRETS}`);
  const outcome = srsForward(address, srs, srsNow(env));
  if (outcome.kind === 'error') throw new CliFailure(EXIT_PERMANENT, `${SRS_PREFIX}${outcome.reason}`);
  return outcome.address;
}

function reverse(address: string, dir: ControlDir, env: Env): string {
  const srs = requireSrs(dir);
  if (srs.verifySecrets.length === 0) throw new CliFailure(EXIT_TEMPORARY, `${SRS_PREFIX}${NO_SECRETS}`);
  const outcome = srsReverse(address, srs, srsNow(env));
  if (outcome.kind === 'not-srs') throw new CliFailure(EXIT_PERMANENT, `${SRS_PREFIX}${NOT_SRS}`);
  if (outcome.kind === 'invalid') throw new CliFailure(EXIT_PERMANENT, `${SRS_PREFIX}${outcome.reason}`);
  return outcome.address;
}
