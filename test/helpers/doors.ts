// The two front doors behind one face for tests that must hold in both: the stdio door under the
// real tcpserver (bin/qmail-smtpd, one process per connection) and the listener (bin/qfront
// serve, one process for all sessions). Both store through the fake qmail-queue and expose their
// stderr (session log lines). Started once per file (test.before), stopped in test.after.always.

import { startListener } from './listener.js';
import type { FakeQueue } from './fake-queue.js';
import { startServer } from './tcpserver.js';

export type DoorName = 'stdio' | 'listener';
export const DOORS: readonly DoorName[] = ['stdio', 'listener'];

export interface Door {
  readonly name: DoorName;
  readonly port: number;
  readonly queue: FakeQueue;
  /** The listener's process id (undefined for the stdio door: a process per session). */
  readonly pid: number | undefined;
  stderr(): string;
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startDoor(
  name: DoorName,
  control: Readonly<Record<string, string | null>> = {},
  env: Readonly<Record<string, string>> = {},
): Promise<Door> {
  if (name === 'stdio') {
    const s = await startServer({ control, env });
    return { name, port: s.port, queue: s.queue, pid: undefined, stderr: s.stderr, waitForStderr: s.waitForStderr, stop: s.stop };
  }
  const l = await startListener({ control, env });
  return { name, port: l.port, queue: l.queue, pid: l.child.pid, stderr: l.stderr, waitForStderr: l.waitForStderr, stop: l.stop };
}
