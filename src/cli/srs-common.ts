// What `qfront srs` and `qfront forward` share: SRS settings from a control directory, the clock,
// argv/env text turned into the codec's one-char-per-byte strings, and the error that carries
// an exit status (100 permanent, 111 temporary, as qmail's programs). Never guesses: SRS off,
// no signing secret or a bad QFRONT_SRS_NOW is reported, not papered over. Spec srs.md 9, 10.

import { ControlReadError, loadSrsControl, type ControlDir, type SrsControl } from '../control/index.js';

export const EXIT_OK = 0;
export const EXIT_PERMANENT = 100;
export const EXIT_TEMPORARY = 111;

/** libsrs2's text for a configuration without secrets (srs_strerror 0x1001). */
export const NO_SECRETS = 'No secrets in SRS configuration.';
/** libsrs2's text for an address that is not SRS at all (srs_strerror 0x0001). */
export const NOT_SRS = 'Not an SRS address.';
/** qmail's glue (sagredo srs.c) puts this before every libsrs2 message. */
export const SRS_PREFIX = 'SRS: ';

/** Stands in for the clock when set: whole seconds since the epoch (tests, "valid on day X?"). */
export const SRS_NOW_VARIABLE = 'QFRONT_SRS_NOW';
const MS_PER_SECOND = 1000;

export type Env = Readonly<Record<string, string | undefined>>;

/** Where a command's output goes; bytes on stdout (addresses may hold 8-bit octets). */
export interface CliOutput {
  stdout(bytes: Buffer): void;
  stderr(line: string): void;
}

/** A failure with the exit status it deserves; the message is printed after the command's prefix. */
export class CliFailure extends Error {
  override name = 'CliFailure';
  constructor(
    readonly exitCode: typeof EXIT_PERMANENT | typeof EXIT_TEMPORARY,
    message: string,
  ) {
    super(message);
  }
}

/** The time the codec works with, in ms: QFRONT_SRS_NOW when set, else the system clock. */
export function srsNow(env: Env): number {
  const fixed = env[SRS_NOW_VARIABLE];
  if (fixed === undefined || fixed === '') return Date.now();
  if (!/^\d{1,15}$/.test(fixed)) {
    throw new CliFailure(EXIT_TEMPORARY, `bad ${SRS_NOW_VARIABLE} ${JSON.stringify(fixed)}: want unix seconds`);
  }
  return Number(fixed) * MS_PER_SECOND;
}

/** The SRS settings, or a temporary failure saying why SRS is off. */
export function requireSrs(dir: ControlDir): SrsControl {
  const srs = loadSrs(dir);
  if (srs === undefined) {
    throw new CliFailure(
      EXIT_TEMPORARY,
      `SRS is not configured: ${dir.pathOf('srs_domain')} is missing or empty (and no srs/srs_secrets with control/me)`,
    );
  }
  return srs;
}

/** loadSrsControl with an unreadable file turned into a temporary failure. */
export function loadSrs(dir: ControlDir): SrsControl | undefined {
  return readingControls(() => loadSrsControl(dir));
}

/** Runs a control-file reader; ControlReadError becomes "unable to read controls" (111). */
export function readingControls<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ControlReadError) throw new CliFailure(EXIT_TEMPORARY, `unable to read controls: ${err.message}`);
    throw err;
  }
}

/**
 * Node hands argv and the environment over as UTF-8-decoded strings; the codec and the queue
 * work on latin1 strings (one char per octet), so UTF-8 addresses go through byte for byte.
 */
export function octets(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A codec string back to its bytes, with a line end, for stdout. */
export function lineBytes(address: string): Buffer {
  return Buffer.from(`${address}\n`, 'latin1');
}
