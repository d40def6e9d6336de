// Faults that must not lose mail (issue 6, item 5), as invariants over both doors: whatever goes
// wrong (qmail-queue exiting with any code, crashing, hanging, being slow; the DNS server down,
// silent, failing or truncating with SPF on; control files rewritten mid-session; the listener
// SIGKILLed mid-DATA and restarted) every message that got 250 is in the queue exactly once,
// every other one got a 4xx/5xx or a broken connection, and no 250 is given for mail not queued.
//
// "In the queue" with the fake qmail-queue: the fake keeps every complete delivery, whatever its
// exit status, but a real qmail-queue commits only when it exits 0. So a message is queued when it
// was stored by a run that exited 0: the run whose pid is the qp of the 250 reply. The runs here
// are sequential, so run N gets word N of FAKEQQ_EXIT and the exit status of each message is known.
// Every message carries a unique Message-ID, the key the invariants count by.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { DOORS, startDoor, type Door, type DoorName } from '../helpers/doors.js';
import { eventually } from '../helpers/e2e.js';
import type { FakeQueue } from '../helpers/fake-queue.js';
import { AS_ROOT, QFRONT, startListener } from '../helpers/listener.js';
import { SmtpClient, qpOf, type Reply } from '../helpers/smtp-client.js';
import { CLIENT_IP, dnsFor, spfListenerFor, spfServerFor, txt, zoneOf } from '../helpers/spf-e2e.js';
import { startServer } from '../helpers/tcpserver.js';
import { queueOutcome } from '../../src/queue/exit-codes.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

const ACCEPT = /^250 ok \d+ qp \d+$/;

async function doorFor(t: ExecutionContext, name: DoorName, env: Record<string, string>, control: Record<string, string> = {}): Promise<Door> {
  const door = await startDoor(name, control, env);
  t.teardown(() => door.stop());
  return door;
}

let serial = 0;
/** A message with a Message-ID unique in this file. */
function message(tag: string): { id: string; body: string } {
  const id = `<${tag}.${process.pid}.${++serial}@faults.test>`;
  return { id, body: `Message-ID: ${id}\r\nSubject: ${tag}\r\n\r\nbody of ${tag}\r\n` };
}

/** The Message-ID header of a stored message (LF line ends), or undefined. */
function messageIdOf(stored: Buffer): string | undefined {
  const text = stored.toString('latin1');
  const end = text.indexOf('\n\n');
  return /^Message-ID: (.*)$/im.exec(end === -1 ? text : text.slice(0, end))?.[1];
}

function storedCopies(queue: FakeQueue, id: string): number[] {
  return queue.messages().filter((m) => messageIdOf(m.message) === id).map((m) => m.pid);
}

/** What one transaction ended with: the final reply, or 'broken' when the connection went away. */
type Outcome = { reply: Reply; stage: 'MAIL' | 'RCPT' | 'DATA' | 'body' } | 'broken';

/** One transaction on an open client (after HELO); never throws for a broken connection. */
async function transact(c: SmtpClient, sender: string, rcpts: readonly string[], body: string): Promise<Outcome> {
  try {
    c.send(`MAIL FROM:<${sender}>\r\n`);
    const mail = await c.reply();
    if (mail.code !== 250) return { reply: mail, stage: 'MAIL' };
    let accepted = 0;
    let last: Reply = mail;
    for (const r of rcpts) {
      c.send(`RCPT TO:<${r}>\r\n`);
      last = await c.reply();
      if (last.code === 250) accepted++;
    }
    if (accepted === 0) {
      c.send('RSET\r\n');
      await c.reply();
      return { reply: last, stage: 'RCPT' };
    }
    c.send('DATA\r\n');
    const data = await c.reply();
    if (data.code !== 354) return { reply: data, stage: 'DATA' };
    c.send(`${body}.\r\n`);
    return { reply: await c.reply(), stage: 'body' };
  } catch {
    return 'broken';
  }
}

