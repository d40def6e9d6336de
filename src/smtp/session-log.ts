// The session's log lines: qlogenvelope/qlogreceived with the connection's fields filled in
// (spec section 6), and short notes for fatal paths. Never throws; never writes to the client.

import { formatQlog, logSafe, type LogSink, type QlogFields, type QlogHead } from '../log/index.js';
import { replyCode } from './replies.js';
import type { ConnectionEnv } from './params.js';

export interface QlogEvent {
  readonly result: 'accepted' | 'rejected';
  /** The reply sent; its code is logged. */
  readonly reply: string;
  readonly reason: string;
  readonly detail?: string;
  readonly helo: string;
  readonly mailfrom?: string;
  readonly rcptto?: string;
  readonly rcpthosts?: '' | 'yes' | 'no';
  readonly size?: string;
  readonly qp: string;
}

export class SessionLog {
  constructor(
    private readonly sink: LogSink,
    private readonly env: ConnectionEnv,
    /** The qlog pid field: the process id, or "pid.session" in the listener. */
    readonly id: string,
  ) {}

  qlog(head: QlogHead, e: QlogEvent): void {
    const env = this.env;
    const fields: QlogFields = {
      result: e.result,
      code: replyCode(e.reply),
      reason: e.reason,
      detail: e.detail ?? '',
      helo: e.helo,
      mailfrom: e.mailfrom ?? '',
      rcptto: e.rcptto ?? '',
      relay: env.RELAYCLIENT !== undefined ? 'yes' : 'no',
      rcpthosts: e.rcpthosts ?? '',
      size: e.size ?? '',
      authuser: '',
      authtype: '',
      encrypted: '',
      sslverified: '',
      localip: env.TCPLOCALIP ?? '',
      localport: env.TCPLOCALPORT ?? '',
      remoteip: env.TCPREMOTEIP ?? '',
      remoteport: env.TCPREMOTEPORT ?? '',
      remotehost: env.TCPREMOTEHOST ?? '',
      qp: e.qp,
      pid: this.id,
    };
    this.sink.line(formatQlog(head, fields));
  }

  /** A short free-text line, e.g. for fatal paths: "qmail-smtpd: pid ID: TEXT". */
  note(text: string): void {
    this.sink.line(`qmail-smtpd: pid ${this.id}: ${logSafe(text)}`);
  }
}
