// The listener's side of queue-spawner (spawner.c): one small helper process that forks every
// qmail-queue run, so the listener never forks itself (a fork of a large Node process costs more
// CPU than the rest of a session). Speaks the helper's netstring requests and reply lines.
// Contract: every started run ends in exactly one settle(); if the helper dies, runs still
// waiting settle as "waitpid surprise" (we no longer know their fate), never as accepted.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the build puts the helper: dist/queue-spawner, beside dist/src/. */
export const SPAWNER_PATH = fileURLToPath(new URL('../../queue-spawner', import.meta.url));

/** How long a killed run's end may take to be reported before we stop waiting for it. */
const KILL_GRACE_MS = 5000;

export type RunEnd =
  | { readonly kind: 'exit'; readonly code: number; readonly readAll: boolean; readonly customError?: Buffer }
  | { readonly kind: 'signal'; readonly signal: number; readonly readAll: boolean; readonly customError?: Buffer }
  | { readonly kind: 'not-started'; readonly errno: number }
  | { readonly kind: 'lost' };

export interface RunRequest {
  readonly program: string;
  readonly cwd: string | undefined;
  /** Files the helper opens, unlinks and gives the run as fd 0 and fd 1. */
  readonly messageFile: string;
  readonly envelopeFile: string;
  readonly errorFd: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface Waiting {
  started: (pid: number) => void;
  settle: (end: RunEnd) => void;
}

export function spawnerAvailable(): boolean {
  try {
    fs.accessSync(SPAWNER_PATH, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class Spawner {
  private child: ChildProcess | undefined;
  private readonly waiting = new Map<string, Waiting>();
  private partial = '';
  private seq = 0;

  /** Starts a run; `started` gets the pid once forked, the promise the end of the run. */
  run(req: RunRequest, started: (pid: number) => void): { id: string; ended: Promise<RunEnd> } {
    const id = String(++this.seq);
    const fields = ['s', id, req.program, req.cwd ?? '', req.messageFile, req.envelopeFile, String(req.errorFd)];
    for (const [k, v] of Object.entries(req.env)) if (v !== undefined && k !== '' && !k.includes('=')) fields.push(`${k}=${v}`);
    const ended = new Promise<RunEnd>((settle) => this.waiting.set(id, { started, settle }));
    this.send(fields);
    return { id, ended };
  }

  /** SIGKILL a run; if the helper never reports its end, it settles as lost after a grace. */
  kill(id: string): void {
    if (!this.waiting.has(id)) return;
    this.send(['k', id]);
    setTimeout(() => this.finish(id, { kind: 'lost' }), KILL_GRACE_MS).unref();
  }

  private send(fields: string[]): void {
    const payload = Buffer.from(fields.join('\0'), 'utf8');
    const child = this.ensure();
    child.stdin!.write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(',')]));
  }

  private ensure(): ChildProcess {
    if (this.child !== undefined) return this.child;
    const child = spawn(SPAWNER_PATH, [], { stdio: ['pipe', 'pipe', 'inherit'], env: {} });
    this.child = child;
    // The helper never keeps the process alive: a run in progress has its own timeout timer.
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
    (child.stdout as unknown as { unref(): void }).unref();
    child.stdin!.on('error', () => {});
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (text: string) => this.lines(text));
    const gone = (): void => {
      if (this.child !== child) return;
      this.child = undefined;
      this.partial = '';
      const lost = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of lost) w.settle({ kind: 'lost' });
    };
    child.on('exit', gone);
    child.on('error', gone);
    return child;
  }

  private lines(text: string): void {
    const all = this.partial + text;
    const parts = all.split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.reply(line.split(' '));
  }

  private reply(word: string[]): void {
    const w = this.waiting.get(word[1] ?? '');
    if (w === undefined) return;
    if (word[0] === 'p') w.started(Number(word[2]));
    else if (word[0] === 'f') this.finish(word[1]!, { kind: 'not-started', errno: Number(word[2]) });
    else if (word[0] === 'x') {
      const customError = word[4] === '-' || word[4] === undefined ? undefined : Buffer.from(word[4], 'hex');
      const n = Number(word[3]);
      const readAll = word[5] === '1';
      this.finish(word[1]!, word[2] === 's' ? { kind: 'signal', signal: n, readAll, customError } : { kind: 'exit', code: n, readAll, customError });
    }
  }

  private finish(id: string, end: RunEnd): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.settle(end);
  }
}
