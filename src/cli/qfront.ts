// Entry point of bin/qfront: picks the subcommand (serve, spf, srs, forward) and loads only its
// module, so a short-lived command such as `qfront forward` (run per forwarded message) does not
// pay for the listener or the DNS client. Exit codes: 100 bad usage, 111 trouble.

import type { CliOutput } from './srs-common.js';
import { UsageError } from './usage.js';

const STDIO: CliOutput = {
  stdout: (bytes) => process.stdout.write(bytes),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

async function usage(): Promise<string> {
  const [serve, spf, srs, forward] = await Promise.all([import('./serve.js'), import('./spf.js'), import('./srs.js'), import('./forward.js')]);
  return `${serve.SERVE_USAGE}\n\n${spf.SPF_USAGE}\n\n${srs.SRS_USAGE}\n\n${forward.FORWARD_USAGE}\n`;
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'serve') await (await import('./serve.js')).serveCommand(rest);
  else if (command === 'spf') process.exitCode = await (await import('./spf.js')).spfCommand(rest, (line) => process.stdout.write(`${line}\n`));
  else if (command === 'srs') process.exitCode = (await import('./srs.js')).srsCommand(rest, process.env, STDIO);
  else if (command === 'forward') process.exitCode = await (await import('./forward.js')).forwardCommand(rest, process.env, process.stdin, STDIO);
  else {
    process.stderr.write(await usage());
    process.exit(command === undefined || command === '--help' ? 0 : 100);
  }
} catch (err) {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`qfront: ${(err as Error).message}\n${await usage()}`);
    process.exit(100);
  }
  process.stderr.write(`qfront: fatal: ${(err as Error).message}\n`);
  process.exit(111);
}
