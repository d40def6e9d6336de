// Every SMTP reply qfront sends, in one table. Texts are netqmail-1.06's ("V") byte for byte
// unless the README's compatibility table says otherwise; the CRLF is added by the writer.
// A multi-line reply is one string with CRLF between its lines. Source: spec qmail-smtpd.md 3.3.
// Local trouble is always 4xx here: never add a 5xx for something that is our fault.

import type { Rejection } from '../policy/index.js';

export const REPLY = {
  ok: '250 ok',
  flushed: '250 flushed',
  vrfy: "252 send some mail, i'll try my best",
  help: '214 netqmail home page: http://qmail.org/netqmail',
  unimplemented: '502 unimplemented (#5.5.1)',
  wantMail: '503 MAIL first (#5.5.1)',
  wantRcpt: '503 RCPT first (#5.5.1)',
  syntax: '555 syntax error (#5.5.4)',
  lineTooLong: '500 line too long (#5.5.2)',
  badMailFrom: '553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)',
  noGateway: "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
  goAhead: '354 go ahead',
  tooManyHops: '554 too many hops, this message is looping (#5.4.6)',
  tooBig: '552 sorry, that message size exceeds my databytes limit (#5.3.4)',
  qqtFailure: '451 qqt failure (#4.3.0)',
  bareLf: '451 See https://cr.yp.to/docs/smtplf.html.',
  timeout: '451 timeout (#4.4.2)',
  noMemory: '421 out of memory (#4.3.0)',
  controls: '421 unable to read controls (#4.3.0)',
  ipMe: '421 unable to figure out my IP addresses (#4.3.0)',
  localProblem: '421 temporary local problem, try again later (#4.3.0)',
  busy: '421 too many connections, try again later (#4.3.2)',
  busyFromYou: '421 too many connections from your address, try again later (#4.3.2)',
  shuttingDown: '421 service shutting down, try again later (#4.3.2)',
  spfLookupFailure: '451 SPF lookup failure (#4.3.0)',
  // SRS at RCPT (qfront's own): a bad address is a mailbox that does not exist (5.1.1); a good
  // one refusing a non-bounce is policy (5.7.1); no secret to verify with is our fault (4.3.0).
  srsInvalid: '550 sorry, that SRS address is not valid or has expired (#5.1.1)',
  srsBouncesOnly: '550 sorry, SRS addresses take bounces only, with an empty sender (#5.7.1)',
  srsUnverifiable: '451 unable to verify SRS address, try again later (#4.3.0)',
} as const;

/** Where a sender refused by SPF can read what SPF is (a page that will not go away). */
const SPF_HELP = 'Please see https://www.rfc-editor.org/rfc/rfc7208.html';

/**
 * The 550 explanation for each result a spfbehavior level can refuse, used when the record has
 * no exp= and control/spfexp is absent. Macro text in qmail-spf's dialect (%{xs}: "SPF record
 * at DOMAIN" or "local policy"; %{xe}: the error); each LF starts another reply line.
 */
export const SPF_EXPLANATION = {
  fail: `SPF fail: %{o} does not allow %{i} to send its mail (%{xs})\n${SPF_HELP}`,
  softfail: `SPF softfail: %{o} does not want %{i} to send its mail (%{xs})\n${SPF_HELP}`,
  neutral: `SPF neutral: %{o} neither allows nor denies %{i} (%{xs}) and this server needs a pass\n${SPF_HELP}`,
  none: `SPF none: %{o} publishes no SPF record and this server needs one\n${SPF_HELP}`,
  permerror: `SPF permerror: the SPF record of %{o} cannot be used: %{xe}\n${SPF_HELP}`,
} as const;

export const greetingReply = (greeting: string): string => `220 ${greeting} ESMTP`;
export const heloReply = (greeting: string): string => `250 ${greeting}`;
export const quitReply = (greeting: string): string => `221 ${greeting}`;

/** EHLO: V's three lines; SIZE is added only when a databytes limit is set. */
export function ehloReply(greeting: string, databytes: number): string {
  const lines = [`250-${greeting}`, '250-PIPELINING'];
  if (databytes > 0) lines.push('250-8BITMIME', `250 SIZE ${databytes}`);
  else lines.push('250 8BITMIME');
  return lines.join('\r\n');
}

/** "250 ok UNIXTIME qp PID": the accept line log tools correlate on. */
export const acceptedReply = (unixSeconds: number, qp: number | string): string =>
  `250 ok ${unixSeconds} qp ${qp}`;

/** A queue failure: "D" texts are permanent (554), everything else temporary (451). */
export const queueReply = (permanent: boolean, text: string): string =>
  `${permanent ? '554' : '451'} ${text}`;

/** The numeric code a reply starts with, for log lines. */
export const replyCode = (reply: string): number => Number(reply.slice(0, 3));

/** The reply for a policy rejection: the one place reasons become text. */
export function rejectionReply(r: Rejection): string {
  switch (r.reason) {
    case 'badmailfrom':
      return REPLY.badMailFrom;
    case 'not_in_rcpthosts':
      return REPLY.noGateway;
    case 'spf':
      if (r.detail === 'lookupfailure') return REPLY.spfLookupFailure;
      return spfRejection(r.text ?? []);
    case 'srs':
      if (r.detail === 'notbounce') return REPLY.srsBouncesOnly;
      if (r.detail === 'nosecrets') return REPLY.srsUnverifiable;
      return REPLY.srsInvalid;
  }
}

/** qmail-spf's 550: "550-LINE" for every line but the last, "550 LINE (#5.7.1)". */
function spfRejection(lines: readonly string[]): string {
  const all = lines.length === 0 ? [''] : lines;
  const last = all.length - 1;
  return all.map((l, i) => (i === last ? `550 ${l} (#5.7.1)` : `550-${l}`)).join('\r\n');
}
