// Builds the stdio door's fast start (bin/qmail-smtpd; issue 5) from tsc's output in dist/src:
// dist/door/qmail-smtpd.cjs, every module a session can load in one CommonJS file (Node 20 loads
// that far cheaper than ~60 ES modules), then dist/door/qmail-smtpd.blob, a V8 start-up snapshot
// of it, and qmail-smtpd.stamp, what bin/qmail-smtpd checks before using the blob (this node
// binary's mtime, this CPU's modalias: node refuses a snapshot made by another binary or CPU).
// A snapshot this host's node refuses is not kept. Never writes outside dist/door.
// Usage: node dist/scripts/build-door.js (run by `npm run build` and `prepare`, after tsc).

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST_SRC = path.join(ROOT, 'dist/src');
const ENTRY = path.join(DIST_SRC, 'cli/qmail-smtpd.js');
const OUT_DIR = path.join(ROOT, 'dist/door');
const BUNDLE = path.join(OUT_DIR, 'qmail-smtpd.cjs');
const BLOB = path.join(OUT_DIR, 'qmail-smtpd.blob');
const STAMP = path.join(OUT_DIR, 'qmail-smtpd.stamp');
const CPU_ID = '/sys/devices/system/cpu/modalias';
/** Exit status of node for a snapshot it will not load (Node's ExitCode::kStartupSnapshotFailure). */
const SNAPSHOT_REFUSED = 14;

/**
 * Built-in modules loaded only when first called, by a stub exporting these functions: a
 * session that queues nothing never loads child_process, one without SRS never loads crypto,
 * and the snapshot holds none of them (Node 20 does not vouch for child_process or dgram in a
 * snapshot). A name missing here fails the build ("No matching export").
 */
const LAZY_BUILTINS: Readonly<Record<string, readonly string[]>> = {
  'node:child_process': ['spawn'],
  'node:crypto': ['createHmac', 'timingSafeEqual', 'randomInt'],
  'node:dgram': ['createSocket'],
};

/** `createRequire(import.meta.url)('pkg')`: a plain require, so the package goes in the bundle. */
const CREATE_REQUIRE = /\bcreateRequire\(import\.meta\.url\)\(/g;
const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
/** Defines __moduleUrl(rel): the file: URL a module had in dist/src, relative to the bundle. */
const BANNER = 'const __moduleUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;';

/** Rewrites dist/src modules for one CommonJS file and marks them free of side effects. */
const doorPlugin: esbuild.Plugin = {
  name: 'qfront-door',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (!(args.path in LAZY_BUILTINS)) return undefined;
      // The stub's own require is the real module.
      if (args.namespace === 'lazy-builtin') return { path: args.path, external: true };
      return { path: args.path, namespace: 'lazy-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: lazyStub(args.path, LAZY_BUILTINS[args.path]!),
      loader: 'js',
    }));
    // Modules of ours nothing uses are dropped whole, however they start (import side effects
    // are not part of this code base's contract).
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point' || !args.importer.startsWith(DIST_SRC)) return undefined;
      return { path: path.resolve(args.resolveDir, args.path), sideEffects: false };
    });
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST_SRC)) return undefined;
      const rel = JSON.stringify(path.relative(OUT_DIR, args.path));
      const text = fs.readFileSync(args.path, 'utf8').replace(CREATE_REQUIRE, 'require(').replace(IMPORT_META_URL, `__moduleUrl(${rel})`);
      return { contents: text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

function lazyStub(id: string, names: readonly string[]): string {
  const lines = ['let loaded;', `const load = () => (loaded ??= require(${JSON.stringify(id)}));`];
  for (const name of names) lines.push(`export function ${name}(...args) { return load().${name}(...args); }`);
  return lines.join('\n');
}

async function bundle(): Promise<void> {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    banner: { js: BANNER },
    minifyWhitespace: true,
    sourcemap: 'linked',
    plugins: [doorPlugin],
    logLevel: 'warning',
    logOverride: { 'import-is-undefined': 'error', 'empty-import-meta': 'error' },
  });
  if (result.errors.length > 0) throw new Error('build-door: bundling failed');
}

/** A clean environment: any V8 flag (NODE_OPTIONS too) would make the snapshot unusable. */
const cleanEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra });

function snapshot(): boolean {
  const tmp = `${BLOB}.tmp`;
  const built = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', BUNDLE], { env: cleanEnv(), stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`build-door: building the snapshot failed (status ${built.status})`);
  // One session from the blob, with no control directory: it must answer 421 and exit 1.
  const tried = spawnSync(process.execPath, ['--snapshot-blob', tmp, '--'], {
    env: cleanEnv({ CONTROLDIR: path.join(OUT_DIR, 'no-such-control-dir') }),
    input: '',
    encoding: 'latin1',
  });
  if (tried.status === SNAPSHOT_REFUSED) {
    fs.rmSync(tmp, { force: true });
    process.stderr.write(`build-door: this node refuses its own snapshot, bin/qmail-smtpd will start from the bundle: ${tried.stderr}`);
    return false;
  }
  if (tried.status !== 1 || !tried.stdout.startsWith('421 ')) {
    throw new Error(`build-door: a session from the snapshot went wrong (status ${tried.status}): ${tried.stdout}${tried.stderr}`);
  }
  fs.renameSync(tmp, BLOB);
  return true;
}

/**
 * The stamp is a shell fragment bin/qmail-smtpd sources (one buffered read): the modalias line of
 * the CPU the snapshot was built on. Its mtime is the node binary's, to the nanosecond.
 */
function stamp(): void {
  const cpu = fs.existsSync(CPU_ID) ? (fs.readFileSync(CPU_ID, 'latin1').split('\n')[0] ?? '') : '';
  const quoted = `'${cpu.replace(/'/g, "'\\''")}'`;
  fs.writeFileSync(STAMP, `# scripts/build-door.ts: the CPU the snapshot was made on; mtime: the node that made it\nbuilt_cpu=${quoted}\n`);
  execFileSync('touch', ['-r', process.execPath, STAMP]);
}

async function main(): Promise<void> {
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await bundle();
  if (snapshot()) stamp();
}

await main();
