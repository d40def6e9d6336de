// `bin/qfront srs forward|reverse ADDRESS` run as a program against throw-away control directories
// (sagredo's control/srs_* files and H-Sphere's control/srs/): the address alone on stdout and exit
// 0, or exit 100/111 with the reason on stderr. Expected addresses are rows of the spec's vector
// file (srs-vectors.tsv: secret tops3cret, alias fwd.example, 2024-01-15 = IZ), byte for byte.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { makeControlDir, removeDir } from '../helpers/control-dir.js';
import { runQfront, unixSeconds, type Run } from './run-qfront.js';

const DAY_0 = '2024-01-15 12:00:00';
const ALICE = 'alice@example.com';
const ALICE_SRS0 = 'SRS0=8Nqu=IZ=example.com=alice@fwd.example'; // F001
const SAGREDO = { srs_domain: 'fwd.example\n', srs_secrets: 'tops3cret\n' };
const SRS_ARGS = (op: string, address: string, dir: string): string[] => ['srs', op, address, '--control', dir];

function controlDir(t: ExecutionContext, files: Readonly<Record<string, string>>): string {
  const dir = makeControlDir(files);
  t.teardown(() => removeDir(dir));
  return dir;
}

/** One run at a UTC time given through QFRONT_SRS_NOW. */
function srs(op: string, address: string, dir: string, at = DAY_0): Promise<Run> {
  return runQfront(SRS_ARGS(op, address, dir), { QFRONT_SRS_NOW: unixSeconds(at) });
}

function printed(t: ExecutionContext, run: Run, address: string): void {
  t.is(run.stderr, '');
  t.is(run.stdout.toString('utf8'), `${address}\n`);
  t.is(run.code, 0);
}

function refused(t: ExecutionContext, run: Run, code: number, stderr: string): void {
  t.is(run.stdout.length, 0, 'nothing on stdout');
  t.is(run.stderr, `${stderr}\n`);
  t.is(run.code, code);
}

test('forward then reverse: the SRS0 address of F001, and back to the sender', async (t) => {
  const dir = controlDir(t, SAGREDO);
  printed(t, await srs('forward', ALICE, dir), ALICE_SRS0);
  printed(t, await srs('reverse', ALICE_SRS0, dir), ALICE);
  // Case is kept both ways (F002/R064); the MAC is over the ASCII-lower-cased fields.
  printed(t, await srs('forward', 'Alice.Smith@Example.COM', dir), 'SRS0=3fRF=IZ=Example.COM=Alice.Smith@fwd.example');
  printed(t, await srs('reverse', 'SRS0=3fRF=IZ=Example.COM=Alice.Smith@fwd.example', dir), 'Alice.Smith@Example.COM');
});

test('UTF-8 addresses go through byte for byte (F009/R071)', async (t) => {
  const dir = controlDir(t, SAGREDO);
  printed(t, await srs('forward', 'Jörg.Ü@MÜNCHEN.example', dir), 'SRS0=+lFV=IZ=MÜNCHEN.example=Jörg.Ü@fwd.example');
  printed(t, await srs('reverse', 'SRS0=+lFV=IZ=MÜNCHEN.example=Jörg.Ü@fwd.example', dir), 'Jörg.Ü@MÜNCHEN.example');
});

test('a sender in the SRS domain is printed unchanged, exit 0 (F018)', async (t) => {
  const dir = controlDir(t, SAGREDO);
  printed(t, await srs('forward', 'bob@fwd.example', dir), 'bob@fwd.example');
  printed(t, await srs('forward', 'bob@FWD.example', dir), 'bob@FWD.example');
});

test('srs_alwaysrewrite rewrites even a sender in the SRS domain (P048)', async (t) => {
  const dir = controlDir(t, { ...SAGREDO, srs_alwaysrewrite: '1\n' });
  printed(t, await srs('forward', 'bob@fwd.example', dir), 'SRS0=hi5d=IZ=fwd.example=bob@fwd.example');
});

test('an SRS0 sender becomes SRS1; an SRS1 address reverses to the first forwarder\'s SRS0 (F021, S163)', async (t) => {
  const dir = controlDir(t, SAGREDO);
  const srs1 = 'SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example';
  printed(t, await srs('forward', 'SRS0=abcd=IZ=orig.example=carol@fwd0.example', dir), srs1);
  printed(t, await srs('reverse', srs1, dir), 'SRS0=abcd=IZ=orig.example=carol@fwd0.example');
  // SRS1 carries no time stamp: it never expires (S169).
  printed(t, await srs('reverse', srs1, dir, '2027-01-01 12:00:00'), 'SRS0=abcd=IZ=orig.example=carol@fwd0.example');
});

