// What an SPF check takes and gives back (RFC 7208 sections 2.6 and 4). The evaluator knows
// nothing of SMTP or qmail: the policy layer turns an SpfOutcome into replies, headers and logs.
// Never throws for DNS trouble or bad records: those are temperror and permerror outcomes.

import type { Resolver } from '../dns/index.js';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export interface SpfQuery {
  /** Client address as given (IPv4, IPv6 in any case, IPv4-mapped IPv6). */
  readonly ip: string;
  /** MAIL FROM address; '' for the null sender (then postmaster@helo is checked). */
  readonly sender: string;
  /** HELO/EHLO name. */
  readonly helo: string;
  /** %{r}: the receiving host's name (qmail's LOCAL). */
  readonly receiver?: string;
}

export interface SpfOptions {
  readonly resolver: Resolver;
  /**
   * qmail-spf "spfrules": terms inserted into the sender's record before its trailing run of
   * same-qualifier "all" terms (spec qmail-smtpd.md 3.8.6), and evaluated after `guess` when
   * the domain has no record. A match from these terms sets `local` in the outcome.
   */
  readonly localRules?: string;
  /**
   * qmail-spf "spfguess": terms evaluated (then localRules) when the domain publishes no record.
   * Both texts are mechanisms only (a leading "v=spf1" is allowed); text that does not parse is
   * ignored, and the trace says so.
   */
  readonly guess?: string;
  /**
   * Explanation used for a fail when the record gives no usable exp= (RFC 7208 6.2). It is
   * macro-expanded in the rc5 dialect (x-macros %{xr} %{xs} %{xe} allowed), unlike DNS text.
   */
  readonly defaultExplanation?: string;
  /** Seconds since the epoch for %{t}. */
  readonly now?: () => number;
  /** Called with one line per DNS query and per term decision, in order (qfront spf --trace). */
  readonly trace?: (line: string) => void;
}

export interface SpfOutcome {
  readonly result: SpfResult;
  /** Which identity was checked: the MAIL FROM domain, or the HELO name for the null sender. */
  readonly identity: 'mailfrom' | 'helo';
  /** The <domain> the check started with. */
  readonly domain: string;
  /** The sender used for macros: sender, or postmaster@helo. */
  readonly sender: string;
  /**
   * The domain whose record decided (after redirect=: the target; a match inside an include is
   * the including record's). For an error: the record where it arose, even inside an include.
   * The start domain for none.
   */
  readonly recordDomain: string;
  /**
   * The term that matched, as written (e.g. "-all", "include:_spf.example.net"), or the term that
   * failed for an error; undefined when no term matched or the record itself was unusable.
   */
  readonly mechanism?: string;
  /** Decided by localRules/guess (qmail's "local policy"). */
  readonly local: boolean;
  /** For fail: the expanded exp= text, else the expanded defaultExplanation, else undefined. */
  readonly explanation?: string;
  /** For permerror/temperror/none: a short human reason ("2 SPF records at x", "DNS timeout on TXT x"). */
  readonly problem?: string;
  /** DNS-querying terms counted against the limit of 10 (RFC 7208 4.6.4). */
  readonly lookups: number;
}
