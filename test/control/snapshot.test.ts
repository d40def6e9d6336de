import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ControlDir, ControlReadError, loadSnapshot } from '../../src/control/index.js';
import { buildCdb } from '../helpers/cdb-build.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp-dir.js';

const dirs: string[] = [];
test.after.always(() => dirs.forEach(removeTempDir));

/** A control directory; a name ending in '/' becomes a directory (a read error, even for root). */
function controlDir(files: Record<string, string>): string {
  const dir = makeTempDir('qfront-snapshot-');
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) fs.mkdirSync(path.join(dir, name));
    else fs.writeFileSync(path.join(dir, name), content, 'latin1');
  }
  return dir;
}

const load = (files: Record<string, string>) => loadSnapshot(new ControlDir(controlDir(files)));

// ---- defaults ----

test('with only control/me: greeting and localiphost are me, timeout 1200, databytes 0', (t) => {
  const s = load({ me: 'mail.example.org\n' });
  t.is(s.me, 'mail.example.org');
  t.is(s.greeting, 'mail.example.org');
  t.is(s.localiphost, 'mail.example.org');
  t.is(s.timeoutSeconds, 1200);
  t.is(s.databytes, 0);
});

test('a missing rcpthosts means no rcpthosts list (every domain accepted)', (t) => {
  t.is(load({ me: 'm\n' }).rcpthosts, undefined);
});

test('a missing badmailfrom means no badmailfrom list', (t) => {
  t.is(load({ me: 'm\n' }).badmailfrom, undefined);
});

test('smtpgreeting wins over me, and only its first line is used', (t) => {
  const s = load({ me: 'mail.example.org\n', smtpgreeting: 'greet.example Welcome\nsecond\n' });
  t.is(s.greeting, 'greet.example Welcome');
  t.is(s.localiphost, 'mail.example.org');
});

test('smtpgreeting without me works; localiphost is then unset', (t) => {
  const s = load({ smtpgreeting: 'greet.example\n' });
  t.is(s.greeting, 'greet.example');
  t.is(s.me, undefined);
  t.is(s.localiphost, undefined);
});

test('an empty smtpgreeting is an empty greeting, not a fallback to me', (t) => {
  t.is(load({ me: 'mail.example.org\n', smtpgreeting: '' }).greeting, '');
});

test('a CRLF smtpgreeting keeps its CR', (t) => {
  t.is(load({ me: 'm\n', smtpgreeting: 'greet.example \t\r\n' }).greeting, 'greet.example \t\r');
});

test('control/localiphost overrides me for the address-literal rewrite', (t) => {
  t.is(load({ me: 'mail.example.org\n', localiphost: 'local.example\n' }).localiphost, 'local.example');
});

test('missing me AND missing smtpgreeting is a control error', (t) => {
  t.throws(() => load({ rcpthosts: 'example.org\n' }), { instanceOf: ControlReadError });
});

const intCases: [label: string, file: string, content: string, key: 'timeoutSeconds' | 'databytes', expected: number][] = [
  ['timeoutsmtpd "30"', 'timeoutsmtpd', '30\n', 'timeoutSeconds', 30],
  ['timeoutsmtpd "0" becomes 1', 'timeoutsmtpd', '0\n', 'timeoutSeconds', 1],
  ['timeoutsmtpd "abc" keeps 1200', 'timeoutsmtpd', 'abc\n', 'timeoutSeconds', 1200],
  ['timeoutsmtpd empty keeps 1200', 'timeoutsmtpd', '', 'timeoutSeconds', 1200],
  ['timeoutsmtpd "12kb" is 12', 'timeoutsmtpd', '12kb\n', 'timeoutSeconds', 12],
  ['databytes "1000000"', 'databytes', '1000000\n', 'databytes', 1000000],
  ['databytes "abc" keeps 0', 'databytes', 'abc\n', 'databytes', 0],
  ['databytes "0" is unlimited', 'databytes', '0\n', 'databytes', 0],
];
for (const [label, file, content, key, expected] of intCases) {
  test(`integer control file: ${label}`, (t) => {
    t.is(load({ me: 'm\n', [file]: content })[key], expected);
  });
}

