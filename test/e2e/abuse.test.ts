// Malformed and abusive sessions, in both doors (tcpserver + bin/qmail-smtpd, and bin/qfront
// serve): each gets qmail's reply or a clean close, the log line the spec asks for, and nothing is
// queued that should not be. Replies are checked byte for byte against netqmail 1.06 (spec
// qmail-smtpd.md 3.1, 3.3, 3.5, 3.7) and the README's deliberate differences (the 16 KiB command
// line bound). timeoutsmtpd is 5 s here: short enough for the slow-drip tests, long enough for a
// machine loaded by the rest of the suite. Every session's log
// lines are found through its id, taken from the door's "ok ID ...::PORT" line (tcpserver -v, or
// the listener's copy of it). The listener's leak check (fds and RSS across 2 000 sessions) runs
// on a listener of its own; scripts/leak-check does the same with 10 000.

import test from 'ava';
import { DOORS, startDoor, type Door, type DoorName } from '../helpers/doors.js';
import { envelopeParts } from '../helpers/fake-queue.js';
import { fdCount, rssKiB, runSessions, sinkQueue } from '../helpers/leak.js';
import { SmtpClient } from '../helpers/smtp-client.js';
import { eventually } from '../helpers/tmp-dir.js';

const TIMEOUT_S = 5;
/** Slow drip: one byte per DRIP_MS, far below timeoutsmtpd, six of them far above it. */
const DRIP_MS = 1200;
const GREETING = '220 mail.example.org ESMTP';
const UNIMPLEMENTED = '502 unimplemented (#5.5.1)';
const LINE_TOO_LONG = '500 line too long (#5.5.2)';
const SYNTAX = '555 syntax error (#5.5.4)';
const TIMEOUT = '451 timeout (#4.4.2)';
const QUIT = '221 mail.example.org';

const doors = new Map<DoorName, Door>();

