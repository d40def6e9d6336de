// `bin/qfront forward ADDRESS...` as qmail-local runs it from a .qmail file, with the fake
// qmail-queue: the envelope it queues (sender SRS-rewritten or kept by sagredo's rules), the
// message bytes ($DTLINE first, no Received line), and forward's exit codes and stderr texts for
// SRS and queue failures. Expected SRS addresses are rows of the spec's vector file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { buildCdb } from '../helpers/cdb-build.js';
import { makeControlDir, removeDir } from '../helpers/control-dir.js';
import { createFakeQueue, envelopeParts, type FakeQueue, type FakeQueueOptions } from '../helpers/fake-queue.js';
import { runQfront, unixSeconds, type Run } from './run-qfront.js';

const NOW = unixSeconds('2024-01-15 12:00:00');
const ALICE = 'alice@example.com';
const ALICE_SRS0 = 'SRS0=8Nqu=IZ=example.com=alice@fwd.example'; // F001
const MESSAGE = 'From: alice@example.com\nTo: bob@local.example\nSubject: forwarded\n\nhello\n';
const DTLINE = 'Delivered-To: bob@local.example\n';
/** A forwarder as sagredo's qmail-srs sets it up: the SRS domain is one of ours. */
const CONTROL = {
  me: 'mx.local.example\n',
  rcpthosts: 'local.example\n.sub.local.example\nfwd.example\n',
  srs_domain: 'fwd.example\n',
  srs_secrets: 'tops3cret\n',
};
const TO = ['carol@elsewhere.example', 'dave@other.example'];

interface Setup {
  readonly control?: Readonly<Record<string, string | Buffer>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly fakeqq?: FakeQueueOptions;
  readonly args?: readonly string[];
  readonly stdin?: Buffer | string;
}

interface Forwarded {
  readonly run: Run;
  readonly queue: FakeQueue;
  readonly control: string;
}

/** Runs `qfront forward --control DIR ADDRESS...` the way qmail-local would, at NOW. */
async function forward(t: ExecutionContext, setup: Setup = {}): Promise<Forwarded> {
  const control = makeControlDir(setup.control ?? CONTROL);
  const queue = createFakeQueue();
  t.teardown(() => {
    removeDir(control);
    queue.remove();
  });
  const env = { QMAILQUEUE: queue.program, QFRONT_SRS_NOW: NOW, DTLINE, ...queue.env(setup.fakeqq), ...setup.env };
  const run = await runQfront(['forward', '--control', control, ...(setup.args ?? TO)], env, setup.stdin ?? MESSAGE);
  return { run, queue, control };
}

/** Exit 0, "forward: qp PID" on stderr, and one message queued with this envelope sender. */
function queuedFrom(t: ExecutionContext, { run, queue }: Forwarded, sender: string, recipients: readonly string[] = TO): void {
  t.is(run.code, 0, run.stderr);
  const [stored, ...more] = queue.messages();
  t.is(more.length, 0, 'one message queued');
  if (stored === undefined) return void t.fail('nothing queued');
  t.is(run.stderr, `forward: qp ${stored.pid}\n`);
  t.is(run.stdout.length, 0, 'nothing on stdout');
  t.deepEqual(envelopeParts(stored.envelope), [`F${sender}`, ...recipients.map((r) => `T${r}`)]);
}

/** The given exit and stderr line, and nothing queued. */
function failed(t: ExecutionContext, { run, queue }: Forwarded, code: number, stderr: string): void {
  t.is(run.stderr, `${stderr}\n`);
  t.is(run.code, code);
  t.is(run.stdout.length, 0);
  t.is(queue.messages().length, 0, 'nothing queued');
}

test('a foreign sender is queued as its SRS0 address; the message gets $DTLINE and nothing else', async (t) => {
  const f = await forward(t, { env: { NEWSENDER: ALICE, SENDER: ALICE } });
  queuedFrom(t, f, ALICE_SRS0);
  t.is(f.queue.messages()[0]?.message.toString('latin1'), `${DTLINE}${MESSAGE}`, 'no Received line');
});