test('made on one day, reversed 21 days later it verifies, 22 days later it is refused (srs_maxage 21)', async (t) => {
  const dir = controlDir(t, { ...SAGREDO, srs_maxage: '21\n' });
  printed(t, await srs('forward', ALICE, dir, '2024-01-15 00:00:01'), ALICE_SRS0);
  printed(t, await srs('reverse', ALICE_SRS0, dir, '2024-02-05 23:59:59'), ALICE); // X144
  refused(t, await srs('reverse', ALICE_SRS0, dir, '2024-02-06 00:00:00'), 100, 'qfront srs: SRS: Time stamp out of date.'); // X145
  // A stamp from the future is refused too (X146).
  refused(t, await srs('reverse', ALICE_SRS0, dir, '2024-01-14 23:59:59'), 100, 'qfront srs: SRS: Time stamp out of date.');
});

test('srs_maxage 7: day +7 verifies, day +8 is refused (X151, X152)', async (t) => {
  const dir = controlDir(t, { ...SAGREDO, srs_maxage: '7\n' });
  printed(t, await srs('reverse', ALICE_SRS0, dir, '2024-01-22 12:00:00'), ALICE);
  refused(t, await srs('reverse', ALICE_SRS0, dir, '2024-01-23 12:00:00'), 100, 'qfront srs: SRS: Time stamp out of date.');
});

test('a forged or tampered address is refused with exit 100 and the reason on stderr', async (t) => {
  const dir = controlDir(t, SAGREDO);
  const invalid = 'qfront srs: SRS: Hash invalid in SRS address.';
  refused(t, await srs('reverse', 'SRS0=8Nqv=IZ=example.com=alice@fwd.example', dir), 100, invalid); // E098
  refused(t, await srs('reverse', 'SRS0=8Nqu=IZ=example.org=alice@fwd.example', dir), 100, invalid); // E100
  refused(t, await srs('reverse', 'SRS1=7blA=fwd0.example==abcd=IZ=orig.example=carol@fwd.example', dir), 100, invalid); // S167
  const other = controlDir(t, { srs_domain: 'fwd.example\n', srs_secrets: 'Another-Secret_2\n' });
  refused(t, await srs('reverse', ALICE_SRS0, other), 100, invalid); // E114
});

test('reverse: not SRS, or not well formed, is exit 100', async (t) => {
  const dir = controlDir(t, SAGREDO);
  refused(t, await srs('reverse', ALICE, dir), 100, 'qfront srs: SRS: Not an SRS address.'); // E111
  refused(t, await srs('reverse', 'SRS2=8Nqu=IZ=example.com=alice@fwd.example', dir), 100, 'qfront srs: SRS: Not an SRS address.');
  refused(t, await srs('reverse', 'SRS0=8Nq=IZ=example.com=alice@fwd.example', dir), 100, 'qfront srs: SRS: Hash too short in SRS address.');
  refused(t, await srs('reverse', 'SRS0=8Nqu=I1=example.com=alice@fwd.example', dir), 100, 'qfront srs: SRS: Bad base32 character in timestamp.');
});

test('reverse accepts the local part alone and any domain (R093, R094)', async (t) => {
  const dir = controlDir(t, SAGREDO);
  printed(t, await srs('reverse', 'SRS0=8Nqu=IZ=example.com=alice', dir), ALICE);
  printed(t, await srs('reverse', 'SRS0=8Nqu=IZ=example.com=alice@other.example', dir), ALICE);
});

test('forward of an address without "@" is exit 100 with libsrs2\'s reason', async (t) => {
  const dir = controlDir(t, SAGREDO);
  refused(t, await srs('forward', 'noatsign', dir), 100, 'qfront srs: SRS: No at sign in sender address'); // F014
});

test('srs_separator, srs_hashlength and secret rotation come from the control files', async (t) => {
  printed(t, await srs('forward', ALICE, controlDir(t, { ...SAGREDO, srs_separator: '+\n' })), 'SRS0+8Nqu=IZ=example.com=alice@fwd.example'); // P038
  printed(t, await srs('forward', ALICE, controlDir(t, { ...SAGREDO, srs_hashlength: '6\n', srs_hashmin: '6\n' })), 'SRS0=8Nqu2G=IZ=example.com=alice@fwd.example'); // P044
  // The first secret signs, every one verifies (K158, K160); comments and blank lines are skipped.
  const rotated = controlDir(t, { srs_domain: 'fwd.example\n', srs_secrets: '# new first\nnew-secret-2024\n\nold-secret-2023\n' });
  printed(t, await srs('forward', ALICE, rotated), 'SRS0=qzxA=IZ=example.com=alice@fwd.example');
  printed(t, await srs('reverse', 'SRS0=YSQ6=IZ=example.com=alice@fwd.example', rotated), ALICE);
});

