import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cdb, ControlDir, loadSnapshot, type RcptHosts } from '../../src/control/index.js';
import { inRcptHosts } from '../../src/policy/index.js';
import { buildCdb } from '../helpers/cdb-build.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

const dir = makeTempDir('qfront-rcpthosts-');
test.after.always(() => removeTempDir(dir));

// Entries as the snapshot holds them (lower-cased): one exact domain, one ".suffix" entry.
const HOSTS: RcptHosts = { entries: new Set(['example.org', '.sub.example.net']), more: undefined };

const cases: [label: string, address: string, expected: boolean][] = [
  ['an exact domain matches', 'a@example.org', true],
  ['the domain is compared case-insensitively', 'a@EXAMPLE.Org', true],
  ['the local part may have any case', 'POSTMASTER@example.org', true],
  ['an exact entry does not cover its subdomains', 'a@mx.example.org', false],
  ['".sub.example.net" covers a subdomain', 'a@x.sub.example.net', true],
  ['".sub.example.net" covers deeper subdomains', 'a@x.y.sub.example.net', true],
  ['".sub.example.net" does not cover sub.example.net itself', 'a@sub.example.net', false],
  ['a suffix must start at a label boundary', 'a@xsub.example.net', false],
  ['a parent of an entry does not match', 'a@example.net', false],
  ['an unrelated domain does not match', 'a@other.example', false],
  ['a trailing dot makes a different domain', 'a@example.org.', false],
  ['an address without "@" is always accepted', 'postmaster', true],
  ['the empty address (no "@") is accepted', '', true],
  ['an empty domain never matches', 'x@', false],
  ['the last "@" decides: domain after it is ours', 'a@evil.example@example.org', true],
  ['the last "@" decides: domain after it is not ours', 'a@example.org@evil.example', false],
  ['a domain literal is just text', 'a@[192.0.2.1]', false],
];

for (const [label, address, expected] of cases) {
  test(`rcpthosts: ${label} (${JSON.stringify(address)})`, (t) => {
    t.is(inRcptHosts(address, HOSTS), expected);
  });
}

test('a missing rcpthosts accepts every recipient (open relay, as qmail)', (t) => {
  for (const a of ['a@example.org', 'a@anything.example', 'x@', 'postmaster']) t.true(inRcptHosts(a, undefined), a);
});

test('an empty rcpthosts refuses every domain but still accepts addresses without "@"', (t) => {
  const empty: RcptHosts = { entries: new Set(), more: undefined };
  t.false(inRcptHosts('a@example.org', empty));
  t.true(inRcptHosts('postmaster', empty));
});

test('case folding is ASCII only: 8-bit letters are not folded', (t) => {
  const hosts: RcptHosts = { entries: new Set(['\xe9.example']), more: undefined };
  t.true(inRcptHosts('a@\xe9.EXAMPLE', hosts));
  t.false(inRcptHosts('a@\xc9.example', hosts)); // 0xC9 is upper-case E-acute in latin1
});

test('entries read from a file with capitals match lower- and upper-case recipients', (t) => {
  const cdir = makeTempDir('qfront-rcpthosts-file-');
  try {
    fs.writeFileSync(path.join(cdir, 'me'), 'm\n');
    fs.writeFileSync(path.join(cdir, 'rcpthosts'), 'Example.NET\n.Wild.Example\n');
    const snap = loadSnapshot(new ControlDir(cdir));
    t.true(inRcptHosts('a@example.net', snap.rcpthosts));
    t.true(inRcptHosts('a@EXAMPLE.NET', snap.rcpthosts));
    t.true(inRcptHosts('a@X.WILD.EXAMPLE', snap.rcpthosts));
    t.false(inRcptHosts('a@wild.example', snap.rcpthosts));
  } finally {
    removeTempDir(cdir);
  }
});

// ---- morercpthosts.cdb (keys lower-cased by qmail-newmrh, empty data) ----

function moreHosts(keys: string[], entries: string[] = []): RcptHosts {
  const file = path.join(dir, `more-${keys.join('_').replace(/[^a-z]/g, '')}.cdb`);
  buildCdb(file, keys.map((k) => [k, ''] as const));
  return { entries: new Set(entries), more: new Cdb(fs.readFileSync(file)) };
}

const MORE = moreHosts(['more.example', '.wild.example']);

const moreCases: [label: string, address: string, expected: boolean][] = [
  ['an exact key matches', 'a@more.example', true],
  ['an exact key matches case-insensitively', 'a@MORE.Example', true],
  ['an exact key does not cover subdomains', 'a@x.more.example', false],
  ['a ".suffix" key covers subdomains', 'a@x.wild.example', true],
  ['a ".suffix" key covers deeper subdomains in any case', 'a@A.B.WILD.example', true],
  ['a ".suffix" key does not cover the domain itself', 'a@wild.example', false],
  ['a domain in neither list is refused', 'a@other.example', false],
  ['an empty domain never matches', 'x@', false],
  ['no "@" is accepted', 'postmaster', true],
  ['the last "@" decides', 'a@other.example@more.example', true],
];

for (const [label, address, expected] of moreCases) {
  test(`morercpthosts.cdb: ${label} (${JSON.stringify(address)})`, (t) => {
    t.is(inRcptHosts(address, MORE), expected);
  });
}

test('rcpthosts and morercpthosts.cdb are both consulted', (t) => {
  const both = moreHosts(['cdb-only.example'], ['file-only.example']);
  t.true(inRcptHosts('a@file-only.example', both));
  t.true(inRcptHosts('a@cdb-only.example', both));
  t.false(inRcptHosts('a@neither.example', both));
});
