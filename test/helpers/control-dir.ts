// A throw-away control directory for tests: { me: 'mx.example\n', rcpthosts: '...' }; a name
// ending in '/' becomes a directory (an "unreadable" control file).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function makeControlDir(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qfront-control-'));
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) fs.mkdirSync(path.join(dir, name));
    else fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