test('rcpthosts entries are lower-cased, comments and blank lines dropped', (t) => {
  const s = load({ me: 'm\n', rcpthosts: '# ours\nExample.ORG\n\n.Example.NET \n' });
  t.deepEqual([...s.rcpthosts!.entries].sort(), ['.example.net', 'example.org']);
});

test('an empty rcpthosts is present with no entries (not the open-relay "missing")', (t) => {
  const s = load({ me: 'm\n', rcpthosts: '' });
  t.not(s.rcpthosts, undefined);
  t.is(s.rcpthosts!.entries.size, 0);
});

test('badmailfrom entries are lower-cased', (t) => {
  const s = load({ me: 'm\n', badmailfrom: 'Bad@Example.COM\n@SPAM.example\n' });
  t.deepEqual([...s.badmailfrom!].sort(), ['@spam.example', 'bad@example.com']);
});

// ---- read errors ----

for (const name of ['rcpthosts', 'me', 'smtpgreeting', 'badmailfrom', 'timeoutsmtpd', 'databytes', 'localiphost']) {
  test(`a directory in place of ${name} is a control error, not a default`, (t) => {
    const files: Record<string, string> = { me: 'm\n', smtpgreeting: 'g\n' };
    delete files[name];
    files[`${name}/`] = '';
    const err = t.throws(() => load(files), { instanceOf: ControlReadError });
    t.true(err!.file.endsWith(name));
  });
}

// ---- morercpthosts.cdb ----

test('morercpthosts.cdb is read when rcpthosts exists', (t) => {
  const dir = controlDir({ me: 'm\n', rcpthosts: 'example.org\n' });
  buildCdb(path.join(dir, 'morercpthosts.cdb'), [['more.example', '']]);
  const s = loadSnapshot(new ControlDir(dir));
  t.true(s.rcpthosts!.more!.has('more.example'));
});

test('without morercpthosts.cdb there is no second list', (t) => {
  t.is(load({ me: 'm\n', rcpthosts: 'example.org\n' }).rcpthosts!.more, undefined);
});

test('morercpthosts.cdb is not even opened when rcpthosts is missing', (t) => {
  // A directory there would be a read error if it were opened.
  t.is(load({ me: 'm\n', 'morercpthosts.cdb/': '' }).rcpthosts, undefined);
});

test('an unreadable morercpthosts.cdb is a control error', (t) => {
  t.throws(() => load({ me: 'm\n', rcpthosts: 'example.org\n', 'morercpthosts.cdb/': '' }), { instanceOf: ControlReadError });
});

test('a corrupt (too short) morercpthosts.cdb is a control error', (t) => {
  t.throws(() => load({ me: 'm\n', rcpthosts: 'example.org\n', 'morercpthosts.cdb': 'not a cdb' }), {
    instanceOf: ControlReadError,
  });
});

// ---- caching mode ----

function write(dir: string, name: string, content: string, mtimeSeconds?: number): void {
  fs.writeFileSync(path.join(dir, name), content);
  if (mtimeSeconds !== undefined) fs.utimesSync(path.join(dir, name), mtimeSeconds, mtimeSeconds);
}

test('caching: a rewritten file (same size, new mtime) is seen by the next snapshot', (t) => {
  const dir = controlDir({});
  write(dir, 'me', 'one.example\n', 1_000_000);
  const cd = new ControlDir(dir, true);
  t.is(loadSnapshot(cd).greeting, 'one.example');
  write(dir, 'me', 'two.example\n', 2_000_000);
  t.is(loadSnapshot(cd).greeting, 'two.example');
});

