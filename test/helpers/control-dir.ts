// A throw-away control directory for tests: { me: 'mx.example\n', rcpthosts: '...' }; a name
// ending in '/' becomes a directory (an "unreadable" control file).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir } from './tmp-dir.js';

export function makeControlDir(files: Record<string, string | Buffer>): string {
  const dir = makeTempDir('qfront-control-');
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) fs.mkdirSync(path.join(dir, name));
    else fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

export { removeTempDir as removeDir } from './tmp-dir.js';
