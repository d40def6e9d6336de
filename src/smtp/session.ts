// The SMTP session engine: qmail-smtpd's dialogue as a state machine. Fed one command line at a
// time, it returns the reply and what the connection must do next; DATA hands back a
// MessageIntake the driver feeds. Policy decides, this module only asks and answers.
// Never touches sockets, files or process.env; everything arrives through SessionDeps.
// Spec qmail-smtpd.md 3.1-3.7 (V), with the differences listed in the README.

import type { ControlSnapshot } from '../control/index.js';
import type { Resolver } from '../dns/index.js';
import { headerFor, spfHeaderFor } from './received-fields.js';
import { checkRecipient, type PolicySettings, type SenderVerdict, type SpfDecision, type SpfSettings } from '../policy/index.js';
import { QueueStartError, type Queue } from '../queue/index.js';
import { asciiEqualsIgnoreCase } from '../util/ascii.js';
import { MAX_ADDRESS_BYTES, parseAddressArg, rewriteLocalIpLiteral } from './address.js';
import { splitCommand, type Verb } from './commands.js';
import { outgoingSender } from './data-phase.js';
import { decideMail, type MailContext, type MailDecision } from './mail-phase.js';
import { MessageIntake } from './message.js';
import type { ConnectionEnv, SessionParams } from './params.js';
import * as R from './replies.js';
import { SessionLog } from './session-log.js';

export interface SessionDeps {
  readonly params: SessionParams;
  readonly control: ControlSnapshot;
  /** The whole environment, handed to the queue program. */
  readonly env: ConnectionEnv;
  readonly queue: Queue;
  readonly log: SessionLog;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Is this dotted IPv4 address one of ours? May throw: "421 unable to figure out my IP addresses". */
  readonly isLocalIp: (ipv4: string) => boolean;
  /** DNS for SPF; needed only when spfbehavior is above 0. */
  readonly resolver?: Resolver;
}

export interface Step {
  readonly reply?: string;
  /** Send pending replies now (qmail flushes after DATA, QUIT, HELO, EHLO, HELP, NOOP, VRFY). */
  readonly flush?: boolean;
  /** 'quit' ends with exit 0, 'fatal' with exit 1, as qmail-smtpd does. */
  readonly end?: 'quit' | 'fatal';
  /** Set after "354": the message follows. */
  readonly intake?: MessageIntake;
}

interface Transaction {
  readonly sender: string;
  readonly recipients: string[];
  /** A recipient was accepted through RELAYCLIENT from outside rcpthosts (SRS may rewrite). */
  relayed: boolean;
  readonly verdict: SenderVerdict;
  /** Set when SPF was evaluated for this transaction. */
  readonly spf?: SpfDecision;
}

type Parsed = { readonly address: string; readonly params: string } | { readonly step: Step };

export class Session {
  private helo: string;
  private fakeHelo: string | undefined;
  private tx: Transaction | undefined;
  private dataTx: Transaction | undefined;
  private lastQp = '';
  private readonly policy: PolicySettings;
  private readonly mailContext: MailContext;

  constructor(private readonly deps: SessionDeps) {
    const p = deps.params;
    this.helo = p.remoteHost;
    this.policy = { control: deps.control, relayClient: p.relayClient };
    const spf: SpfSettings = {
      behavior: p.spfBehavior,
      control: deps.control.spf,
      resolver: deps.resolver,
      local: p.local,
      relayClient: p.relayClient,
      isLocalIp: deps.isLocalIp,
      defaultExplanation: R.SPF_EXPLANATION,
    };
    this.mailContext = { policy: this.policy, spf, databytes: p.databytes, remoteIp: p.remoteIp };
  }

  greeting(): string {
    return R.greetingReply(this.deps.params.greeting);
  }

  command(line: string): Step | Promise<Step> {
    const { arg, command } = splitCommand(line);
    if (command === undefined) return { reply: R.REPLY.unimplemented, flush: true };
    const step = this.dispatch(command.verb, arg);
    if (command.flush && !(step instanceof Promise)) return { ...step, flush: true };
    return step;
  }

