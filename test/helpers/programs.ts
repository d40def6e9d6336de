// Finds a program the tests drive (nsd, srs, postsrsd, faketime): in PATH, else in the sbin
// directories Debian installs daemons to, which a normal user's PATH often lacks. A missing one
// is an error naming the Debian package, never a silent skip.
import * as fs from 'node:fs';
import * as path from 'node:path';

const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export function findProgram(name: string, debianPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  const found = dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
  if (found !== undefined) return found;
  throw new Error(`${name} not found in PATH or ${SBIN_DIRS.join(', ')}: install it (apt-get install -y ${debianPackage}; scripts/test does)`);
}
