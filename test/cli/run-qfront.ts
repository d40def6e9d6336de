// Runs the real `bin/qfront` as a program for the command-line tests: a clean environment (PATH
// and what the test gives), optional bytes on stdin, and everything it printed kept as bytes
// (stdout) and text (stderr). Dates are UTC; `unixSeconds` turns one into QFRONT_SRS_NOW's form.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { QFRONT } from '../helpers/listener.js';

/** Longest a single run may take before it is killed (a Node start is well under a second). */
const RUN_TIMEOUT_MS = 15_000;
/** Enough for node itself, /bin/sh (the fake qmail-queue) and coreutils, nothing else. */
export const TEST_PATH = `${path.dirname(process.execPath)}:/usr/bin:/bin`;

export interface Run {
  /** Exit status, null when killed. */
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** 'YYYY-MM-DD HH:MM:SS' (UTC) as whole seconds since the epoch. */
export function unixSeconds(utc: string): string {
  return String(Date.parse(`${utc.replace(' ', 'T')}Z`) / 1000);
}

/** `bin/qfront ARGS...`, or `PROGRAM... bin/qfront ARGS...` with a wrapper such as faketime. */
export function runQfront(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stdin: Buffer | string = '',
  wrapper: readonly string[] = [],
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const command = [...wrapper, process.execPath, QFRONT, ...args];
    const child = spawn(command[0] as string, command.slice(1), {
      env: { PATH: TEST_PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: RUN_TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // a command that exits before reading everything
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(stdin);
  });
}
