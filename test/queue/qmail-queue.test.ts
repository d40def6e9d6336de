import avaTest, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QmailQueue, queueProgram, SpawnerQueue, type Envelope, type QmailQueueOptions, type Queue, type QueueOutcome } from '../../src/queue/index.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

// Small /bin/sh stand-ins for qmail-queue, written once into a temp dir. OUT names the
// directory where a program leaves what it saw; CODE is the exit status it ends with. Each
// behaviour is checked for both ways of starting the program: from Node with pipes (the stdio
// door) and through queue-spawner with files (the listener).
const root = makeTempDir('qfront-qq-');
avaTest.after.always(() => removeTempDir(root));

const PROGRAMS: Record<string, string> = {
  save: '/bin/cat > "$OUT/msg"\n/bin/cat <&1 > "$OUT/env"\necho $$ > "$OUT/pid"\nexit "$CODE"\n',
  custom: '/bin/cat > /dev/null\n/bin/cat <&1 > /dev/null\nprintf "%s" "$TEXT" >&"$FD"\nexit "$CODE"\n',
  crash: '/bin/cat > /dev/null\nkill -9 $$\n',
  hang: 'exec /bin/sleep 30\n',
  lazy: 'exit 0\n',
  envdump: '/bin/cat > /dev/null\n/bin/cat <&1 > /dev/null\n/usr/bin/env > "$OUT/envdump"\nexit 0\n',
};
const prog: Record<string, string> = {};
for (const [name, body] of Object.entries(PROGRAMS)) {
  prog[name] = path.join(root, name);
  fs.writeFileSync(prog[name]!, `#!/bin/sh\n${body}`, { mode: 0o755 });
}
fs.writeFileSync(path.join(root, 'not-executable'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });

let serial = 0;
function outDir(): string {
  const d = path.join(root, `out${++serial}`);
  fs.mkdirSync(d);
  return d;
}

const ENVELOPE: Envelope = { sender: 's@good.example', recipients: ['a@example.org', 'b@sub.example.net', 'localpart'] };
const ENVELOPE_BYTES = Buffer.from('Fs@good.example\0Ta@example.org\0Tb@sub.example.net\0Tlocalpart\0\0', 'latin1');
const MESSAGE = [
  Buffer.from('Received: from client.example (10.1.2.3)\n  by mx with SMTP; 22 Nov 2026 01:29:41 -0000\n', 'latin1'),
  Buffer.from('Subject: \xe9t\xe9\n\nNUL\0 CR\r bytes\n', 'latin1'),
];
const KINDS: readonly [name: string, make: (o: QmailQueueOptions) => Queue][] = [
  ['pipes', (o) => new QmailQueue(o)],
  ['spawner', (o) => new SpawnerQueue(o)],
];
const Z = (text: string): QueueOutcome => ({ kind: 'failed', permanent: false, text });
const D = (text: string): QueueOutcome => ({ kind: 'failed', permanent: true, text });