test('H-Sphere layout: signs with srs/srs_secrets, verifies with srs/reverse_srs_secrets, domain from control/me', async (t) => {
  const dir = controlDir(t, {
    me: 'fwd.example\n',
    'srs/': '',
    'srs/srs_secrets': 'new-secret-2024\n',
    'srs/reverse_srs_secrets': 'old-secret-2023\n',
    'srs/srs_maxage': '7\n',
  });
  printed(t, await srs('forward', ALICE, dir), 'SRS0=qzxA=IZ=example.com=alice@fwd.example'); // K159
  printed(t, await srs('reverse', 'SRS0=YSQ6=IZ=example.com=alice@fwd.example', dir), ALICE); // signed with the old key
  printed(t, await srs('reverse', 'SRS0=qzxA=IZ=example.com=alice@fwd.example', dir), ALICE); // and with the signing key
  refused(t, await srs('reverse', ALICE_SRS0, dir), 100, 'qfront srs: SRS: Hash invalid in SRS address.'); // neither key
  refused(t, await srs('reverse', 'SRS0=YSQ6=IZ=example.com=alice@fwd.example', dir, '2024-01-23 12:00:00'), 100, 'qfront srs: SRS: Time stamp out of date.');
});

test('SRS off or without a secret: exit 111 with the reason', async (t) => {
  const off = controlDir(t, { me: 'fwd.example\n', srs_secrets: 'tops3cret\n' });
  const why = `qfront srs: SRS is not configured: ${path.join(off, 'srs_domain')} is missing or empty (and no srs/srs_secrets with control/me)`;
  refused(t, await srs('forward', ALICE, off), 111, why);
  refused(t, await srs('reverse', ALICE_SRS0, off), 111, why);
  const secretless = controlDir(t, { srs_domain: 'fwd.example\n' });
  refused(t, await srs('forward', ALICE, secretless), 111, 'qfront srs: SRS: No secrets in SRS configuration.');
  refused(t, await srs('reverse', ALICE_SRS0, secretless), 111, 'qfront srs: SRS: No secrets in SRS configuration.');
});

test('an unreadable control file is exit 111, "unable to read controls"', async (t) => {
  const dir = controlDir(t, { srs_domain: 'fwd.example\n', 'srs_secrets/': '' });
  refused(t, await srs('forward', ALICE, dir), 111, `qfront srs: unable to read controls: ${path.join(dir, 'srs_secrets')}: EISDIR`);
});

test('the control directory defaults to $CONTROLDIR, else $QMAILHOME/control', async (t) => {
  const dir = controlDir(t, SAGREDO);
  const now = unixSeconds(DAY_0);
  printed(t, await runQfront(['srs', 'forward', ALICE], { CONTROLDIR: dir, QFRONT_SRS_NOW: now }), ALICE_SRS0);
  const home = controlDir(t, { 'control/': '', 'control/srs_domain': 'fwd.example\n', 'control/srs_secrets': 'tops3cret\n' });
  printed(t, await runQfront(['srs', 'forward', ALICE], { QMAILHOME: home, QFRONT_SRS_NOW: now }), ALICE_SRS0);
});

test('bad usage is exit 100 with the usage on stderr; a bad QFRONT_SRS_NOW is exit 111', async (t) => {
  const dir = controlDir(t, SAGREDO);
  for (const args of [['srs'], ['srs', 'forward'], ['srs', 'sideways', ALICE], ['srs', 'reverse', 'a', 'b'], ['srs', 'forward', ALICE, '--bogus']]) {
    const run = await runQfront([...args, '--control', dir], {});
    t.is(run.code, 100, args.join(' '));
    t.is(run.stdout.length, 0);
    t.regex(run.stderr, /^qfront srs: .+\nusage: qfront srs forward\|reverse ADDRESS \[--control DIR\]\n/);
  }
  refused(t, await runQfront(SRS_ARGS('forward', ALICE, dir), { QFRONT_SRS_NOW: 'yesterday' }), 111, 'qfront srs: bad QFRONT_SRS_NOW "yesterday": want unix seconds');
});

test('without QFRONT_SRS_NOW the system clock is used (run under faketime)', async (t) => {
  const found = spawnSync('faketime', ['--version'], { env: { PATH: '/usr/bin:/bin' } });
  if (found.error !== undefined) t.fail('faketime is needed for this test: apt-get install faketime');
  const dir = controlDir(t, SAGREDO);
  const run = await runQfront(SRS_ARGS('forward', ALICE, dir), { TZ: 'UTC' }, '', ['faketime', '-f', `@${DAY_0}`]);
  printed(t, run, ALICE_SRS0);
});
