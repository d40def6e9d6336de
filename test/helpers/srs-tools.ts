// The SRS tools from Debian that qfront's codec must interoperate with, for test/srs/interop-*:
// Mail::SRS through its command-line front end `srs` (package srs) under `faketime`, and the
// postsrsd 1.10 daemon (package postsrsd) on 127.0.0.1 and free high ports, its clock set through
// a libfaketime timestamp file we can rewrite while it runs. Addresses and secrets are latin1
// strings (one char per octet) on both sides, as in src/srs. A missing tool is an error with an
// install hint, never a skip.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { srsReverse, type ForwardOutcome, type ReverseOutcome, type SrsSettings } from '../../src/srs/index.js';
import { findProgram } from './programs.js';
import { freePort } from './tcpserver.js';
import { makeTempDir, removeTempDir } from './tmp-dir.js';

/** How long one `srs` run may take before it is killed (a Perl start is ~0.1 s). */
const SRS_TIMEOUT_MS = 10_000;
/** `srs` runs at once; each is a Perl process. */
const SRS_PARALLEL = 6;
/** How long postsrsd may take to accept connections on both ports. */
const STARTUP_MS = 5000;
const POLL_MS = 50;
/** Ports tried when postsrsd fails to start (another process took a free port meanwhile). */
const START_TRIES = 5;
/** Longest wait for one postsrsd answer. */
const ANSWER_MS = 5000;
/** Grace period between SIGTERM and SIGKILL when stopping postsrsd. */
const STOP_MS = 2000;
/** A clock is 'YYYY-MM-DD HH:MM:SS', always UTC. */
const CLOCK_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** The environment of every tool run: UTC day stamps, no locale surprises in Perl. */
function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, TZ: 'UTC', LC_ALL: 'C', LANG: 'C', ...extra };
}

/** Milliseconds since the epoch of a UTC clock string 'YYYY-MM-DD HH:MM:SS'. */
export function clockMs(clock: string): number {
  if (!CLOCK_RE.test(clock)) throw new Error(`bad clock ${JSON.stringify(clock)}: want 'YYYY-MM-DD HH:MM:SS' (UTC)`);
  return Date.parse(`${clock.replace(' ', 'T')}Z`);
}

