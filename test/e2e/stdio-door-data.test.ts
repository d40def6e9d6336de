// DATA and the fatal paths, end to end (spec qmail-smtpd.md 3.3, 3.5, 3.7, 2.1): a bare LF gets
// 451 and the connection ends with nothing queued, 100 Received headers are a loop, a client
// that vanishes mid-DATA leaves nothing queued and a "read failed" log line, and an unreadable
// control file gets 421 instead of the greeting.

import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { eventually, serverFor } from '../helpers/e2e.js';
import { SmtpClient, talk, transaction } from '../helpers/smtp-client.js';

const BARE_LF = '451 See https://cr.yp.to/docs/smtplf.html.';
/** tcpserver -v logs the raw wait status: exit 1 shows as 256 (spec 1.1: 1 after every fatal path). */
const EXIT_1 = /^tcpserver: end \d+ status 256$/;

async function openData(port: number): Promise<SmtpClient> {
  const client = await SmtpClient.connect(port);
  await client.reply();
  for (const line of ['HELO c\r\n', 'MAIL FROM:<s@good.example>\r\n', 'RCPT TO:<a@example.org>\r\n', 'DATA\r\n']) {
    client.send(line);
    await client.reply();
  }
  return client;
}

test('a bare LF in DATA gets 451 smtplf, the connection is closed and nothing is queued', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const body = 'Subject: x\r\n\r\nline one\nline two\r\n';
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], body)], { waitClose: true });
  t.is(tr.lines.at(-1), BARE_LF);
  t.is(tr.lines.length, 6);
  t.true(tr.closed, 'connection closed');
  t.true(await eventually(() => server.queue.aborted().length === 1), 'the queue program ran and saw no envelope');
  t.deepEqual(server.queue.messages(), []);
  await server.waitForStderr(EXIT_1);
});

test('a bare LF right at the start of the data is caught too', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const client = await openData(server.port);
  t.teardown(() => client.destroy());
  client.send('\n.\r\n');
  t.is((await client.reply()).lines[0], BARE_LF);
  t.true(await client.waitClose());
  t.deepEqual(server.queue.messages(), []);
});

test('100 Received/Delivered header lines, in any case, get 554 too many hops; nothing is queued; 99 pass', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t);
  // Spec 3.5: header lines starting "received" or "delivered" in any case count, Received-SPF too.
  const hops = (n: number): string =>
    'Received: from x by y; 1 Jan 2026 00:00:00 -0000\r\n'.repeat(n - 3) +
    'ReCeIvEd: from z\r\nDelivered-To: a@example.org\r\nReceived-SPF: pass\r\nSubject: loop\r\n\r\nbody\r\n';
  const tr = await talk(server.port, [
    'HELO c\r\n',
    ...transaction('s@good.example', ['a@example.org'], hops(100)),
    ...transaction('s@good.example', ['a@example.org'], hops(99)),
    'QUIT\r\n',
  ]);
  t.is(tr.lines[5], '554 too many hops, this message is looping (#5.4.6)');
  t.regex(tr.lines[9] ?? '', /^250 ok \d+ qp \d+$/, 'the session goes on; 99 hops are accepted');
  t.is(server.queue.messages().length, 1);
});

test('Received and Delivered-To lines after the header do not count as hops', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const body = 'Subject: quoted\r\n\r\n' + 'Received: quoted in the body\r\nDelivered-To: quoted\r\n'.repeat(60);
  const tr = await talk(server.port, ['HELO c\r\n', ...transaction('s@good.example', ['a@example.org'], body), 'QUIT\r\n']);
  t.regex(tr.lines[5] ?? '', /^250 ok \d+ qp \d+$/);
});

test('a client that disconnects mid-DATA leaves nothing queued and a "read failed" log line', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const client = await openData(server.port);
  t.teardown(() => client.destroy());
  client.send('Subject: cut\r\n\r\nhalf a mess');
  await new Promise((r) => setTimeout(r, 100));
  client.end();
  t.true(await client.waitClose(), 'server closed its side too');
  t.is(client.raw.toString('latin1').split('\r\n').filter(Boolean).at(-1), '354 go ahead', 'no reply after 354');
  const line = await server.waitForStderr(/read failed/);
  t.regex(line, /^qmail-smtpd: .*read failed \(connection closed by the client before the quit cmd\)/);
  t.true(await eventually(() => server.queue.aborted().length === 1), 'the queue program ran and saw no envelope');
  t.deepEqual(server.queue.messages(), []);
  await server.waitForStderr(EXIT_1);
});

test('an unreadable control file (rcpthosts is a directory) gets 421 instead of the greeting', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const rcpthosts = path.join(server.controlDir, 'rcpthosts');
  fs.rmSync(rcpthosts);
  fs.mkdirSync(rcpthosts);
  const client = await SmtpClient.connect(server.port);
  t.teardown(() => client.destroy());
  t.true(await client.waitClose(5000), 'connection closed');
  t.is(client.raw.toString('latin1'), '421 unable to read controls (#4.3.0)\r\n');
  await server.waitForStderr(EXIT_1);
});

test('an edited control file is seen by the next connection, without a restart', async (t) => {
  t.timeout(15000);
  const server = await serverFor(t);
  const steps = ['HELO c\r\n', 'MAIL FROM:<s@good.example>\r\n', 'RCPT TO:<x@new.example>\r\n', 'QUIT\r\n'];
  t.is((await talk(server.port, steps)).lines[3], "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
  fs.appendFileSync(path.join(server.controlDir, 'rcpthosts'), 'new.example\n');
  t.is((await talk(server.port, steps)).lines[3], '250 ok');
});
