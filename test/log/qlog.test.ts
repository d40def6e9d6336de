import test from 'ava';
import { formatQlog, qlogValue, type QlogFields, type QlogHead } from '../../src/log/index.js';

// The connection every verified example of spec 6.3 shares.
const CONN: QlogFields = {
  result: 'accepted', code: 250, reason: '', detail: '', helo: 'helo.example', mailfrom: '', rcptto: '',
  relay: 'no', rcpthosts: '', size: '', authuser: '', authtype: '', encrypted: '', sslverified: 'no',
  localip: '198.51.100.1', localport: '25', remoteip: '10.1.2.3', remoteport: '40000',
  remotehost: 'client.example', qp: '', pid: '17968',
};

// [head, fields, the line exactly as spec 6.3 quotes it]
const examples: [QlogHead, Partial<QlogFields>, string][] = [
  [
    'qlogenvelope',
    { result: 'rejected', code: 550, reason: 'spf', detail: 'fail', mailfrom: 'u@example.com', rcptto: 'a@example.org', rcpthosts: 'yes' },
    'qlogenvelope: result=rejected code=550 reason=spf detail=fail helo=helo.example mailfrom=u@example.com rcptto=a@example.org relay=no rcpthosts=yes size= authuser= authtype= encrypted= sslverified=no localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp= pid=17968',
  ],
  [
    'qlogenvelope',
    { reason: 'rcpthosts', mailfrom: 'u@soft.example', rcptto: 'a@example.org', rcpthosts: 'yes' },
    'qlogenvelope: result=accepted code=250 reason=rcpthosts detail= helo=helo.example mailfrom=u@soft.example rcptto=a@example.org relay=no rcpthosts=yes size= authuser= authtype= encrypted= sslverified=no localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp= pid=17968',
  ],
  [
    'qlogenvelope',
    { result: 'rejected', code: 553, reason: 'not_in_rcpthosts', mailfrom: 'u@soft.example', rcptto: 'a@other.example', rcpthosts: 'no' },
    'qlogenvelope: result=rejected code=553 reason=not_in_rcpthosts detail= helo=helo.example mailfrom=u@soft.example rcptto=a@other.example relay=no rcpthosts=no size= authuser= authtype= encrypted= sslverified=no localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp= pid=17968',
  ],
  [
    'qlogreceived',
    { reason: 'queueaccept', mailfrom: 'u@soft.example', rcptto: 'a@example.org', qp: '17969' },
    'qlogreceived: result=accepted code=250 reason=queueaccept detail= helo=helo.example mailfrom=u@soft.example rcptto=a@example.org relay=no rcpthosts= size= authuser= authtype= encrypted= sslverified=no localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp=17969 pid=17968',
  ],
  [
    'qlogenvelope',
    { result: 'rejected', code: 451, reason: 'spf', detail: 'lookupfailure', mailfrom: 'u@tempfail.example', qp: '17969' },
    'qlogenvelope: result=rejected code=451 reason=spf detail=lookupfailure helo=helo.example mailfrom=u@tempfail.example rcptto= relay=no rcpthosts= size= authuser= authtype= encrypted= sslverified=no localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp=17969 pid=17968',
  ],
  [
    'qlogenvelope',
    { reason: 'relayclient', helo: 'c', mailfrom: 'u@example.com', rcptto: 'x@other.example', relay: 'yes', rcpthosts: 'no', authuser: 'joe', authtype: 'login', localport: '587', pid: '19423' },
    'qlogenvelope: result=accepted code=250 reason=relayclient detail= helo=c mailfrom=u@example.com rcptto=x@other.example relay=yes rcpthosts=no size= authuser=joe authtype=login encrypted= sslverified=no localip=198.51.100.1 localport=587 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp= pid=19423',
  ],
  [
    'qlogreceived',
    { reason: 'queueaccept', helo: 'c', mailfrom: 'u@example.com', rcptto: 'x@other.example', relay: 'yes', size: '13', authuser: 'joe', authtype: 'login', localport: '587', qp: '19773', pid: '19423' },
    'qlogreceived: result=accepted code=250 reason=queueaccept detail= helo=c mailfrom=u@example.com rcptto=x@other.example relay=yes rcpthosts= size=13 authuser=joe authtype=login encrypted= sslverified=no localip=198.51.100.1 localport=587 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp=19773 pid=19423',
  ],
  [
    'qlogreceived',
    { result: 'rejected', code: 451, reason: 'queue_delay', detail: 'qq write error or disk full (#4.3.0)', helo: 'h', mailfrom: 'u@x.example', rcptto: 'a@example.org', qp: '20215', pid: '20213' },
    'qlogreceived: result=rejected code=451 reason=queue_delay detail=qq_write_error_or_disk_full_(#4.3.0) helo=h mailfrom=u@x.example rcptto=a@example.org relay=no rcpthosts= size= authuser= authtype= encrypted= sslverified=no localip=198.51.100.1 localport=25 remoteip=10.1.2.3 remoteport=40000 remotehost=client.example qp=20215 pid=20213',
  ],
];

