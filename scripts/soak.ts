// The soak run of issue 6 (item 5): `bin/qfront serve` on 127.0.0.1 in a clean environment
// (startListener: PATH and the variables below only) with a fault-injecting qmail-queue, and a
// client that delivers N messages, each with a unique Message-ID, retrying each one on a 4xx or a
// broken connection (as an MTA would, at most --tries times) and giving up on a 5xx. Some
// sessions are relay attempts (recipients outside rcpthosts) and some are smuggling attempts
// (a second message hidden behind a non-CRLF end of data). Then it counts what reached the queue.
//
// The queue program (written to a temporary directory) reads message and envelope like
// qmail-queue and, for --faults percent of its runs, fails before committing: a temporary exit
// code, a permanent one (31), SIGKILL, a hang (killed by QFRONT_QUEUE_TIMEOUT=2), or a 1 s delay
// after which it commits and exits 0. A run commits (renames into queue/) only with a complete
// envelope and only when it is going to exit 0, as qmail-queue does.
//
// Must-be-zero numbers: losses (a 250 whose message is not in the queue), duplicates, relays
// (a recipient outside rcpthosts accepted or queued), smuggled (a queued message that was not sent
// as one), crashes (the listener exited). Exit 1 when any is non-zero.
// Usage: scripts/soak [--messages 50000] [--faults 10] [--parallel 20] [--tries 10]

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AS_ROOT, startListener } from '../test/helpers/listener.js';
import { SmtpClient } from '../test/helpers/smtp-client.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bad --${name}`);
  return n;
}

const total = arg('messages', 50000);
const faultPercent = arg('faults', 10);
const parallel = arg('parallel', 20);
const maxTries = arg('tries', 10);
const RELAY_EVERY = 50;
const SMUGGLE_EVERY = 50;
const RCPTHOSTS = ['example.org', '.example.net'];

const QQ = `#!/bin/sh
# Fault-injecting qmail-queue for scripts/soak (see there).
d=\${SOAKQQ_DIR:?}
t=$d/tmp/$$
cat > "$t.msg" || exit 54
cat <&1 > "$t.env" || exit 54
if [ "$(tail -c 2 "$t.env" | od -An -tx1 | tr -d ' \\n')" != 0000 ] || [ "$(head -c 1 "$t.env")" != F ]; then
  rm -f "$t.msg" "$t.env"; echo incomplete >> "$d/faults.log"; exit 54
fi
# pids wrap (pid_max may be 32768): the file name adds random bits to the pid (the qp).
set -- $(od -An -N8 -tu2 /dev/urandom); r=$1; u=$$.$2.$3.$4
if [ $((r % 1000)) -lt \${SOAKQQ_PERMILLE:-100} ]; then
  k=$((r / 1000 % 20))
  if [ $k -lt 8 ]; then
    rm -f "$t.msg" "$t.env"; echo temp >> "$d/faults.log"
    case $((k % 4)) in 0) exit 51;; 1) exit 53;; 2) exit 71;; *) exit 99;; esac
  elif [ $k -lt 9 ]; then
    rm -f "$t.msg" "$t.env"; echo perm >> "$d/faults.log"; exit 31
  elif [ $k -lt 13 ]; then
    rm -f "$t.msg" "$t.env"; echo crash >> "$d/faults.log"; kill -KILL $$
  elif [ $k -lt 15 ]; then
    rm -f "$t.msg" "$t.env"; echo hang >> "$d/faults.log"; exec sleep 20
  else
    echo slow >> "$d/faults.log"; sleep 1
  fi
fi
mv "$t.env" "$d/queue/$u.env" && mv "$t.msg" "$d/queue/$u.msg" || exit 53
exit 0
`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-soak-'));
for (const sub of ['', 'tmp', 'queue']) {
  fs.mkdirSync(path.join(work, sub), { recursive: true });
  if (AS_ROOT) fs.chmodSync(path.join(work, sub), 0o777);
}
const qq = path.join(work, 'qmail-queue');
fs.writeFileSync(qq, QQ, { mode: 0o755 });

const listener = await startListener({
  control: { timeoutsmtpd: '20\n' },
  args: ['--concurrency', String(Math.max(40, parallel * 2))],
  env: { QMAILQUEUE: qq, SOAKQQ_DIR: work, SOAKQQ_PERMILLE: String(Math.round(faultPercent * 10)), QFRONT_QUEUE_TIMEOUT: '2' },
});
let crashed = false;
void listener.exited().then(() => {
  crashed = true;
});

