// The tcprules cdb a listener consults for each connection, re-read when the file changes (a
// rebuilt cdb is renamed into place by tcprules, so its inode changes), like tcpserver -x which
// opens it per connection. Missing file: no rules (allow, like tcpserver); any other read
// failure throws, and the listener drops the connection as tcpserver does.

import * as path from 'node:path';
import { Cdb, ControlDir } from '../control/index.js';

const toCdb = (raw: Buffer): Cdb => new Cdb(raw);

export class RulesFile {
  private readonly dir: ControlDir;
  private readonly name: string;

  constructor(readonly file: string) {
    this.dir = new ControlDir(path.dirname(file), true);
    this.name = path.basename(file);
  }

  flush(): void {
    this.dir.flush();
  }

  /** The current rules, or undefined when the file does not exist. */
  current(): Cdb | undefined {
    return this.dir.parsed(this.name, toCdb);
  }
}