/** A whole session: connect, HELO, one transaction, QUIT. */
async function deliver(port: number, body: string, sender = 's@good.example', rcpts: readonly string[] = ['a@example.org']): Promise<Outcome> {
  let c: SmtpClient;
  try {
    c = await SmtpClient.connect(port);
  } catch {
    return 'broken';
  }
  try {
    await c.reply();
    c.send('HELO client.example\r\n');
    await c.reply();
    const out = await transact(c, sender, rcpts, body);
    if (out !== 'broken') {
      c.send('QUIT\r\n');
      await c.reply().catch(() => undefined);
    }
    return out;
  } catch {
    return 'broken';
  } finally {
    c.destroy();
  }
}

const is250 = (o: Outcome): boolean => o !== 'broken' && ACCEPT.test(o.reply.lines.at(-1) ?? '');
const describe = (o: Outcome): string => (o === 'broken' ? 'broken connection' : `${o.stage}: ${o.reply.lines.join(' / ')}`);

/**
 * The invariant for one message: a 250 names (qp) a run that stored exactly this message, and it
 * is its only 250; anything else is a 4xx/5xx or a broken connection.
 */
function assertInvariant(t: ExecutionContext, queue: FakeQueue, id: string, outcomes: readonly Outcome[], where: string): void {
  const accepted = outcomes.filter(is250);
  t.true(accepted.length <= 1, `${where}: ${id} got ${accepted.length} 250s`);
  for (const o of outcomes) {
    if (o === 'broken') continue;
    const code = o.reply.code;
    t.true(code === 250 ? is250(o) : code >= 400 && code < 600, `${where}: ${id}: ${describe(o)}`);
  }
  if (accepted.length === 1) {
    const qp = qpOf((accepted[0] as { reply: Reply }).reply)!;
    t.is(messageIdOf(queue.message(qp).message), id, `${where}: the 250's qp stored this message`);
  }
}

// ---------------------------------------------------------------------------------------------
// qmail-queue exit codes: every code of the table (src/queue/exit-codes.ts, spec 5.2), the
// custom-error codes without text, codes outside the table, and a crash, in one connection per
// door (a failed DATA leaves the session usable). 250 iff the run exited 0.

const EXIT_WORDS: readonly string[] = [
  '0', '11', '115', '31', '32', '51', '52', '53', '54', '55', '56', '58', '59', '61', '62', '63', '64', '65',
  '66', '70', '71', '72', '73', '74', '81', '91', '120', '122', '123', '82', '88',
  // outside the table: 1..10 and 41.. are temporary, 12..40 permanent
  '1', '10', '12', '40', '41', '99', '100', '127', '255', 'crash', '0',
];

for (const name of DOORS) {
  test(`${name}: every qmail-queue exit code: 250 iff exit 0, each code its table reply, the 250 names the stored run`, async (t) => {
    t.timeout(30000);
    const door = await doorFor(t, name, { FAKEQQ_EXIT: EXIT_WORDS.join(' ') });
    const c = await SmtpClient.connect(door.port);
    t.teardown(() => c.destroy());
    await c.reply();
    c.send('HELO client.example\r\n');
    await c.reply();
    const ids: string[] = [];
    for (const word of EXIT_WORDS) {
      const m = message(`exit-${word}`);
      ids.push(m.id);
      const out = await transact(c, 's@good.example', ['a@example.org'], m.body);
      const where = `${name}, exit ${word}`;
      t.not(out, 'broken', where);
      if (out === 'broken') return;
      t.is(out.stage, 'body', `${where}: ${describe(out)}`);
      const code = Number(word);
      if (word === '0') t.regex(out.reply.lines.at(-1)!, ACCEPT, where);
      else if (word === 'crash') t.deepEqual(out.reply.lines, ['451 qq crashed (#4.3.0)'], where);
      else {
        const want = queueOutcome({ code, wroteAll: true });
        t.is(want.kind, 'failed', where);
        if (want.kind === 'failed') t.deepEqual(out.reply.lines, [`${want.permanent ? 554 : 451} ${want.text}`], where);
      }
      assertInvariant(t, door.queue, m.id, [out], where);
    }
    // One run per message, no second run behind the client's back.
    await door.queue.waitForRuns(EXIT_WORDS.length);
    t.is(door.queue.messages().length + door.queue.aborted().length, EXIT_WORDS.length);
    for (const id of ids) t.is(storedCopies(door.queue, id).length, 1, `${name}: ${id} reached qmail-queue once`);
  });
}

