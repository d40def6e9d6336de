// The stdio door starts one Node process per connection, so what it loads at start-up is paid by
// every connection. The SPF evaluator and the DNS client (with dns-packet and ipaddr.js) must be
// loaded only when a session needs SPF; this checks what merely loading the door pulls in.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** CommonJS packages the door loaded (ESM imports of CJS go through require.cache). */
function packagesLoadedBy(module: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(path.join(ROOT, module))});
    const cache = createRequire(import.meta.url).cache;
    console.log(JSON.stringify(Object.keys(cache).map((k) => k.split('node_modules/').pop().split('/')[0])));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

test('the stdio door loads neither the DNS client nor the SPF evaluator before a session needs them', (t) => {
  const loaded = packagesLoadedBy('dist/src/door/stdio.js');
  t.false(loaded.includes('dns-packet'), loaded.join(' '));
  t.false(loaded.includes('ipaddr.js'), loaded.join(' '));
});

test('the check itself finds dns-packet once the DNS client is loaded', (t) => {
  t.true(packagesLoadedBy('dist/src/dns/index.js').includes('dns-packet'));
});
