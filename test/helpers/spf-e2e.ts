// Glue for the SPF end-to-end tests (test/e2e/spf-*.test.ts): a DNS server on loopback per test
// (always closed), tcpserver and `qfront serve` pointed at it through DNSCACHEIP, the stdio door
// over plain pipes (as ucspi-tcp6's tcpserver or inetd would run it, with any TCPREMOTEIP), and
// readers for what the SPF tests assert on: the header block after qmail-smtpd's Received line,
// the 550 reply's line structure (spec qmail-smtpd.md 3.8.4), qlog lines (6.1).
//
// Client addresses: qfront passes clients on its own addresses (127.0.0.1, ::1, ...) "by local
// policy" without DNS, as qmail-spf does, so a test that wants a real evaluation has its tcprules
// rule override TCPREMOTEIP (tcpserver applies a rule's assignments after setting TCP*, and the
// listener does the same): `127.0.0.1:allow,TCPREMOTEIP="10.1.2.3"`.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionContext } from 'ava';
import { startDnsServer, type DnsServerOptions, type TestDnsServer } from './dns-server.js';
import { parseQlog, serverFor, type QlogLine } from './e2e.js';
import { createFakeQueue, type FakeQueue } from './fake-queue.js';
import { startListener, type Listener, type ListenerOptions } from './listener.js';
import type { Reply } from './smtp-client.js';
import { DEFAULT_CONTROL, QMAIL_SMTPD, writeControl, type Server, type ServerOptions } from './tcpserver.js';
import { txt, zoneOf, type TestZone } from './zone.js';

/** The non-local client address the rules give the session (TEST-NET would do too). */
export const CLIENT_IP = '10.1.2.3';

export { txt, zoneOf };

/**
 * A sender domain for each SPF result as CLIENT_IP sees it (temperror: the server never answers),
 * shared by the stdio-door tests and the spfbehavior matrix.
 */
export const RESULT_ZONE: TestZone = zoneOf({
  'pass.example': [txt(`v=spf1 ip4:${CLIENT_IP} -all`)],
  'fail.example': [txt('v=spf1 -all')],
  'softfail.example': [txt('v=spf1 ~all')],
  'neutral.example': [txt('v=spf1 ?all')],
  'none.example': [{ type: 'A', data: '192.0.2.1' }],
  'permerror.example': [txt('v=spf1 ip4:1.2.3.300 -all')],
  'temperror.example': [{ type: 'TIMEOUT' }],
});

/** A DNS server for this test, closed when the test ends. */
export async function dnsFor(t: ExecutionContext, zone: TestZone, opts: DnsServerOptions = {}): Promise<TestDnsServer> {
  const dns = await startDnsServer(zone, opts);
  t.teardown(() => dns.close());
  return dns;
}

/** tcpserver + bin/qmail-smtpd whose sessions ask `dns` (DNSCACHEIP in tcpserver's environment). */
export function spfServerFor(t: ExecutionContext, dns: TestDnsServer, opts: ServerOptions = {}): Promise<Server> {
  return serverFor(t, { ...opts, env: { DNSCACHEIP: dns.address, ...opts.env } });
}

/** `qfront serve` asking `dns` (DNSCACHEIP in the daemon's environment), stopped when the test ends. */
export async function spfListenerFor(t: ExecutionContext, dns: TestDnsServer, opts: ListenerOptions = {}): Promise<Listener> {
  const l = await startListener({ ...opts, env: { DNSCACHEIP: dns.address, ...opts.env } });
  t.teardown(() => l.stop());
  return l;
}

/** Queries the DNS server has received so far, both transports. */
export const queries = (dns: TestDnsServer): number => dns.counters.udp + dns.counters.tcp;

/**
 * The header lines of a stored message after qmail-smtpd's two-line Received line (spec 4.1),
 * up to the empty line: the first is where Received-SPF must be (spec 4.2, 4.5).
 */
export function linesAfterReceived(message: Buffer): string[] {
  const lines = message.toString('latin1').split('\n');
  if (!/^Received: from /.test(lines[0] ?? '') || !/^ {2}by .* with SMTP; /.test(lines[1] ?? '')) {
    throw new Error(`message does not start with qmail-smtpd's Received line: ${JSON.stringify(message.toString('latin1'))}`);
  }
  const end = lines.indexOf('', 2);
  return lines.slice(2, end === -1 ? undefined : end);
}

/** Every Received-SPF line in the stored message's header. */
export function receivedSpfLines(message: Buffer): string[] {
  const text = message.toString('latin1');
  const header = text.slice(0, text.indexOf('\n\n') === -1 ? undefined : text.indexOf('\n\n'));
  return header.split('\n').filter((l) => /^Received-SPF:/i.test(l));
}

/** A 550 of qmail-spf's form (spec 3.8.4): "550-LINE"..., then "550 LINE (#5.7.1)"; its text lines. */
export function spfRejectionText(reply: Reply | undefined): string[] | undefined {
  if (reply === undefined || reply.code !== 550) return undefined;
  const last = reply.lines.length - 1;
  const ok = reply.lines.every((l, i) => (i === last ? /^550 .* \(#5\.7\.1\)$/.test(l) : /^550-/.test(l)));
  if (!ok) return undefined;
  return reply.lines.map((l, i) => (i === last ? l.slice(4, -' (#5.7.1)'.length) : l.slice(4)));
}

/** The qlog lines (parsed) in a stderr text, optionally only those with the given reason. */
export function qlogLines(stderr: string, reason?: string): QlogLine[] {
  return stderr
    .split('\n')
    .filter((l) => /^qlog(envelope|received): /.test(l))
    .map(parseQlog)
    .filter((q) => reason === undefined || q.fields.reason === reason);
}

export interface PipeRun {
  /** stdout split into reply lines (CRLF removed). */
  readonly lines: string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly queue: FakeQueue;
}

/**
 * Runs bin/qmail-smtpd once over plain pipes with a clean environment plus `env` (the variables a
 * ucspi-tcp6 tcpserver would set, SPFBEHAVIOR, DNSCACHEIP, ...), a control directory and the
 * fake qmail-queue. Writes `input` and closes stdin at once (`printf ... | qmail-smtpd`: the
 * session must act on every buffered command before it sees the end), and resolves when the
 * process exits (killed after timeoutMs).
 */
export async function stdioOverPipes(
  t: ExecutionContext,
  env: Readonly<Record<string, string>>,
  input: string,
  timeoutMs = 15000,
): Promise<PipeRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-spf-pipes-'));
  const queue = createFakeQueue();
  t.teardown(() => {
    queue.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const controlDir = path.join(dir, 'control');
  writeControl(controlDir, { ...DEFAULT_CONTROL });
  const child = spawn(QMAIL_SMTPD, [], {
    env: {
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      CONTROLDIR: controlDir,
      QMAILQUEUE: queue.program,
      ...queue.env(),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('latin1');
  child.stderr.setEncoding('latin1');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.stdout.on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.on('data', (s: string) => {
    stderr += s;
  });
  child.stdin.on('error', () => {});
  child.stdin.end(Buffer.from(input, 'latin1'));
  const code = await exited;
  clearTimeout(killer);
  const lines = stdout.split('\r\n');
  if (lines.at(-1) === '') lines.pop();
  return { lines, stdout, stderr, code, queue };
}
