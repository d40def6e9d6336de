// The client side and the expected replies of spec qmail-smtpd.md 3.3's verified netqmail
// transcript, shared by the end-to-end tests of both doors.

import type { Step } from './smtp-client.js';

export const GREETING = 'mail.example.org';

/** The client side of spec 3.3's transcript; each step earns exactly one of the replies below. */
export const TRANSCRIPT_STEPS: Step[] = [
  'EHLO client.example\r\n',
  'HELP\r\n',
  'NOOP\r\n',
  'VRFY postmaster\r\n',
  'EXPN staff\r\n',
  'RCPT TO:<a@example.org>\r\n',
  'DATA\r\n',
  'MAIL FROM:<bad@example.com>\r\n',
  'RCPT TO:<a@example.org>\r\n',
  'MAIL FROM:<s@good.example>\r\n',
  'DATA\r\n',
  'RCPT TO:<a@example.org>\r\n',
  'RCPT TO:<b@sub.example.net>\r\n',
  'RCPT TO:<c@example.net>\r\n', // ".example.net" matches sub-domains only
  'RCPT TO:<d@other.example>\r\n',
  'RCPT TO:<localpart>\r\n', // no "@": always accepted
  'RCPT TO:<e@notexample.org>\r\n',
  'DATA\r\n',
  'Subject: transcript\r\n\r\nhello\r\n..dot\r\n.\r\n',
  'RSET\r\n',
  'MAIL FROM:<>\r\n',
  'HELO client.example\r\n',
  'QUIT\r\n',
];

/** Spec 3.3, "Verified V transcript", verbatim; the accept line is checked by shape. */
export const TRANSCRIPT_REPLIES = [
  '220 mail.example.org ESMTP',
  '250-mail.example.org',
  '250-PIPELINING',
  '250 8BITMIME',
  '214 netqmail home page: http://qmail.org/netqmail',
  '250 ok',
  "252 send some mail, i'll try my best",
  '502 unimplemented (#5.5.1)',
  '503 MAIL first (#5.5.1)',
  '503 MAIL first (#5.5.1)',
  '250 ok',
  '553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)',
  '250 ok',
  '503 RCPT first (#5.5.1)',
  '250 ok',
  '250 ok',
  "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
  "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
  '250 ok',
  "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
  '354 go ahead',
  '250 ok 1795310976 qp 15164',
  '250 flushed',
  '250 ok',
  '250 mail.example.org',
  '221 mail.example.org',
];
