// qfront's SRS codec against Mail::SRS 0.31 (Debian package srs, the `srs` command), run under
// `faketime` at fixed UTC dates while our side gets the same instant as nowMs. For two secrets
// (and SRS domains), the three separators and three dates (stamps IZ, 77 and the wrap to AA):
// (1) Mail::SRS's forward output equals ours byte for byte; (2) its addresses reverse in qfront on
// the same day and 21 days later, not 22 days later nor the day before; (3) ours reverse in
// Mail::SRS the same; forged addresses are refused by both; secret rotation and case-smashed
// addresses work both ways. Every `srs` run handles a batch of addresses (at most 6 run at
// once); a missing tool fails the tests with an install hint, never skips them.

import test from 'ava';
import { srsForward, srsReverse, type ForwardOutcome, type SrsSettings } from '../../src/srs/index.js';
import {
  INTEROP_DATES, INTEROP_KEYS, INTEROP_SENDERS, INTEROP_SEPARATORS, REVERSE_DAYS,
  addDays, clockMs, forgeries, interopSettings, ourReverses, outcomeText, runSrsCli, shown, srsCliLines, stampOf,
  type InteropKey, type InteropSender, type SrsCliRun,
} from '../helpers/srs-tools.js';

type Sep = (typeof INTEROP_SEPARATORS)[number];
type DateCase = (typeof INTEROP_DATES)[number];

const cache = new Map<string, Promise<SrsCliRun>>();

/** One `srs` run, shared by every test that needs the same one. */
function srsRun(op: 'forward' | 'reverse', addresses: readonly string[], secrets: readonly string[], clock: string, alias?: string, separator?: Sep): Promise<SrsCliRun> {
  const id = JSON.stringify([op, addresses, secrets, clock, alias, separator]);
  let run = cache.get(id);
  if (run === undefined) {
    run = runSrsCli(op, addresses, { secrets, clock, ...(alias !== undefined ? { alias } : {}), ...(separator !== undefined ? { separator } : {}) });
    cache.set(id, run);
  }
  return run;
}

/** Mail::SRS's forward of every interop sender, in INTEROP_SENDERS order. */
async function toolForwards(key: InteropKey, sep: Sep, date: DateCase): Promise<readonly string[]> {
  const run = await srsRun('forward', INTEROP_SENDERS.map((s) => s.address), [key.secret], date.clock, key.domain, sep);
  return srsCliLines(run, INTEROP_SENDERS.length);
}

function ourForward(sender: string, s: SrsSettings, clock: string): ForwardOutcome {
  return srsForward(sender, s, clockMs(clock));
}

/** Our forward of a sender, which must be rewritten. */
function ourAddress(sender: InteropSender, s: SrsSettings, clock: string): string {
  const out = ourForward(sender.address, s, clock);
  if (out.kind !== 'rewritten') throw new Error(`qfront did not rewrite ${shown(sender.address)} (${JSON.stringify(out)})`);
  return out.address;
}

const dateName = (d: DateCase): string => `${d.clock.slice(0, 10)} (${d.stamp})`;

// (1) Forward: byte for byte.
for (const key of INTEROP_KEYS) {
  for (const sep of INTEROP_SEPARATORS) {
    for (const date of INTEROP_DATES) {
      test(`forward: Mail::SRS = qfront, secret ${key.secret}, separator ${sep}, ${dateName(date)}`, async (t) => {
        const tool = await toolForwards(key, sep, date);
        // The stamp proves faketime took: without it every SRS0 would carry today's stamp.
        const stamps = INTEROP_SENDERS.flatMap((s, i) => (s.tag === 'SRS0' ? [stampOf(tool[i]!)] : []));
        t.deepEqual(stamps, stamps.map(() => date.stamp), `Mail::SRS did not run at ${date.clock} UTC (faketime?)`);
        const s = interopSettings(key, sep);
        const rows = (f: (sender: InteropSender, i: number) => string): string[] => INTEROP_SENDERS.map((sender, i) => `${sender.name}: ${f(sender, i)}`);
        t.deepEqual(
          rows((sender) => outcomeText(ourForward(sender.address, s, date.clock))),
          rows((_, i) => `rewritten ${shown(tool[i]!)}`),
          'qfront (actual) vs Mail::SRS (expected)',
        );
      });
    }
  }
}

