// `qfront spf`: one SPF check from the command line, for the admin asking "why was this
// rejected?". First line: the result word alone; then the explanation, the Received-SPF line a
// message would get, with --control the reply qfront would give, and with --trace every DNS
// query and term decision in order. DNS from DNSCACHEIP, else /etc/resolv.conf.

import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { ControlDir, firstLine, loadSpfControl, type SpfControl } from '../control/index.js';
import { createResolver } from '../dns/index.js';
import { receivedSpfHeader, spfComment } from '../headers/index.js';
import { loadSpfPolicy, spfBehaviorOf, spfHeaderFields, type SpfDecision } from '../policy/index.js';
import { checkHost, type SpfOutcome } from '../spf/index.js';
import { rejectionReply, SPF_EXPLANATION } from '../smtp/index.js';
import { localIpChecker } from '../door/local-ips.js';
import { UsageError } from './usage.js';

export const SPF_USAGE = `usage: qfront spf --ip IP [--sender ADDRESS] [--helo NAME] [options]
  --ip IP            the client's address (IPv4 or IPv6)
  --sender ADDRESS   MAIL FROM; empty or absent: the null sender (postmaster@HELO is checked)
  --helo NAME        HELO/EHLO name
  --receiver NAME    this host's name for %{r} and the header (default: control/me, else hostname)
  --control DIR      apply this control directory: spfrules, spfguess, spfexp, spfbehavior
                     (SPFBEHAVIOR overrides), local addresses; and show qfront's reply
  --trace            print every DNS query and term decision with the lookup count
exit 0 when the check ran (whatever the result), 100 for bad usage, 111 for trouble`;

const NO_CONTROL: SpfControl = { behavior: 0, rules: undefined, guess: undefined, exp: undefined };

export async function spfCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ip: { type: 'string' },
      sender: { type: 'string', default: '' },
      helo: { type: 'string', default: '' },
      receiver: { type: 'string' },
      control: { type: 'string' },
      trace: { type: 'boolean' },
    },
  });
  if (values.ip === undefined) throw new UsageError('--ip is required');
  const dir = values.control === undefined ? undefined : new ControlDir(values.control);
  const control = dir === undefined ? NO_CONTROL : loadSpfControl(dir);
  const me = dir?.parsed('me', (b) => firstLine(b.toString('latin1')));
  const local = values.receiver ?? me ?? os.hostname();
  const query = { ip: values.ip, sender: values.sender, helo: values.helo, receiver: local };
  const traced: string[] = [];
  const trace = values.trace === true ? (l: string) => traced.push(l) : undefined;
  const resolver = createResolver({ env: process.env });
  try {
    let outcome: SpfOutcome;
    let decision: SpfDecision | undefined;
    if (dir === undefined) {
      outcome = await checkHost(query, { resolver, trace, defaultExplanation: SPF_EXPLANATION.fail });
    } else {
      const behavior = spfBehaviorOf(process.env.SPFBEHAVIOR, control.behavior);
      const { checkSpf } = await loadSpfPolicy();
      decision = await checkSpf(
        { behavior, control, resolver, local, relayClient: undefined, isLocalIp: localIpChecker(), defaultExplanation: SPF_EXPLANATION, trace },
        query,
      );
      outcome = decision.outcome;
    }
    const fields = spfHeaderFields(outcome, { local, ip: values.ip, helo: values.helo });
    out(outcome.result);
    out(outcome.result === 'fail' && outcome.explanation !== undefined ? outcome.explanation.replace(/\n/g, ' ') : spfComment(fields));
    out(receivedSpfHeader(fields).trimEnd());
    if (decision !== undefined) out(`reply: ${replyOf(decision)}`);
    if (trace !== undefined) {
      out('trace:');
      for (const line of traced) out(`  ${line}`);
      out(`  lookups: ${outcome.lookups} of 10`);
    }
    return 0;
  } finally {
    resolver.close();
  }
}

function replyOf(d: SpfDecision): string {
  if (d.refuse !== undefined) return `${rejectionReply(d.refuse)} at MAIL`;
  if (d.deferred !== undefined) return `${rejectionReply(d.deferred).replace(/\r\n/g, ' | ')} at every RCPT`;
  return 'accepted (250 at MAIL and RCPT as far as SPF goes)';
}