examples.forEach(([head, over, expected], i) => {
  test(`verified example ${i + 1} of spec 6.3 (${head} ${over.reason}) is reproduced exactly`, (t) => {
    t.is(formatQlog(head, { ...CONN, ...over }), expected);
  });
});

const KEYS = [
  'result', 'code', 'reason', 'detail', 'helo', 'mailfrom', 'rcptto', 'relay', 'rcpthosts', 'size', 'authuser',
  'authtype', 'encrypted', 'sslverified', 'localip', 'localport', 'remoteip', 'remoteport', 'remotehost', 'qp', 'pid',
];

test('every key is present, in the fixed order, even when all values are empty', (t) => {
  const empty: QlogFields = {
    result: 'rejected', code: 421, reason: '', detail: '', helo: '', mailfrom: '', rcptto: '', relay: 'no',
    rcpthosts: '', size: '', authuser: '', authtype: '', encrypted: '', sslverified: '', localip: '',
    localport: '', remoteip: '', remoteport: '', remotehost: '', qp: '', pid: '',
  };
  const line = formatQlog('qlogenvelope', empty);
  const words = line.split(' ');
  t.is(words[0], 'qlogenvelope:');
  t.deepEqual(words.slice(1).map((w) => w.slice(0, w.indexOf('='))), KEYS);
});

test('the head is "qlogenvelope:" or "qlogreceived:" followed by one space', (t) => {
  t.true(formatQlog('qlogreceived', CONN).startsWith('qlogreceived: result='));
  t.true(formatQlog('qlogenvelope', CONN).startsWith('qlogenvelope: result='));
});

test('a value with spaces cannot add or shift a field', (t) => {
  const line = formatQlog('qlogenvelope', { ...CONN, helo: 'x rcptto=forged pid=1', mailfrom: 'a b' });
  const words = line.split(' ');
  t.is(words.length, 1 + KEYS.length);
  t.true(line.includes(' helo=x_rcptto=forged_pid=1 mailfrom=a_b rcptto= '));
});

test('a value with CR or LF cannot break the line', (t) => {
  const line = formatQlog('qlogenvelope', { ...CONN, helo: 'x\r\nqlogreceived: result=accepted' });
  t.false(/[\r\n]/.test(line));
  t.true(line.includes(' helo=x__qlogreceived:_result=accepted '));
});

test('qlogValue writes "_" for every byte outside 0x21-0x7E and keeps the rest', (t) => {
  const wrong: string[] = [];
  for (let b = 0; b < 256; b++) {
    const c = String.fromCharCode(b);
    const expected = b >= 0x21 && b <= 0x7e ? c : '_';
    if (qlogValue(c) !== expected) wrong.push(`0x${b.toString(16)}`);
  }
  t.deepEqual(wrong, []);
});

test('qlogValue replaces byte by byte (8-bit text becomes one "_" per byte)', (t) => {
  t.is(qlogValue('caf\xc3\xa9 x\t\0'), 'caf___x__');
  t.is(qlogValue('bad@x\\.example'), 'bad@x\\.example');
});

test('"=" and "_" in values are written as they are', (t) => {
  t.true(formatQlog('qlogenvelope', { ...CONN, detail: 'a=b_c' }).includes(' detail=a=b_c '));
});
