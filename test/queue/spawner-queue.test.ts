// What only the listener's way of starting qmail-queue has: temporary files that never outlive a
// run, a qp known once the run started, and a helper that dies mid-run (the run is then "waitpid
// surprise", never accepted) and is started again for the next message.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpawnerQueue, type Envelope } from '../../src/queue/index.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

const root = makeTempDir('qfront-spawner-');
const tmp = path.join(root, 'tmp');
fs.mkdirSync(tmp);
test.after.always(() => removeTempDir(root));

const save = path.join(root, 'save');
fs.writeFileSync(save, '#!/bin/sh\n/bin/cat > "$OUT.msg"\n/bin/cat <&1 > "$OUT.env"\nexit "${CODE:-0}"\n', { mode: 0o755 });
const slow = path.join(root, 'slow');
fs.writeFileSync(slow, '#!/bin/sh\n/bin/cat > /dev/null\n/bin/cat <&1 > /dev/null\nexec /bin/sleep 30\n', { mode: 0o755 });

const ENVELOPE: Envelope = { sender: 's@good.example', recipients: ['a@example.org'] };
const queue = new SpawnerQueue({ timeoutSeconds: 10 });
const env = (more: Record<string, string>): Record<string, string> => ({ QFRONT_TMPDIR: tmp, ...more });
const leftovers = (): string[] => fs.readdirSync(tmp).flatMap((d) => fs.readdirSync(path.join(tmp, d)));

test.serial('no temporary file is left after an accepted run, a failed run, close(false) and abort()', async (t) => {
  for (const code of ['0', '71']) {
    const job = await queue.open({ env: env({ QMAILQUEUE: save, OUT: path.join(root, `out${code}`), CODE: code }), envelope: ENVELOPE });
    t.is(job.qp, '', 'no qp before the run starts');
    job.write(Buffer.from('Subject: x\n\nbody\n'));
    const outcome = await job.close(true);
    t.is(outcome.kind, code === '0' ? 'accepted' : 'failed');
    t.regex(job.qp, /^\d+$/, 'the qp is the run\'s pid');
    t.is(fs.readFileSync(path.join(root, `out${code}.msg`), 'latin1'), 'Subject: x\n\nbody\n');
    t.deepEqual(leftovers(), [], `after exit ${code}`);
  }
  const dropped = await queue.open({ env: env({ QMAILQUEUE: save, OUT: path.join(root, 'never') }), envelope: ENVELOPE });
  dropped.write(Buffer.from('x\n'));
  t.is((await dropped.close(false)).kind, 'failed');
  t.false(fs.existsSync(path.join(root, 'never.msg')), 'close(false) runs nothing');
  const aborted = await queue.open({ env: env({ QMAILQUEUE: save, OUT: path.join(root, 'never') }), envelope: ENVELOPE });
  aborted.write(Buffer.from('x\n'));
  aborted.abort();
  t.deepEqual(leftovers(), []);
});

test.serial('the helper killed mid-run: "qq waitpid surprise", and the next message gets a new helper', async (t) => {
  const job = await queue.open({ env: env({ QMAILQUEUE: slow }), envelope: ENVELOPE });
  job.write(Buffer.from('x\n'));
  const closing = job.close(true);
  while (job.qp === '') await new Promise((r) => setTimeout(r, 10));
  const helper = fs.readFileSync(`/proc/${job.qp}/stat`, 'latin1').split(') ')[1]!.split(' ')[1]!;
  process.kill(Number(helper), 'SIGKILL');
  t.deepEqual(await closing, { kind: 'failed', permanent: false, text: 'qq waitpid surprise (#4.3.0)' });
  process.kill(Number(job.qp), 'SIGKILL');
  const next = await queue.open({ env: env({ QMAILQUEUE: save, OUT: path.join(root, 'after') }), envelope: ENVELOPE });
  next.write(Buffer.from('after\n'));
  t.deepEqual(await next.close(true), { kind: 'accepted' });
  t.is(fs.readFileSync(path.join(root, 'after.env'), 'latin1'), 'Fs@good.example\0Ta@example.org\0\0');
});

test.serial('many runs at once each get their own message and envelope', async (t) => {
  const jobs = await Promise.all(
    Array.from({ length: 30 }, (_, i) => queue.open({ env: env({ QMAILQUEUE: save, OUT: path.join(root, `many${i}`) }), envelope: { sender: `s${i}@x.example`, recipients: ['a@example.org'] } })),
  );
  jobs.forEach((j, i) => j.write(Buffer.from(`message ${i}\n`)));
  const outcomes = await Promise.all(jobs.map((j) => j.close(true)));
  t.true(outcomes.every((o) => o.kind === 'accepted'));
  for (let i = 0; i < jobs.length; i++) {
    t.is(fs.readFileSync(path.join(root, `many${i}.msg`), 'latin1'), `message ${i}\n`);
    t.is(fs.readFileSync(path.join(root, `many${i}.env`), 'latin1'), `Fs${i}@x.example\0Ta@example.org\0\0`);
  }
  t.is(new Set(jobs.map((j) => j.qp)).size, jobs.length, 'one pid per run');
});