test('$NEWSENDER is the sender, not $SENDER; it is rewritten when foreign, kept when local', async (t) => {
  queuedFrom(t, await forward(t, { env: { NEWSENDER: ALICE, SENDER: 'someone@else.example' } }), ALICE_SRS0);
  // qmail-local puts a list's owner address in NEWSENDER: ours, so it stays.
  queuedFrom(t, await forward(t, { env: { NEWSENDER: 'list-owner@local.example', SENDER: ALICE } }), 'list-owner@local.example');
});

test('without $NEWSENDER, $SENDER is used (and rewritten); with neither, exit 100', async (t) => {
  queuedFrom(t, await forward(t, { env: { SENDER: ALICE } }), ALICE_SRS0);
  failed(t, await forward(t), 100, 'forward: fatal: NEWSENDER not set (nor SENDER)');
});

test('a local sender is not rewritten: rcpthosts, its .suffix entries, morercpthosts.cdb, the SRS domain', async (t) => {
  queuedFrom(t, await forward(t, { env: { NEWSENDER: 'u@LOCAL.example' } }), 'u@LOCAL.example');
  queuedFrom(t, await forward(t, { env: { NEWSENDER: 'u@a.sub.local.example' } }), 'u@a.sub.local.example');
  queuedFrom(t, await forward(t, { env: { NEWSENDER: 'bob@fwd.example' } }), 'bob@fwd.example');
  queuedFrom(t, await forward(t, { env: { NEWSENDER: 'nodomain' } }), 'nodomain');
  const scratch = makeControlDir({});
  t.teardown(() => removeDir(scratch));
  buildCdb(path.join(scratch, 'more.cdb'), [['more.example', '']]);
  const control = { ...CONTROL, 'morercpthosts.cdb': fs.readFileSync(path.join(scratch, 'more.cdb')) };
  queuedFrom(t, await forward(t, { control, env: { NEWSENDER: 'u@more.example' } }), 'u@more.example');
});

test('without control/rcpthosts every sender counts as local: nothing is rewritten', async (t) => {
  const { rcpthosts: _none, ...control } = CONTROL;
  queuedFrom(t, await forward(t, { control, env: { NEWSENDER: ALICE } }), ALICE);
});

test('srs_alwaysrewrite rewrites local senders too (P048), never the null or double-bounce sender', async (t) => {
  const control = { ...CONTROL, srs_alwaysrewrite: '1\n' };
  queuedFrom(t, await forward(t, { control, env: { NEWSENDER: 'bob@fwd.example' } }), 'SRS0=hi5d=IZ=fwd.example=bob@fwd.example');
  queuedFrom(t, await forward(t, { control, env: { NEWSENDER: '' } }), '');
  queuedFrom(t, await forward(t, { control, env: { NEWSENDER: '#@[]' } }), '#@[]');
  queuedFrom(t, await forward(t, { control, env: { NEWSENDER: 'x' } }), 'x'); // length <= 1: sagredo skips it
});

test('the null sender is kept (a bounce stays a bounce)', async (t) => {
  queuedFrom(t, await forward(t, { env: { NEWSENDER: '', SENDER: '' } }), '');
});

test('an SRS0 sender from another forwarder is queued as SRS1 (F021); UTF-8 senders byte for byte (F009)', async (t) => {
  queuedFrom(
    t,
    await forward(t, { env: { NEWSENDER: 'SRS0=abcd=IZ=orig.example=carol@fwd0.example' } }),
    'SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example',
  );
  const utf8 = await forward(t, { env: { NEWSENDER: 'Jörg.Ü@MÜNCHEN.example' }, args: ['jürgen@elsewhere.example'] });
  t.is(utf8.run.code, 0, utf8.run.stderr);
  const envelope = utf8.queue.messages()[0]?.envelope;
  t.deepEqual(envelope, Buffer.from('FSRS0=+lFV=IZ=MÜNCHEN.example=Jörg.Ü@fwd.example\0Tjürgen@elsewhere.example\0\0', 'utf8'));
});

test('with SRS off the sender is kept, and control/me is not needed', async (t) => {
  queuedFrom(t, await forward(t, { control: { rcpthosts: 'local.example\n' }, env: { NEWSENDER: ALICE } }), ALICE);
});

