// Dropping root after binding, as `tcpserver -u UID -g GID` does: resolve user and group names
// from /etc/passwd and /etc/group (Node has no getpwnam), then setgroups, setgid, setuid.
// Contract: the listener never runs a session as root; dropPrivileges throws when it cannot.

import * as fs from 'node:fs';

export interface Ids {
  readonly uid: number;
  readonly gid: number;
}

function table(file: string): string[][] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

const isNumber = (s: string): boolean => /^\d+$/.test(s);

/** A user name or number, and optionally a group name or number (default: the user's group). */
export function resolveIds(user: string, group?: string): Ids {
  let uid: number;
  let gid: number | undefined;
  const pw = table('/etc/passwd').find((f) => f[0] === user || (isNumber(user) && f[2] === user));
  if (pw !== undefined) {
    uid = Number(pw[2]);
    gid = Number(pw[3]);
  } else if (isNumber(user)) uid = Number(user);
  else throw new Error(`unknown user: ${user}`);
  if (group !== undefined) {
    const gr = table('/etc/group').find((f) => f[0] === group || (isNumber(group) && f[2] === group));
    if (gr !== undefined) gid = Number(gr[2]);
    else if (isNumber(group)) gid = Number(group);
    else throw new Error(`unknown group: ${group}`);
  }
  if (gid === undefined) throw new Error(`no group for user ${user}: give --group`);
  return { uid, gid };
}

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Switches to ids for good; refuses to leave the process running as root. */
export function dropPrivileges(ids: Ids): void {
  if (ids.uid === 0) throw new Error('refusing to run sessions as root: give --user a non-root user');
  if (runningAsRoot()) {
    process.setgroups?.([ids.gid]);
    process.setgid?.(ids.gid);
    process.setuid?.(ids.uid);
  }
  if (process.getuid?.() !== ids.uid) throw new Error(`cannot switch to uid ${ids.uid}: not root`);
}
