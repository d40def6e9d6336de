// SRS through the stdio door under the real tcpserver, rules compiled by the real tcprules, and
// the fake qmail-queue keeping the envelope bytes (issue 4, "How we will check it"): a bounce to
// an SRS address is accepted and its envelope recipient rewritten; a forged one is refused at
// RCPT with its qlog line; a relayed message leaves with an SRS sender that SPF at the next hop
// passes, where the original sender fails. The clock is the real one, so addresses are minted now.
import test from 'ava';
import type { SrsSettings } from '../../src/srs/index.js';
import { srsForward } from '../../src/srs/index.js';
import { checkHost } from '../../src/spf/index.js';
import { parseQlog, serverFor } from '../helpers/e2e.js';
import { envelopeParts } from '../helpers/fake-queue.js';
import { qpOf, talk, transaction } from '../helpers/smtp-client.js';
import { txt, zoneOf } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const SECRET = 'e2e-s3cret';
const SRS_FILES = { srs_domain: 'fwd.example\n', srs_secrets: `${SECRET}\n` };
/** The codec's view of SRS_FILES (libsrs2 defaults for the rest). */
const SETTINGS: SrsSettings = {
  domain: 'fwd.example',
  signSecret: SECRET,
  verifySecrets: [SECRET],
  maxAge: 21,
  hashLength: 4,
  hashMin: 4,
  separator: '=',
  alwaysRewrite: false,
};
/** Our outbound address, as the next hop sees it. */
const OUR_IP = '192.0.2.25';

/** The SRS0 address we would have given `sender` when forwarding it now. */
function srsNow(sender: string): string {
  const out = srsForward(sender, SETTINGS, Date.now());
  if (out.kind !== 'rewritten') throw new Error(`cannot mint an SRS address for ${sender}: ${JSON.stringify(out)}`);
  return out.address;
}

test('a bounce to an SRS address is accepted and delivered to the original sender (envelope recipient rewritten)', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { control: SRS_FILES });
  const srs = srsNow('alice@example.com');
  const tr = await talk(server.port, ['HELO bounce.example\r\n', ...transaction('', [srs], 'Subject: failure notice\r\n\r\nbounced\r\n'), 'QUIT\r\n']);
  t.deepEqual(tr.lines.slice(1, 5), ['250 mail.example.org', '250 ok', '250 ok', '354 go ahead']);
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  t.deepEqual(envelopeParts(server.queue.message(qp!).envelope), ['F', 'Talice@example.com']);
  const q = parseQlog(await server.waitForStderr(/^qlogenvelope: .*reason=srs /)).fields;
  t.like(q, { result: 'accepted', code: '250', reason: 'srs', detail: 'srs0', mailfrom: '', rcptto: 'alice@example.com', rcpthosts: 'no' });
});

test('a forged SRS address is refused at RCPT with 550 (#5.1.1) and a qlog line reason=srs detail=badhash', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { control: SRS_FILES });
  const genuine = srsNow('alice@example.com');
  // The same address pointing at the forger's own mailbox: the hash no longer matches.
  const forged = genuine.replace('=alice@', '=mallory@');
  const tr = await talk(server.port, ['HELO bounce.example\r\n', 'MAIL FROM:<>\r\n', `RCPT TO:<${forged}>\r\n`, 'DATA\r\n', 'QUIT\r\n']);
  t.deepEqual(tr.lines.slice(2, 5), ['250 ok', '550 sorry, that SRS address is not valid or has expired (#5.1.1)', '503 RCPT first (#5.5.1)']);
  const q = parseQlog(await server.waitForStderr(/^qlogenvelope: .*reason=srs /)).fields;
  t.like(q, { result: 'rejected', code: '550', reason: 'srs', detail: 'badhash', mailfrom: '', rcptto: forged, relay: 'no', rcpthosts: 'no' });
  t.is(server.queue.messages().length, 0);
});

test('a relayed message leaves with an SRS sender that SPF at the next hop passes; the original sender would fail', async (t) => {
  t.timeout(20000);
  const server = await serverFor(t, { control: SRS_FILES, rules: '127.0.0.1:allow,RELAYCLIENT=""\n' });
  const original = 'carol@orig.example';
  const tr = await talk(server.port, ['HELO client.example\r\n', ...transaction(original, ['dave@next.example'], 'Subject: fwd\r\n\r\nhi\r\n'), 'QUIT\r\n']);
  const qp = qpOf(tr.replies[5]);
  t.truthy(qp, tr.lines.join('\n'));
  const [from, ...to] = envelopeParts(server.queue.message(qp!).envelope);
  t.deepEqual(to, ['Tdave@next.example']);
  const sender = from!.slice(1);
  t.regex(sender, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=orig\.example=carol@fwd\.example$/);

  // The next hop: orig.example allows nobody, our SRS domain allows our outbound address.
  const resolver = zoneResolver(zoneOf({
    'orig.example': [txt('v=spf1 -all')],
    'fwd.example': [txt(`v=spf1 ip4:${OUR_IP} -all`)],
  }));
  const asSent = await checkHost({ ip: OUR_IP, sender, helo: 'mx.example' }, { resolver });
  const unrewritten = await checkHost({ ip: OUR_IP, sender: original, helo: 'mx.example' }, { resolver });
  t.is(asSent.result, 'pass');
  t.is(asSent.domain, 'fwd.example');
  t.is(unrewritten.result, 'fail');

  // The log: the rewrite as a note, the qlog line with the client's own sender.
  t.regex(await server.waitForStderr(/: srs: rewrote /), new RegExp(`^qmail-smtpd: pid \\d+: srs: rewrote carol@orig\\.example to ${sender.replace(/[+/.=]/g, '\\$&')}$`));
  const received = parseQlog(await server.waitForStderr(/^qlogreceived: /)).fields;
  t.like(received, { result: 'accepted', reason: 'queueaccept', mailfrom: original, rcptto: 'dave@next.example', relay: 'yes' });
});
