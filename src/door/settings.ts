// Where things are, from the environment: the conventions a qmail admin already uses.
// CONTROLDIR (indimail's) else $QMAILHOME/control; QMAILHOME defaults to /var/qmail.
// qfront's own knobs are QFRONT_* variables, so tcprules can set them per client too.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConnectionEnv } from '../smtp/index.js';

export const DEFAULT_QMAILHOME = '/var/qmail';
/** Seconds qfront waits on the queue program (to take data, or to exit) before killing it. */
export const DEFAULT_QUEUE_TIMEOUT_SECONDS = 300;

export function qmailHome(env: ConnectionEnv): string {
  return env.QMAILHOME || DEFAULT_QMAILHOME;
}

export function controlDirOf(env: ConnectionEnv): string {
  return env.CONTROLDIR || path.join(qmailHome(env), 'control');
}

/** QMAILHOME when it is a directory: the queue program's working directory, as in qmail. */
export function queueCwd(env: ConnectionEnv): string | undefined {
  const home = qmailHome(env);
  try {
    return fs.statSync(home).isDirectory() ? home : undefined;
  } catch {
    return undefined;
  }
}

export function queueTimeoutSeconds(env: ConnectionEnv): number {
  const n = Number.parseInt(env.QFRONT_QUEUE_TIMEOUT ?? '', 10);
  return n > 0 ? n : DEFAULT_QUEUE_TIMEOUT_SECONDS;
}
