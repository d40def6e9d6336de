// Entry point of bin/qmail-smtpd: the stdio door with the process environment. Arguments (the
// AUTH patches' "hostname checkpassword subprogram" forms) are accepted and ignored: AUTH is
// not offered, so they can never open a relay. Bundled by scripts/build-door.ts into one file,
// which is also the entry of the start-up snapshot: then sessions are only rehearsed (their code
// compiled into the snapshot) until node starts from it (`node --snapshot-blob FILE -- ARGS`, the
// arguments then follow argv[0]). Must do no other work at load: a snapshot would freeze it.

import { startupSnapshot } from 'node:v8';
import { rehearseSessions } from '../door/rehearsal.js';
import { runStdio } from '../door/stdio.js';

/** What bin/qmail-smtpd puts in GLIBC_TUNABLES, when unset, to start from the snapshot. */
const SNAPSHOT_GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=67108864';

function main(argv: readonly string[]): void {
  void runStdio({ env: process.env, argv }).then((code) => process.exit(code));
}

if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(() => {
    // Meant for this process alone: the session and its queue program see the environment as given.
    if (process.env.GLIBC_TUNABLES === SNAPSHOT_GLIBC_TUNABLES) delete process.env.GLIBC_TUNABLES;
    main(process.argv.slice(1));
  });
  void rehearseSessions();
} else main(process.argv.slice(2));