type Kind = 'normal' | 'relay' | 'smuggle';
const SMUGGLE_ENDS = ['\n.\n', '\r.\r', '\r\n.\n', '\n.\r\n', '\r\n.\r', '\r\n\0.\r\n'];

interface Sent {
  readonly id: string;
  readonly kind: Kind;
  tries: number;
  /** qp of the 250, when there was one. */
  qp?: number;
  outcome: 'accepted' | 'bounced' | 'gave up';
}

const stats = { sessions: 0, broken: 0, temp: 0, relayAccepted: 0, extraReplies: 0 };
const runId = `${process.pid}.${Date.now()}`;

function messageFor(n: number, kind: Kind): { id: string; body: string; rcpts: string[] } {
  const id = `<soak-${n}.${runId}@soak.test>`;
  const head = `Message-ID: ${id}\r\nFrom: s@good.example\r\nSubject: soak ${n}\r\n\r\n`;
  if (kind === 'relay') {
    const outside = [`v${n}@outside.test`, `v${n}@example.org.outside.test`, `v${n}@EXAMPLE.NET`, `v${n}@[192.0.2.1]`, `v${n}@example.org.`][n % 5]!;
    return { id, body: `${head}relay attempt\r\n`, rcpts: [outside, `a${n % 7}@example.org`] };
  }
  if (kind === 'smuggle') {
    const end = SMUGGLE_ENDS[n % SMUGGLE_ENDS.length]!;
    const inner = `<smuggled-${n}.${runId}@soak.test>`;
    const body = `${head}before${end}MAIL FROM:<evil@spoof.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nMessage-ID: ${inner}\r\n\r\nsmuggled\r\n`;
    return { id, body, rcpts: ['a@example.org'] };
  }
  return { id, body: `${head}line one\r\nline two\r\n`, rcpts: [`a${n % 7}@example.org`, ...(n % 3 === 0 ? ['b@sub.example.net'] : [])] };
}

const inRcptHosts = (addr: string): boolean => {
  const domain = addr.slice(addr.lastIndexOf('@') + 1).toLowerCase();
  return RCPTHOSTS.some((h) => (h.startsWith('.') ? domain.endsWith(h) : domain === h));
};

/** One session; resolves with the final reply code of the message (0: broken connection). */
async function attempt(port: number, m: { body: string; rcpts: string[] }, kind: Kind): Promise<{ code: number; qp?: number }> {
  stats.sessions++;
  let c: SmtpClient | undefined;
  try {
    c = await SmtpClient.connect(port, 10000);
    const step = async (line: string): Promise<number> => {
      c!.send(line);
      return (await c!.reply(30000)).code;
    };
    if ((await c.reply(30000)).code !== 220) return { code: 0 };
    await step('HELO soak.client\r\n');
    const mail = await step('MAIL FROM:<s@good.example>\r\n');
    if (mail !== 250) return { code: mail };
    let ok = 0;
    let lastRcpt = 0;
    for (const r of m.rcpts) {
      lastRcpt = await step(`RCPT TO:<${r}>\r\n`);
      if (lastRcpt === 250) ok++;
      if (lastRcpt === 250 && kind === 'relay' && !inRcptHosts(r)) stats.relayAccepted++;
    }
    if (ok === 0) return { code: lastRcpt };
    const data = await step('DATA\r\n');
    if (data !== 354) return { code: data };
    c.send(`${m.body}.\r\n`);
    const reply = await c.reply(30000);
    const last = reply.lines.at(-1) ?? '';
    const qp = /^250 ok \d+ qp (\d+)$/.exec(last)?.[1];
    // A smuggled MAIL/RCPT/DATA executed as commands would earn more replies: look briefly.
    c.send('QUIT\r\n');
    const next = await c.reply(5000).catch(() => undefined);
    if (next !== undefined && next.code !== 221) stats.extraReplies++;
    return qp === undefined ? { code: reply.code } : { code: 250, qp: Number(qp) };
  } catch {
    return { code: 0 };
  } finally {
    c?.destroy();
  }
}