// ---------------------------------------------------------------------------------------------
// A crashing, a hanging and a slow qmail-queue, with a client that retries like an MTA.

async function retryUntilFinal(port: number, body: string, tries: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < tries; i++) {
    const o = await deliver(port, body);
    outcomes.push(o);
    if (is250(o) || (o !== 'broken' && o.reply.code >= 500)) break;
  }
  return outcomes;
}

for (const name of DOORS) {
  test(`${name}: qmail-queue killed by a signal: 451 qq crashed, the retry gets the one 250`, async (t) => {
    t.timeout(20000);
    const door = await doorFor(t, name, { FAKEQQ_EXIT: 'crash crash 0' });
    const m = message('crash');
    const outcomes = await retryUntilFinal(door.port, m.body, 5);
    t.deepEqual(outcomes.slice(0, 2).map((o) => (o === 'broken' ? 'broken' : o.reply.lines.join())), ['451 qq crashed (#4.3.0)', '451 qq crashed (#4.3.0)']);
    t.is(outcomes.length, 3);
    t.true(is250(outcomes[2]!), describe(outcomes[2]!));
    assertInvariant(t, door.queue, m.id, outcomes, name);
  });

  test(`${name}: qmail-queue hanging: 451 qq timeout after QFRONT_QUEUE_TIMEOUT, never 250`, async (t) => {
    t.timeout(25000);
    const door = await doorFor(t, name, { QFRONT_QUEUE_TIMEOUT: '2', FAKEQQ_SLEEP: '6' });
    const m = message('hang');
    const started = Date.now();
    const out = await deliver(door.port, m.body);
    const took = Date.now() - started;
    t.not(out, 'broken');
    if (out === 'broken') return;
    t.deepEqual(out.reply.lines, ['451 qq timeout (#4.3.0)'], describe(out));
    t.true(took >= 1900 && took < 5500, `the reply came after ${took} ms`);
    assertInvariant(t, door.queue, m.id, [out], name);
  });

  test(`${name}: a slow qmail-queue (1 s, under QFRONT_QUEUE_TIMEOUT=3) gets its 250 and one copy`, async (t) => {
    t.timeout(20000);
    const door = await doorFor(t, name, { QFRONT_QUEUE_TIMEOUT: '3', FAKEQQ_SLEEP: '1' });
    const msgs = [message('slow'), message('slow'), message('slow')];
    const outs = await Promise.all(msgs.map((m) => deliver(door.port, m.body)));
    for (const [i, m] of msgs.entries()) {
      t.true(is250(outs[i]!), describe(outs[i]!));
      assertInvariant(t, door.queue, m.id, [outs[i]!], name);
      t.is(storedCopies(door.queue, m.id).length, 1);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// DNS faults with SPF on (spfbehavior 2 and 3): temperror is 451 at MAIL, a refused MAIL never
// leads to a 250, truncation is retried over TCP and the mail accepted, and once the DNS server
// is back the retry gets exactly one copy queued.

const LONG = Array.from({ length: 40 }, (_, i) => `ip4:192.0.2.${i + 1}`).join(' ');
const DNS_ZONE = zoneOf({
  'pass.example': [txt(`v=spf1 ip4:${CLIENT_IP} -all`)],
  'fail.example': [txt('v=spf1 -all')],
  'long.example': [txt(`v=spf1 ${LONG} ip4:${CLIENT_IP} -all`)],
});

type DnsFault = 'down' | 'drop' | 'servfail';

async function spfDoor(t: ExecutionContext, name: DoorName, dns: TestDnsServer, level: number): Promise<{ port: number; queue: FakeQueue }> {
  const rules = `127.0.0.1:allow,SPFBEHAVIOR="${level}",TCPREMOTEIP="${CLIENT_IP}"\n`;
  return name === 'stdio' ? spfServerFor(t, dns, { rules }) : spfListenerFor(t, dns, { rules });
}

for (const name of DOORS) {
  for (const fault of ['down', 'drop', 'servfail'] as DnsFault[]) {
    for (const level of [2, 3]) {
      test(`${name}: DNS ${fault}, spfbehavior ${level}: 451 at MAIL, nothing queued; the DNS back, the retry gets one copy`, async (t) => {
        t.timeout(30000);
        const dns = await dnsFor(t, DNS_ZONE, { mode: fault === 'servfail' ? 'servfail' : fault === 'drop' ? 'drop' : 'answer' });
        // "down": a DNS server that is gone (its port closed) behind the same address.
        let address = dns;
        if (fault === 'down') {
          const gone = await startDnsServer(DNS_ZONE);
          await gone.close();
          address = gone;
        }
        // The door asks `address` while it is broken; the recovery is a second door on `dns`.
        const broken = await spfDoor(t, name, address, level);
        const m = message(`dns-${fault}-${level}`);
        const first = await deliver(broken.port, m.body, 'u@pass.example');
        t.not(first, 'broken');
        if (first === 'broken') return;
        t.is(first.stage, 'MAIL', describe(first));
        t.deepEqual(first.reply.lines, ['451 SPF lookup failure (#4.3.0)']);
        t.is(broken.queue.messages().length, 0, 'nothing queued');
        if (fault !== 'down') dns.setMode('answer');
        const healthy = fault === 'down' ? await spfDoor(t, name, dns, level) : broken;
        const second = await deliver(healthy.port, m.body, 'u@pass.example');
        t.true(is250(second), describe(second));
        assertInvariant(t, healthy.queue, m.id, [first, second], `${name} ${fault} ${level}`);
        t.is(storedCopies(healthy.queue, m.id).length, 1);
        t.is(broken.queue.messages().length, broken === healthy ? 1 : 0, 'the door that failed queued nothing');
      });
    }
  }

  test(`${name}: a truncated UDP answer is retried over TCP and the mail accepted; an SPF fail at spfbehavior 3 is never 250`, async (t) => {
    t.timeout(20000);
    const dns = await dnsFor(t, DNS_ZONE, { maxUdpPayload: 200 });
    const door = await spfDoor(t, name, dns, 3);
    const m = message('truncated');
    const out = await deliver(door.port, m.body, 'u@long.example');
    t.true(is250(out), describe(out));
    t.true(dns.counters.tcp >= 1, `TCP queries: ${dns.counters.tcp}`);
    assertInvariant(t, door.queue, m.id, [out], name);
    t.is(storedCopies(door.queue, m.id).length, 1);

    const refused = message('spf-fail');
    const no = await deliver(door.port, refused.body, 'u@fail.example');
    t.false(is250(no), describe(no));
    t.true(no !== 'broken' && no.reply.code === 550 && no.stage === 'RCPT', describe(no));
    t.is(storedCopies(door.queue, refused.id).length, 0);
  });
}

// ---------------------------------------------------------------------------------------------
// Control files rewritten mid-session: the session keeps the rcpthosts it started with; the next
// session sees the new file.

for (const name of DOORS) {
  test(`${name}: rcpthosts rewritten between two RCPTs: the session keeps its snapshot, the next session sees the new file`, async (t) => {
    t.timeout(20000);
    const s = name === 'stdio' ? await startServer({}) : await startListener({});
    t.teardown(() => s.stop());
    const write = (content: string): void => {
      const file = path.join(s.controlDir, 'rcpthosts');
      fs.writeFileSync(`${file}.tmp`, content);
      if (AS_ROOT) fs.chmodSync(`${file}.tmp`, 0o644);
      fs.renameSync(`${file}.tmp`, file);
    };
    const c = await SmtpClient.connect(s.port);
    t.teardown(() => c.destroy());
    await c.reply();
    const say = async (line: string): Promise<string> => {
      c.send(`${line}\r\n`);
      return (await c.reply()).lines.join(' / ');
    };
    t.is(await say('HELO client.example'), '250 mail.example.org');
    t.is(await say('MAIL FROM:<s@good.example>'), '250 ok');
    t.is(await say('RCPT TO:<a@example.org>'), '250 ok');
    write('other.example\n');
    await new Promise((r) => setTimeout(r, 300));
    t.is(await say('RCPT TO:<b@example.org>'), '250 ok', 'still in the snapshot');
    t.regex(await say('RCPT TO:<c@other.example>'), /^553 /, 'not in the snapshot: no relay');
    t.is(await say('DATA'), '354 go ahead');
    const m = message('snapshot');
    c.send(`${m.body}.\r\n`);
    const reply = await c.reply();
    t.regex(reply.lines[0]!, ACCEPT);
    const stored = s.queue.message(qpOf(reply)!);
    t.is(stored.envelope.toString('latin1'), 'Fs@good.example\0Ta@example.org\0Tb@example.org\0\0');
    await say('QUIT');

    // A new session reads the new file (the listener may take a moment to notice).
    const fresh = async (rcpt: string): Promise<number> => {
      const o = await deliver(s.port, message('after').body, 's@good.example', [rcpt]);
      return o === 'broken' ? 0 : o.reply.code;
    };
    let seen = false;
    for (let i = 0; i < 20 && !seen; i++) {
      seen = (await fresh('c@other.example')) === 250;
      if (!seen) await new Promise((r) => setTimeout(r, 200));
    }
    t.true(seen, 'the next session accepts the new rcpthosts');
    t.is(await fresh('a@example.org'), 553, 'and refuses what it no longer lists');
  });
}

// ---------------------------------------------------------------------------------------------
// The listener SIGKILLed mid-DATA: the client sees a broken connection and nothing of that
// session is queued; restarted on the same port, the client's retry gets 250 and one copy.

function restartListener(l: Awaited<ReturnType<typeof startListener>>): Promise<ChildProcess> {
  const args = [
    'serve', '--listen', `127.0.0.1:${l.port}`, '--rules', l.rulesFile, '--control', l.controlDir, '--local-host', 'mx.example',
    ...(AS_ROOT ? ['--user', 'nobody', '--group', 'nogroup'] : []),
  ];
  const env = { PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, QMAILQUEUE: l.queue.program, ...l.queue.env() };
  const child = spawn(process.execPath, [QFRONT, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.setEncoding('latin1');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`restarted listener did not listen: ${text}`)), 10000);
    child.stderr!.on('data', (s: string) => {
      text += s;
      if (/^qfront: listening on /m.test(text)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`restarted listener exited ${code}: ${text}`));
    });
  });
}

