// qfront's SRS codec against postsrsd 1.10 (Debian package postsrsd; it embeds libsrs2), driven
// over its TCP table protocol (`get KEY` -> `200 VALUE` / `500 REASON`, forward and reverse on
// separate ports). One daemon per secret and separator, unprivileged-capable, in the foreground on
// 127.0.0.1 and free high ports, all sharing a libfaketime clock file that the hook below moves
// through the dates (stamps IZ, 77, the wrap to AA, then +21, +22 and -1 days), while our side
// gets the same instant as nowMs. All tool traffic happens in test.before, one date at a time;
// the tests then compare. (4) postsrsd's forward output equals ours byte for byte; its addresses
// reverse in qfront on days 0 and +21, not +22 nor -1; ours reverse in postsrsd (on every
// separator's daemon) the same; (5) forged addresses are refused by both; secret rotation works
// both ways. A missing tool fails every test with an install hint, never skips them.

import test from 'ava';
import { srsForward, srsReverse } from '../../src/srs/index.js';
import {
  FakeClock, INTEROP_DATES, INTEROP_KEYS, INTEROP_SENDERS, INTEROP_SEPARATORS, REVERSE_DAYS,
  addDays, clockMs, expectedReverse, forgeries, ourReverses, interopSettings, outcomeText, shown, startPostsrsd, stampOf,
  type InteropKey, type Postsrsd, type TableAnswer,
} from '../helpers/srs-tools.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

type Sep = (typeof INTEROP_SEPARATORS)[number];
type DateCase = (typeof INTEROP_DATES)[number];

interface Daemon {
  readonly key: InteropKey;
  readonly sep: Sep;
  readonly srsd: Postsrsd;
}

/** One query to make: at `clock`, `get` each address on the daemon's `map` port. */
interface Job {
  readonly clock: string;
  readonly srsd: Postsrsd;
  readonly map: 'forward' | 'reverse';
  readonly addresses: readonly string[];
}

const ROTATION_KEY: InteropKey = { secret: INTEROP_KEYS[1]!.secret, domain: INTEROP_KEYS[0]!.domain };
/** Secret file of the rotation daemon: the new secret signs, the old one still verifies. */
const ROTATION_SECRETS = [INTEROP_KEYS[1]!.secret, INTEROP_KEYS[0]!.secret];
const WRONG_SECRET = 'not-the-secret';

const dir = makeTempDir('qfront-srs-interop-');
const clock = new FakeClock(dir, INTEROP_DATES[0]!.clock);
const daemons: Daemon[] = [];
let rotation: Postsrsd | undefined;
const answers = new Map<string, TableAnswer>();
let forgedAddresses: { name: string; address: string }[] = [];

const answerId = (srsd: Postsrsd, map: string, at: string, address: string): string => JSON.stringify([srsd.forwardPort, map, at, address]);

/** The answer recorded in the hook; throws if the hook never asked (a bug in this file). */
function answer(srsd: Postsrsd, map: 'forward' | 'reverse', at: string, address: string): TableAnswer {
  const a = answers.get(answerId(srsd, map, at, address));
  if (a === undefined) throw new Error(`no postsrsd answer recorded for ${map} ${shown(address)} at ${at}`);
  return a;
}

/** Runs the jobs one clock at a time (in order of first appearance), the queries of one clock at once. */
async function runJobs(jobs: readonly Job[]): Promise<void> {
  const clocks = [...new Set(jobs.map((j) => j.clock))];
  for (const at of clocks) {
    clock.set(at);
    await Promise.all(
      jobs.filter((j) => j.clock === at).map(async (j) => {
        const got = await j.srsd.query(j.map, j.addresses);
        got.forEach((a, i) => answers.set(answerId(j.srsd, j.map, at, j.addresses[i]!), a));
      }),
    );
  }
}

const daemonsOf = (key: InteropKey): Daemon[] => daemons.filter((d) => d.key === key);
const daemon = (key: InteropKey, sep: Sep): Daemon => daemons.find((d) => d.key === key && d.sep === sep)!;
const senders = INTEROP_SENDERS.map((s) => s.address);

/** postsrsd's forward of every interop sender, as recorded; each must be a 200. */
function toolForwards(key: InteropKey, sep: Sep, date: DateCase): string[] {
  return INTEROP_SENDERS.map((s) => {
    const a = answer(daemon(key, sep).srsd, 'forward', date.clock, s.address);
    if (a.code !== 200) throw new Error(`postsrsd (${key.secret}, ${sep}) did not rewrite ${shown(s.address)} at ${date.clock}: ${a.raw}`);
    return a.value;
  });
}