/** The UTC clock string `days` days after `clock`, same time of day. */
export function addDays(clock: string, days: number): string {
  return new Date(clockMs(clock) + days * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A latin1 string (raw octets) as a command-line argument. Node writes argv as UTF-8, so the
 * octets must form valid UTF-8, which every address and secret in these tests does.
 */
export function argOf(octets: string): string {
  const text = Buffer.from(octets, 'latin1').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('latin1') !== octets) throw new Error(`not valid UTF-8, cannot pass as an argument: ${JSON.stringify(octets)}`);
  if (text.includes('\0')) throw new Error(`NUL cannot be passed as an argument: ${JSON.stringify(octets)}`);
  return text;
}

// ---------------------------------------------------------------------------------------------
// Mail::SRS: the `srs` command under `faketime`

export interface SrsCliOptions {
  /** --secret=S each; the first signs, all verify. */
  readonly secrets: readonly string[];
  /** --alias=DOMAIN (forward only). */
  readonly alias?: string;
  /** --separator=C; Mail::SRS's default '=' if absent. */
  readonly separator?: '=' | '+' | '-';
  /** Where the tool's clock starts, UTC 'YYYY-MM-DD HH:MM:SS' (`faketime` lets it run on from there). */
  readonly clock: string;
}

export interface SrsCliRun {
  /** The command line, for messages. */
  readonly command: string;
  /** Exit status; null if killed (timeout). */
  readonly code: number | null;
  /** stdout lines as latin1 strings, one per address handled before any error. */
  readonly lines: readonly string[];
  /** stderr (Perl dies here: "Parse error in `LOCAL': Invalid hash at ..."). */
  readonly stderr: string;
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `job` when fewer than SRS_PARALLEL are running; a finishing job hands its slot on. */
async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (running >= SRS_PARALLEL) await new Promise<void>((r) => waiting.push(r));
  else running++;
  try {
    return await job();
  } finally {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running--;
  }
}

let srsTools: { faketime: string; srs: string } | undefined;

function srsToolPaths(): { faketime: string; srs: string } {
  return (srsTools ??= { faketime: findProgram('faketime', 'faketime'), srs: findProgram('srs', 'srs') });
}

/**
 * Runs `faketime CLOCK srs --secret=S... [--alias=D] [--separator=C] --forward|--reverse -- ADDR...`
 * once for every address given (Mail::SRS prints one result line per address, and dies at the
 * first it cannot handle). Resolves whatever the exit status; rejects only if it cannot run.
 */
export function runSrsCli(op: 'forward' | 'reverse', addresses: readonly string[], opts: SrsCliOptions): Promise<SrsCliRun> {
  const tools = srsToolPaths();
  if (addresses.length === 0) throw new Error('runSrsCli: no addresses');
  const args = [
    clockArgument(opts.clock),
    tools.srs,
    ...opts.secrets.map((s) => `--secret=${argOf(s)}`),
    ...(opts.alias !== undefined ? [`--alias=${argOf(opts.alias)}`] : []),
    ...(opts.separator !== undefined ? [`--separator=${opts.separator}`] : []),
    `--${op}`,
    '--',
    ...addresses.map(argOf),
  ];
  const command = [tools.faketime, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return limited(
    () =>
      new Promise<SrsCliRun>((resolve, reject) => {
        const child = spawn(tools.faketime, args, { env: toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        const timer = setTimeout(() => child.kill('SIGKILL'), SRS_TIMEOUT_MS);
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`cannot run ${command}: ${e.message}`));
        });
        child.once('close', (code) => {
          clearTimeout(timer);
          const text = Buffer.concat(out).toString('latin1');
          const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
          resolve({ command, code, lines, stderr: Buffer.concat(err).toString('latin1') });
        });
      }),
  );
}

/** The clock as `faketime` takes it (parsed by `date -d` in TZ=UTC); validated first. */
function clockArgument(clock: string): string {
  clockMs(clock);
  return clock;
}

/** The outputs of a run that must have handled every address; throws with the tool's words otherwise. */
export function srsCliLines(run: SrsCliRun, count: number): readonly string[] {
  if (run.code !== 0 || run.lines.length !== count) {
    throw new Error(`${run.command}\nexit ${run.code}, ${run.lines.length} of ${count} lines\nstdout: ${run.lines.join('\n')}\nstderr: ${run.stderr}`);
  }
  return run.lines;
}

// ---------------------------------------------------------------------------------------------
// postsrsd 1.10: TCP table protocol, clock through a libfaketime timestamp file

let preload: string | undefined;

/**
 * The LD_PRELOAD value the installed `faketime` command uses (Debian: '/usr/$LIB/faketime/
 * libfaketime.so.1'), read from the command itself so the library path is never guessed.
 */
function libfaketimePreload(): string {
  if (preload !== undefined) return preload;
  const faketime = srsToolPaths().faketime;
  const value = execFileSync(faketime, ['2000-01-01 00:00:00', 'printenv', 'LD_PRELOAD'], { env: toolEnv(), encoding: 'utf8' }).trim();
  if (!/libfaketime/.test(value)) throw new Error(`faketime did not set LD_PRELOAD to libfaketime (got ${JSON.stringify(value)})`);
  return (preload = value);
}

/**
 * A fake wall clock shared by the daemons started with it: a libfaketime timestamp file that
 * libfaketime re-reads at every time() call (FAKETIME_NO_CACHE=1), so set() takes effect at once
 * in running processes. The time runs on from the value set ('@' form), like `faketime DATE`.
 */
export class FakeClock {
  readonly file: string;
  #current: string;

  constructor(dir: string, clock: string) {
    this.file = path.join(dir, 'faketime.rc');
    this.#current = clock;
    this.set(clock);
  }

  get current(): string {
    return this.#current;
  }

