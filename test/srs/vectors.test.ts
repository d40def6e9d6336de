// The research vectors (spec srs.md 14, test/srs/fixtures/srs-vectors.tsv) against our codec.
// Where the tools agree, every row runs and must match: generation byte for byte, verification
// accept/reject, libsrs2's error text. Where they disagree (spec 11, tools_agree=NO), DECISIONS
// gives our outcome (spec 15) per case and which tools' rows differ and why. No silent skips.
import test from 'ava';
import { SRS_ERRORS, srsForward, srsReverse, type ForwardOutcome, type ReverseOutcome } from '../../src/srs/index.js';
import { latin1, loadVectors, type VectorRow } from './vectors.js';

type Outcome = ForwardOutcome | ReverseOutcome;

/** Why a row is not compared with our result. Each key is used by the tables below. */
const WHY = {
  shortcut: 'Mail::SRS::Shortcut: that scheme is not implemented, Guarded only (spec 6)',
  secretFile: "Debian srs --secretfile keeps the newline in the key (spec 5); our secrets are qmail control files",
  postsrsdPolicy: "postsrsd's own local-domain list (-X / domains): who is local is the caller's rcpthosts rule, not the codec's (spec 9)",
  base64url: 'postsrsd >= 2.2.6 writes and accepts base64url hashes; we write and accept standard base64 only (spec 3.4, 15.2)',
  twoAts: "libsrs2/postsrsd rewrite a sender with two '@' into an address that never reverses (R075); we refuse it (spec 15.1)",
  lastAt: "Mail::SRS splits at the last '@' and so reverses a@b@example.com; we split at the first, as libsrs2 (spec 7.3, 15.1)",
  perlEmptyDomain: 'Mail::SRS refuses an empty sender domain; we rewrite it as libsrs2 does, and it round-trips (R077, spec 15.1)',
  bareTag: "libsrs2's end-of-string quirk wraps a local part that is exactly SRS0 into SRS1; we treat it as plain, as Mail::SRS (spec 2.3, 15.7)",
  perlGarbageSrs1: 'Mail::SRS wraps a malformed SRS1 into a garbage SRS1; we give libsrs2\'s error (spec 7.5, 11.6)',
  perlNeedsAt: "Mail::SRS needs an '@' on reverse; we accept a bare local part, as qmail passes $EXT2 (spec 8.2, 15.4)",
  longStamp: 'libsrs2 and Mail::SRS accept a 3-character stamp with a valid hash; we require exactly 2 (spec 4.4, 15.2)',
  hang: 'libsrs2 (and Mail::SRS when the hash is valid) spin on a 12-character stamp (CVE-2020-35573); we refuse it at once (spec 4.4)',
  longHash: 'Mail::SRS accepts any longer digest prefix, postsrsd ignores the extra characters; we refuse a hash longer than hash-length (spec 3.3, 15.2)',
  shortHashBug: "libsrs2 1.0.18 refuses every hash shorter than hash-length (a bug); we accept a hash-min prefix, as Mail::SRS and postsrsd (spec 3.3, 15.2)",
} as const;
type Why = keyof typeof WHY;

/** Rows of agreeing cases that are not run: tools or settings we do not emulate. */
const SET_ASIDE: Readonly<Record<string, Readonly<Partial<Record<string, Why>>>>> = {
  M181: { 'perl-shortcut': 'shortcut' },
  M185: { 'perl-shortcut': 'shortcut' },
  C204: { 'srs-cli': 'secretFile' },
  C205: { 'srs-cli': 'secretFile' },
  L186: { postsrsd1: 'postsrsdPolicy' },
  L187: { 'postsrsd2.0': 'postsrsdPolicy', 'postsrsd2.4': 'postsrsdPolicy' },
  L188: { postsrsd1: 'postsrsdPolicy' },
  L189: { 'postsrsd2.0': 'postsrsdPolicy', 'postsrsd2.4': 'postsrsdPolicy' },
  L194: { postsrsd1: 'postsrsdPolicy' },
  L195: { 'postsrsd2.0': 'postsrsdPolicy', 'postsrsd2.4': 'postsrsdPolicy' },
};