test.before(async () => {
  for (const name of DOORS) doors.set(name, await startDoor(name, { timeoutsmtpd: `${TIMEOUT_S}\n` }));
});
test.after.always(async () => {
  for (const d of doors.values()) await d.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every reply line the server sent, without CRLF. */
const linesOf = (c: SmtpClient): string[] => c.raw.toString('latin1').split('\r\n').slice(0, -1);

/** Our side's port of each client, kept from the connect (a closed socket forgets it). */
const ports = new WeakMap<SmtpClient, number>();

async function connect(t: { teardown: (f: () => void) => void }, door: Door): Promise<SmtpClient> {
  const c = await SmtpClient.connect(door.port);
  ports.set(c, c.localPort);
  t.teardown(() => c.destroy());
  return c;
}

/** Sends `input` at once (before the greeting is read) and reads until the server closes. */
async function dialogue(t: { teardown: (f: () => void) => void }, door: Door, input: string | Buffer, waitMs = 10000): Promise<{ lines: string[]; closed: boolean; client: SmtpClient }> {
  const c = await connect(t, door);
  c.send(input);
  const closed = await c.waitClose(waitMs);
  return { lines: linesOf(c), closed, client: c };
}

/** The session id the door logged for the client on this local port ("ok ID ... :IP::PORT"). */
async function sessionId(door: Door, client: SmtpClient): Promise<string> {
  const clientPort = ports.get(client)!;
  const line = await door.waitForStderr(new RegExp(`^(?:tcpserver|qfront): ok (\\S+) .*::${clientPort}$`));
  return /: ok (\S+) /.exec(line)![1]!;
}

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

for (const name of DOORS) {
  test(`${name}: command lines over 16 KiB get 500 and the session goes on; a 1 MiB line too`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    const c = await connect(t, door);
    await c.reply();
    c.send(`NOOP ${'x'.repeat(20 * 1024)}\r\nNOOP\r\n`);
    t.deepEqual((await c.reply()).lines, [LINE_TOO_LONG]);
    t.deepEqual((await c.reply()).lines, ['250 ok']);
    // 1 MiB without a line end, in 64 KiB writes: discarded as it comes, answered at the LF.
    const chunk = Buffer.alloc(64 * 1024, 'y');
    for (let i = 0; i < 16; i++) c.send(chunk);
    c.send('\r\nMAIL FROM:<s@good.example>\r\nQUIT\r\n');
    t.true(await c.waitClose());
    t.deepEqual(linesOf(c), [GREETING, LINE_TOO_LONG, '250 ok', LINE_TOO_LONG, '250 ok', QUIT]);
    const id = await sessionId(door, c);
    const note = `qmail-smtpd: pid ${id}: command line longer than 16384 bytes discarded`;
    const notes = (): number => door.stderr().split('\n').filter((l) => l === note).length;
    // The listener writes its log lines once per event-loop turn: they may trail the close.
    for (let i = 0; i < 40 && notes() < 2; i++) await sleep(50);
    t.is(notes(), 2);
  });

  test(`${name}: over-long addresses get 555 and the transaction state is kept`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    const long = `${'a'.repeat(10000)}@example.org`;
    const r = await dialogue(
      t,
      door,
      crlf(`MAIL FROM:<${long}>`, 'RCPT TO:<a@example.org>', 'MAIL FROM:<s@good.example>', `RCPT TO:<${long}>`, `RCPT TO:${'b'.repeat(901)}`, 'RCPT TO:<a@example.org>', 'QUIT'),
    );
    t.deepEqual(r.lines, [GREETING, SYNTAX, '503 MAIL first (#5.5.1)', '250 ok', SYNTAX, SYNTAX, '250 ok', QUIT]);
  });

  test(`${name}: NUL and 8-bit bytes in commands: a NUL ends the command (as qmail's C strings), 8-bit passes byte-exact`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    const runs = door.queue.messages().length;
    const input = Buffer.from(
      crlf('NOOP\0junk', '\0QUIT', 'HELO h\xe9lo\0.evil', 'MAIL FROM:<j\xfcrgen@ex\xe4mple.com>\0<evil@x>', 'RCPT TO:<a@example.org>\0', 'RCPT TO:<\xc3\xa9t\xc3\xa9@example.org>', 'DATA') +
        crlf('Subject: \xff\0\x80', '', 'body \0\xfe', '.', 'QUIT'),
      'latin1',
    );
    const r = await dialogue(t, door, input);
    t.true(r.closed);
    t.deepEqual(r.lines.slice(0, 8), [GREETING, '250 ok', UNIMPLEMENTED, '250 mail.example.org', '250 ok', '250 ok', '250 ok', '354 go ahead']);
    t.regex(r.lines[8]!, /^250 ok \d+ qp \d+$/);
    t.is(r.lines[9], QUIT);
    const qp = Number(/qp (\d+)$/.exec(r.lines[8]!)![1]);
    t.true(door.queue.messages().length > runs);
    const m = door.queue.message(qp);
    t.deepEqual(envelopeParts(m.envelope), ['Fj\xfcrgen@ex\xe4mple.com', 'Ta@example.org', 'T\xc3\xa9t\xc3\xa9@example.org'].map((s) => s));
    t.is(m.envelope.toString('latin1'), 'Fj\xfcrgen@ex\xe4mple.com\0Ta@example.org\0T\xc3\xa9t\xc3\xa9@example.org\0\0', 'envelope bytes as sent');
    const text = m.message.toString('latin1');
    t.regex(text, /^Received: from unknown \(HELO h\?lo\) \(127\.0\.0\.1\)\n/, 'the 8-bit HELO is shown as "?" in the header');
    t.true(text.endsWith('Subject: \xff\0\x80\n\nbody \0\xfe\n'), 'NUL and 8-bit in the body are stored as sent');
    const id = await sessionId(door, r.client);
    const rcpt = door.stderr().split('\n').find((l) => l.startsWith('qlogenvelope: result=accepted') && l.endsWith(` pid=${id}`) && l.includes('rcptto=__t__@'));
    t.truthy(rcpt, 'the log line has "_" for each 8-bit byte');
    t.true(rcpt!.includes(' mailfrom=j_rgen@ex_mple.com '));
  });

  test(`${name}: binary junk gets one 502 per line, then the session still works`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    // Deterministic junk (xorshift32); ASCII letters are replaced so no line can start a real verb.
    let x = 0x9e3779b9;
    const junk = Buffer.alloc(32 * 1024);
    for (let i = 0; i < junk.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      let b = (x >>> 0) & 0xff;
      if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) b = 0x23;
      junk[i] = b;
    }
    const lfs = junk.filter((b) => b === 10).length;
    t.true(lfs > 50);
    const r = await dialogue(t, door, Buffer.concat([junk, Buffer.from('\r\nNOOP\r\nQUIT\r\n')]));
    t.true(r.closed);
    t.is(r.lines.length, 1 + lfs + 1 + 2);
    t.deepEqual([...new Set(r.lines.slice(1, -2))], [UNIMPLEMENTED]);
    t.deepEqual(r.lines.slice(-2), ['250 ok', QUIT]);
  });

  test(`${name}: an HTTP request gets a 502 per line; at EOF the server closes without a reply and logs "read failed"`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    const c = await connect(t, door);
    c.send('GET / HTTP/1.1\r\nHost: mx.example\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n');
    await sleep(300);
    c.end();
    t.true(await c.waitClose());
    t.deepEqual(linesOf(c), [GREETING, ...Array<string>(5).fill(UNIMPLEMENTED)]);
    const id = await sessionId(door, c);
    await door.waitForStderr(new RegExp(`^qmail-smtpd: pid ${id.replace('.', '\\.')}: read failed \\(connection closed by the client before the quit cmd\\): \\(null\\) from 127\\.0\\.0\\.1 to \\(null\\) helo unknown$`));
  });

  test(`${name}: a client talking before the greeting is answered in order, greeting first`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    const c = await connect(t, door);
    // Written from the connect callback, before any byte from the server could have been read.
    c.send(crlf('EHLO early', 'MAIL FROM:<s@good.example>', 'RCPT TO:<a@example.org>', 'NOOP', 'QUIT'));
    t.true(await c.waitClose());
    t.deepEqual(linesOf(c), [GREETING, '250-mail.example.org', '250-PIPELINING', '250 8BITMIME', '250 ok', '250 ok', '250 ok', QUIT]);
  });

  test(`${name}: 5000 RCPTs are all accepted and all reach the envelope (no recipient limit, as qmail)`, async (t) => {
    t.timeout(30000);
    const door = doors.get(name)!;
    const c = await connect(t, door);
    await c.reply();
    const rcpts = Array.from({ length: 5000 }, (_, i) => `r${i}@example.org`);
    c.send(crlf('MAIL FROM:<many@good.example>', ...rcpts.map((r) => `RCPT TO:<${r}>`), 'DATA'));
    const replies: number[] = [];
    for (let i = 0; i < 5002; i++) replies.push((await c.reply(15000)).code);
    t.is(replies.filter((r) => r === 250).length, 5001);
    t.is(replies.at(-1), 354);
    c.send('Subject: many\r\n\r\nx\r\n.\r\nQUIT\r\n');
    const accepted = await c.reply(15000);
    const qp = /^250 ok \d+ qp (\d+)$/.exec(accepted.lines[0]!);
    t.truthy(qp, accepted.lines[0]);
    const env = envelopeParts(door.queue.message(qp![1]!).envelope);
    t.is(env.length, 5001);
    t.deepEqual(env.slice(1), rcpts.map((r) => `T${r}`));
  });

  test(`${name}: 20 000 pipelined RSET/NOOP are all answered, in order`, async (t) => {
    t.timeout(30000);
    const door = doors.get(name)!;
    const r = await dialogue(t, door, 'RSET\r\nNOOP\r\n'.repeat(10000) + 'QUIT\r\n', 20000);
    t.true(r.closed);
    t.is(r.lines.length, 20002);
    t.is(r.lines[0], GREETING);
    t.is(r.lines.at(-1), QUIT);
    const body = r.lines.slice(1, -1);
    t.true(body.every((l, i) => l === (i % 2 === 0 ? '250 flushed' : '250 ok')));
  });

  test(`${name}: slow drip: each read waits timeoutsmtpd (${TIMEOUT_S} s), so a byte every ${DRIP_MS} ms lives on; silence gets 451 timeout mid-DATA, nothing queued`, async (t) => {
    t.timeout(45000);
    const door = doors.get(name)!;
    const c = await connect(t, door);
    await c.reply();
    // 6 bytes DRIP_MS apart: longer than timeoutsmtpd in all, but no single wait is.
    for (const ch of 'NOOP\r\n') {
      c.send(ch);
      await sleep(DRIP_MS);
    }
    t.deepEqual((await c.reply()).lines, ['250 ok']);
    c.send(crlf('MAIL FROM:<drip@good.example>', 'RCPT TO:<a@example.org>', 'DATA'));
    for (let i = 0; i < 3; i++) await c.reply();
    let quiet = 0;
    for (const ch of 'Subject: drip\r\n') {
      await sleep(200);
      c.send(ch);
      quiet = Date.now();
    }
    t.deepEqual((await c.reply(TIMEOUT_S * 4000)).lines, [TIMEOUT]);
    const waited = Date.now() - quiet;
    // Never early; how late depends on the machine's load, so only a loose upper bound.
    t.true(waited >= TIMEOUT_S * 1000 - 250, `451 after ${waited} ms of silence`);
    t.true(waited < TIMEOUT_S * 3000, `451 after ${waited} ms of silence`);
    t.true(await c.waitClose());
    const id = await sessionId(door, c);
    await door.waitForStderr(new RegExp(`^qlogenvelope: result=rejected code=451 reason=alarmtimeout .* mailfrom=drip@good\\.example .*pid=${id.replace('.', '\\.')}$`));
    await sleep(300);
    t.false(door.queue.messages().some((m) => m.envelope.toString('latin1').startsWith('Fdrip@')), 'nothing queued');
  });

  test(`${name}: a client vanishing mid-DATA (RST or FIN) leaves nothing queued and a "read failed" line`, async (t) => {
    t.timeout(20000);
    const door = doors.get(name)!;
    for (const how of ['reset', 'end'] as const) {
      const c = await connect(t, door);
      await c.reply();
      const sender = `vanish-${how}@good.example`;
      c.send(crlf(`MAIL FROM:<${sender}>`, 'RCPT TO:<a@example.org>', 'DATA'));
      for (let i = 0; i < 3; i++) await c.reply();
      c.send('Subject: cut\r\n\r\nhalf a mess');
      await sleep(100);
      if (how === 'reset') c.socket.resetAndDestroy();
      else c.end();
      if (how === 'end') t.true(await c.waitClose());
      const id = await sessionId(door, c);
      await door.waitForStderr(new RegExp(`^qmail-smtpd: pid ${id.replace('.', '\\.')}: read failed \\(connection closed by the client before the quit cmd\\): ${sender} from 127\\.0\\.0\\.1 to a@example\\.org helo unknown`));
    }
    await sleep(300);
    t.false(door.queue.messages().some((m) => m.envelope.toString('latin1').startsWith('Fvanish-')), 'nothing queued');
  });
}

