import test from 'ava';
import { envelopeBytes } from '../../src/queue/index.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

test('the first verified dump of spec 5.1', (t) => {
  t.deepEqual(
    envelopeBytes({ sender: 's@good.example', recipients: ['a@example.org', 'b@sub.example.net', 'localpart'] }),
    bytes('Fs@good.example\0Ta@example.org\0Tb@sub.example.net\0Tlocalpart\0\0'),
  );
});

test('the second verified dump of spec 5.1 (quoted sender, RELAYCLIENT suffix)', (t) => {
  t.deepEqual(
    envelopeBytes({ sender: 'quoted local@b.c', recipients: ['a@other.example@relay.example'] }),
    bytes('Fquoted local@b.c\0Ta@other.example@relay.example\0\0'),
  );
});

test('the null sender is an empty F line', (t) => {
  t.deepEqual(envelopeBytes({ sender: '', recipients: ['a@example.org'] }), bytes('F\0Ta@example.org\0\0'));
});

test('8-bit addresses are written as the same single bytes', (t) => {
  const out = envelopeBytes({ sender: '\xe9@x', recipients: ['\xff@y'] });
  t.deepEqual(out, Buffer.from([0x46, 0xe9, 0x40, 0x78, 0, 0x54, 0xff, 0x40, 0x79, 0, 0]));
});

test('recipients keep their order, duplicates included', (t) => {
  t.deepEqual(envelopeBytes({ sender: 's', recipients: ['b', 'a', 'b'] }), bytes('Fs\0Tb\0Ta\0Tb\0\0'));
});
