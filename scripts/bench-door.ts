// What one connection costs the stdio door (bin/qmail-smtpd, as tcpserver runs it) beside a bare
// `node -e 0`: CPU (user + system of all a run starts, from bash's `times`) and peak RSS (GNU
// time), median [min-max] of N runs, cases taking turns: (a) greeting + QUIT, (b) one message,
// (c) one message with SPF (SPFBEHAVIOR=3, a DNS server on 127.0.0.1; the client passes through
// an include after a and mx). Aborts if any session goes wrong. Run through scripts/bench-door.
// Usage: node dist/scripts/bench-door.js [--runs 20] [--ways door,bundle,modules]

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { startDnsServer, type TestDnsServer } from '../test/helpers/dns-server.js';
import { txt, zoneOf } from '../test/helpers/zone.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GNU_TIME = '/usr/bin/time';
/** A client address that is not ours, so SPF is really evaluated (ours pass by local policy). */
const CLIENT_IP = '10.1.2.3';
const SENDER_DOMAIN = 'sender.example';

/** How the door is started: as shipped, or (to compare) node on the bundle or on tsc's modules. */
const WAYS: Readonly<Record<string, { readonly label: string; readonly argv: readonly string[] }>> = {
  door: { label: 'bin/qmail-smtpd', argv: [path.join(ROOT, 'bin/qmail-smtpd')] },
  bundle: { label: 'node dist/door/qmail-smtpd.cjs', argv: ['node', path.join(ROOT, 'dist/door/qmail-smtpd.cjs')] },
  modules: { label: 'node dist/src/cli/qmail-smtpd.js', argv: ['node', path.join(ROOT, 'dist/src/cli/qmail-smtpd.js')] },
};

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, ways: { type: 'string', default: 'door' } } });
const RUNS = Math.max(1, Number(values.runs));
const WAY_NAMES = values.ways.split(',');
for (const w of WAY_NAMES) if (!(w in WAYS)) throw new Error(`unknown way ${w}: one of ${Object.keys(WAYS).join(', ')}`);

const MESSAGE = `From: <u@${SENDER_DOMAIN}>\r\nTo: <postmaster@example.org>\r\nSubject: bench\r\n\r\n${'x'.repeat(72)}\r\n`.repeat(12);
const dialogue = (from: string): string =>
  ['HELO client.example', `MAIL FROM:<${from}>`, 'RCPT TO:<postmaster@example.org>', 'DATA', `${MESSAGE}.`, 'QUIT', ''].join('\r\n');

/** The sender's record: a and mx fail, the include passes the client (5 DNS queries). */
const ZONE = zoneOf({
  [SENDER_DOMAIN]: [txt(`v=spf1 a mx include:_spf.${SENDER_DOMAIN} ~all`), { type: 'A', data: '192.0.2.10' }, { type: 'MX', data: { preference: 10, exchange: `mx.${SENDER_DOMAIN}` } }],
  [`mx.${SENDER_DOMAIN}`]: [{ type: 'A', data: '192.0.2.20' }],
  [`_spf.${SENDER_DOMAIN}`]: [txt('v=spf1 ip4:198.51.100.0/24 ip4:10.1.2.0/24 -all')],
});

interface Case {
  readonly name: string;
  readonly label: string;
  readonly argv: readonly string[];
  readonly input: string;
  readonly env: Record<string, string>;
  /** Throws when the session did not go as it must. */
  readonly check: (stdout: string, stderr: string) => void;
}

interface Sample {
  readonly cpuMs: number;
  readonly rssKiB: number;
}