const sent: Sent[] = [];
const started = Date.now();
let next = 0;
async function worker(): Promise<void> {
  for (;;) {
    const n = next++;
    if (n >= total) return;
    const kind: Kind = n % RELAY_EVERY === 7 ? 'relay' : n % SMUGGLE_EVERY === 23 ? 'smuggle' : 'normal';
    const m = messageFor(n, kind);
    const s: Sent = { id: m.id, kind, tries: 0, outcome: 'gave up' };
    sent.push(s);
    while (s.tries < maxTries && !crashed) {
      s.tries++;
      const r = await attempt(listener.port, m, kind);
      if (r.code === 250) {
        s.qp = r.qp;
        s.outcome = 'accepted';
        break;
      }
      if (r.code >= 500) {
        s.outcome = 'bounced';
        break;
      }
      if (r.code === 0) stats.broken++;
      else stats.temp++;
      await new Promise((res) => setTimeout(res, 20 * s.tries));
    }
    if ((n + 1) % 5000 === 0) console.error(`soak: ${n + 1} messages handled, ${Math.round((Date.now() - started) / 1000)} s`);
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
const elapsed = (Date.now() - started) / 1000;
// Hung queue programs die by the listener's timeout; let the last ones go.
await new Promise((r) => setTimeout(r, 2500));
const listenerAlive = listener.child.exitCode === null && listener.child.signalCode === null;

// The queue, by Message-ID.
const queueDir = path.join(work, 'queue');
const byId = new Map<string, number[]>();
let relaysQueued = 0;
for (const f of fs.readdirSync(queueDir).filter((x) => x.endsWith('.msg'))) {
  const name = f.slice(0, -4);
  const pid = Number(name.split('.')[0]);
  const text = fs.readFileSync(path.join(queueDir, f), 'latin1');
  const header = text.slice(0, text.indexOf('\n\n') === -1 ? undefined : text.indexOf('\n\n'));
  const id = /^Message-ID: (.*)$/im.exec(header)?.[1] ?? '(none)';
  byId.set(id, [...(byId.get(id) ?? []), pid]);
  const env = fs.readFileSync(path.join(queueDir, `${name}.env`), 'latin1').split('\0');
  if (env.filter((p) => p.startsWith('T')).some((p) => !inRcptHosts(p.slice(1)))) relaysQueued++;
}
const sentIds = new Set(sent.map((s) => s.id));
const accepted = sent.filter((s) => s.outcome === 'accepted');
let losses = 0;
let duplicates = 0;
let found = 0;
let queuedWithout250 = 0;
for (const s of sent) {
  const copies = byId.get(s.id) ?? [];
  if (copies.length > 0) found++;
  if (copies.length > 1) duplicates += copies.length - 1;
  if (s.outcome === 'accepted' && (s.qp === undefined || !copies.includes(s.qp))) losses++;
  if (s.outcome !== 'accepted' && copies.length > 0) queuedWithout250++;
}
const smuggled = [...byId.keys()].filter((id) => !sentIds.has(id)).reduce((n, id) => n + byId.get(id)!.length, 0);
const relays = stats.relayAccepted + relaysQueued;
const crashes = crashed || !listenerAlive ? 1 : 0;
const faults = fs.existsSync(path.join(work, 'faults.log'))
  ? fs.readFileSync(path.join(work, 'faults.log'), 'latin1').split('\n').filter(Boolean).reduce<Record<string, number>>((a, k) => ({ ...a, [k]: (a[k] ?? 0) + 1 }), {})
  : {};

const row = (k: string, v: number | string): void => console.log(`${k.padEnd(34)} ${v}`);
row('messages sent', sent.length);
row('  of which relay attempts', sent.filter((s) => s.kind === 'relay').length);
row('  of which smuggling attempts', sent.filter((s) => s.kind === 'smuggle').length);
row('sessions (tries)', stats.sessions);
row('250s received', accepted.length);
row('5xx (client gave up at once)', sent.filter((s) => s.outcome === 'bounced').length);
row(`gave up after ${maxTries} tries`, sent.filter((s) => s.outcome === 'gave up').length);
row('4xx replies (retried)', stats.temp);
row('broken connections (retried)', stats.broken);
row('faults injected', Object.entries(faults).map(([k, v]) => `${k} ${v}`).join(', ') || 'none');
row('messages found in queue', found);
row('queued without a 250', queuedWithout250);
row('duplicates', duplicates);
row('losses', losses);
row('relays', relays);
row('smuggled', smuggled);
row('extra replies after DATA', stats.extraReplies);
row('crashes', crashes);
row('elapsed', `${elapsed.toFixed(1)} s (${(sent.length / elapsed).toFixed(0)} messages/s, ${parallel} parallel)`);

const bad = losses + duplicates + relays + smuggled + crashes;
if (crashes) console.error(`listener stderr tail:\n${listener.stderr().split('\n').slice(-20).join('\n')}`);
await listener.stop();
fs.rmSync(work, { recursive: true, force: true });
process.exit(bad === 0 ? 0 : 1);
