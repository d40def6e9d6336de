// Glue for the end-to-end tests: a tcpserver per test that is always stopped (t.teardown), and
// parsers for what the tests assert on: qmail-smtpd's Received line (spec qmail-smtpd.md 4.1)
// and qlog lines (spec 6.1).

import type { ExecutionContext } from 'ava';
import { startServer, type Server, type ServerOptions } from './tcpserver.js';

/** Starts tcpserver for this test and stops it (and every session it ran) when the test ends. */
export async function serverFor(t: ExecutionContext, opts: ServerOptions = {}): Promise<Server> {
  const server = await startServer(opts);
  t.teardown(() => server.stop());
  return server;
}

/** Spec 6.1, in order ("sslproto" of the 2023.11 version is tolerated by parsers, not sent). */
export const QLOG_KEYS = [
  'result', 'code', 'reason', 'detail', 'helo', 'mailfrom', 'rcptto', 'relay', 'rcpthosts',
  'size', 'authuser', 'authtype', 'encrypted', 'sslverified', 'localip', 'localport',
  'remoteip', 'remoteport', 'remotehost', 'qp', 'pid',
] as const;

export interface QlogLine {
  readonly head: string;
  /** Keys in the order they appear. */
  readonly keys: string[];
  readonly fields: Record<string, string>;
}

/** "qlogreceived: result=accepted code=250 ..." -> head, keys in order, values. */
export function parseQlog(line: string): QlogLine {
  const m = /^(qlogenvelope|qlogreceived): (.*)$/.exec(line);
  if (!m) throw new Error(`not a qlog line: ${JSON.stringify(line)}`);
  const keys: string[] = [];
  const fields: Record<string, string> = {};
  for (const pair of m[2]!.split(' ')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`bad qlog field ${JSON.stringify(pair)} in ${JSON.stringify(line)}`);
    keys.push(pair.slice(0, eq));
    fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { head: m[1]!, keys, fields };
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const DATE = `(\\d{1,2}) (${MONTHS}) (\\d{4}) (\\d\\d):(\\d\\d):(\\d\\d) -0000`;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * qmail-smtpd's two-line Received header (spec 4.1) for these values, date as a group:
 * "Received: from HOST (HELO NAME) (IP)\n  by LOCAL with SMTP; D Mon YYYY HH:MM:SS -0000\n".
 */
export function receivedPattern(v: { host: string; helo?: string; ip: string; local: string }): RegExp {
  const helo = v.helo === undefined ? '' : ` \\(HELO ${escape(v.helo)}\\)`;
  return new RegExp(
    `^Received: from ${escape(v.host)}${helo} \\(${escape(v.ip)}\\)\\n  by ${escape(v.local)} with SMTP; ${DATE}\\n`,
  );
}

/** Milliseconds between a Received date match (from receivedPattern) and now. */
export function receivedAgeMs(m: RegExpExecArray): number {
  const [, d, mon, y, hh, mm, ss] = m;
  const month = MONTHS.split('|').indexOf(mon!);
  return Math.abs(Date.now() - Date.UTC(Number(y), month, Number(d), Number(hh), Number(mm), Number(ss)));
}

export { eventually } from './tmp-dir.js';
