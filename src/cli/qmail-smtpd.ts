// Entry point of bin/qmail-smtpd: the stdio door with the process environment. Arguments (the
// AUTH patches' "hostname checkpassword subprogram" forms) are accepted and ignored: AUTH is
// not offered, so they can never open a relay.

import { runStdio } from '../door/stdio.js';

const code = await runStdio({ env: process.env, argv: process.argv.slice(2) });
process.exit(code);