for (const [kind, make] of KINDS) {
  const queue = make({ timeoutSeconds: 10 });
  const test = (title: string, fn: (t: ExecutionContext) => unknown): void => avaTest(`${kind}: ${title}`, fn);

  async function deliver(env: Record<string, string | undefined>, message = MESSAGE, envelope = ENVELOPE, deliverIt = true) {
    const job = await queue.open({ env, envelope });
    for (const chunk of message) if (!job.write(chunk)) await job.drained();
    return { job, outcome: await job.close(deliverIt) };
  }

  const codes: [code: number, outcome: QueueOutcome][] = [
    [0, { kind: 'accepted' }],
    [11, D('envelope address too long for qq (#5.1.3)')],
    [31, D('mail server permanently rejected message (#5.3.0)')],
    [53, Z('qq write error or disk full (#4.3.0)')],
    [71, Z('mail server temporarily rejected message (#4.3.0)')],
    [99, Z('qq temporary problem (#4.3.0)')],
    [120, Z('unable to exec qq (#4.3.0)')],
  ];

  for (const [code, want] of codes) {
    test(`a queue program exiting ${code} got the exact message on fd 0 and envelope on fd 1; outcome ${want.kind === 'accepted' ? 'accepted' : want.text}`, async (t) => {
      const out = outDir();
      const { job, outcome } = await deliver({ QMAILQUEUE: prog.save, OUT: out, CODE: String(code) });
      t.deepEqual(outcome, want);
      t.deepEqual(fs.readFileSync(path.join(out, 'msg')), Buffer.concat(MESSAGE));
      t.deepEqual(fs.readFileSync(path.join(out, 'env')), ENVELOPE_BYTES);
      t.is(job.qp, fs.readFileSync(path.join(out, 'pid'), 'latin1').trim(), 'qp is the program\'s pid');
    });
  }

  test('the null sender and 8-bit addresses reach the envelope byte for byte', async (t) => {
    const out = outDir();
    await deliver({ QMAILQUEUE: prog.save, OUT: out, CODE: '0' }, MESSAGE, { sender: '', recipients: ['\xe9@x.example'] });
    t.deepEqual(fs.readFileSync(path.join(out, 'env')), Buffer.from('F\0T\xe9@x.example\0\0', 'latin1'));
  });

  test('close(false) sends no envelope: nothing is accepted', async (t) => {
    const out = outDir();
    const { outcome } = await deliver({ QMAILQUEUE: prog.save, OUT: out, CODE: '0' }, MESSAGE, ENVELOPE, false);
    // Through the spawner the program does not even run: the message never leaves its file.
    if (kind === 'pipes') t.deepEqual(fs.readFileSync(path.join(out, 'env')), Buffer.alloc(0));
    else t.false(fs.existsSync(path.join(out, 'env')));
    t.deepEqual(outcome, Z('qq read error (#4.3.0)'));
  });

  test('exit 82 with a "D" text on fd 4 gives that text as a permanent failure', async (t) => {
    const { outcome } = await deliver({ QMAILQUEUE: prog.custom, TEXT: 'DVirus found: EICAR', FD: '4', CODE: '82' });
    t.deepEqual(outcome, D('Virus found: EICAR'));
  });

  test('exit 88 with a "Z" text on fd 4 gives that text as a temporary failure', async (t) => {
    const { outcome } = await deliver({ QMAILQUEUE: prog.custom, TEXT: 'Zscanner busy', FD: '4', CODE: '88' });
    t.deepEqual(outcome, Z('scanner busy'));
  });

  test('ERROR_FD moves the custom-error descriptor', async (t) => {
    const { outcome } = await deliver({ QMAILQUEUE: prog.custom, ERROR_FD: '5', TEXT: 'Dfrom fd five', FD: '5', CODE: '82' });
    t.deepEqual(outcome, D('from fd five'));
  });

  test('a program killed by a signal gives "qq crashed"', async (t) => {
    const { outcome } = await deliver({ QMAILQUEUE: prog.crash });
    t.deepEqual(outcome, Z('qq crashed (#4.3.0)'));
  });

  test('a missing program is not an exception: close() gives "unable to exec qq"', async (t) => {
    const job = await queue.open({ env: { QMAILQUEUE: path.join(root, 'no-such-program') }, envelope: ENVELOPE });
    t.notThrows(() => job.write(MESSAGE[0]!));
    t.true(await job.drained());
    t.deepEqual(await job.close(true), Z('unable to exec qq (#4.3.0)'));
  });

  test('a program that is not executable gives "unable to exec qq"', async (t) => {
    const job = await queue.open({ env: { QMAILQUEUE: path.join(root, 'not-executable') }, envelope: ENVELOPE });
    job.write(MESSAGE[0]!);
    t.deepEqual(await job.close(true), Z('unable to exec qq (#4.3.0)'));
  });

  test('a program that hangs is killed after the timeout: "qq timeout"', async (t) => {
    const q = make({ timeoutSeconds: 1 });
    const job = await q.open({ env: { QMAILQUEUE: prog.hang }, envelope: ENVELOPE });
    job.write(MESSAGE[0]!);
    const started = Date.now();
    t.deepEqual(await job.close(true), Z('qq timeout (#4.3.0)'));
    t.true(Date.now() - started < 5000);
    t.throws(() => process.kill(Number(job.qp), 0), { code: 'ESRCH' }, 'the program is gone');
  });

  if (kind === 'pipes') test('a program that stops reading makes drained() give up after the timeout', async (t) => {
    const q = make({ timeoutSeconds: 1 });
    const job = await q.open({ env: { QMAILQUEUE: prog.hang }, envelope: ENVELOPE });
    let full = false;
    for (let i = 0; i < 256 && !full; i++) full = !job.write(Buffer.alloc(65536, 0x61));
    t.true(full, 'the pipe never filled up');
    t.false(await job.drained());
    t.deepEqual(await job.close(true), Z('qq timeout (#4.3.0)'));
  });

  test('a program that exits 0 without reading its input is not a success', async (t) => {
    const big = [Buffer.alloc(4 * 1024 * 1024, 0x78)];
    const { outcome } = await deliver({ QMAILQUEUE: prog.lazy }, big);
    t.deepEqual(outcome, Z('qq read error (#4.3.0)'));
  });

  if (kind === 'pipes') test('a program that exits 0 before the message is written is not a success', async (t) => {
    const job = await queue.open({ env: { QMAILQUEUE: prog.lazy }, envelope: ENVELOPE });
    const gone = (): boolean => {
      try {
        process.kill(Number(job.qp), 0);
        return false;
      } catch {
        return true;
      }
    };
    while (!gone()) await new Promise((r) => setTimeout(r, 10));
    for (const chunk of MESSAGE) if (!job.write(chunk)) await job.drained();
    t.deepEqual(await job.close(true), Z('qq read error (#4.3.0)'));
  });

  test('the program runs with exactly the given environment', async (t) => {
    const out = outDir();
    process.env.QFRONT_TEST_NOT_PASSED = 'leak';
    try {
      await deliver({
        QMAILQUEUE: prog.envdump,
        OUT: out,
        TCPREMOTEIP: '10.1.2.3',
        RELAYCLIENT: '',
        SPFRESULT: 'pass',
        WITH_SPACES: 'a b  c',
        UNSET_ONE: undefined,
      });
    } finally {
      delete process.env.QFRONT_TEST_NOT_PASSED;
    }
    const lines = fs.readFileSync(path.join(out, 'envdump'), 'latin1').split('\n');
    for (const want of ['TCPREMOTEIP=10.1.2.3', 'RELAYCLIENT=', 'SPFRESULT=pass', 'WITH_SPACES=a b  c', `QMAILQUEUE=${prog.envdump}`]) {
      t.true(lines.includes(want), want);
    }
    t.false(lines.some((l) => l.startsWith('UNSET_ONE')), 'an undefined value is not passed');
    t.false(lines.some((l) => l.startsWith('QFRONT_TEST_NOT_PASSED')), 'our own environment does not leak in');
  });

  // Pipes notice this only when the message outgrows the pipe buffer (qmail-smtpd too); files always.
  if (kind === 'spawner') test('a program that exits 0 without reading a small message is not a success', async (t) => {
    const { outcome } = await deliver({ QMAILQUEUE: prog.lazy });
    t.deepEqual(outcome, Z('qq read error (#4.3.0)'));
  });
}

avaTest('queueProgram: $QMAILQUEUE, else $QMAILHOME/bin/qmail-queue, else /var/qmail/bin/qmail-queue', (t) => {
  t.is(queueProgram({ QMAILQUEUE: '/usr/bin/simscan' }), '/usr/bin/simscan');
  t.is(queueProgram({ QMAILHOME: '/opt/qmail' }), '/opt/qmail/bin/qmail-queue');
  t.is(queueProgram({}), '/var/qmail/bin/qmail-queue');
});
