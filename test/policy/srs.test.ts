// SRS in the policy, as pure functions: RCPT to the SRS domain (verify, decode, refuse with a
// keyword for the log) and the sender rewrite at DATA for relayed mail (spec srs.md 7, 8, 9, 15).
// Vectors from spec srs-vectors.tsv: secret "tops3cret", 2024-01-15 12:00 UTC (day stamp IZ).
import test from 'ava';
import type { ControlSnapshot, SrsControl } from '../../src/control/index.js';
import { checkRecipient, checkSender, checkSrsRecipient, srsSender, type PolicySettings } from '../../src/policy/index.js';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
const DAY_MS = 86_400_000;
const ALICE_SRS0 = 'SRS0=8Nqu=IZ=example.com=alice@fwd.example';
const CAROL_SRS1 = 'SRS1=7bl1=fwd0.example==abcd=IZ=orig.example=carol@fwd.example';

const SRS: SrsControl = {
  layout: 'sagredo',
  domain: 'fwd.example',
  signSecret: 'tops3cret',
  verifySecrets: ['tops3cret'],
  maxAge: 21,
  hashLength: 4,
  hashMin: 4,
  separator: '=',
  alwaysRewrite: false,
};

function settings(over: { srs?: Partial<SrsControl> | null; relayClient?: string; rcpthosts?: ControlSnapshot['rcpthosts'] | null } = {}): PolicySettings {
  const control: ControlSnapshot = {
    me: 'mail.example.org',
    greeting: 'mail.example.org',
    localiphost: 'mail.example.org',
    timeoutSeconds: 1200,
    databytes: 0,
    rcpthosts: over.rcpthosts === null ? undefined : (over.rcpthosts ?? { entries: new Set(['example.org', '.example.net']), more: undefined }),
    badmailfrom: new Set(['bad@example.com']),
    spf: { behavior: 0, rules: undefined, guess: undefined, exp: undefined },
    srs: over.srs === null ? undefined : { ...SRS, ...over.srs },
  };
  return { control, relayClient: over.relayClient };
}

const bounce = (recipient: string, nowMs = NOW, srs: SrsControl | undefined = SRS) => checkSrsRecipient(srs, '', recipient, nowMs);
const rejectedAs = (v: ReturnType<typeof checkSrsRecipient>): string | undefined =>
  v?.kind === 'reject' ? v.rejection.detail : v?.kind;

// --- RCPT: bounces coming home ---

test('a bounce to a valid SRS0 address is accepted and becomes the original sender', (t) => {
  t.deepEqual(bounce(ALICE_SRS0), { kind: 'accept', address: 'alice@example.com', tag: 'srs0' });
});

test('a bounce to a valid SRS1 address becomes the first forwarder\'s SRS0 address', (t) => {
  t.deepEqual(bounce(CAROL_SRS1), { kind: 'accept', address: 'SRS0=abcd=IZ=orig.example=carol@fwd0.example', tag: 'srs1' });
});

const ACCEPTED: readonly [string, string, string][] = [
  ['case smashed to lower case (R090)', 'srs0=8nqu=iz=example.com=alice@fwd.example', 'alice@example.com'],
  ['case smashed to upper case (R091)', 'SRS0=8NQU=IZ=EXAMPLE.COM=ALICE@FWD.EXAMPLE', 'ALICE@EXAMPLE.COM'],
  ['initial separator + (R095)', 'SRS0+8Nqu=IZ=example.com=alice@fwd.example', 'alice@example.com'],
  ['initial separator - (R096)', 'SRS0-8Nqu=IZ=example.com=alice@fwd.example', 'alice@example.com'],
  ['SRS domain in another case', 'SRS0=8Nqu=IZ=example.com=alice@Fwd.EXAMPLE', 'alice@example.com'],
];
for (const [label, address, decoded] of ACCEPTED) {
  test(`accepted: ${label}`, (t) => {
    const v = bounce(address);
    t.is(v?.kind === 'accept' ? v.address : v?.kind, decoded);
  });
}

