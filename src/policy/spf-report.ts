// How an SPF outcome is reported to the next hop: the fields of the Received-SPF line (spec
// qmail-smtpd.md 4.2). Shared by the session and `qfront spf`, so the tool shows exactly the
// header a message would get. Pure.

import type { ReceivedSpfFields } from '../headers/index.js';
import type { SpfOutcome } from '../spf/index.js';

export interface SpfReportContext {
  /** LOCAL: the receiving host. */
  readonly local: string;
  readonly ip: string;
  /** The HELO name, shown for the HELO identity. */
  readonly helo: string;
}

export function spfHeaderFields(o: SpfOutcome, c: SpfReportContext): ReceivedSpfFields {
  return {
    result: o.result,
    local: c.local,
    ip: c.ip,
    domain: o.domain,
    recordDomain: o.recordDomain,
    byLocalPolicy: o.local,
    problem: o.problem,
    identity: o.identity,
    identityValue: o.identity === 'mailfrom' ? o.sender : c.helo,
  };
}