  set(clock: string): void {
    clockMs(clock);
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, `@${clock}\n`);
    fs.renameSync(tmp, this.file); // a reader never sees half a line
    this.#current = clock;
  }

  /** The environment that makes a process (and its forks) read this clock. */
  env(): Record<string, string> {
    return { LD_PRELOAD: libfaketimePreload(), FAKETIME_TIMESTAMP_FILE: this.file, FAKETIME_NO_CACHE: '1' };
  }
}

export interface PostsrsdOptions {
  /** -d: the SRS domain. */
  readonly domain: string;
  /** The secret file's lines (-s); the first signs. */
  readonly secrets: readonly string[];
  /** -a: the initial separator. */
  readonly separator: '=' | '+' | '-';
  /** -n and -N; 4 and 4 unless given. */
  readonly hashLength?: number;
  readonly hashMin?: number;
}

/** One TCP-table answer, its value percent-decoded to octets. */
export interface TableAnswer {
  readonly code: number;
  /** The decoded value (200: an address; 500: the reason). */
  readonly value: string;
  /** The line as received, without the newline. */
  readonly raw: string;
}

export interface Postsrsd {
  readonly forwardPort: number;
  readonly reversePort: number;
  readonly options: PostsrsdOptions;
  /** `get KEY` on the forward or reverse port, each key percent-encoded, over one connection. */
  query(map: 'forward' | 'reverse', keys: readonly string[]): Promise<TableAnswer[]>;
  /** SIGTERM to its process group (it forks one child per connection), then SIGKILL; temp dir removed. */
  stop(): Promise<void>;
}

/** Postfix's tcp_table encoding: anything outside printable ASCII, space and '%' as %xx. */
export function percentEncode(octets: string): string {
  let out = '';
  for (const ch of octets) {
    const c = ch.charCodeAt(0);
    if (c > 0xff) throw new Error(`not a latin1 string: ${JSON.stringify(octets)}`);
    out += c <= 0x20 || c >= 0x7f || ch === '%' ? `%${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

export function percentDecode(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}


function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Sends every key on one connection and reads one answer line per key. */
function tableQuery(port: number, keys: readonly string[]): Promise<TableAnswer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const answers: TableAnswer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`postsrsd on port ${port}: ${answers.length} of ${keys.length} answers within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
    sock.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const raw = buf.subarray(0, nl).toString('latin1');
        buf = buf.subarray(nl + 1);
        const m = /^(\d{3}) ?(.*)$/s.exec(raw);
        answers.push(m ? { code: Number(m[1]), value: percentDecode(m[2]!), raw } : { code: 0, value: raw, raw });
      }
      if (answers.length >= keys.length) {
        clearTimeout(timer);
        sock.end();
        resolve(answers.slice(0, keys.length));
      }
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`postsrsd on port ${port}: ${e.message}`));
    });
    sock.once('close', () => {
      if (answers.length < keys.length) {
        clearTimeout(timer);
        reject(new Error(`postsrsd on port ${port} closed the connection after ${answers.length} of ${keys.length} answers (${answers.at(-1)?.raw ?? ''})`));
      }
    });
    sock.write(keys.map((k) => `get ${percentEncode(k)}\n`).join(''), 'latin1');
  });
}

let postsrsd: string | undefined;