const REFUSED: readonly [string, string, string, number?][] = [
  ['forged hash (E100: domain changed)', 'SRS0=8Nqu=IZ=example.org=alice@fwd.example', 'badhash'],
  ['hash of another secret', 'SRS0=xxxx=IZ=example.com=alice@fwd.example', 'badhash'],
  ['hash shorter than srs_hashmin (E102)', 'SRS0=8Nq=IZ=example.com=alice@fwd.example', 'badhash'],
  ['forged SRS1 (S167)', 'SRS1=7blA=fwd0.example==abcd=IZ=orig.example=carol@fwd.example', 'badhash'],
  ['expired: 22 days old (X145)', ALICE_SRS0, 'expired', Date.UTC(2024, 1, 6)],
  ['from the future: checked the day before its stamp (X146)', ALICE_SRS0, 'expired', Date.UTC(2024, 0, 14, 23, 59, 59)],
  ['no user field (E107)', 'SRS0=8Nqu=IZ=example.com@fwd.example', 'syntax'],
  ['bad base32 in the stamp (E104)', 'SRS0=8Nqu=I1=example.com=alice@fwd.example', 'syntax'],
];
for (const [label, address, detail, nowMs] of REFUSED) {
  test(`refused, detail ${detail}: ${label}`, (t) => {
    t.is(rejectedAs(bounce(address, nowMs)), detail);
  });
}

test('an SRS0 address is still valid on its 21st day (maxage is inclusive)', (t) => {
  t.is(bounce(ALICE_SRS0, Date.UTC(2024, 1, 5, 23, 59, 59))?.kind, 'accept');
});

test('an SRS1 address carries no stamp: still valid years later (S169)', (t) => {
  t.is(bounce(CAROL_SRS1, Date.UTC(2027, 0, 1, 12))?.kind, 'accept');
});

test('mail with a sender to a valid SRS address is refused: SRS addresses take bounces only', (t) => {
  const v = checkSrsRecipient(SRS, 'someone@example.net', ALICE_SRS0, NOW);
  t.deepEqual(v, { kind: 'reject', rejection: { reason: 'srs', detail: 'notbounce' } });
});

test('a forged address with a sender is reported as forged, not as a non-bounce', (t) => {
  t.is(rejectedAs(checkSrsRecipient(SRS, 'someone@example.net', 'SRS0=xxxx=IZ=example.com=alice@fwd.example', NOW)), 'badhash');
});

test('the double-bounce sender #@[] is not a bounce either', (t) => {
  t.is(rejectedAs(checkSrsRecipient(SRS, '#@[]', ALICE_SRS0, NOW)), 'notbounce');
});

test('without a verifying secret nothing can be checked: nosecrets (a temporary refusal)', (t) => {
  t.is(rejectedAs(bounce(ALICE_SRS0, NOW, { ...SRS, signSecret: undefined, verifySecrets: [] })), 'nosecrets');
});

test('every secret is tried: an address signed with the old one verifies after rotation', (t) => {
  t.is(bounce(ALICE_SRS0, NOW, { ...SRS, signSecret: 'new-secret', verifySecrets: ['new-secret', 'tops3cret'] })?.kind, 'accept');
});

test('not ours to judge: an SRS local part in another domain, a plain local part in the SRS domain, SRS off', (t) => {
  t.is(bounce('SRS0=8Nqu=IZ=example.com=alice@other.example'), undefined);
  t.is(bounce('SRS0=8Nqu=IZ=example.com=alice@sub.fwd.example'), undefined, 'subdomains are not the SRS domain');
  t.is(bounce('postmaster@fwd.example'), undefined);
  t.is(bounce('SRS2=8Nqu=IZ=example.com=alice@fwd.example'), undefined);
  t.is(bounce('SRS0=8Nqu=IZ=example.com=alice'), undefined, 'no domain: not the SRS domain');
  t.is(checkSrsRecipient(undefined, '', ALICE_SRS0, NOW), undefined, 'SRS off');
});

test('srs_domain written as an address: only its domain counts', (t) => {
  t.is(bounce(ALICE_SRS0, NOW, { ...SRS, domain: 'srs@fwd.example' })?.kind, 'accept');
});

// --- RCPT: where SRS sits among the other checks ---

const rcpt = (s: PolicySettings, sender: string, recipient: string) =>
  checkRecipient(s, { sender, verdict: checkSender(s, sender), nowMs: NOW }, recipient);

test('the SRS domain counts as ours: accepted without being in rcpthosts, reason srs, detail srs0', (t) => {
  t.deepEqual(rcpt(settings(), '', ALICE_SRS0), { kind: 'accept', address: 'alice@example.com', reason: 'srs', detail: 'srs0', inRcptHosts: false });
});

test('RELAYCLIENT appends nothing to a decoded SRS recipient', (t) => {
  const v = rcpt(settings({ relayClient: '@relay.example' }), '', ALICE_SRS0);
  t.like(v, { kind: 'accept', address: 'alice@example.com', reason: 'srs' });
});

