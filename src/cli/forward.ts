// `qfront forward ADDRESS...`: qmail's forward(1) for .qmail files, with SRS. Reads the message on
// stdin, puts $DTLINE (qmail-local's Delivered-To line) before it, and hands it to qmail-queue
// with the sender of forward-sender.ts and the ADDRESSes as recipients. Contract: forward's exit
// codes and texts: 0 and "forward: qp N", 100 permanent, 111 temporary, "forward: fatal: ..."
// on stderr. Never adds a Received line. Source: qmail forward.c, sagredo forward.c.

import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ControlDir } from '../control/index.js';
import { controlDirOf, queueCwd, queueTimeoutSeconds } from '../door/settings.js';
import { QmailQueue, QueueStartError, type QueueJob } from '../queue/index.js';
import { chosenSender, forwardedSenderOf } from './forward-sender.js';
import { CliFailure, EXIT_OK, EXIT_PERMANENT, EXIT_TEMPORARY, octets, type CliOutput, type Env } from './srs-common.js';

export const FORWARD_USAGE = `usage: qfront forward [--control DIR] ADDRESS...
  forwards the message on stdin to every ADDRESS, as qmail's forward in a .qmail file:
  envelope sender $NEWSENDER (else $SENDER), $DTLINE put before the message, queued by
  $QMAILQUEUE (else $QMAILHOME/bin/qmail-queue); with SRS on (control/srs_domain), a sender
  outside rcpthosts (any sender, with srs_alwaysrewrite) is sent as its SRS address
  --control DIR      control directory (default $CONTROLDIR, else $QMAILHOME/control)
exit 0 when queued ("forward: qp N" on stderr); 100 permanent failure (the message bounces);
111 temporary failure (qmail-local tries again later)`;

const FATAL = 'forward: fatal: ';

export async function forwardCommand(args: string[], env: Env, stdin: Readable, io: CliOutput): Promise<number> {
  let recipients: string[];
  let control: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args, options: { control: { type: 'string' } }, allowPositionals: true });
    if (positionals.length === 0) throw new Error('forward to which ADDRESS?');
    recipients = positionals.map(octets);
    control = values.control;
  } catch (err) {
    io.stderr(`${FATAL}${(err as Error).message}\n${FORWARD_USAGE}`);
    return EXIT_PERMANENT;
  }
  try {
    const dir = new ControlDir(control ?? controlDirOf(env));
    const sender = forwardedSenderOf(chosenSender(env), dir, env);
    const job = await openQueue(env, sender, recipients);
    if (env.DTLINE !== undefined) job.write(Buffer.from(env.DTLINE, 'utf8'));
    await copyMessage(stdin, job);
    const outcome = await job.close(true);
    if (outcome.kind === 'failed') throw new CliFailure(outcome.permanent ? EXIT_PERMANENT : EXIT_TEMPORARY, outcome.text);
    io.stderr(`forward: qp ${job.qp}`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof CliFailure)) throw err;
    io.stderr(`${FATAL}${err.message}`);
    return err.exitCode;
  }
}

async function openQueue(env: Env, sender: string, recipients: readonly string[]): Promise<QueueJob> {
  const queue = new QmailQueue({ timeoutSeconds: queueTimeoutSeconds(env), cwd: queueCwd(env) });
  try {
    return await queue.open({ env, envelope: { sender, recipients } });
  } catch (err) {
    if (err instanceof QueueStartError) throw new CliFailure(EXIT_TEMPORARY, `unable to fork: ${err.message}`);
    throw err;
  }
}

/** stdin to the queue, waiting whenever its pipe is full; a read error drops the message. */
async function copyMessage(stdin: Readable, job: QueueJob): Promise<void> {
  try {
    for await (const chunk of stdin) {
      // false from drained(): the queue program gave up and was killed; close() reports it.
      if (!job.write(chunk as Buffer) && !(await job.drained())) return;
    }
  } catch (err) {
    job.abort();
    throw new CliFailure(EXIT_TEMPORARY, `unable to read message: ${(err as Error).message}`);
  }
}