test('caching: a rewritten file of another size is seen by the next snapshot', (t) => {
  const dir = controlDir({ me: 'm\n', rcpthosts: 'a.example\n' });
  const cd = new ControlDir(dir, true);
  t.deepEqual([...loadSnapshot(cd).rcpthosts!.entries], ['a.example']);
  write(dir, 'rcpthosts', 'a.example\nb.example\n');
  t.deepEqual([...loadSnapshot(cd).rcpthosts!.entries].sort(), ['a.example', 'b.example']);
});

test('caching: a file replaced by rename is seen by the next snapshot', (t) => {
  const dir = controlDir({ me: 'm\n' });
  write(dir, 'timeoutsmtpd', '30\n', 1_000_000);
  const cd = new ControlDir(dir, true);
  t.is(loadSnapshot(cd).timeoutSeconds, 30);
  write(dir, 'timeoutsmtpd.new', '45\n', 1_000_000); // same size and mtime: only the inode differs
  fs.renameSync(path.join(dir, 'timeoutsmtpd.new'), path.join(dir, 'timeoutsmtpd'));
  t.is(loadSnapshot(cd).timeoutSeconds, 45);
});

test('caching: a deleted file falls back to the default', (t) => {
  const dir = controlDir({ me: 'm\n', databytes: '500\n' });
  const cd = new ControlDir(dir, true);
  t.is(loadSnapshot(cd).databytes, 500);
  fs.unlinkSync(path.join(dir, 'databytes'));
  t.is(loadSnapshot(cd).databytes, 0);
});

test('caching: a file created later is picked up', (t) => {
  const dir = controlDir({ me: 'm\n' });
  const cd = new ControlDir(dir, true);
  t.is(loadSnapshot(cd).rcpthosts, undefined);
  write(dir, 'rcpthosts', 'example.org\n');
  t.deepEqual([...loadSnapshot(cd).rcpthosts!.entries], ['example.org']);
});

test('caching: a read failure is never cached; the fixed file is read next time', (t) => {
  const dir = controlDir({ me: 'm\n', 'rcpthosts/': '' });
  const cd = new ControlDir(dir, true);
  t.throws(() => loadSnapshot(cd), { instanceOf: ControlReadError });
  t.throws(() => loadSnapshot(cd), { instanceOf: ControlReadError });
  fs.rmdirSync(path.join(dir, 'rcpthosts'));
  write(dir, 'rcpthosts', 'example.org\n');
  t.deepEqual([...loadSnapshot(cd).rcpthosts!.entries], ['example.org']);
});

test('caching: a cached file that becomes unreadable is an error, not the stale copy', (t) => {
  const dir = controlDir({ me: 'm\n', rcpthosts: 'example.org\n' });
  const cd = new ControlDir(dir, true);
  t.truthy(loadSnapshot(cd).rcpthosts);
  fs.unlinkSync(path.join(dir, 'rcpthosts'));
  fs.mkdirSync(path.join(dir, 'rcpthosts'));
  t.throws(() => loadSnapshot(cd), { instanceOf: ControlReadError });
});

test('caching: a missing me and smtpgreeting stays an error when asked again', (t) => {
  const dir = controlDir({});
  const cd = new ControlDir(dir, true);
  t.throws(() => loadSnapshot(cd), { instanceOf: ControlReadError });
  t.throws(() => loadSnapshot(cd), { instanceOf: ControlReadError });
  write(dir, 'me', 'late.example\n');
  t.is(loadSnapshot(cd).greeting, 'late.example');
});

test('without caching every snapshot re-reads the files', (t) => {
  const dir = controlDir({});
  write(dir, 'me', 'one.example\n', 1_000_000);
  const cd = new ControlDir(dir);
  t.is(loadSnapshot(cd).greeting, 'one.example');
  write(dir, 'me', 'two.example\n', 1_000_000); // same size and mtime
  t.is(loadSnapshot(cd).greeting, 'two.example');
});

test('a snapshot is frozen', (t) => {
  const s = load({ me: 'm\n' });
  t.true(Object.isFrozen(s));
});
