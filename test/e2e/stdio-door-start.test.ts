// How bin/qmail-smtpd starts node (scripts/build-door.ts builds dist/door/): from the start-up
// snapshot when its stamp matches this node binary and CPU and NODE_OPTIONS is empty, else from
// the one-file bundle, else from tsc's modules; always by exec, so the session keeps the pid
// tcpserver started. Each case reads the running session's /proc/PID/cmdline after the greeting.
// The other e2e tests run bin/qmail-smtpd as built, so they go through the snapshot.

import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { stdioOverPipes } from '../helpers/spf-e2e.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOOR = path.join(ROOT, 'dist/door');
const PATH = `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

interface Start {
  /** The session process's argv and the environment it was started with, read while it runs. */
  readonly argv: string[];
  readonly environ: string[];
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** Starts `program`, waits for the greeting, reads its cmdline, then sends QUIT. */
function start(t: ExecutionContext, program: string, env: Record<string, string> = {}): Promise<Start> {
  const control = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-start-'));
  t.teardown(() => fs.rmSync(control, { recursive: true, force: true }));
  fs.writeFileSync(path.join(control, 'me'), 'mx.example\n');
  const child = spawn(program, ['auth-host', '/bin/checkpassword', '/bin/true'], { env: { PATH, CONTROLDIR: control, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let argv: string[] = [];
  let environ: string[] = [];
  child.stderr.setEncoding('latin1').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('latin1').on('data', (s: string) => {
    if (stdout === '') {
      argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').split('\0').slice(0, -1);
      environ = fs.readFileSync(`/proc/${child.pid}/environ`, 'latin1').split('\0').slice(0, -1);
      child.stdin!.end('QUIT\r\n');
    }
    stdout += s;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ argv, environ, pid: child.pid!, stdout, stderr, code });
    }),
  );
}

/** A copy of bin/qmail-smtpd in a tree of its own, with the dist/door files given (links by default). */
function tree(t: ExecutionContext, door: Record<string, string | 'link'>, withModules = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-tree-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.mkdirSync(path.join(dir, 'dist/door'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'bin/qmail-smtpd'), path.join(dir, 'bin/qmail-smtpd'));
  if (withModules) fs.symlinkSync(path.join(ROOT, 'dist/src'), path.join(dir, 'dist/src'));
  for (const [name, what] of Object.entries(door)) {
    const file = path.join(dir, 'dist/door', name);
    if (what === 'link') fs.symlinkSync(path.join(DOOR, name), file);
    else fs.writeFileSync(file, what);
  }
  return path.join(dir, 'bin/qmail-smtpd');
}

/** This build's stamp text, its CPU line replaced when `cpu` is given. */
function stampOf(cpu?: string): string {
  const text = fs.readFileSync(path.join(DOOR, 'qmail-smtpd.stamp'), 'latin1');
  return cpu === undefined ? text : text.replace(/^built_cpu=.*$/m, `built_cpu='${cpu}'`);
}

function ranCleanly(t: ExecutionContext, s: Start): void {
  t.is(s.stdout, '220 mx.example ESMTP\r\n221 mx.example\r\n');
  t.is(s.code, 0);
  t.regex(s.stderr, new RegExp(`^qmail-smtpd: pid ${s.pid}: note: AUTH arguments ignored`, 'm'), 'the session kept the pid it was started as, and got its arguments');
}

test('the build made a snapshot and a stamp, and bin/qmail-smtpd starts node from it with the arguments after --', async (t) => {
  t.true(fs.existsSync(path.join(DOOR, 'qmail-smtpd.blob')), 'scripts/build-door.ts made dist/door/qmail-smtpd.blob');
  const s = await start(t, path.join(ROOT, 'bin/qmail-smtpd'));
  t.deepEqual(s.argv.slice(1), ['--snapshot-blob', `${ROOT}/bin/../dist/door/qmail-smtpd.blob`, '--', 'auth-host', '/bin/checkpassword', '/bin/true']);
  ranCleanly(t, s);
});

test('through a symbolic link (as /var/qmail/bin/qmail-smtpd may be), it still finds its snapshot', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-link-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.symlinkSync(path.join(ROOT, 'bin/qmail-smtpd'), path.join(dir, 'qmail-smtpd'));
  const s = await start(t, path.join(dir, 'qmail-smtpd'));
  t.true(s.argv.includes('--snapshot-blob'), s.argv.join(' '));
  ranCleanly(t, s);
});

test('with NODE_OPTIONS set (node would refuse the snapshot), it starts from the bundle', async (t) => {
  const s = await start(t, path.join(ROOT, 'bin/qmail-smtpd'), { NODE_OPTIONS: '--max-old-space-size=200' });
  t.deepEqual(s.argv.slice(1), [`${ROOT}/bin/../dist/door/qmail-smtpd.cjs`, 'auth-host', '/bin/checkpassword', '/bin/true']);
  ranCleanly(t, s);
});

test('a snapshot stamped by another CPU is not used: the bundle is', async (t) => {
  const bin = tree(t, { 'qmail-smtpd.blob': 'link', 'qmail-smtpd.cjs': 'link', 'qmail-smtpd.stamp': stampOf('cpu:type:x86,elsewhere') });
  execFileSync('touch', ['-r', process.execPath, path.join(bin, '../../dist/door/qmail-smtpd.stamp')]);
  const s = await start(t, bin);
  t.regex(s.argv[1] ?? '', /dist\/door\/qmail-smtpd\.cjs$/);
  ranCleanly(t, s);
});

test('a snapshot stamped by another node binary (another mtime) is not used: the bundle is', async (t) => {
  const bin = tree(t, { 'qmail-smtpd.blob': 'link', 'qmail-smtpd.cjs': 'link', 'qmail-smtpd.stamp': stampOf() });
  const other = new Date('2001-02-03T04:05:06Z');
  fs.utimesSync(path.join(bin, '../../dist/door/qmail-smtpd.stamp'), other, other);
  const s = await start(t, bin);
  t.regex(s.argv[1] ?? '', /dist\/door\/qmail-smtpd\.cjs$/);
  ranCleanly(t, s);
});

test('without a snapshot it starts from the bundle, and without a bundle from the compiled modules', async (t) => {
  const bundle = await start(t, tree(t, { 'qmail-smtpd.cjs': 'link' }));
  t.regex(bundle.argv[1] ?? '', /dist\/door\/qmail-smtpd\.cjs$/);
  ranCleanly(t, bundle);
  const modules = await start(t, tree(t, {}));
  t.regex(modules.argv[1] ?? '', /dist\/src\/cli\/qmail-smtpd\.js$/);
  ranCleanly(t, modules);
});

test('from the snapshot, node runs with glibc tuned for reading it, and the queue program gets the environment as given', async (t) => {
  const s = await start(t, path.join(ROOT, 'bin/qmail-smtpd'));
  t.true(s.environ.some((v) => v.startsWith('GLIBC_TUNABLES=glibc.malloc.')), s.environ.join(' '));
  const run = await stdioOverPipes(t, {}, 'MAIL FROM:<a@b.example>\r\nRCPT TO:<postmaster@example.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n');
  const [message] = run.queue.messages();
  t.truthy(message, run.stdout);
  t.false('GLIBC_TUNABLES' in message!.environ, Object.keys(message!.environ).join(' '));
});

test("an admin's own GLIBC_TUNABLES is left alone and reaches the queue program", async (t) => {
  const own = 'glibc.malloc.perturb=0';
  const s = await start(t, path.join(ROOT, 'bin/qmail-smtpd'), { GLIBC_TUNABLES: own });
  t.true(s.argv.includes('--snapshot-blob'));
  t.true(s.environ.includes(`GLIBC_TUNABLES=${own}`), s.environ.join(' '));
  const run = await stdioOverPipes(t, { GLIBC_TUNABLES: own }, 'MAIL FROM:<a@b.example>\r\nRCPT TO:<postmaster@example.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n');
  t.is(run.queue.messages()[0]?.environ.GLIBC_TUNABLES, own, run.stdout);
});

test('with stdout on /dev/null (a character device, as a tty is) it exits right after QUIT, not after the 5 s flush bound', async (t) => {
  const control = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-start-'));
  t.teardown(() => fs.rmSync(control, { recursive: true, force: true }));
  fs.writeFileSync(path.join(control, 'me'), 'mx.example\n');
  const devNull = fs.openSync('/dev/null', 'w');
  t.teardown(() => fs.closeSync(devNull));
  const started = Date.now();
  const child = spawn(path.join(ROOT, 'bin/qmail-smtpd'), [], { env: { PATH, CONTROLDIR: control }, stdio: ['pipe', devNull, 'ignore'] });
  child.stdin!.end('QUIT\r\n');
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.is(code, 0);
  t.true(Date.now() - started < 3000, `exited after ${Date.now() - started} ms`);
});
