// What a server costs: the CPU time and the processes of one server and everything it forks.
// Preferred: a cgroup of its own (v1 cpuacct, else v2 at /sys/fs/cgroup), joined by the server's
// launcher before it execs, so forked children are counted wherever they move; else the sum of
// /proc/PID/stat utime+stime+cutime+cstime over the server's process tree. Reads only; never
// touches a process or cgroup it did not create, and removes its cgroups in remove().

import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export type CpuMethod = 'cgroup v1 cpuacct' | 'cgroup v2 cpu.stat' | '/proc process tree';

export interface ServerAccount {
  readonly method: CpuMethod;
  /** The argv that starts `argv` inside this account (children inherit it). */
  wrap(argv: readonly string[]): string[];
  /** The pid the wrapped argv was started as (the /proc method walks its tree). */
  setRoot(pid: number): void;
  /** CPU time of the server so far, nanoseconds (user + system, all its processes). */
  cpuNs(): number;
  /** Every live process of the server. */
  pids(): number[];
  remove(): void;
}

const V1_ROOT = '/sys/fs/cgroup/cpuacct';
const V2_ROOT = '/sys/fs/cgroup';
const JOIN = 'echo $$ > "$0" && exec "$@"';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
export const PAGE_SIZE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;

/** Creates the account for one server; `name` must be unique among live accounts. */
export function createAccount(name: string, procOnly = false): ServerAccount {
  if (procOnly) return procAccount();
  const dirName = `qfront-bench-${process.pid}-${name}`;
  const v1 = tryCgroup(V1_ROOT, dirName, 'cpuacct.usage');
  if (v1 !== undefined) return cgroupAccount('cgroup v1 cpuacct', v1, () => Number(read(path.join(v1, 'cpuacct.usage'))));
  if (fs.existsSync(path.join(V2_ROOT, 'cgroup.controllers'))) {
    const v2 = tryCgroup(V2_ROOT, dirName, 'cpu.stat');
    if (v2 !== undefined) return cgroupAccount('cgroup v2 cpu.stat', v2, () => usageUsec(read(path.join(v2, 'cpu.stat'))) * 1000);
  }
  return procAccount();
}

function read(file: string): string {
  return fs.readFileSync(file, 'latin1');
}

/** A new cgroup dir that has `probe` and takes our writes, or undefined. */
function tryCgroup(root: string, dirName: string, probe: string): string | undefined {
  const dir = path.join(root, dirName);
  try {
    fs.mkdirSync(dir);
  } catch {
    return undefined;
  }
  try {
    fs.accessSync(path.join(dir, 'cgroup.procs'), fs.constants.W_OK);
    fs.accessSync(path.join(dir, probe), fs.constants.R_OK);
    return dir;
  } catch {
    fs.rmdirSync(dir);
    return undefined;
  }
}

function usageUsec(cpuStat: string): number {
  return Number(/^usage_usec (\d+)$/m.exec(cpuStat)?.[1] ?? 0);
}

function cgroupAccount(method: CpuMethod, dir: string, cpuNs: () => number): ServerAccount {
  const procs = path.join(dir, 'cgroup.procs');
  return {
    method,
    wrap: (argv) => ['/bin/sh', '-c', JOIN, procs, ...argv],
    setRoot: () => {},
    cpuNs,
    pids: () => {
      try {
        return read(procs).split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    remove: () => {
      try {
        fs.rmdirSync(dir);
      } catch {
        // still has a process (reported by the caller) or already gone
      }
    },
  };
}

interface ProcStat {
  readonly ppid: number;
  readonly ticks: number;
}

/** utime+stime+cutime+cstime and the parent, from /proc/PID/stat (fields after the comm). */
function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = read(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number): number => Number(f[i] ?? 0);
  // After "pid (comm) ": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14.
  return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
}

function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat === undefined) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    if (!fs.existsSync(`/proc/${pid}`)) continue;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function procAccount(): ServerAccount {
  let root = 0;
  return {
    method: '/proc process tree',
    wrap: (argv) => [...argv],
    setRoot: (pid) => {
      root = pid;
    },
    cpuNs: () => {
      if (root === 0) return 0;
      const ticks = processTree(root).reduce((sum, pid) => sum + (procStat(pid)?.ticks ?? 0), 0);
      return (ticks * 1e9) / CLK_TCK;
    },
    pids: () => (root === 0 ? [] : processTree(root)),
    remove: () => {},
  };
}

/** Resident memory of these processes, summed (each process's RSS, shared pages counted in each). */
export function rssBytes(pids: readonly number[]): number {
  let pages = 0;
  for (const pid of pids) {
    try {
      pages += Number(read(`/proc/${pid}/statm`).split(' ')[1] ?? 0);
    } catch {
      // exited between the listing and the read
    }
  }
  return pages * PAGE_SIZE;
}