// (2) Mail::SRS's addresses reversed by qfront, on days 0, +21, +22 and -1.
for (const key of INTEROP_KEYS) {
  for (const date of INTEROP_DATES) {
    test(`reverse in qfront of Mail::SRS addresses: secret ${key.secret}, ${dateName(date)}, days 0/+21/+22/-1`, async (t) => {
      const tools = new Map<string, readonly string[]>();
      for (const sep of INTEROP_SEPARATORS) tools.set(sep, await toolForwards(key, sep, date));
      const { actual, expected } = ourReverses(key, date, tools);
      t.deepEqual(actual, expected, 'qfront (actual) vs expected');
    });
  }
}

// (3) qfront's addresses reversed by Mail::SRS `--reverse`, on days 0, +21, +22 and -1.
for (const key of INTEROP_KEYS) {
  for (const date of INTEROP_DATES) {
    test(`reverse in Mail::SRS of qfront addresses: secret ${key.secret}, ${dateName(date)}, days 0/+21/+22/-1`, async (t) => {
      const made = INTEROP_SEPARATORS.flatMap((sep) => INTEROP_SENDERS.map((sender) => ({ sender, address: ourAddress(sender, interopSettings(key, sep), date.clock) })));
      const srs1 = made.filter((m) => m.sender.tag === 'SRS1');
      // An SRS0 last: Mail::SRS dies at the first address it refuses, after printing the others.
      const expiring = made.find((m) => m.sender.tag === 'SRS0' && m.address.startsWith('SRS0+'))!;
      for (const days of [REVERSE_DAYS.same, REVERSE_DAYS.lastValid]) {
        const run = await srsRun('reverse', made.map((m) => m.address), [key.secret], addDays(date.clock, days));
        t.is(run.code, 0, `day ${days}: ${run.command}\n${run.stderr}`);
        t.deepEqual(run.lines.map(shown), made.map((m) => shown(m.sender.reversesTo)), `day ${days}: Mail::SRS (actual) vs expected`);
      }
      for (const days of [REVERSE_DAYS.firstExpired, REVERSE_DAYS.dayBefore]) {
        const run = await srsRun('reverse', [...srs1.map((m) => m.address), expiring.address], [key.secret], addDays(date.clock, days));
        t.deepEqual(run.lines.map(shown), srs1.map((m) => shown(m.sender.reversesTo)), `day ${days}: SRS1 never expires: ${run.command}\n${run.stderr}`);
        t.not(run.code, 0, `day ${days}: Mail::SRS accepted ${expiring.address}`);
        t.regex(run.stderr, /Invalid timestamp/, `day ${days}: ${run.command}`);
      }
    });
  }
}