/** Our forward, which must rewrite. */
function ours(address: string, key: InteropKey, sep: Sep, at: string): string {
  const out = srsForward(address, interopSettings(key, sep), clockMs(at));
  if (out.kind !== 'rewritten') throw new Error(`qfront did not rewrite ${shown(address)}: ${JSON.stringify(out)}`);
  return out.address;
}

/** Every address we make for `key` at `date`, all separators. */
function oursAll(key: InteropKey, date: DateCase): { sender: (typeof INTEROP_SENDERS)[number]; address: string }[] {
  return INTEROP_SEPARATORS.flatMap((sep) => INTEROP_SENDERS.map((sender) => ({ sender, address: ours(sender.address, key, sep, date.clock) })));
}

test.before(async () => {
  const started = await Promise.allSettled(
    INTEROP_KEYS.flatMap((key) => INTEROP_SEPARATORS.map(async (sep) => ({ key, sep, srsd: await startPostsrsd({ domain: key.domain, secrets: [key.secret], separator: sep }, clock) }))),
  );
  // Those that did start are stopped by the after hook even if another did not.
  for (const s of started) if (s.status === 'fulfilled') daemons.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  rotation = await startPostsrsd({ domain: ROTATION_KEY.domain, secrets: ROTATION_SECRETS, separator: '=' }, clock);
  const date0 = INTEROP_DATES[0]!;
  // Forward, every date.
  await runJobs([
    ...INTEROP_DATES.flatMap((date) => daemons.map((d) => ({ clock: date.clock, srsd: d.srsd, map: 'forward' as const, addresses: senders }))),
    { clock: date0.clock, srsd: rotation, map: 'forward', addresses: senders },
  ]);
  // Reverse of our addresses by every daemon of the same secret, days 0, +21, +22, -1; forgeries.
  const key0 = INTEROP_KEYS[0]!;
  const base = toolForwards(key0, '=', date0);
  const plain = base[INTEROP_SENDERS.findIndex((s) => s.name === 'plain')]!;
  const srs1 = base[INTEROP_SENDERS.findIndex((s) => s.name === 'SRS0 of another forwarder')]!;
  const wrong = srsForward('alice@example.com', { ...interopSettings(key0, '='), signSecret: WRONG_SECRET }, clockMs(date0.clock));
  if (wrong.kind !== 'rewritten') throw new Error(`qfront did not rewrite with the wrong secret: ${JSON.stringify(wrong)}`);
  forgedAddresses = [{ name: 'signed with another secret', address: wrong.address }, ...forgeries(plain, srs1)];
  await runJobs([
    ...INTEROP_DATES.flatMap((date) =>
      Object.values(REVERSE_DAYS).flatMap((days) =>
        INTEROP_KEYS.flatMap((key) => {
          const made = oursAll(key, date).map((m) => m.address);
          return daemonsOf(key).map((d) => ({ clock: addDays(date.clock, days), srsd: d.srsd, map: 'reverse' as const, addresses: made }));
        }),
      ),
    ),
    { clock: date0.clock, srsd: daemon(key0, '=').srsd, map: 'reverse', addresses: [plain, srs1, ...forgedAddresses.map((f) => f.address)] },
    { clock: date0.clock, srsd: rotation, map: 'reverse', addresses: [ours('alice@example.com', key0, '=', date0.clock)] },
  ]);
});

test.after.always(async () => {
  await Promise.all([...daemons.map((d) => d.srsd.stop()), rotation?.stop()]);
  removeTempDir(dir);
});

const dateName = (d: DateCase): string => `${d.clock.slice(0, 10)} (${d.stamp})`;

// (4) Forward: byte for byte (postsrsd's answers percent-decoded).
for (const key of INTEROP_KEYS) {
  for (const sep of INTEROP_SEPARATORS) {
    for (const date of INTEROP_DATES) {
      test(`forward: postsrsd = qfront, secret ${key.secret}, separator ${sep}, ${dateName(date)}`, (t) => {
        const tool = toolForwards(key, sep, date);
        const stamps = INTEROP_SENDERS.flatMap((s, i) => (s.tag === 'SRS0' ? [stampOf(tool[i]!)] : []));
        t.deepEqual(stamps, stamps.map(() => date.stamp), `postsrsd did not run at ${date.clock} UTC (libfaketime clock file?)`);
        const s = interopSettings(key, sep);
        t.deepEqual(
          INTEROP_SENDERS.map((sender) => `${sender.name}: ${outcomeText(srsForward(sender.address, s, clockMs(date.clock)))}`),
          INTEROP_SENDERS.map((sender, i) => `${sender.name}: rewritten ${shown(tool[i]!)}`),
          'qfront (actual) vs postsrsd (expected)',
        );
      });
    }
  }
}