function expect(ok: boolean, what: string, stdout: string, stderr: string): void {
  if (!ok) throw new Error(`bench-door: ${what}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
}

const accepted = (stdout: string, stderr: string): void =>
  expect(/^250 ok \d+ qp \d+\r$/m.test(stdout) && stdout.endsWith('221 mail.example.org\r\n'), 'the message was not accepted', stdout, stderr);

function casesFor(dir: string, dns: TestDnsServer): Case[] {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', CONTROLDIR: path.join(dir, 'control'), QMAILQUEUE: path.join(dir, 'queue'), TCPLOCALHOST: 'mx.example', TCPLOCALIP: '127.0.0.1', TCPLOCALPORT: '25', TCPREMOTEIP: CLIENT_IP, TCPREMOTEPORT: '40000', PROTO: 'TCP' };
  const out: Case[] = [{ name: 'node', label: 'node -e 0', argv: ['node', '-e', '0'], input: '', env: { PATH: base.PATH }, check: () => {} }];
  for (const way of WAY_NAMES) {
    const { label, argv } = WAYS[way]!;
    out.push(
      { name: `a ${way}`, label: `(a) greeting + QUIT: ${label}`, argv, input: 'QUIT\r\n', env: base, check: (o, e) => expect(o === '220 mail.example.org ESMTP\r\n221 mail.example.org\r\n', 'greeting + QUIT went wrong', o, e) },
      { name: `b ${way}`, label: `(b) one message, no SPF: ${label}`, argv, input: dialogue(`u@${SENDER_DOMAIN}`), env: base, check: accepted },
      { name: `c ${way}`, label: `(c) one message, SPF: ${label}`, argv, input: dialogue(`u@${SENDER_DOMAIN}`), env: { ...base, SPFBEHAVIOR: '3', DNSCACHEIP: dns.address }, check: accepted },
    );
  }
  out.push({ name: 'queue', label: 'the queue program alone (part of b, c)', argv: [path.join(dir, 'queue')], input: MESSAGE, env: { PATH: base.PATH }, check: () => {} });
  return out;
}

/** One run: the door under GNU time (for RSS), then bash's `times` for its children's CPU. */
function runOnce(c: Case, dir: string): Promise<Sample> {
  const rssFile = path.join(dir, 'rss');
  // The queue program alone gets the envelope on fd 1 from a file, as qmail-queue's readers see it.
  const fd1 = c.name === 'queue' ? ` 1<"${path.join(dir, 'envelope')}"` : '';
  const script = `"$@"${fd1} 3>&-; times >&3`;
  const child = spawn('bash', ['--norc', '-c', script, 'bench', GNU_TIME, '-f', '%M', '-o', rssFile, ...c.argv], { env: c.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const text = (i: number): Promise<string> =>
    new Promise((resolve) => {
      let s = '';
      (child.stdio[i] as Readable).setEncoding('latin1').on('data', (d: string) => (s += d)).on('end', () => resolve(s));
    });
  const [stdout, stderr, times] = [text(1), text(2), text(3)];
  child.stdin!.on('error', () => {});
  child.stdin!.end(c.input, 'latin1');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async () => {
      const [o, e, t] = await Promise.all([stdout, stderr, times]);
      try {
        c.check(o, e);
        const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(t.trim().split('\n')[1] ?? '');
        expect(m !== null, `no times output: ${JSON.stringify(t)}`, o, e);
        const cpuMs = (Number(m![1]) * 60 + Number(m![2]) + Number(m![3]) * 60 + Number(m![4])) * 1000;
        resolve({ cpuMs, rssKiB: Number(fs.readFileSync(rssFile, 'latin1').trim().split('\n').at(-1)) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

function setUp(dir: string): void {
  fs.mkdirSync(path.join(dir, 'control'));
  fs.writeFileSync(path.join(dir, 'control/me'), 'mail.example.org\n');
  fs.writeFileSync(path.join(dir, 'control/rcpthosts'), 'example.org\n');
  // Reads the message (fd 0) and the envelope (fd 1), keeps nothing: sh and two cats.
  fs.writeFileSync(path.join(dir, 'queue'), '#!/bin/sh\ncat >/dev/null\nexec cat <&1 >/dev/null\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'envelope'), `Fu@${SENDER_DOMAIN}\0Tpostmaster@example.org\0\0`);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: readonly number[], digits: number): string =>
  `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}]`;

function report(cases: readonly Case[], samples: ReadonlyMap<string, Sample[]>): void {
  const cpu = (name: string): number[] => samples.get(name)!.map((s) => s.cpuMs);
  const node = median(cpu('node'));
  const queue = median(cpu('queue'));
  const rows = cases.map((c) => {
    const own = c.name.startsWith('b ') || c.name.startsWith('c ') ? median(cpu(c.name)) - queue : median(cpu(c.name));
    const rss = samples.get(c.name)!.map((s) => s.rssKiB / 1024);
    const ratio = c.name === 'queue' ? '' : `${(median(cpu(c.name)) / node).toFixed(2)}x`;
    const ownRatio = c.name === 'queue' || c.name === 'node' ? '' : `${(own / node).toFixed(2)}x`;
    return [c.label, spread(cpu(c.name), 1), ratio, ownRatio, spread(rss, 1)];
  });
  const head = ['case', 'CPU ms median [min-max]', 'vs node', 'less queue', 'max RSS MB median [min-max]'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(width[i]!) : cell.padStart(width[i]!))).join('  '));
}

async function main(): Promise<void> {
  if (!fs.existsSync(GNU_TIME)) throw new Error(`bench-door needs GNU time (${GNU_TIME}, Debian package "time")`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-bench-door-'));
  const dns = await startDnsServer(ZONE);
  try {
    setUp(dir);
    const cases = casesFor(dir, dns);
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const c of cases) samples.get(c.name)!.push(await runOnce(c, dir));
    }
    expect(dns.counters.udp + dns.counters.tcp >= 5 * RUNS, `the SPF cases asked the DNS server only ${dns.counters.udp + dns.counters.tcp} times`, '', '');
    console.log(`stdio door, one connection per run: ${RUNS} runs, cases taking turns; node ${process.versions.node}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);
    console.log('clean environment (env -i PATH=...); CPU = user + system of everything the run started (GNU time included),');
    console.log(`"less queue" takes off the queue program's median; (c) asks ${dns.address} 5 queries\n`);
    report(cases, samples);
  } finally {
    await dns.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
