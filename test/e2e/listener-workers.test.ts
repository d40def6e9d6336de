// `qfront serve --workers 2`: a forked worker serves connections on the listener's own sockets
// (proved by stopping the first process with SIGSTOP, so only the worker can accept), as the
// session user; a killed worker is replaced; SIGHUP reaches every process; SIGTERM ends them all.

import * as fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { AS_ROOT, startListener, type Listener } from '../helpers/listener.js';
import { qpOf, SmtpClient, talk, transaction } from '../helpers/smtp-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `n` workers have said they accept (each logs it once, after adopting the sockets). */
async function accepting(l: Listener, n: number): Promise<void> {
  const deadline = Date.now() + 15000;
  while ((l.stderr().match(/^qfront: worker \d+ accepting$/gm) ?? []).length < n && Date.now() < deadline) await sleep(50);
}

async function pooled(t: ExecutionContext, more: readonly string[] = []): Promise<Listener> {
  const l = await startListener({ args: ['--workers', '2', ...more] });
  t.teardown(() => l.stop());
  await accepting(l, 1);
  return l;
}

/** One message while the first process is stopped, so only a worker can take it; its pid. */
async function viaWorker(t: ExecutionContext, l: Listener, tag: string): Promise<number> {
  process.kill(l.child.pid!, 'SIGSTOP');
  let lines: readonly string[];
  try {
    const body = `Subject: ${tag}\r\n\r\n${tag}\r\n`;
    lines = (await talk(l.port, ['HELO w.example\r\n', ...transaction('s@good.example', ['a@example.org'], body), 'QUIT\r\n'])).lines;
  } finally {
    process.kill(l.child.pid!, 'SIGCONT');
  }
  t.truthy(lines.map(qpOf).find((qp) => qp !== undefined), `${tag}: accepted: ${lines.join(' / ')}`);
  const ok = l.stderr().split('\n').filter((x) => x.startsWith('qfront: ok ')).at(-1) ?? '';
  return Number(ok.split(' ')[2]?.split('.')[0]);
}

const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))![1]);

function workerOf(l: Listener, not: number): number | undefined {
  const kids = fs.readFileSync(`/proc/${l.child.pid}/task/${l.child.pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  return kids.find((k) => k !== not && fs.existsSync(`/proc/${k}`) && fs.readFileSync(`/proc/${k}/cmdline`, 'latin1').includes('--worker'));
}

test('a worker serves on the listener\'s sockets, as the session user, and a killed worker is replaced', async (t) => {
  t.timeout(30000);
  const l = await pooled(t);
  t.regex(l.stderr(), /processes 2/);
  const worker = await viaWorker(t, l, 'first');
  t.not(worker, l.child.pid, 'the session ran in another process');
  t.is(workerOf(l, 0), worker);
  if (AS_ROOT) t.not(uidOf(worker), 0, 'the worker does not run as root');
  t.is(l.queue.messages().length, 1);

  process.kill(worker, 'SIGKILL');
  await l.waitForStderr(new RegExp(`^qfront: alert: worker ${worker} exited \\(SIGKILL\\); starting another`));
  const deadline = Date.now() + 10000;
  let next: number | undefined;
  while (next === undefined && Date.now() < deadline) {
    await sleep(200);
    next = workerOf(l, worker);
  }
  t.truthy(next, 'a new worker was forked');
  await accepting(l, 2);
  t.is(await viaWorker(t, l, 'second'), next!);
  t.is(l.queue.messages().length, 2);
});

test('SIGHUP reaches every process; SIGTERM ends the listener and its workers', async (t) => {
  t.timeout(30000);
  const l = await pooled(t);
  const worker = await viaWorker(t, l, 'hup');
  process.kill(l.child.pid!, 'SIGHUP');
  const reloads = (): number => (l.stderr().match(/^qfront: reload: /gm) ?? []).length;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && reloads() < 2) await sleep(50);
  t.is(reloads(), 2, 'one reload line per process');
  process.kill(l.child.pid!, 'SIGTERM');
  t.is(await l.exited(), 0);
  const gone = Date.now() + 5000;
  while (Date.now() < gone && fs.existsSync(`/proc/${worker}`)) await sleep(50);
  t.false(fs.existsSync(`/proc/${worker}`), 'the worker exited too');
});

test('--concurrency holds for all the processes together: 3 sessions in, the 4th gets 421, a freed slot is usable', async (t) => {
  t.timeout(30000);
  const l = await pooled(t, ['--concurrency', '3']);
  const clients: SmtpClient[] = [];
  t.teardown(() => clients.forEach((c) => c.destroy()));
  const open = async (): Promise<string> => {
    const c = await SmtpClient.connect(l.port);
    clients.push(c);
    return (await c.reply()).lines.join(' / ');
  };
  for (let i = 0; i < 3; i++) t.regex(await open(), /^220 /, `session ${i + 1}`);
  t.is(await open(), '421 too many connections, try again later (#4.3.2)');
  clients[0]!.send('QUIT\r\n');
  await clients[0]!.waitClose();
  await sleep(300);
  t.regex(await open(), /^220 /, 'the freed slot');
  const pids = new Set(l.stderr().split('\n').filter((x) => x.startsWith('qfront: ok ')).map((x) => x.split(' ')[2]!.split('.')[0]));
  t.log(`sessions ran in ${pids.size} process(es)`);
});