/** Agreeing rows whose libsrs2 error text we do not give, and the text we give instead. */
const REASON_EXCEPTIONS: Readonly<Record<string, { readonly ours: string; readonly because: string }>> = {
  E105: {
    ours: SRS_ERRORS.stampOutOfDate,
    because: 'stamp AIZ is refused for its length before the hash is looked at, as postsrsd does ("Time stamp out of date.")',
  },
};

interface Decision {
  /** The spec section the decision follows. */
  readonly spec: string;
  /** Exactly what our codec returns for the case. */
  readonly expect: Outcome;
  /** The tools whose rows differ from `expect`; every other row of the case must agree with it. */
  readonly differs: Readonly<Partial<Record<string, Why>>>;
}

const POSTSRSD = ['postsrsd1', 'postsrsd2.0', 'postsrsd2.4'] as const;
/** The same reason for each of `tools`. */
const each = (tools: readonly string[], why: Why): Partial<Record<string, Why>> => Object.fromEntries(tools.map((k) => [k, why]));

const rewritten = (address: string): Outcome => ({ kind: 'rewritten', address: latin1(address) });
const reversed = (address: string, tag: 'SRS0' | 'SRS1' = 'SRS0'): Outcome => ({ kind: 'reversed', address: latin1(address), tag });
const forwardError = (reason: string): Outcome => ({ kind: 'error', reason });
const invalid = (reason: string): Outcome => ({ kind: 'invalid', reason });

