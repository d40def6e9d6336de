import test from 'ava';
import type { ControlSnapshot } from '../../src/control/index.js';
import { checkRecipient, checkSender, type PolicySettings, type RecipientQuery } from '../../src/policy/index.js';

function control(over: Partial<ControlSnapshot> = {}): ControlSnapshot {
  return {
    me: 'mail.example.org',
    greeting: 'mail.example.org',
    localiphost: 'mail.example.org',
    timeoutSeconds: 1200,
    databytes: 0,
    rcpthosts: { entries: new Set(['example.org', '.example.net']), more: undefined },
    badmailfrom: new Set(['bad@example.com', '@spam.example']),
    spf: { behavior: 0, rules: undefined, guess: undefined, exp: undefined },
    srs: undefined,
    ...over,
  };
}

/** RCPT's view of a transaction from `sender` (the clock matters only for SRS). */
const query = (s: PolicySettings, sender: string): RecipientQuery => ({ sender, verdict: checkSender(s, sender), nowMs: 0 });

const settings = (relayClient?: string, over: Partial<ControlSnapshot> = {}): PolicySettings => ({
  control: control(over),
  relayClient,
});

test('MAIL from a badmailfrom sender is accepted; the rejection is kept for RCPT', (t) => {
  const v = checkSender(settings(), 'x@SPAM.example');
  t.is(v.refuse, undefined);
  t.deepEqual(v.deferred, [{ reason: 'badmailfrom', detail: '@spam.example' }]);
});

test('MAIL from a clean sender carries nothing to RCPT', (t) => {
  const v = checkSender(settings(), 'u@good.example');
  t.is(v.refuse, undefined);
  t.deepEqual(v.deferred, []);
});

test('the null sender is never in badmailfrom', (t) => {
  t.deepEqual(checkSender(settings(), '').deferred, []);
});

test('RCPT after a badmailfrom sender is refused with badmailfrom, even for our own domain', (t) => {
  const s = settings();
  const v = checkRecipient(s, query(s, 'bad@example.com'), 'a@example.org');
  t.is(v.kind, 'reject');
  if (v.kind === 'reject') t.deepEqual(v.rejection, { reason: 'badmailfrom', detail: 'bad@example.com' });
});

test('badmailfrom is reported before rcpthosts for a foreign domain', (t) => {
  const s = settings();
  const v = checkRecipient(s, query(s, 'bad@example.com'), 'a@other.example');
  t.is(v.kind === 'reject' ? v.rejection.reason : v.kind, 'badmailfrom');
});

test('badmailfrom wins over RELAYCLIENT', (t) => {
  const s = settings('');
  const v = checkRecipient(s, query(s, 'x@spam.example'), 'a@other.example');
  t.is(v.kind === 'reject' ? v.rejection.reason : v.kind, 'badmailfrom');
});

test('every RCPT of a badmailfrom transaction gets the same rejection', (t) => {
  const s = settings();
  const sender = query(s, 'x@spam.example');
  for (const r of ['a@example.org', 'b@x.example.net', 'postmaster']) {
    const v = checkRecipient(s, sender, r);
    t.is(v.kind === 'reject' ? v.rejection.reason : v.kind, 'badmailfrom', r);
  }
});

test('a foreign domain without RELAYCLIENT is refused as not_in_rcpthosts', (t) => {
  const s = settings();
  const v = checkRecipient(s, query(s, 'u@good.example'), 'a@other.example');
  t.deepEqual(v, { kind: 'reject', rejection: { reason: 'not_in_rcpthosts', detail: '' }, inRcptHosts: false });
});

test('our domain without RELAYCLIENT is accepted unchanged, reason rcpthosts', (t) => {
  const s = settings();
  const v = checkRecipient(s, query(s, 'u@good.example'), 'a@x.example.net');
  t.deepEqual(v, { kind: 'accept', address: 'a@x.example.net', reason: 'rcpthosts', inRcptHosts: true });
});

test('RELAYCLIENT="" relays to any domain and leaves the address as it is', (t) => {
  const s = settings('');
  const v = checkRecipient(s, query(s, 'u@good.example'), 'a@other.example');
  t.deepEqual(v, { kind: 'accept', address: 'a@other.example', reason: 'relayclient', inRcptHosts: false });
});

test('the RELAYCLIENT value is appended to the recipient', (t) => {
  const s = settings('@relay.example');
  const v = checkRecipient(s, query(s, 'quoted local@b.c'), 'a@other.example');
  t.is(v.kind, 'accept');
  if (v.kind === 'accept') {
    t.is(v.address, 'a@other.example@relay.example');
    t.is(v.reason, 'relayclient');
  }
});

test('with RELAYCLIENT, inRcptHosts is still computed for the log', (t) => {
  const s = settings('');
  const sender = query(s, 'u@good.example');
  t.true(checkRecipient(s, sender, 'a@example.org').inRcptHosts);
  t.false(checkRecipient(s, sender, 'a@other.example').inRcptHosts);
});

test('with RELAYCLIENT even an empty rcpthosts does not refuse', (t) => {
  const s = settings('', { rcpthosts: { entries: new Set(), more: undefined } });
  t.is(checkRecipient(s, query(s, 'u@x'), 'a@example.org').kind, 'accept');
});

test('a missing rcpthosts accepts every recipient (reason rcpthosts)', (t) => {
  const s = settings(undefined, { rcpthosts: undefined });
  const v = checkRecipient(s, query(s, 'u@x'), 'a@anywhere.example');
  t.deepEqual(v, { kind: 'accept', address: 'a@anywhere.example', reason: 'rcpthosts', detail: 'rcpthosts_missing_open_relay', inRcptHosts: true });
});

test('a recipient without "@" is accepted even with an empty rcpthosts', (t) => {
  const s = settings(undefined, { rcpthosts: { entries: new Set(), more: undefined } });
  t.is(checkRecipient(s, query(s, 'u@x'), 'postmaster').kind, 'accept');
});

test('a missing badmailfrom lets every sender through to the rcpthosts check', (t) => {
  const s = settings(undefined, { badmailfrom: undefined });
  const sender = query(s, 'bad@example.com');
  t.deepEqual(sender.verdict.deferred, []);
  t.is(checkRecipient(s, sender, 'a@example.org').kind, 'accept');
});
