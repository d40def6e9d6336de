// The per-session view of the control directory: every setting qmail-smtpd reads at start-up,
// parsed once and frozen, so a session never sees a half-changed configuration.
// Contract: loadSnapshot throws ControlReadError exactly where qmail-smtpd would answer
// "421 unable to read controls"; every other outcome is a value. Files: qmail-smtpd(8),
// qmail-control(5); defaults and quirks per spec qmail-smtpd.md sections 2.1, 2.2 and 2.5 (SRS).

import { asciiLower } from '../util/ascii.js';
import { Cdb, CdbFormatError } from './cdb.js';
import { ControlDir, ControlReadError } from './files.js';
import { firstLine, leadingInteger, listLines } from './rules.js';
import { loadSrsControl, type SrsControl } from './srs.js';

/** Defaults named once, so no number hides in the middle of the code. */
export const CONTROL_DEFAULTS = {
  timeoutsmtpd: 1200,
  databytes: 0,
  spfbehavior: 0,
} as const;

/** rcpthosts and morercpthosts.cdb; entries are ASCII lower-cased. */
export interface RcptHosts {
  readonly entries: ReadonlySet<string>;
  readonly more: Cdb | undefined;
}

/** badmailfrom: whole addresses and "@domain" lines, ASCII lower-cased. */
export type BadMailFrom = ReadonlySet<string>;

export interface ControlSnapshot {
  /** control/me, when present. */
  readonly me: string | undefined;
  /** Text after "220 ", "250 " and "221 ": smtpgreeting, else me. */
  readonly greeting: string;
  /** Replacement host for box@[local IP]; undefined turns the rewrite off. */
  readonly localiphost: string | undefined;
  /** Seconds per read or write; at least 1. */
  readonly timeoutSeconds: number;
  /** control/databytes (0 = unlimited); DATABYTES in the environment overrides it. */
  readonly databytes: number;
  /** undefined when control/rcpthosts is missing: every recipient is then accepted. */
  readonly rcpthosts: RcptHosts | undefined;
  /** undefined when control/badmailfrom is missing. */
  readonly badmailfrom: BadMailFrom | undefined;
  /** The qmail-spf files (spec section 2.3). */
  readonly spf: SpfControl;
  /** The SRS files (spec qmail-smtpd.md 2.5); undefined when SRS is off (no srs_domain). */
  readonly srs: SrsControl | undefined;
}

/** qmail-spf's control files; an absent or empty one is undefined. */
export interface SpfControl {
  /** control/spfbehavior, 0 (off) when absent; SPFBEHAVIOR in the environment overrides it. */
  readonly behavior: number;
  /** control/spfrules: local terms inserted into every sender's record. */
  readonly rules: string | undefined;
  /** control/spfguess: terms tried when a domain publishes no record. */
  readonly guess: string | undefined;
  /** control/spfexp: the explanation (macro text) of a 550 when the record gives none. */
  readonly exp: string | undefined;
}

const parseLine = (raw: Buffer): string => firstLine(raw.toString('latin1'));
const parseInt = (raw: Buffer): number | undefined => leadingInteger(raw.toString('latin1'));
const parseSet = (raw: Buffer): ReadonlySet<string> =>
  new Set(listLines(raw.toString('latin1')).map(asciiLower));

export function loadSnapshot(dir: ControlDir): ControlSnapshot {
  const me = dir.parsed('me', parseLine);
  const greeting = dir.parsed('smtpgreeting', parseLine) ?? me;
  if (greeting === undefined) throw new ControlReadError(dir.pathOf('smtpgreeting'), 'ENOENT (and no control/me)');
  const localiphost = dir.parsed('localiphost', parseLine) ?? me;
  const timeout = dir.parsed('timeoutsmtpd', parseInt) ?? CONTROL_DEFAULTS.timeoutsmtpd;
  const databytes = dir.parsed('databytes', parseInt) ?? CONTROL_DEFAULTS.databytes;
  return Object.freeze({
    me,
    greeting,
    localiphost,
    timeoutSeconds: timeout <= 0 ? 1 : timeout,
    databytes,
    rcpthosts: loadRcptHosts(dir),
    badmailfrom: dir.parsed('badmailfrom', parseSet),
    spf: loadSpfControl(dir),
    srs: loadSrsControl(dir),
  });
}

/** qmail-spf's files alone (for `qfront spf --control`, which needs no control/me). */
export function loadSpfControl(dir: ControlDir): SpfControl {
  const line = (name: string): string | undefined => dir.parsed(name, parseLine) || undefined;
  return {
    behavior: dir.parsed('spfbehavior', parseInt) ?? CONTROL_DEFAULTS.spfbehavior,
    rules: line('spfrules'),
    guess: line('spfguess'),
    exp: line('spfexp'),
  };
}

function loadRcptHosts(dir: ControlDir): RcptHosts | undefined {
  const entries = dir.parsed('rcpthosts', parseSet);
  if (entries === undefined) return undefined;
  let more: Cdb | undefined;
  try {
    more = dir.parsed('morercpthosts.cdb', (raw) => new Cdb(raw));
  } catch (err) {
    if (err instanceof CdbFormatError) throw new ControlReadError(dir.pathOf('morercpthosts.cdb'), 'bad cdb format');
    throw err;
  }
  return { entries, more };
}
