// `bin/qfront spf`, the admin's "why was this rejected?" tool, run as a program against the DNS
// server on 127.0.0.1 (DNSCACHEIP in its environment, nothing else from the test runner): the
// result word alone on the first line, then the explanation, then the Received-SPF line a message
// would get; --trace shows each DNS query and term decision with the lookup count; --control
// adds the reply the server would give; bad usage exits 100 with the usage on stderr.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { QFRONT } from '../helpers/listener.js';
import { CLIENT_IP, dnsFor, txt, zoneOf } from '../helpers/spf-e2e.js';

const ZONE = zoneOf({
  'fail.example': [txt('v=spf1 -all')],
  'pass.example': [txt(`v=spf1 ip4:${CLIENT_IP} -all`)],
  'traced.example': [txt('v=spf1 ip4:192.0.2.0/24 include:inc.example -all')],
  'inc.example': [txt('v=spf1 a -all'), { type: 'A', data: '192.0.2.9' }],
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: string[];
}

function qfrontSpf(args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [QFRONT, 'spf', ...args],
      { env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, ...env }, timeout: 15000, encoding: 'latin1' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr, lines: stdout.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '') });
      },
    );
  });
}

function controlDir(t: ExecutionContext, files: Readonly<Record<string, string>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-spf-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

test('qfront spf --ip --sender prints "fail" alone, then the explanation, then the Received-SPF line; exit 0', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE);
  const run = await qfrontSpf(['--ip', CLIENT_IP, '--sender', 'u@fail.example'], { DNSCACHEIP: dns.address });
  t.is(run.code, 0, run.stderr);
  t.is(run.lines[0], 'fail');
  t.regex(run.lines[1] ?? '', /fail\.example/, 'the explanation names the domain');
  t.regex(run.lines[1] ?? '', /10\.1\.2\.3/, 'and the address');
  t.false((run.lines[1] ?? '').startsWith('Received-SPF:'));
  // Without --receiver or --control, the receiving host is this machine's name.
  t.is(
    run.lines[2],
    `Received-SPF: fail (${os.hostname()}: SPF record at fail.example does not designate ${CLIENT_IP} as permitted sender) client-ip=${CLIENT_IP}; envelope-from=u@fail.example;`,
  );
  t.is(run.lines.length, 3, run.stdout);
  t.true(dns.counters.udp >= 1, 'it asked the server DNSCACHEIP names');

  const pass = await qfrontSpf(['--ip', CLIENT_IP, '--sender', 'u@pass.example', '--receiver', 'mx.example'], { DNSCACHEIP: dns.address });
  t.is(pass.code, 0, pass.stderr);
  t.is(pass.lines[0], 'pass', 'the first line is the result, whatever it is');
  t.is(pass.lines[2], `Received-SPF: pass (mx.example: SPF record at pass.example designates ${CLIENT_IP} as permitted sender) client-ip=${CLIENT_IP}; envelope-from=u@pass.example;`);
});

test('qfront spf --trace prints every DNS query and term decision, and the lookup count', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE);
  const run = await qfrontSpf(['--ip', CLIENT_IP, '--sender', 'u@traced.example', '--trace'], { DNSCACHEIP: dns.address });
  t.is(run.code, 0, run.stderr);
  t.is(run.lines[0], 'fail');
  const start = run.lines.indexOf('trace:');
  t.true(start > 0, run.stdout);
  const trace = run.lines.slice(start + 1).join('\n');
  // The queries, in order: the sender's record, the included record, the "a" term's A lookup.
  const order = ['TXT traced.example', 'TXT inc.example', 'A inc.example'].map((q) => trace.search(new RegExp(`\\b${q.replace('.', '\\.')}\\b`)));
  t.true(order.every((i) => i >= 0), `each query is shown:\n${trace}`);
  t.deepEqual([...order].sort((a, b) => a - b), order, `in the order they were made:\n${trace}`);
  t.regex(trace, /192\.0\.2\.9/, 'with the answer');
  t.regex(trace, /ip4:192\.0\.2\.0\/24 -> no match/, 'each term with its decision');
  t.regex(trace, /include:inc\.example -> no match/);
  t.regex(trace, /traced\.example: -all -> match: fail/);
  t.is(run.lines.at(-1), '  lookups: 2 of 10', 'include and a count against RFC 7208\'s limit of 10');
});

test('qfront spf --control DIR with spfbehavior 3 prints the 550 the server would give', async (t) => {
  t.timeout(20000);
  const dns = await dnsFor(t, ZONE);
  const dir = controlDir(t, { me: 'mx.example\n', spfbehavior: '3\n' });
  const run = await qfrontSpf(['--ip', CLIENT_IP, '--sender', 'u@fail.example', '--control', dir], { DNSCACHEIP: dns.address });
  t.is(run.code, 0, run.stderr);
  t.is(run.lines[0], 'fail');
  t.true((run.lines[2] ?? '').startsWith('Received-SPF: fail (mx.example: '), `control/me names the receiver: ${run.lines[2]}`);
  const reply = run.lines.find((l) => l.startsWith('reply: '));
  t.regex(reply ?? '', /^reply: 550[- ].*\(#5\.7\.1\)/, run.stdout);

  // The same sender at spfbehavior 2 (SPFBEHAVIOR overrides the file): not refused.
  const lenient = await qfrontSpf(['--ip', CLIENT_IP, '--sender', 'u@fail.example', '--control', dir], { DNSCACHEIP: dns.address, SPFBEHAVIOR: '2' });
  t.is(lenient.code, 0, lenient.stderr);
  const line = lenient.lines.find((l) => l.startsWith('reply: '));
  t.truthy(line, lenient.stdout);
  t.notRegex(line!, /^reply: [45]\d\d/, 'no refusal at level 2');
});

test('qfront spf without --ip exits 100 with the usage on stderr and nothing on stdout', async (t) => {
  t.timeout(20000);
  const run = await qfrontSpf(['--sender', 'u@fail.example'], { DNSCACHEIP: '127.0.0.1:9' });
  t.is(run.code, 100);
  t.regex(run.stderr, /--ip/);
  t.regex(run.stderr, /^usage: qfront spf --ip IP/m);
  t.is(run.stdout, '');
});
