// Server lists: DNSCACHEIP entries (djbdns syntax plus ports, IPv6, commas), resolv.conf
// nameserver lines, and which source wins.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatServer, loadServerConfig, parseResolvConf, parseServerEntry, parseServerList } from '../../src/dns/index.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

const dir = makeTempDir('qfront-dns-config-');
test.after.always(() => removeTempDir(dir));

function resolvConf(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

// entry, expected "host:port" form (or undefined for invalid)
const entries: [string, string | undefined][] = [
  ['127.0.0.1', '127.0.0.1:53'],
  ['10.0.0.1:5353', '10.0.0.1:5353'],
  ['::1', '[::1]:53'],
  ['2001:db8::53', '[2001:db8::53]:53'],
  ['[2001:db8::53]:5300', '[2001:db8::53]:5300'],
  ['[::1]', '[::1]:53'],
  ['::ffff:192.0.2.1', '[::ffff:192.0.2.1]:53'],
  ['fe80::1%eth0', '[fe80::1%eth0]:53'],
  ['[fe80::1%2]:53', '[fe80::1%2]:53'],
  ['2001:db8::1%eth0', '[2001:db8::1]:53'],
  ['fe80::1%', undefined],
  ['fe80::1%bad zone', undefined],
  ['1.2.3.4:0', undefined],
  ['1.2.3.4:65536', undefined],
  ['1.2.3.4:', undefined],
  ['1.2.3.4:x', undefined],
  ['1.2.3', undefined],
  ['256.1.1.1', undefined],
  ['::1:53', '[::1:53]:53'],
  ['[::1]:', undefined],
  ['[1.2.3.4]:53', undefined],
  ['localhost', undefined],
  ['', undefined],
];

for (const [entry, expected] of entries) {
  test(`server entry ${JSON.stringify(entry)}`, (t) => {
    const server = parseServerEntry(entry);
    t.is(server === undefined ? undefined : formatServer(server), expected);
  });
}

test('DNSCACHEIP entries are split on commas and any white space, order kept', (t) => {
  const parsed = parseServerList(' 192.0.2.1,192.0.2.2:54\t[::1]:55\n, ,bogus  ::2 ');
  t.deepEqual(parsed.servers.map(formatServer), ['192.0.2.1:53', '192.0.2.2:54', '[::1]:55', '[::2]:53']);
  t.deepEqual(parsed.invalid, ['bogus']);
});

test('resolv.conf: nameserver lines only, comments and other keywords ignored', (t) => {
  const text = [
    '# generated',
    '; also a comment',
    'search example.org',
    'nameserver 192.0.2.1   # trailing comment',
    '#nameserver 192.0.2.99',
    '  nameserver\t2001:db8::1',
    'nameserver fe80::53%eth1',
    'nameserver',
    'nameserver not.an.ip',
    'options ndots:2',
    'nameserver 192.0.2.2 extra words',
    'nameservers 192.0.2.98',
  ].join('\r\n');
  const parsed = parseResolvConf(text);
  t.deepEqual(parsed.servers.map(formatServer), ['192.0.2.1:53', '[2001:db8::1]:53', '[fe80::53%eth1]:53', '192.0.2.2:53']);
  t.deepEqual(parsed.invalid, ['', 'not.an.ip']);
});

test('DNSCACHEIP wins over resolv.conf', (t) => {
  const file = resolvConf('a.conf', 'nameserver 192.0.2.1\n');
  const config = loadServerConfig({ env: { DNSCACHEIP: '192.0.2.9' }, resolvConfPath: file });
  t.is(config.source, 'DNSCACHEIP');
  t.deepEqual(config.servers.map(formatServer), ['192.0.2.9:53']);
});

test('an empty or wholly invalid DNSCACHEIP falls through to resolv.conf, invalid entries reported', (t) => {
  const file = resolvConf('b.conf', 'nameserver 192.0.2.1\nnameserver nope\n');
  t.is(loadServerConfig({ env: { DNSCACHEIP: '  ' }, resolvConfPath: file }).source, 'resolv.conf');
  const config = loadServerConfig({ env: { DNSCACHEIP: 'junk' }, resolvConfPath: file });
  t.is(config.source, 'resolv.conf');
  t.deepEqual(config.servers.map(formatServer), ['192.0.2.1:53']);
  t.deepEqual(config.invalid, [
    { source: 'DNSCACHEIP', entry: 'junk' },
    { source: 'resolv.conf', entry: 'nope' },
  ]);
});

test('no DNSCACHEIP and no usable resolv.conf: 127.0.0.1:53', (t) => {
  const missing = loadServerConfig({ env: {}, resolvConfPath: path.join(dir, 'absent.conf') });
  t.is(missing.source, 'default');
  t.deepEqual(missing.servers.map(formatServer), ['127.0.0.1:53']);
  const empty = loadServerConfig({ env: {}, resolvConfPath: resolvConf('c.conf', 'search example.org\n') });
  t.is(empty.source, 'default');
});