  private dispatch(verb: Verb, arg: string): Step | Promise<Step> {
    const g = this.deps.params.greeting;
    switch (verb) {
      case 'helo':
        this.setHelo(arg);
        return { reply: R.heloReply(g) };
      case 'ehlo':
        this.setHelo(arg);
        return { reply: R.ehloReply(g, this.deps.params.databytes) };
      case 'mail':
        return this.mail(arg);
      case 'rcpt':
        return this.rcpt(arg);
      case 'data':
        return this.data();
      case 'rset':
        this.tx = undefined;
        return { reply: R.REPLY.flushed };
      case 'noop':
        return { reply: R.REPLY.ok };
      case 'vrfy':
        return { reply: R.REPLY.vrfy };
      case 'help':
        return { reply: R.REPLY.help };
      case 'quit':
        return { reply: R.quitReply(g), end: 'quit' };
    }
  }

  /** HELO/EHLO: remember the name and end any transaction. */
  private setHelo(arg: string): void {
    this.tx = undefined;
    this.helo = arg;
    this.fakeHelo = asciiEqualsIgnoreCase(this.deps.params.remoteHost, arg) ? undefined : arg;
  }

  private parse(arg: string): Parsed {
    const { address, params } = parseAddressArg(arg);
    let rewritten: string;
    try {
      rewritten = rewriteLocalIpLiteral(address, this.deps.control.localiphost, this.deps.isLocalIp);
    } catch {
      this.envelopeLog('rejected', R.REPLY.ipMe, 'unknown_ip_me');
      return { step: { reply: R.REPLY.ipMe, end: 'fatal' } };
    }
    if (rewritten.length > MAX_ADDRESS_BYTES) return { step: { reply: R.REPLY.syntax } };
    return { address: rewritten, params };
  }

  private mail(arg: string): Step | Promise<Step> {
    const parsed = this.parse(arg);
    if ('step' in parsed) return parsed.step;
    this.tx = undefined;
    const { address, params } = parsed;
    const decision = decideMail(this.mailContext, address, params, this.helo);
    if (decision instanceof Promise) return decision.then((d) => this.mailDecided(address, d));
    return this.mailDecided(address, decision);
  }

  private mailDecided(address: string, d: MailDecision): Step {
    if (d.kind === 'too-big') {
      this.envelopeLog('rejected', R.REPLY.tooBig, 'databytes_limit_exceeded', '', address);
      return { reply: R.REPLY.tooBig };
    }
    if (d.kind === 'refuse') {
      const reply = R.rejectionReply(d.rejection);
      this.envelopeLog('rejected', reply, d.rejection.reason, d.rejection.detail, address);
      return { reply };
    }
    this.tx = { sender: address, recipients: [], relayed: false, verdict: d.verdict, spf: d.spf };
    return { reply: R.REPLY.ok };
  }

  private rcpt(arg: string): Step {
    const tx = this.tx;
    if (tx === undefined) return { reply: R.REPLY.wantMail };
    const parsed = this.parse(arg);
    if ('step' in parsed) return parsed.step;
    const v = checkRecipient(this.policy, { sender: tx.sender, verdict: tx.verdict, nowMs: this.deps.now() }, parsed.address);
    const rcpthosts = v.inRcptHosts ? 'yes' : 'no';
    if (v.kind === 'reject') {
      const reply = R.rejectionReply(v.rejection);
      this.envelopeLog('rejected', reply, v.rejection.reason, v.rejection.detail, tx.sender, parsed.address, rcpthosts);
      return { reply };
    }
    if (v.reason === 'relayclient' && !v.inRcptHosts) tx.relayed = true;
    tx.recipients.push(v.address);
    this.envelopeLog('accepted', R.REPLY.ok, v.reason, v.detail, tx.sender, v.address, rcpthosts);
    return { reply: R.REPLY.ok };
  }

