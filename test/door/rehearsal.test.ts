// The stdio door's snapshot is only as warm as its rehearsal (src/door/rehearsal.ts): both
// rehearsed sessions must go all the way, a message accepted, and the second through an SPF pass;
// and it must leave no state behind that a session started from the snapshot could trip on.
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { rehearseSessions } from '../../src/door/rehearsal.js';

test('the rehearsal delivers a message without SPF, then one that passes SPF through its include', async (t) => {
  const [plain, spf] = await rehearseSessions();
  for (const r of [plain!, spf!]) {
    t.regex(r.replies, /^220 rehearsal\.invalid ESMTP\r\n/);
    t.regex(r.replies, /\r\n250 ok \d+ qp 0\r\n250 flushed\r\n250 ok\r\n221 rehearsal\.invalid\r\n$/);
    t.true(r.log.some((l) => l.startsWith('qlogreceived: result=accepted')), r.log.join('\n'));
  }
  t.false(plain!.message.includes('Received-SPF'), plain!.message);
  t.regex(spf!.message, /^Received-SPF: pass \(rehearsal\.invalid: SPF record at client\.rehearsal\.invalid designates 192\.0\.2\.1 as permitted sender\)/m);
});

test("the rehearsal leaves no timer list behind for the snapshot to carry (an unref'd timer's outlives clearTimeout)", (t) => {
  const rehearsal = new URL('../../src/door/rehearsal.js', import.meta.url).href;
  const script = `import(${JSON.stringify(rehearsal)}).then(async (m) => {
    await m.rehearseSessions();
    console.log(JSON.stringify(Object.keys(require('internal/timers').timerListMap)));
  });`;
  const out = execFileSync(process.execPath, ['--expose-internals', '-e', script], { encoding: 'utf8' });
  t.deepEqual(JSON.parse(out), []);
});
