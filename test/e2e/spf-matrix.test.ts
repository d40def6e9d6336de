// The spfbehavior matrix of spec qmail-smtpd.md 3.8.3, end to end: for each level 1..6 one
// tcpserver whose tcprules rule sets SPFBEHAVIOR (and TCPREMOTEIP="10.1.2.3", because the
// connection really comes from 127.0.0.1, which passes by local policy), one session per level
// sending a MAIL/RCPT pair for a sender of each result, all six levels at once: the DNS-timeout
// column costs two rounds of 2 s per MAIL, so the file takes about 5 s rather than 25.
//
// Differences from the spec's table, on purpose (README): a refused MAIL leaves no transaction,
// so the RCPT after the 451 gets "503 MAIL first (#5.5.1)".

import test from 'ava';
import { CLIENT_IP, RESULT_ZONE, dnsFor, qlogLines, spfRejectionText, spfServerFor } from '../helpers/spf-e2e.js';
import { talk } from '../helpers/smtp-client.js';

/**
 * The columns: the HELO name and sender of each MAIL, and the word qlog's detail carries when it
 * is refused. The last is the spec's own column: the null sender, checked by its HELO name.
 */
const COLUMNS = [
  { helo: 'client.example', sender: 'u@fail.example', word: 'fail' },
  { helo: 'client.example', sender: 'u@softfail.example', word: 'softfail' },
  { helo: 'client.example', sender: 'u@neutral.example', word: 'neutral' },
  { helo: 'client.example', sender: 'u@none.example', word: 'none' },
  { helo: 'client.example', sender: 'u@permerror.example', word: 'unknown' },
  { helo: 'client.example', sender: 'u@temperror.example', word: 'lookupfailure' },
  { helo: 'fail.example', sender: '', word: 'fail' },
] as const;

type Cell = 'accept' | 'RCPT 550' | 'MAIL 451';

/** Spec 3.8.3, row by row (levels 1-6), columns as above. */
const MATRIX: Readonly<Record<number, readonly Cell[]>> = {
  1: ['accept', 'accept', 'accept', 'accept', 'accept', 'accept', 'accept'],
  2: ['accept', 'accept', 'accept', 'accept', 'accept', 'MAIL 451', 'accept'],
  3: ['RCPT 550', 'accept', 'accept', 'accept', 'accept', 'MAIL 451', 'RCPT 550'],
  4: ['RCPT 550', 'RCPT 550', 'accept', 'accept', 'accept', 'MAIL 451', 'RCPT 550'],
  5: ['RCPT 550', 'RCPT 550', 'RCPT 550', 'accept', 'accept', 'MAIL 451', 'RCPT 550'],
  6: ['RCPT 550', 'RCPT 550', 'RCPT 550', 'RCPT 550', 'RCPT 550', 'MAIL 451', 'RCPT 550'],
};

/** The session's steps, and for each column the index of its MAIL reply (the greeting is 0). */
function sessionSteps(): { steps: string[]; mailReply: number[] } {
  const steps: string[] = [];
  const mailReply: number[] = [];
  let helo = '';
  for (const c of COLUMNS) {
    if (c.helo !== helo) steps.push(`HELO ${(helo = c.helo)}\r\n`);
    mailReply.push(steps.length + 1);
    steps.push(`MAIL FROM:<${c.sender}>\r\n`, 'RCPT TO:<a@example.org>\r\n');
  }
  steps.push('QUIT\r\n');
  return { steps, mailReply };
}

test('spfbehavior 1..6 answer MAIL/RCPT for fail, softfail, neutral, none, permerror and a DNS timeout (and a null sender whose HELO is -all) as in the matrix of spec 3.8.3', async (t) => {
  t.timeout(30000);
  const dns = await dnsFor(t, RESULT_ZONE);
  const levels = [1, 2, 3, 4, 5, 6];
  const servers = await Promise.all(levels.map((level) => spfServerFor(t, dns, { rules: `127.0.0.1:allow,SPFBEHAVIOR="${level}",TCPREMOTEIP="${CLIENT_IP}"\n` })));
  const { steps, mailReply } = sessionSteps();
  const started = Date.now();
  const transcripts = await Promise.all(servers.map((s) => talk(s.port, steps, { timeoutMs: 25000 })));
  t.log(`six sessions in ${Date.now() - started} ms`);

  for (const [li, level] of levels.entries()) {
    const tr = transcripts[li]!;
    const server = servers[li]!;
    for (const [ci, column] of COLUMNS.entries()) {
      const mail = tr.replies[mailReply[ci]!]!;
      const rcpt = tr.replies[mailReply[ci]! + 1]!;
      const where = `spfbehavior ${level}, MAIL FROM:<${column.sender}> after HELO ${column.helo}`;
      const expected = MATRIX[level]![ci]!;
      const got = `MAIL ${mail.lines.join(' | ')} / RCPT ${rcpt.lines.join(' | ')}`;
      if (expected === 'accept') {
        t.deepEqual([mail.lines, rcpt.lines], [['250 ok'], ['250 ok']], `${where}: accepted; ${got}`);
      } else if (expected === 'RCPT 550') {
        t.deepEqual(mail.lines, ['250 ok'], `${where}: MAIL accepted; ${got}`);
        t.truthy(spfRejectionText(rcpt), `${where}: RCPT gets qmail-spf's 550 (#5.7.1); ${got}`);
      } else {
        t.deepEqual(mail.lines, ['451 SPF lookup failure (#4.3.0)'], `${where}: ${got}`);
        t.deepEqual(rcpt.lines, ['503 MAIL first (#5.5.1)'], `${where}: the refused MAIL left no transaction; ${got}`);
      }
    }
    t.is(tr.lines.at(-1), '221 mail.example.org', `spfbehavior ${level}: the session ends normally`);
    // One qlog "reason=spf" line per refusal, with the result word (lookupfailure for the 451).
    const refused = COLUMNS.filter((_, ci) => MATRIX[level]![ci] !== 'accept');
    await server.waitForStderr(/^tcpserver: end \d+ status 0$/); // the session's log lines are all in
    const logged = qlogLines(server.stderr(), 'spf').map((q) => [q.fields.code, q.fields.detail, q.fields.mailfrom, q.fields.helo]);
    const wanted = refused.map((c) => [c.word === 'lookupfailure' ? '451' : '550', c.word, c.sender, c.helo]);
    t.deepEqual(logged, wanted, `spfbehavior ${level}: qlog reason=spf lines`);
  }
});