  private async data(): Promise<Step> {
    const tx = this.tx;
    if (tx === undefined) return { reply: R.REPLY.wantMail, flush: true };
    if (tx.recipients.length === 0) return { reply: R.REPLY.wantRcpt, flush: true };
    this.tx = undefined;
    const d = this.deps;
    let intake: MessageIntake;
    const out = outgoingSender(this.policy, tx.sender, tx.relayed, d.now());
    try {
      const job = await d.queue.open({ env: queueEnv(d.env, tx.spf), envelope: { sender: out.sender, recipients: tx.recipients } });
      this.lastQp = job.qp;
      if (out.note !== undefined) d.log.note(out.note);
      let header = headerFor(d.params, this.fakeHelo, d.now());
      if (tx.spf !== undefined) header += spfHeaderFor(d.params, tx.spf.outcome, this.helo);
      intake = new MessageIntake(job, header, d.params.databytes);
    } catch (err) {
      if (!(err instanceof QueueStartError)) throw err;
      d.log.note(`qq start failed: ${err.message}`);
      this.envelopeLog('rejected', R.REPLY.qqtFailure, 'qqtfailure', '', tx.sender);
      return { reply: R.REPLY.qqtFailure, flush: true };
    }
    this.dataTx = tx;
    return { reply: R.REPLY.goAhead, flush: true, intake };
  }

  /** The message ended with CRLF "." CRLF: ask the queue, answer, log one qlogreceived line. */
  async dataEnded(intake: MessageIntake): Promise<Step> {
    const verdict = await intake.close(this.deps.now);
    // A queue that starts its program at the end of DATA knows the qp only now.
    this.lastQp = intake.qp;
    const tx = this.dataTx;
    this.dataTx = undefined;
    this.deps.log.qlog('qlogreceived', {
      result: verdict.accepted ? 'accepted' : 'rejected',
      reply: verdict.reply,
      reason: verdict.reason,
      detail: verdict.detail,
      helo: this.helo,
      mailfrom: tx?.sender,
      rcptto: tx?.recipients.join(','),
      size: String(intake.size),
      qp: this.lastQp,
    });
    return { reply: verdict.reply, flush: true };
  }

  /** A stray LF in DATA: qmail answers 451 and hangs up. */
  strayLf(intake: MessageIntake): Step {
    intake.abort();
    this.envelopeLog('rejected', R.REPLY.bareLf, 'bad_newlines', '', this.dataTx?.sender);
    return { reply: R.REPLY.bareLf, end: 'fatal' };
  }

  /** No input for timeoutsmtpd seconds. */
  timedOut(intake: MessageIntake | undefined): Step {
    intake?.abort();
    this.envelopeLog('rejected', R.REPLY.timeout, 'alarmtimeout', '', (this.dataTx ?? this.tx)?.sender);
    return { reply: R.REPLY.timeout, end: 'fatal' };
  }

  /** The client closed the connection (or it broke) before QUIT. */
  clientGone(intake: MessageIntake | undefined): void {
    intake?.abort();
    const tx = this.dataTx ?? this.tx;
    const rcpts = tx?.recipients.join(',') || '(null)';
    this.deps.log.note(
      `read failed (connection closed by the client before the quit cmd): ${tx?.sender ?? '(null)'} ` +
        `from ${this.deps.params.remoteIp} to ${rcpts} helo ${this.helo}${intake ? ' (during DATA)' : ''}`,
    );
  }

  /** A command line longer than the limit was discarded. */
  lineTooLong(limit: number): Step {
    this.deps.log.note(`command line longer than ${limit} bytes discarded`);
    return { reply: R.REPLY.lineTooLong, flush: true };
  }

  private envelopeLog(
    result: 'accepted' | 'rejected',
    reply: string,
    reason: string,
    detail = '',
    mailfrom?: string,
    rcptto?: string,
    rcpthosts?: 'yes' | 'no',
  ): void {
    this.deps.log.qlog('qlogenvelope', { result, reply, reason, detail, helo: this.helo, mailfrom, rcptto, rcpthosts, qp: this.lastQp });
  }
}

/** The queue program's environment: SPFRESULT set when SPF ran, removed when it did not (qmail-spf). */
function queueEnv(env: ConnectionEnv, spf: SpfDecision | undefined): ConnectionEnv {
  if (spf !== undefined) return { ...env, SPFRESULT: spf.word };
  if (env.SPFRESULT === undefined) return env;
  return { ...env, SPFRESULT: undefined };
}
