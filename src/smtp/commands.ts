// The command table and command-line splitting (qmail's commands.c). A command is everything up
// to LF with one trailing CR removed; like qmail's C strings it ends at its first NUL. The verb is
// the text before the first space, matched case-insensitively; the argument follows the spaces.
// Reading the table gives the whole protocol surface; `flush` says which replies go out at once.

import { asciiLower } from '../util/ascii.js';

export type Verb = 'helo' | 'ehlo' | 'mail' | 'rcpt' | 'data' | 'rset' | 'noop' | 'vrfy' | 'help' | 'quit';

interface CommandEntry {
  readonly verb: Verb;
  /** Flush pending replies right after this one (MAIL, RCPT and RSET wait, for pipelining). */
  readonly flush: boolean;
}

export const COMMANDS: ReadonlyMap<string, CommandEntry> = new Map(
  (
    [
      ['rcpt', false],
      ['mail', false],
      ['data', true],
      ['quit', true],
      ['helo', true],
      ['ehlo', true],
      ['rset', false],
      ['help', true],
      ['noop', true],
      ['vrfy', true],
    ] as const
  ).map(([verb, flush]) => [verb, { verb, flush }]),
);

export interface CommandLine {
  /** The verb as sent (any case). */
  readonly verb: string;
  readonly arg: string;
  /** The table entry, or undefined for "502 unimplemented". */
  readonly command: CommandEntry | undefined;
}

/** Splits a line (latin1 text without its LF) into verb and argument. */
export function splitCommand(line: string): CommandLine {
  let s = line.endsWith('\r') ? line.slice(0, -1) : line;
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul);
  const space = s.indexOf(' ');
  const verb = space === -1 ? s : s.slice(0, space);
  let argStart = space === -1 ? s.length : space;
  while (s.charCodeAt(argStart) === 0x20) argStart++;
  return { verb, arg: s.slice(argStart), command: COMMANDS.get(asciiLower(verb)) };
}