test('a deferred sender refusal (badmailfrom) comes before SRS', (t) => {
  const v = rcpt(settings(), 'bad@example.com', ALICE_SRS0);
  t.is(v.kind === 'reject' ? v.rejection.reason : v.kind, 'badmailfrom');
});

test('a plain local part in the SRS domain goes through rcpthosts as usual', (t) => {
  const v = rcpt(settings(), '', 'postmaster@fwd.example');
  t.is(v.kind === 'reject' ? v.rejection.reason : v.kind, 'not_in_rcpthosts');
});

test('a forged SRS address is refused even for a RELAYCLIENT client', (t) => {
  const v = rcpt(settings({ relayClient: '' }), '', 'SRS0=xxxx=IZ=example.com=alice@fwd.example');
  t.deepEqual(v, { kind: 'reject', rejection: { reason: 'srs', detail: 'badhash' }, inRcptHosts: false });
});

test('with SRS off, an SRS address in that domain is just a foreign recipient', (t) => {
  const v = rcpt(settings({ srs: null }), '', ALICE_SRS0);
  t.is(v.kind === 'reject' ? v.rejection.reason : v.kind, 'not_in_rcpthosts');
});

// --- DATA: the sender of relayed mail ---

const relay = settings({ relayClient: '' });

test('relayed mail from a foreign sender gets an SRS0 sender', (t) => {
  t.deepEqual(srsSender(relay, 'alice@example.com', true, NOW), { kind: 'rewrite', address: ALICE_SRS0 });
});

test('relayed mail from a foreign SRS0 sender gets an SRS1 sender (Guarded, F021)', (t) => {
  t.deepEqual(srsSender(relay, 'SRS0=abcd=IZ=orig.example=carol@fwd0.example', true, NOW), { kind: 'rewrite', address: CAROL_SRS1 });
});

test('the configured separator and day stamp are used', (t) => {
  const s = settings({ relayClient: '', srs: { separator: '+' } });
  const d = srsSender(s, 'alice@example.com', true, NOW + 30 * DAY_MS);
  t.is(d.kind, 'rewrite');
  if (d.kind === 'rewrite') t.regex(d.address, /^SRS0\+[A-Za-z0-9+/]{4}=JX=example\.com=alice@fwd\.example$/);
});

const KEPT: readonly [string, PolicySettings, string, boolean, string][] = [
  ['SRS off', settings({ relayClient: '', srs: null }), 'alice@example.com', true, 'off'],
  ['no recipient outside rcpthosts', relay, 'alice@example.com', false, 'not-relayed'],
  ['no RELAYCLIENT', settings(), 'alice@example.com', true, 'not-relayed'],
  ['the null sender', relay, '', true, 'bounce'],
  ['the double-bounce sender', relay, '#@[]', true, 'bounce'],
  ['a one-character sender (sagredo skips them)', relay, '@', true, 'bounce'],
  ['a sender in rcpthosts', relay, 'u@example.org', true, 'local'],
  ['a sender in a .suffix of rcpthosts, any case', relay, 'u@Mail.Example.NET', true, 'local'],
  ['a sender without @', relay, 'postmaster', true, 'local'],
  ['any sender when rcpthosts is missing', settings({ relayClient: '', rcpthosts: null }), 'alice@example.com', true, 'local'],
  ['a sender in the SRS domain itself (codec rule)', relay, 'u@fwd.example', true, 'srs-domain'],
];
for (const [label, s, sender, relayed, why] of KEPT) {
  test(`sender kept: ${label}`, (t) => {
    t.deepEqual(srsSender(s, sender, relayed, NOW), { kind: 'keep', why });
  });
}

test('srs_alwaysrewrite rewrites our own domains too, and the SRS domain itself', (t) => {
  const s = settings({ relayClient: '', srs: { alwaysRewrite: true } });
  t.is(srsSender(s, 'u@example.org', true, NOW).kind, 'rewrite');
  t.is(srsSender(s, 'u@fwd.example', true, NOW).kind, 'rewrite');
  t.deepEqual(srsSender(s, '', true, NOW), { kind: 'keep', why: 'bounce' }, 'but never the null sender');
});

test('a sender the codec cannot rewrite is an error value, never an exception', (t) => {
  t.is(srsSender(relay, 'a@b@other.example', true, NOW).kind, 'error');
  const unsigned = settings({ relayClient: '', srs: { signSecret: undefined, verifySecrets: [] } });
  t.is(srsSender(unsigned, 'alice@example.com', true, NOW).kind, 'error');
});