/** postsrsd's path, once it is known to be 1.x: 2.x (Debian trixie) speaks socketmap, not the TCP table. */
function postsrsdPath(): string {
  if (postsrsd !== undefined) return postsrsd;
  const found = findProgram('postsrsd', 'postsrsd');
  let version: string;
  try {
    version = execFileSync(found, ['-v'], { env: toolEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    throw new Error(`${found} -v failed (${(e as Error).message}): these tests need postsrsd 1.x (Debian bookworm's 1.10)`);
  }
  if (!/^1\./.test(version)) throw new Error(`${found} is version ${version}: these tests drive postsrsd 1.x (Debian bookworm's 1.10) over its TCP table protocol`);
  return (postsrsd = found);
}

/**
 * postsrsd 1.10 in the foreground (no -D), as the current user (no -u, no -c: it needs neither),
 * on 127.0.0.1 and two free ports, with `clock` as its wall clock; resolves once both ports
 * accept connections.
 */
export async function startPostsrsd(opts: PostsrsdOptions, clock: FakeClock): Promise<Postsrsd> {
  const daemon = postsrsdPath();
  const dir = makeTempDir('qfront-postsrsd-');
  const secretFile = path.join(dir, 'secrets');
  fs.writeFileSync(secretFile, Buffer.from(opts.secrets.map((s) => `${s}\n`).join(''), 'latin1'), { mode: 0o600 });
  let child: ChildProcess | undefined;
  let ports: [number, number] = [0, 0];
  let stderr = '';
  try {
    for (let i = 0; i < START_TRIES && child === undefined; i++) {
      ports = [await freePort(), await freePort()];
      if (ports[0] === ports[1]) continue;
      const args = [
        `-d${argOf(opts.domain)}`, `-s${secretFile}`, `-a${opts.separator}`,
        `-n${opts.hashLength ?? 4}`, `-N${opts.hashMin ?? 4}`,
        '-l127.0.0.1', '-4', `-f${ports[0]}`, `-r${ports[1]}`, '-t60',
      ];
      // Its own process group: postsrsd forks a handler per connection, and a kill must reach them all.
      const c = spawn(daemon, args, { env: toolEnv(clock.env()), stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      stderr = '';
      c.stderr!.on('data', (b: Buffer) => (stderr += b.toString('latin1')));
      let exited = false;
      c.once('exit', () => (exited = true));
      c.once('error', (e) => {
        exited = true;
        stderr += e.message;
      });
      const until = Date.now() + STARTUP_MS;
      let up = false;
      while (!exited && !up && Date.now() < until) {
        up = (await canConnect(ports[0])) && (await canConnect(ports[1]));
        if (!up) await new Promise((r) => setTimeout(r, POLL_MS));
      }
      if (up && !exited) child = c;
      else if (!exited) {
        killGroup(c, 'SIGKILL');
        throw new Error(`postsrsd did not accept connections on 127.0.0.1:${ports[0]}/${ports[1]} within ${STARTUP_MS} ms: ${stderr}`);
      }
    }
    if (child === undefined) throw new Error(`postsrsd exited at start ${START_TRIES} times: ${stderr}`);
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  const proc = child;
  const killNow = (): void => {
    if (proc.exitCode === null) killGroup(proc, 'SIGKILL');
  };
  process.once('exit', killNow);
  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      killGroup(proc, 'SIGTERM');
      const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), STOP_MS);
      await gone;
      clearTimeout(timer);
    }
    killGroup(proc, 'SIGKILL'); // connection handlers still alive, if any
    process.off('exit', killNow);
    removeTempDir(dir);
  };
  return {
    forwardPort: ports[0],
    reversePort: ports[1],
    options: opts,
    query: (map, keys) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return Promise.reject(new Error(`postsrsd has exited: ${stderr}`));
      return keys.length === 0 ? Promise.resolve([]) : tableQuery(map === 'forward' ? ports[0] : ports[1], keys);
    },
    stop: () => (stopped ??= stop()),
  };
}

/** The current UTC day stamp, as every SRS implementation makes it (spec srs.md 4.1), for sanity checks. */
export function dayStamp(nowMs: number): string {
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const slot = Math.floor(nowMs / 86_400_000) % 1024;
  return B32[slot >> 5]! + B32[slot & 31]!;
}

// ---------------------------------------------------------------------------------------------
// The interop matrix shared by test/srs/interop-*.test.ts

