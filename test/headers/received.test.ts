import test from 'ava';
import { date822, receivedHeader, safeText, type ReceivedFields } from '../../src/headers/index.js';
import { converse } from '../helpers/session.js';

const WHEN = Date.UTC(2026, 10, 22, 1, 29, 41); // 22 Nov 2026 01:29:41 UTC

const fields = (over: Partial<ReceivedFields> = {}): ReceivedFields => ({
  remoteHost: 'client.example',
  fakeHelo: undefined,
  remoteInfo: undefined,
  remoteIp: '192.0.2.7',
  local: '198.51.100.1',
  protocol: 'SMTP',
  when: WHEN,
  ...over,
});

test('the verified example of spec 4.1, byte for byte', (t) => {
  t.is(
    receivedHeader(fields({ fakeHelo: 'Weird;Host', remoteInfo: 'joe' })),
    'Received: from client.example (HELO Weird?Host) (joe@192.0.2.7)\n' +
      '  by 198.51.100.1 with SMTP; 22 Nov 2026 01:29:41 -0000\n',
  );
});

test('two physical lines, each ending in a bare LF, the second indented by two spaces', (t) => {
  const h = receivedHeader(fields());
  t.false(h.includes('\r'));
  const lines = h.split('\n');
  t.is(lines.length, 3);
  t.is(lines[2], '');
  t.true(lines[1]!.startsWith('  by '));
});

test('without a differing HELO there is no "(HELO ...)" part', (t) => {
  t.is(
    receivedHeader(fields()),
    'Received: from client.example (192.0.2.7)\n  by 198.51.100.1 with SMTP; 22 Nov 2026 01:29:41 -0000\n',
  );
});

test('an empty HELO argument still shows as "(HELO )"', (t) => {
  t.true(receivedHeader(fields({ remoteHost: 'unknown', fakeHelo: '' })).startsWith('Received: from unknown (HELO ) (192.0.2.7)\n'));
});

test('INFO@ appears only when TCPREMOTEINFO is set, even when it is empty', (t) => {
  t.true(receivedHeader(fields({ remoteInfo: 'joe' })).startsWith('Received: from client.example (joe@192.0.2.7)\n'));
  t.true(receivedHeader(fields({ remoteInfo: '' })).startsWith('Received: from client.example (@192.0.2.7)\n'));
  t.true(receivedHeader(fields({ remoteInfo: undefined })).startsWith('Received: from client.example (192.0.2.7)\n'));
});

test('every field is written through the "?" filter', (t) => {
  const h = receivedHeader(
    fields({ remoteHost: 'a b', fakeHelo: 'x y', remoteInfo: 'j;o', remoteIp: '1.2.3.4 ', local: 'l\tl' }),
  );
  t.is(h, 'Received: from a?b (HELO x?y) (j?o@1.2.3.4?)\n  by l?l with SMTP; 22 Nov 2026 01:29:41 -0000\n');
});

test('a HELO with CR LF cannot end the header or forge another one', (t) => {
  const h = receivedHeader(fields({ fakeHelo: 'x\r\nX-Forged: yes\r\n' }));
  t.true(h.startsWith('Received: from client.example (HELO x??X-Forged:?yes??) (192.0.2.7)\n'));
  t.is(h.split('\n').length, 3);
});

const ALLOWED = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@%+/=:-');

test('safeText keeps exactly a-z A-Z 0-9 . @ % + / = : - and turns every other byte into "?"', (t) => {
  const wrong: string[] = [];
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    const expected = ALLOWED.has(c) ? c : '?';
    if (safeText(c) !== expected) wrong.push(`0x${b.toString(16)} -> ${JSON.stringify(safeText(c))}`);
  }
  t.deepEqual(wrong, []);
});

test('safeText replaces byte by byte: length is kept', (t) => {
  t.is(safeText('x y\xe9\xff\0z'), 'x?y???z');
  t.is(safeText('user+tag=1%2/3:4@host-name.example'), 'user+tag=1%2/3:4@host-name.example');
});

// ---- date822fmt ----

const dates: [label: string, when: number, expected: string][] = [
  ['the spec example', WHEN, '22 Nov 2026 01:29:41 -0000'],
  ['a single-digit day has no leading zero', Date.UTC(2026, 0, 5, 9, 5, 3), '5 Jan 2026 09:05:03 -0000'],
  ['midnight is 00:00:00', Date.UTC(2025, 1, 1, 0, 0, 0), '1 Feb 2025 00:00:00 -0000'],
  ['the last second of a year', Date.UTC(2024, 11, 31, 23, 59, 59), '31 Dec 2024 23:59:59 -0000'],
  ['a leap day', Date.UTC(2024, 1, 29, 12, 0, 0), '29 Feb 2024 12:00:00 -0000'],
  ['milliseconds are dropped, not rounded', Date.UTC(2026, 5, 30, 10, 20, 30, 999), '30 Jun 2026 10:20:30 -0000'],
];
for (const [label, when, expected] of dates) {
  test(`date: ${label}`, (t) => {
    t.is(date822(when), expected);
  });
}

test('date: the twelve English month abbreviations', (t) => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  t.deepEqual(
    months.map((_, m) => date822(Date.UTC(2026, m, 15, 12, 0, 0)).split(' ')[1]),
    months,
  );
});

test('date: always UTC, whatever the local time zone', (t) => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Pacific/Kiritimati'; // UTC+14: the local date is already the next day
    t.is(date822(Date.UTC(2026, 10, 22, 23, 0, 0)), '22 Nov 2026 23:00:00 -0000');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

// ---- the HELO comparison, made by the session (spec 4.1) ----

const DIALOGUE = (helo: string): string =>
  `${helo}\r\nMAIL FROM:<u@x.example>\r\nRCPT TO:<a@example.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n`;
const ENV = { TCPREMOTEIP: '192.0.2.7', TCPREMOTEHOST: 'client.example', TCPLOCALIP: '198.51.100.1' };

async function receivedFirstLine(helo: string, env: Record<string, string> = ENV): Promise<string> {
  const c = await converse(DIALOGUE(helo), { env });
  return c.queue.stored[0]!.message.toString('latin1').split('\n')[0]!;
}

test('a HELO equal to the remote host except for case is not shown', async (t) => {
  t.is(await receivedFirstLine('EHLO CLIENT.Example'), 'Received: from client.example (192.0.2.7)');
});

test('a HELO that differs from the remote host is shown', async (t) => {
  t.is(await receivedFirstLine('HELO helo.example'), 'Received: from client.example (HELO helo.example) (192.0.2.7)');
});

test('"HELO" without an argument gives "(HELO )"', async (t) => {
  t.is(await receivedFirstLine('HELO'), 'Received: from client.example (HELO ) (192.0.2.7)');
});

test('without any HELO there is no "(HELO ...)" part', async (t) => {
  t.is(await receivedFirstLine('NOOP'), 'Received: from client.example (192.0.2.7)');
});

test('without TCPREMOTEHOST the host is "unknown", and HELO "unknown" is not shown', async (t) => {
  t.is(await receivedFirstLine('HELO UNKNOWN', { TCPREMOTEIP: '192.0.2.7' }), 'Received: from unknown (192.0.2.7)');
});
