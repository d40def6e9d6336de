// The trace behind "qfront spf --trace": one line per DNS query (name, type, answer) and per
// term decision with the running counters, nested includes indented, in evaluation order.
import test from 'ava';
import { checkHost } from '../../src/spf/index.js';
import { txt, type TestZone, type ZoneEntry } from '../helpers/zone.js';
import { zoneResolver } from '../helpers/zone-resolver.js';

const ZONE: TestZone = new Map<string, ZoneEntry[]>([
  ['sender.example', [txt('v=spf1 redirect=example.com'), txt('unrelated text')]],
  ['example.com', [
    txt('v=spf1 mx include:_spf.example.net a:gone.example.com -all exp=exp.example.com'),
    { type: 'MX', data: { preference: 20, exchange: 'mx2.example.com' } },
    { type: 'MX', data: { preference: 10, exchange: 'mx1.example.com' } },
  ]],
  ['mx1.example.com', [{ type: 'A', data: '192.0.2.1' }]],
  ['mx2.example.com', [{ type: 'A', data: '192.0.2.2' }, { type: 'A', data: '192.0.2.3' }]],
  ['_spf.example.net', [txt('v=spf1 ip4:198.51.100.0/24 -all')]],
  ['exp.example.com', [txt('%{i} may not send for %{d}')]],
]);

test('trace lines come in evaluation order, with DNS answers and the running counts', async (t) => {
  const lines: string[] = [];
  const o = await checkHost(
    { ip: '10.0.0.1', sender: 'u@sender.example', helo: 'h.example' },
    { resolver: zoneResolver(ZONE), localRules: 'ip4:172.16.0.0/12', trace: (l) => lines.push(l) },
  );
  t.deepEqual(lines, [
    'dns TXT sender.example: "v=spf1 redirect=example.com" | "unrelated text"',
    'record sender.example: "v=spf1 redirect=example.com"',
    'sender.example: no term matched, following redirect',
    'sender.example: redirect=example.com -> example.com (dns terms 1/10, void 0/2)',
    'dns TXT example.com: "v=spf1 mx include:_spf.example.net a:gone.example.com -all exp=exp.example.com"',
    'record example.com: "v=spf1 mx include:_spf.example.net a:gone.example.com -all exp=exp.example.com"',
    'example.com: local rules inserted before "-all"',
    'dns MX example.com: 20 mx2.example.com, 10 mx1.example.com',
    'dns A mx1.example.com: 192.0.2.1',
    'dns A mx2.example.com: 192.0.2.2, 192.0.2.3',
    'example.com: mx -> no match (dns terms 2/10, void 0/2)',
    '  dns TXT _spf.example.net: "v=spf1 ip4:198.51.100.0/24 -all"',
    '  record _spf.example.net: "v=spf1 ip4:198.51.100.0/24 -all"',
    '  _spf.example.net: ip4:198.51.100.0/24 -> no match (dns terms 3/10, void 0/2)',
    '  _spf.example.net: -all -> match: fail (dns terms 3/10, void 0/2)',
    'example.com: include:_spf.example.net -> no match (_spf.example.net gave fail) (dns terms 3/10, void 0/2)',
    'dns A gone.example.com: NXDOMAIN',
    'example.com: a:gone.example.com -> no match (dns terms 4/10, void 1/2)',
    'example.com: ip4:172.16.0.0/12 (local) -> no match (dns terms 4/10, void 1/2)',
    'example.com: -all -> match: fail (dns terms 4/10, void 1/2)',
    'dns TXT exp.example.com: "%{i} may not send for %{d}"',
    'result fail by -all at example.com',
  ]);
  t.like(o, { result: 'fail', lookups: 4, explanation: '10.0.0.1 may not send for example.com' });
});
