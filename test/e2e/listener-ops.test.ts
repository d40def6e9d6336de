// Operating `qfront serve`: the concurrency and per-IP limits, a rebuilt tcprules cdb and an
// edited control file seen by the next connection, SIGHUP, the draining SIGTERM, refusing root,
// and one session's breakage leaving the others alone. Loopback only, every wait bounded.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { AS_ROOT, QFRONT, startListener, type Listener, type ListenerOptions } from '../helpers/listener.js';
import { qpOf, SmtpClient, talk, transaction } from '../helpers/smtp-client.js';
import { compileRules, freePort } from '../helpers/tcpserver.js';

async function listenerFor(t: ExecutionContext, opts: ListenerOptions = {}): Promise<Listener> {
  const l = await startListener(opts);
  t.teardown(() => l.stop());
  return l;
}

async function open(t: ExecutionContext, l: Listener): Promise<SmtpClient> {
  const c = await SmtpClient.connect(l.port);
  t.teardown(() => c.destroy());
  return c;
}

const BUSY = '421 too many connections, try again later (#4.3.2)';

test('over --concurrency, a connection gets 421 and is closed; a freed slot is usable again', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t, { args: ['--concurrency', '2'] });
  const a = await open(t, l);
  const b = await open(t, l);
  t.is((await a.reply()).code, 220);
  t.is((await b.reply()).code, 220);
  const c = await open(t, l);
  t.deepEqual((await c.reply()).lines, [BUSY]);
  t.true(await c.waitClose());
  a.send('QUIT\r\n');
  t.is((await a.reply()).code, 221);
  await l.waitForStderr(/^qfront: status: 1\/2$/);
  const d = await talk(l.port, ['QUIT\r\n']);
  t.deepEqual(d.lines, ['220 mail.example.org ESMTP', '221 mail.example.org']);
});

test('over --per-ip, a second connection from the same address gets 421', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t, { args: ['--per-ip', '1'] });
  const a = await open(t, l);
  t.is((await a.reply()).code, 220);
  const b = await open(t, l);
  t.deepEqual((await b.reply()).lines, ['421 too many connections from your address, try again later (#4.3.2)']);
});

test('a rebuilt tcprules cdb applies to the next connection without a restart', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t, { rules: ':allow\n' });
  const relay = ['HELO c\r\n', 'MAIL FROM:<s@x>\r\n', 'RCPT TO:<r@elsewhere.example>\r\n', 'QUIT\r\n'];
  t.is((await talk(l.port, relay)).lines[3], "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
  compileRules(l.dir, '127.:allow,RELAYCLIENT=""\n');
  t.is((await talk(l.port, relay)).lines[3], '250 ok');
  compileRules(l.dir, '127.:deny\n');
  const denied = await talk(l.port, [], { waitClose: true }).catch((e: Error) => e);
  t.true(denied instanceof Error);
});

test('an edited control file applies to the next connection; SIGHUP is logged and harmless', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t);
  const steps = ['MAIL FROM:<s@x>\r\n', 'RCPT TO:<r@new.example>\r\n', 'QUIT\r\n'];
  t.regex((await talk(l.port, steps)).lines[2]!, /^553 /);
  fs.writeFileSync(path.join(l.controlDir, 'rcpthosts'), 'example.org\nnew.example\n');
  t.is((await talk(l.port, steps)).lines[2], '250 ok');
  fs.writeFileSync(path.join(l.controlDir, 'smtpgreeting'), 'greet.example banner\n');
  l.child.kill('SIGHUP');
  await l.waitForStderr(/^qfront: reload: /);
  t.is((await talk(l.port, ['QUIT\r\n'])).lines[0], '220 greet.example banner ESMTP');
});

test('SIGTERM: idle sessions get 421, a message in DATA is finished and queued, then exit 0', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t);
  const idle = await open(t, l);
  t.is((await idle.reply()).code, 220);
  const busy = await open(t, l);
  t.is((await busy.reply()).code, 220);
  for (const line of ['MAIL FROM:<s@x>\r\n', 'RCPT TO:<a@example.org>\r\n', 'DATA\r\n']) {
    busy.send(line);
    await busy.reply();
  }
  busy.send('Subject: drain\r\n\r\nfirst half\r\n');
  await new Promise((r) => setTimeout(r, 200));
  l.child.kill('SIGTERM');
  t.deepEqual((await idle.reply()).lines, ['421 service shutting down, try again later (#4.3.2)']);
  t.true(await idle.waitClose());
  busy.send('second half\r\n.\r\n');
  const accepted = await busy.reply();
  t.regex(accepted.lines[0]!, /^250 ok \d+ qp \d+$/);
  t.deepEqual((await busy.reply()).lines, ['421 service shutting down, try again later (#4.3.2)']);
  t.is(await l.exited(), 0);
  t.true(l.queue.message(qpOf(accepted.lines[0])!).message.toString('latin1').endsWith('first half\nsecond half\n'));
  const refused = await SmtpClient.connect(l.port).catch((e: Error) => e);
  t.true(refused instanceof Error, 'no longer listening');
});

test('a client resetting mid-DATA does not disturb another session delivering at the same time', async (t) => {
  t.timeout(20000);
  const l = await listenerFor(t);
  const broken = await open(t, l);
  await broken.reply();
  for (const line of ['MAIL FROM:<s@x>\r\n', 'RCPT TO:<a@example.org>\r\n', 'DATA\r\n']) {
    broken.send(line);
    await broken.reply();
  }
  broken.send('partial\r\n');
  const other = talk(l.port, ['HELO c\r\n', ...transaction('s@x', ['a@example.org'], 'whole\r\n'), 'QUIT\r\n']);
  broken.socket.resetAndDestroy();
  const tr = await other;
  t.regex(tr.lines[5]!, /^250 ok /);
  await l.waitForStderr(/read failed .*\(during DATA\)/);
  t.is(l.queue.messages().length, 1);
  t.is((await talk(l.port, ['QUIT\r\n'])).lines[1], '221 mail.example.org');
});

// Skipped unless the suite runs as root (as CI does): otherwise there is no root to refuse.
(AS_ROOT ? test : test.skip)('started as root without --user, qfront serve refuses to run', async (t) => {
  const port = await freePort();
  const r = spawnSync(process.execPath, [QFRONT, 'serve', '--listen', `127.0.0.1:${port}`, '--control', '/nonexistent'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    encoding: 'utf8',
    timeout: 10000,
  });
  t.is(r.status, 111);
  t.regex(r.stderr, /refusing to run sessions as root/);
});