test('a sender SRS cannot rewrite is exit 100 as in sagredo\'s forward; no secret is exit 111', async (t) => {
  const always = { ...CONTROL, srs_alwaysrewrite: '1\n' };
  failed(t, await forward(t, { control: always, env: { NEWSENDER: 'noatsign' } }), 100, 'forward: fatal: SRS: No at sign in sender address');
  const { srs_secrets: _none, ...secretless } = CONTROL;
  failed(t, await forward(t, { control: secretless, env: { NEWSENDER: ALICE } }), 111, 'forward: fatal: SRS: No secrets in SRS configuration.');
  const unreadable = await forward(t, { control: { ...secretless, 'srs_secrets/': '' }, env: { NEWSENDER: ALICE } });
  failed(t, unreadable, 111, `forward: fatal: unable to read controls: ${path.join(unreadable.control, 'srs_secrets')}: EISDIR`);
});

test('a sender with two \'@\' is forwarded unrewritten, not bounced (spec srs.md 15.1)', async (t) => {
  queuedFrom(t, await forward(t, { env: { NEWSENDER: 'a@b@example.com' } }), 'a@b@example.com');
});

test('queue failures: qmail-queue\'s permanent codes exit 100, temporary ones 111, with qmail\'s text', async (t) => {
  const env = { NEWSENDER: ALICE };
  const cases: [FakeQueueOptions, number, string][] = [
    [{ exit: 31 }, 100, 'mail server permanently rejected message (#5.3.0)'],
    [{ exit: 11 }, 100, 'envelope address too long for qq (#5.1.3)'],
    [{ exit: 53 }, 111, 'qq write error or disk full (#4.3.0)'],
    [{ exit: 71 }, 111, 'mail server temporarily rejected message (#4.3.0)'],
    [{ exit: 'crash' }, 111, 'qq crashed (#4.3.0)'],
    [{ exit: 82, errText: 'Dsorry, no forwarding to that address' }, 100, 'sorry, no forwarding to that address'],
    [{ exit: 82, errText: 'Ztry again later' }, 111, 'try again later'],
  ];
  for (const [fakeqq, code, text] of cases) {
    const { run } = await forward(t, { env, fakeqq });
    t.is(run.stderr, `forward: fatal: ${text}\n`, JSON.stringify(fakeqq));
    t.is(run.code, code, JSON.stringify(fakeqq));
  }
  const missing = await forward(t, { env: { ...env, QMAILQUEUE: '/nonexistent/qmail-queue' } });
  t.is(missing.run.stderr, 'forward: fatal: unable to exec qq (#4.3.0)\n');
  t.is(missing.run.code, 111);
});

test('$QMAILHOME gives the control directory and bin/qmail-queue when nothing else is set', async (t) => {
  const queue = createFakeQueue();
  const home = makeControlDir({ 'control/': '', 'bin/': '' });
  t.teardown(() => {
    queue.remove();
    removeDir(home);
  });
  for (const [name, content] of Object.entries(CONTROL)) fs.writeFileSync(path.join(home, 'control', name), content);
  fs.symlinkSync(queue.program, path.join(home, 'bin', 'qmail-queue'));
  const env = { QMAILHOME: home, QFRONT_SRS_NOW: NOW, NEWSENDER: ALICE, ...queue.env() };
  const run = await runQfront(['forward', 'carol@elsewhere.example'], env, MESSAGE);
  queuedFrom(t, { run, queue, control: home }, ALICE_SRS0, ['carol@elsewhere.example']);
  t.is(queue.messages()[0]?.environ.NEWSENDER, ALICE, 'qmail-queue runs in forward\'s environment');
  t.is(queue.messages()[0]?.message.toString('latin1'), MESSAGE, 'no $DTLINE: the message as it came');
});

test('a large message goes through intact', async (t) => {
  const body = Buffer.alloc(3 * 1024 * 1024, 'abcdefghij\n');
  const f = await forward(t, { env: { NEWSENDER: ALICE }, stdin: body });
  queuedFrom(t, f, ALICE_SRS0);
  t.true(f.queue.messages()[0]?.message.equals(Buffer.concat([Buffer.from(DTLINE), body])));
});

test('no ADDRESS is bad usage: exit 100, nothing queued', async (t) => {
  const f = await forward(t, { env: { NEWSENDER: ALICE }, args: [] });
  t.is(f.run.code, 100);
  t.regex(f.run.stderr, /^forward: fatal: forward to which ADDRESS\?\nusage: qfront forward \[--control DIR\] ADDRESS\.\.\.\n/);
  t.is(f.queue.messages().length, 0);
});
