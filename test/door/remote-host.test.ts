// The listener's TCPREMOTEHOST lookup (tcpserver -h, and -p for paranoid): the name from the
// PTR record in lower case; paranoid keeps it only when the name points back at the client;
// any DNS trouble leaves it unset.
import test from 'ava';
import { remoteHostOf } from '../../src/door/remote-host.js';
import type { TestZone, ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['3.2.1.10.in-addr.arpa', [{ type: 'PTR', data: 'Client.Example' }]],
  ['client.example', [{ type: 'A', data: '10.1.2.3' }]],
  ['4.2.1.10.in-addr.arpa', [{ type: 'PTR', data: 'liar.example' }]],
  ['liar.example', [{ type: 'A', data: '192.0.2.1' }]],
  ['5.2.1.10.in-addr.arpa', [{ type: 'TIMEOUT' }]],
  [
    '5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    [{ type: 'PTR', data: 'v6.example' }],
  ],
  ['v6.example', [{ type: 'AAAA', data: '2001:db8::5' }]],
]);
const resolver = zoneResolver(ZONE);

test('off: no lookup at all', async (t) => {
  const r = zoneResolver(ZONE);
  t.is(await remoteHostOf(r, '10.1.2.3', 'off'), undefined);
  t.is(r.queries.length, 0);
});

test('lookup: the PTR name, lower-cased as tcpserver hands it over', async (t) => {
  t.is(await remoteHostOf(resolver, '10.1.2.3', 'lookup'), 'client.example');
  t.is(await remoteHostOf(resolver, '10.1.2.4', 'lookup'), 'liar.example', 'without -p a name is not checked');
});

test('paranoid: kept when the name points back, dropped when it does not', async (t) => {
  t.is(await remoteHostOf(resolver, '10.1.2.3', 'paranoid'), 'client.example');
  t.is(await remoteHostOf(resolver, '10.1.2.4', 'paranoid'), undefined);
});

test('IPv6 and IPv4-mapped clients are looked up under ip6.arpa and in-addr.arpa', async (t) => {
  t.is(await remoteHostOf(resolver, '2001:db8::5', 'paranoid'), 'v6.example');
  t.is(await remoteHostOf(resolver, '::ffff:10.1.2.3', 'lookup'), 'client.example');
});

test('no PTR, a DNS timeout or an unparsable address leave the name unset', async (t) => {
  t.is(await remoteHostOf(resolver, '10.9.9.9', 'lookup'), undefined);
  t.is(await remoteHostOf(resolver, '10.1.2.5', 'lookup'), undefined);
  t.is(await remoteHostOf(resolver, 'unknown', 'lookup'), undefined);
});