// ---- the listener's resources across many sessions ----

// Serial: it runs alone, before the other tests of the file, so their load does not blur it.
test.serial('listener: 2 000 short sessions leave file descriptors and RSS where they were', async (t) => {
  t.timeout(45000);
  const sink = sinkQueue();
  // Old space capped at 48 MiB: V8 otherwise grows its heap lazily by tens of MiB over thousands
  // of sessions (scripts/leak-check: +72 MiB over 10 000 uncapped, flat at +33 MiB capped), which
  // hides nothing but makes RSS a poor signal. With the cap a real leak cannot hide in heap slack.
  const door = await startDoor('listener', { timeoutsmtpd: `${TIMEOUT_S}\n` }, { QMAILQUEUE: sink.program, NODE_OPTIONS: '--max-old-space-size=48' });
  t.teardown(async () => {
    await door.stop();
    sink.remove();
  });
  const pid = door.pid!;
  // Warm up first: the first sessions load code (SPF-free here), fill V8's code caches and grow the heap.
  await runSessions(door.port, 300, 10);
  await sleep(500);
  const before = { fds: fdCount(pid), rss: rssKiB(pid) };
  const started = Date.now();
  await runSessions(door.port, 2000, 10, 300);
  const took = Date.now() - started;
  // Sessions end with our close or their reset; the listener frees each socket at once (or after
  // its 5 s linger at worst). Poll for the fds instead of sleeping a fixed time.
  const deadline = Date.now() + 8000;
  while (fdCount(pid) > before.fds + 2 && Date.now() < deadline) await sleep(100);
  const after = { fds: fdCount(pid), rss: rssKiB(pid) };
  t.log(`2000 sessions in ${took} ms; fds ${before.fds} -> ${after.fds}; RSS ${before.rss} -> ${after.rss} KiB`);
  // fds: the listening socket, stdio, epoll, the cdb and log files are the same before and after;
  // a leak of one fd per session would add 2 000. Margin 2 for a socket still in its linger.
  t.true(after.fds <= before.fds + 2, `fds ${before.fds} -> ${after.fds}`);
  // RSS: the heap still fills its 48 MiB cap after warm-up (measured: +25..35 MiB, then flat), so
  // the margin is the cap itself; growth beyond it means memory outside the JS heap (sockets,
  // buffers, child pipes) kept per session. The listener must also still be alive and answering.
  t.true(after.rss <= before.rss + 48 * 1024, `RSS ${before.rss} -> ${after.rss} KiB`);
  const ended = (): number => door.stderr().match(/^qfront: end /gm)?.length ?? 0;
  await eventually(() => ended() === 2300, 10_000);
  t.is(ended(), 2300, 'every session ended');
});