// (4) postsrsd's addresses reversed by qfront.
for (const key of INTEROP_KEYS) {
  for (const date of INTEROP_DATES) {
    test(`reverse in qfront of postsrsd addresses: secret ${key.secret}, ${dateName(date)}, days 0/+21/+22/-1`, (t) => {
      const tools = new Map(INTEROP_SEPARATORS.map((sep) => [sep, toolForwards(key, sep, date)] as const));
      const { actual, expected } = ourReverses(key, date, tools);
      t.deepEqual(actual, expected, 'qfront (actual) vs expected');
    });
  }
}

/** postsrsd's reverse answer as a line comparable with expectedReverse(). */
function tableText(a: TableAnswer, tag: string): string {
  return a.code === 200 ? `reversed ${tag} ${shown(a.value)}` : a.code === 500 ? 'invalid' : `bad answer ${a.raw}`;
}

// (4) qfront's addresses reversed by postsrsd: each daemon of the secret, whatever its separator.
for (const key of INTEROP_KEYS) {
  for (const date of INTEROP_DATES) {
    test(`reverse in postsrsd of qfront addresses: secret ${key.secret}, ${dateName(date)}, days 0/+21/+22/-1`, (t) => {
      const actual: string[] = [];
      const expected: string[] = [];
      const reasons = new Set<string>();
      for (const d of daemonsOf(key)) {
        for (const { sender, address } of oursAll(key, date)) {
          for (const days of Object.values(REVERSE_DAYS)) {
            const at = addDays(date.clock, days);
            const label = `postsrsd -a${d.sep}: ${shown(address)} on day ${days}: `;
            const a = answer(d.srsd, 'reverse', at, address);
            if (a.code === 500) reasons.add(a.value);
            actual.push(label + tableText(a, sender.tag));
            expected.push(label + expectedReverse(sender, days));
          }
        }
      }
      t.deepEqual(actual, expected, 'postsrsd (actual) vs expected');
      t.deepEqual([...reasons], ['Time stamp out of date.'], 'the only refusals are for age');
    });
  }
}

// (5) Forged addresses: refused by both (the untampered ones accepted, so the check bites).
test('forged addresses are refused by postsrsd and by qfront', (t) => {
  const key = INTEROP_KEYS[0]!;
  const date = INTEROP_DATES[0]!;
  const srsd = daemon(key, '=').srsd;
  const s = interopSettings(key, '=');
  const nowMs = clockMs(date.clock);
  const base = toolForwards(key, '=', date);
  const controls = [base[0]!, base[INTEROP_SENDERS.findIndex((x) => x.name === 'SRS0 of another forwarder')]!];
  t.deepEqual(controls.map((a) => answer(srsd, 'reverse', date.clock, a).raw), ['200 alice@example.com', '200 SRS0=abcd=IZ=orig.example=carol@fwd0.example'], 'untampered, postsrsd');
  t.deepEqual(controls.map((a) => srsReverse(a, s, nowMs).kind), ['reversed', 'reversed'], 'untampered, qfront');
  t.true(forgedAddresses.length > 5);
  for (const f of forgedAddresses) {
    const a = answer(srsd, 'reverse', date.clock, f.address);
    t.true(a.code === 500 && /^Hash (invalid|too short) in SRS address\.$/.test(a.value), `postsrsd on ${f.name}: ${f.address} -> ${a.raw}`);
    t.is(outcomeText(srsReverse(f.address, s, nowMs)), 'invalid', `qfront on ${f.name}: ${f.address}`);
  }
});

// Several secrets in the file: the first signs, every one verifies, on both sides.
test('secret rotation: postsrsd and qfront sign with the first secret and verify with every one', (t) => {
  const date = INTEROP_DATES[0]!;
  const nowMs = clockMs(date.clock);
  const oldSigned = ours('alice@example.com', INTEROP_KEYS[0]!, '=', date.clock);
  t.is(answer(rotation!, 'reverse', date.clock, oldSigned).raw, '200 alice@example.com', `postsrsd [new, old] on ${oldSigned}`);
  const rotated = interopSettings(ROTATION_KEY, '=', ROTATION_SECRETS);
  const toolNew = INTEROP_SENDERS.map((sender) => answer(rotation!, 'forward', date.clock, sender.address).value);
  t.deepEqual(INTEROP_SENDERS.map((sender) => outcomeText(srsForward(sender.address, rotated, nowMs))), toolNew.map((a) => `rewritten ${shown(a)}`), 'signed with the new secret');
  const toolOld = toolForwards(INTEROP_KEYS[0]!, '=', date)[0]!;
  t.is(outcomeText(srsReverse(toolOld, rotated, nowMs)), 'reversed SRS0 alice@example.com', `qfront [new, old] on ${toolOld}`);
  t.is(outcomeText(srsReverse(toolOld, interopSettings(ROTATION_KEY, '='), nowMs)), 'invalid', `qfront [new] on ${toolOld}`);
});