/** A UTF-8 text as the latin1 octet string the codec takes. */
export function octets(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A secret and the SRS domain it is used with (the second domain has mixed case: kept as configured). */
export interface InteropKey {
  readonly secret: string;
  readonly domain: string;
}

export const INTEROP_KEYS: readonly InteropKey[] = [
  { secret: 'tops3cret', domain: 'fwd.example' },
  { secret: 'Another-Secret_2', domain: 'srs.Example.NET' },
];

export const INTEROP_SEPARATORS = ['=', '+', '-'] as const;

/** Clocks (UTC, midday so a few seconds of running never cross midnight) and the day stamp each gives. */
export const INTEROP_DATES: readonly { readonly clock: string; readonly stamp: string }[] = [
  { clock: '2024-01-15 12:00:00', stamp: 'IZ' },
  { clock: '2026-01-26 12:00:00', stamp: '77' }, // slot 1023, the last of the cycle
  { clock: '2026-01-27 12:00:00', stamp: 'AA' }, // the wrap: slot 0 again
];

export interface InteropSender {
  readonly name: string;
  /** The envelope sender, latin1 octets. */
  readonly address: string;
  /** SRS0 for a plain sender, SRS1 for an SRS address of another forwarder. */
  readonly tag: 'SRS0' | 'SRS1';
  /** What reversing its SRS address gives: the sender itself, or the first forwarder's SRS0 address. */
  readonly reversesTo: string;
}

const FOREIGN_SRS0 = 'SRS0=abcd=IZ=orig.example=carol@fwd0.example';

export const INTEROP_SENDERS: readonly InteropSender[] = [
  { name: 'plain', address: 'alice@example.com', tag: 'SRS0', reversesTo: 'alice@example.com' },
  { name: 'upper-case', address: 'Alice.Smith@Example.COM', tag: 'SRS0', reversesTo: 'Alice.Smith@Example.COM' },
  { name: '= in the local part', address: 'a=b@example.net', tag: 'SRS0', reversesTo: 'a=b@example.net' },
  { name: '+ and - in the local part', address: 'first-last+tag@example.org', tag: 'SRS0', reversesTo: 'first-last+tag@example.org' },
  { name: 'UTF-8, upper-case non-ASCII', address: octets('Jörg.Ü@MÜNCHEN.example'), tag: 'SRS0', reversesTo: octets('Jörg.Ü@MÜNCHEN.example') },
  { name: 'UTF-8 local part', address: octets('bücher@example.de'), tag: 'SRS0', reversesTo: octets('bücher@example.de') },
  { name: 'SRS0 of another forwarder', address: FOREIGN_SRS0, tag: 'SRS1', reversesTo: FOREIGN_SRS0 },
  { name: 'SRS0+ of another forwarder', address: 'SRS0+xyzw=IZ=orig.example=dave@fwd0.example', tag: 'SRS1', reversesTo: 'SRS0+xyzw=IZ=orig.example=dave@fwd0.example' },
  { name: 'lower-case srs0 of another forwarder', address: 'srs0=abcd=IZ=orig.example=carol@fwd0.example', tag: 'SRS1', reversesTo: 'SRS0=abcd=IZ=orig.example=carol@fwd0.example' },
  { name: 'SRS1 of another forwarder', address: 'SRS1=wxyz=fwd0.example==abcd=IZ=orig.example=carol@fwd1.example', tag: 'SRS1', reversesTo: FOREIGN_SRS0 },
];

/** Days after the day of making at which an address is reversed; maxage is 21 everywhere. */
export const REVERSE_DAYS = { same: 0, lastValid: 21, firstExpired: 22, dayBefore: -1 } as const;
export const MAX_AGE = 21;

/** qfront's settings for one key and separator: libsrs2's defaults otherwise (hash 4/4, maxage 21). */
export function interopSettings(key: InteropKey, separator: '=' | '+' | '-', verifySecrets: readonly string[] = [key.secret]): SrsSettings {
  return { domain: key.domain, signSecret: key.secret, verifySecrets, maxAge: MAX_AGE, hashLength: 4, hashMin: 4, separator, alwaysRewrite: false };
}

/** Printable form of a latin1 string for assertion messages: the UTF-8 text it encodes. */
export function shown(octetString: string): string {
  return Buffer.from(octetString, 'latin1').toString('utf8');
}

/** An outcome as one comparable line. */
export function outcomeText(o: ForwardOutcome | ReverseOutcome): string {
  switch (o.kind) {
    case 'rewritten':
    case 'unchanged':
      return `${o.kind} ${shown(o.address)}`;
    case 'reversed':
      return `reversed ${o.tag} ${shown(o.address)}`;
    case 'not-srs':
      return 'not-srs';
    case 'error':
    case 'invalid':
      return o.kind;
  }
}

/** Expected outcome of reversing `sender`'s SRS address `days` after it was made. */
export function expectedReverse(sender: InteropSender, days: number): string {
  // SRS1 has no timestamp (spec 2.2); SRS0 is valid from its day to maxage days later (4.2).
  const valid = sender.tag === 'SRS1' || (days >= 0 && days <= MAX_AGE);
  return valid ? `reversed ${sender.tag} ${shown(sender.reversesTo)}` : 'invalid';
}

/** Tampered versions of a valid SRS0 (hash, then stamp, domain, local part) and SRS1 address. */
/**
 * qfront reversing a tool's addresses (one list per separator, in INTEROP_SENDERS order) on each
 * REVERSE_DAYS day: the lines qfront gives and the lines it should give, for one deepEqual.
 */
export function ourReverses(
  key: InteropKey,
  date: { readonly clock: string },
  toolAddresses: ReadonlyMap<string, readonly string[]>,
): { readonly actual: string[]; readonly expected: string[] } {
  const actual: string[] = [];
  const expected: string[] = [];
  for (const sep of INTEROP_SEPARATORS) {
    const tool = toolAddresses.get(sep) ?? [];
    const s = interopSettings(key, sep);
    for (const [i, sender] of INTEROP_SENDERS.entries()) {
      for (const days of Object.values(REVERSE_DAYS)) {
        const label = `${shown(tool[i] ?? '')} on day ${days}: `;
        actual.push(label + outcomeText(srsReverse(tool[i] ?? '', s, clockMs(addDays(date.clock, days)))));
        expected.push(label + expectedReverse(sender, days));
      }
    }
  }
  return { actual, expected };
}

export function forgeries(srs0: string, srs1: string): { name: string; address: string }[] {
  const m0 = /^(SRS0[-+=])([^=]+)=([^=]+)=([^=]+)=([^@]+)(@.*)$/.exec(srs0);
  const m1 = /^(SRS1[-+=])([^=]+)=([^=]+)=(.*)$/.exec(srs1);
  if (!m0 || !m1) throw new Error(`not SRS0/SRS1: ${srs0} ${srs1}`);
  const [, tag0, hash0, tt, domain, local, at] = m0;
  const [, tag1, hash1, host1, rest1] = m1;
  // A different letter even compared case-insensitively, as every side compares hashes.
  const flip = (h: string): string => (h[0]!.toUpperCase() === 'A' ? 'B' : 'A') + h.slice(1);
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const slot = B32.indexOf(tt![0]!.toUpperCase()) * 32 + B32.indexOf(tt![1]!.toUpperCase());
  const dayBefore = dayStamp((slot + 1023) % 1024 * 86_400_000);
  return [
    { name: 'SRS0, one hash char changed', address: `${tag0}${flip(hash0!)}=${tt}=${domain}=${local}${at}` },
    { name: 'SRS0, hash cut to 3 chars', address: `${tag0}${hash0!.slice(0, 3)}=${tt}=${domain}=${local}${at}` },
    { name: 'SRS0, stamp of the day before', address: `${tag0}${hash0}=${dayBefore}=${domain}=${local}${at}` },
    { name: 'SRS0, other domain', address: `${tag0}${hash0}=${tt}=evil.example=${local}${at}` },
    { name: 'SRS0, other local part', address: `${tag0}${hash0}=${tt}=${domain}=mallory${at}` },
    { name: 'SRS1, one hash char changed', address: `${tag1}${flip(hash1!)}=${host1}=${rest1}` },
    { name: 'SRS1, other first hop', address: `${tag1}${hash1}=evil.example=${rest1}` },
  ];
}


/** The day stamp of an SRS0 address, whatever its initial separator; undefined for anything else. */
export function stampOf(address: string): string | undefined {
  return /^SRS0[-+=][^=]*=([^=]*)=/i.exec(address)?.[1];
}