test('listener: SIGKILL mid-DATA: broken connection, nothing queued; restarted on the same port, the retry gets 250 and one copy', async (t) => {
  t.timeout(30000);
  const l = await startListener({});
  t.teardown(() => l.stop());
  const m = message('sigkill');
  const c = await SmtpClient.connect(l.port);
  t.teardown(() => c.destroy());
  const lines: string[] = [];
  for (const step of ['', 'HELO client.example\r\n', 'MAIL FROM:<s@good.example>\r\n', 'RCPT TO:<a@example.org>\r\n', 'DATA\r\n']) {
    if (step) c.send(step);
    lines.push(...(await c.reply()).lines);
  }
  t.is(lines.at(-1), '354 go ahead');
  // Half the message, then the kill; then the rest, as a client that has not noticed yet would.
  const half = Math.floor(m.body.length / 2);
  c.send(m.body.slice(0, half));
  await new Promise((r) => setTimeout(r, 300));
  l.child.kill('SIGKILL');
  await l.exited();
  try {
    c.send(`${m.body.slice(half)}.\r\n`);
  } catch {
    /* already gone */
  }
  const first: Outcome = await c.reply(5000).then((reply) => ({ reply, stage: 'body' as const }), () => 'broken' as const);
  t.is(first, 'broken', 'the client sees a broken connection');
  t.false(/^250 ok/m.test(c.raw.toString('latin1').split('354 go ahead')[1] ?? ''), 'no 250 after DATA');
  // A queue program started for the session sees its input end early and keeps nothing.
  await new Promise((r) => setTimeout(r, 500));
  t.is(l.queue.messages().length, 0, `nothing queued; aborted runs: ${l.queue.aborted().length}`);

  const child = await restartListener(l);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const retry = await deliver(l.port, m.body);
  t.true(is250(retry), describe(retry));
  assertInvariant(t, l.queue, m.id, [first, retry], 'listener');
  t.true(await eventually(() => storedCopies(l.queue, m.id).length === 1));
  t.is(l.queue.messages().length, 1, 'exactly one copy in the queue');
});