/** Our outcome for every case where the tools disagree (spec 11); all 32 of them. */
const DECISIONS: Readonly<Record<string, Decision>> = {
  // 1. The hash alphabet: we generate standard base64 as libsrs2 = Mail::SRS = postsrsd <= 2.0.
  F009: { spec: '15.1', expect: rewritten('SRS0=+lFV=IZ=MÜNCHEN.example=Jörg.Ü@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  T059: { spec: '15.1', expect: rewritten('SRS0=7+lH=77=example.com=alice@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  X153: { spec: '15.1', expect: rewritten('SRS0=7+lH=77=example.com=alice@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  B136: { spec: '15.1', expect: rewritten('SRS0=/mP+=IZ=example.com=user233@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  B140: { spec: '15.1', expect: rewritten('SRS0=O0+X=IZ=example.com=user24@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  B141: { spec: '15.1', expect: rewritten('SRS0=nrE/=IZ=example.com=user3@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  N172: { spec: '15.1', expect: rewritten('SRS0=FO3+=IZ=example.com=alice@fwd1.example'), differs: { 'postsrsd2.4': 'base64url' } },
  L191: { spec: '15.1', expect: rewritten('SRS0=ftW/=IZ=sub.example.net=u@fwd.example'), differs: { 'postsrsd2.4': 'base64url' } },
  B138: { spec: '15.2', expect: invalid(SRS_ERRORS.hashInvalid), differs: { 'postsrsd2.4': 'base64url' } },
  // 2. Hash length on verify: hash-min..hash-length characters, no more.
  H126: { spec: '15.2', expect: invalid(SRS_ERRORS.hashInvalid), differs: { perl: 'longHash', ...each(POSTSRSD, 'longHash') } },
  H127: { spec: '15.2', expect: invalid(SRS_ERRORS.hashInvalid), differs: each(POSTSRSD, 'longHash') },
  H128: { spec: '15.2', expect: invalid(SRS_ERRORS.hashInvalid), differs: { perl: 'longHash', ...each(POSTSRSD, 'longHash') } },
  H135: { spec: '15.2', expect: invalid(SRS_ERRORS.hashInvalid), differs: { perl: 'longHash', ...each(POSTSRSD, 'longHash') } },
  H131: { spec: '15.2', expect: reversed('alice@example.com'), differs: { libsrs2: 'shortHashBug' } },
  H132: { spec: '15.2', expect: reversed('alice@example.com'), differs: { libsrs2: 'shortHashBug' } },
  H134: { spec: '15.2', expect: reversed('alice@example.com'), differs: { libsrs2: 'shortHashBug' } },
  // 3. Stamp length: exactly two characters, refused at once otherwise.
  E118: { spec: '15.2', expect: invalid(SRS_ERRORS.stampOutOfDate), differs: { perl: 'longStamp', libsrs2: 'longStamp' } },
  E124: { spec: '15.2', expect: invalid(SRS_ERRORS.stampOutOfDate), differs: { libsrs2: 'hang' } },
  E125: { spec: '15.2', expect: invalid(SRS_ERRORS.stampOutOfDate), differs: { perl: 'hang', libsrs2: 'hang' } },
  // 4. Splitting at '@'.
  F013: { spec: '15.1', expect: forwardError(SRS_ERRORS.manyAtSigns), differs: { libsrs2: 'twoAts', ...each(POSTSRSD, 'twoAts') } },
  R075: { spec: '15.1', expect: invalid(SRS_ERRORS.srs0NoUser), differs: { perl: 'lastAt' } },
  F017: { spec: '15.1', expect: rewritten('SRS0=SSg9=IZ==user@fwd.example'), differs: { perl: 'perlEmptyDomain' } },
  R093: { spec: '15.4', expect: reversed('alice@example.com'), differs: { perl: 'perlNeedsAt' } },
  // 5. Input that cannot be rewritten: an error; postsrsd's "not found" keeps the address, as the caller will.
  F014: { spec: '7.3', expect: forwardError(SRS_ERRORS.noAtSign), differs: {} },
  F015: { spec: '7.3', expect: forwardError(SRS_ERRORS.noAtSign), differs: {} },
  Z179: { spec: '12', expect: forwardError(SRS_ERRORS.noSecrets), differs: {} },
  // 6. Malformed SRS input when forwarding.
  F030: { spec: '15.7', expect: rewritten('SRS0=9klv=IZ=fwd0.example=SRS0@fwd.example'), differs: { libsrs2: 'bareTag', ...each(POSTSRSD, 'bareTag') } },
  F031: { spec: '7.5', expect: forwardError(SRS_ERRORS.srs1NoHost), differs: { perl: 'perlGarbageSrs1' } },
  F032: { spec: '7.5', expect: forwardError(SRS_ERRORS.srs1NoUser), differs: { perl: 'perlGarbageSrs1' } },
  // 7. Shortcut vs Guarded: Guarded only.
  M182: { spec: '6', expect: rewritten('SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example'), differs: { 'perl-shortcut': 'shortcut' } },
  M183: { spec: '6', expect: rewritten('SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example'), differs: { 'perl-shortcut': 'shortcut' } },
  M184: { spec: '6', expect: reversed('SRS0=abcd=IZ=orig.example=carol@fwd0.example', 'SRS1'), differs: { 'perl-shortcut': 'shortcut' } },
};

function ours(row: VectorRow): Outcome {
  if (row.settings === undefined) throw new Error(`${row.caseId}/${row.tool}: no plain secrets to run with`);
  return row.op === 'forward' ? srsForward(row.input, row.settings, row.nowMs) : srsReverse(row.input, row.settings, row.nowMs);
}

/** Does the row's tool do what an MTA would do with our outcome (spec 14 "tools_agree")? */
function rowAgrees(row: VectorRow, o: Outcome): boolean {
  switch (row.result) {
    case 'OK':
      return (o.kind === 'rewritten' || o.kind === 'reversed') && o.address === row.output;
    case 'UNCHANGED':
      return o.kind === 'unchanged' && o.address === row.output;
    case 'NOT_REWRITTEN': // postsrsd declined: Postfix keeps the sender, as our caller does on an error
      return o.kind === 'unchanged' || o.kind === 'error';
    case 'ERROR':
      return o.kind === 'error' || o.kind === 'invalid' || o.kind === 'not-srs';
    case 'TIMEOUT':
      return false;
  }
}

function reasonOf(o: Outcome): string | undefined {
  if (o.kind === 'error' || o.kind === 'invalid') return o.reason;
  return o.kind === 'not-srs' ? SRS_ERRORS.notSrs : undefined;
}

const describe = (row: VectorRow): string =>
  `${row.caseId}/${row.tool} ${row.op} ${JSON.stringify(row.input)} at ${row.clock}: tool ${row.result} ${JSON.stringify(row.output || row.detail)}`;

const rows = loadVectors();
const cases = new Map<string, VectorRow[]>();
for (const row of rows) cases.set(row.caseId, [...(cases.get(row.caseId) ?? []), row]);

// The tally every case test adds to; the summary test reads it once all case tests are done.
const ran: string[] = [];
const setAside = new Map<Why, string[]>();
const putAside = (row: VectorRow, why: Why): void => {
  setAside.set(why, [...(setAside.get(why) ?? []), `${row.caseId}/${row.tool}`]);
};

test('the vector file holds 926 rows in 205 cases, 32 of which disagree', (t) => {
  t.is(rows.length, 926);
  t.is(cases.size, 205);
  const disagreeing = [...cases].filter(([, rs]) => rs.some((r) => !r.toolsAgree)).map(([id]) => id);
  t.is(disagreeing.length, 32);
  // Every disagreeing case has a decision, and only those: a decision cannot hide a regression.
  t.deepEqual([...disagreeing].sort(), Object.keys(DECISIONS).sort());
  for (const [id, tools] of Object.entries(SET_ASIDE)) {
    const present = (cases.get(id) ?? []).map((r) => r.tool);
    for (const tool of Object.keys(tools)) t.true(present.includes(tool), `SET_ASIDE ${id}/${tool} names no row`);
  }
});

for (const [caseId, caseRows] of cases) {
  const first = caseRows[0] as VectorRow;
  const decision = DECISIONS[caseId];
  test.serial(`${caseId} ${first.op}: ${first.note}`, (t) => {
    if (decision !== undefined) {
      const got = ours(first);
      t.deepEqual(got, decision.expect, `our decision (spec ${decision.spec})`);
      for (const row of caseRows) {
        const o = ours(row);
        t.deepEqual(o, got, `${row.caseId}/${row.tool}: same input and settings, same outcome`);
        const why = decision.differs[row.tool];
        if (why === undefined) {
          t.true(rowAgrees(row, o), `${describe(row)}; ours ${JSON.stringify(o)}`);
          ran.push(`${row.caseId}/${row.tool}`);
        } else {
          t.false(rowAgrees(row, o), `${describe(row)} is listed as differing (${why}) but agrees: fix the table`);
          putAside(row, why);
        }
      }
      return;
    }
    for (const row of caseRows) {
      const why = SET_ASIDE[caseId]?.[row.tool];
      if (why !== undefined) {
        putAside(row, why);
        t.log(`${row.caseId}/${row.tool} set aside: ${WHY[why]}`);
        t.pass();
        continue;
      }
      const o = ours(row);
      t.true(rowAgrees(row, o), `${describe(row)}; ours ${JSON.stringify(o)}`);
      if (row.tool === 'libsrs2' && row.result === 'ERROR') {
        const want = REASON_EXCEPTIONS[caseId]?.ours ?? row.detail.replace(/\s*\(code 0x[0-9a-f]+\)$/i, '');
        t.is(reasonOf(o), want, `${describe(row)}: libsrs2's reason`);
      }
      ran.push(`${row.caseId}/${row.tool}`);
    }
  });
}

test('C204/C205 differ only by the key the srs CLI reads from its file: tops3cret plus a newline', (t) => {
  const [c204] = cases.get('C204') ?? [];
  const [c205] = cases.get('C205') ?? [];
  if (c204 === undefined || c205 === undefined) return t.fail('C204/C205 missing');
  const key = 'tops3cret\n';
  const settings = {
    domain: 'fwd.example', signSecret: key, verifySecrets: [key], maxAge: 21, hashLength: 4, hashMin: 4,
    separator: '=', alwaysRewrite: false,
  } as const;
  t.deepEqual(srsForward(c204.input, settings, c204.nowMs), { kind: 'rewritten', address: c204.output });
  t.deepEqual(srsReverse(c205.input, settings, c205.nowMs), { kind: 'invalid', reason: SRS_ERRORS.hashInvalid });
});

test.serial('summary: every row is run or set aside with a reason', (t) => {
  const asideCount = [...setAside.values()].reduce((n, list) => n + list.length, 0);
  t.log(`vector rows: ${rows.length}; run and matching: ${ran.length}; set aside: ${asideCount}`);
  for (const [why, list] of [...setAside].sort((a, b) => b[1].length - a[1].length)) {
    t.log(`  ${String(list.length).padStart(3)}  ${WHY[why]}: ${list.join(' ')}`);
  }
  for (const [id, e] of Object.entries(REASON_EXCEPTIONS)) t.log(`  reason differs from libsrs2 in ${id}: ${e.because}`);
  t.is(ran.length + asideCount, rows.length);
  t.is(new Set(ran).size, ran.length, 'no row counted twice');
});