// (5) Forged addresses: refused by both sides (and the untampered ones accepted, so the check bites).
test('forged addresses are refused by Mail::SRS and by qfront', async (t) => {
  const key = INTEROP_KEYS[0]!;
  const date = INTEROP_DATES[0]!;
  const s = interopSettings(key, '=');
  const tool = await toolForwards(key, '=', date);
  const srs0 = tool[INTEROP_SENDERS.findIndex((x) => x.name === 'plain')]!;
  const srs1 = tool[INTEROP_SENDERS.findIndex((x) => x.name === 'SRS0 of another forwarder')]!;
  const wrongKey = await srsRun('forward', ['alice@example.com'], ['not-the-secret'], date.clock, key.domain);
  const forged = [
    { name: 'made by Mail::SRS with another secret', address: srsCliLines(wrongKey, 1)[0]! },
    ...forgeries(srs0, srs1),
  ];
  const nowMs = clockMs(date.clock);
  const control = await srsRun('reverse', [srs0, srs1], [key.secret], date.clock);
  t.deepEqual(srsCliLines(control, 2), ['alice@example.com', 'SRS0=abcd=IZ=orig.example=carol@fwd0.example'], 'untampered');
  t.deepEqual([srs0, srs1].map((a) => srsReverse(a, s, nowMs).kind), ['reversed', 'reversed'], 'untampered, qfront');
  const runs = await Promise.all(forged.map((f) => srsRun('reverse', [f.address], [key.secret], date.clock)));
  for (const [i, f] of forged.entries()) {
    const run = runs[i]!;
    t.true(run.code !== 0 && run.lines.length === 0 && /Invalid hash/.test(run.stderr), `Mail::SRS accepted ${f.name}: ${f.address} -> ${run.lines.join(' ')} ${run.stderr}`);
    t.is(outcomeText(srsReverse(f.address, s, nowMs)), 'invalid', `qfront on ${f.name}: ${f.address}`);
  }
});

// Several secrets: the first signs, every one verifies, on both sides.
test('secret rotation: an address signed with the old secret verifies with [new, old] on both sides, not with [new]', async (t) => {
  const [oldKey, newKey] = [INTEROP_KEYS[0]!, INTEROP_KEYS[1]!];
  const date = INTEROP_DATES[0]!;
  const nowMs = clockMs(date.clock);
  const sender = INTEROP_SENDERS[0]!;
  const toolMade = (await toolForwards(oldKey, '=', date))[0]!;
  const oursMade = ourAddress(sender, interopSettings(oldKey, '='), date.clock);
  const rotated = interopSettings({ secret: newKey.secret, domain: oldKey.domain }, '=', [newKey.secret, oldKey.secret]);
  const newOnly = interopSettings({ secret: newKey.secret, domain: oldKey.domain }, '=');
  t.is(outcomeText(srsReverse(toolMade, rotated, nowMs)), `reversed SRS0 ${sender.address}`, 'qfront [new, old]');
  t.is(outcomeText(srsReverse(toolMade, newOnly, nowMs)), 'invalid', 'qfront [new]');
  const both = await srsRun('reverse', [oursMade], [newKey.secret, oldKey.secret], date.clock);
  t.deepEqual(srsCliLines(both, 1), [sender.address], 'Mail::SRS [new, old]');
  const alone = await srsRun('reverse', [oursMade], [newKey.secret], date.clock);
  t.true(alone.code !== 0 && /Invalid hash/.test(alone.stderr), `Mail::SRS [new] accepted ${oursMade}: ${alone.lines.join(' ')}`);
});

// Another MTA may change the case of the local part: both sides still verify, keeping the case received.
test('case-smashed addresses reverse on both sides, the case as received', async (t) => {
  const key = INTEROP_KEYS[0]!;
  const date = INTEROP_DATES[0]!;
  const s = interopSettings(key, '=');
  const nowMs = clockMs(date.clock);
  const sender = INTEROP_SENDERS.find((x) => x.name === 'upper-case')!;
  const toolMade = (await toolForwards(key, '=', date))[INTEROP_SENDERS.indexOf(sender)]!;
  const oursMade = ourAddress(sender, s, date.clock);
  t.is(outcomeText(srsReverse(toolMade.toLowerCase(), s, nowMs)), `reversed SRS0 ${sender.address.toLowerCase()}`, `qfront on ${toolMade.toLowerCase()}`);
  t.is(outcomeText(srsReverse(toolMade.toUpperCase(), s, nowMs)), `reversed SRS0 ${sender.address.toUpperCase()}`, `qfront on ${toolMade.toUpperCase()}`);
  const run = await srsRun('reverse', [oursMade.toLowerCase(), oursMade.toUpperCase()], [key.secret], date.clock);
  t.deepEqual(srsCliLines(run, 2), [sender.address.toLowerCase(), sender.address.toUpperCase()], 'Mail::SRS on our address, lower- then upper-cased');
});
