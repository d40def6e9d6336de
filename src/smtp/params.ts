// What one session knows about its connection, taken from the tcpserver environment (the
// ucspi-tcp variables, tcprules assignments) and the control snapshot, as qmail-smtpd's setup()
// does. Contract: pure; the environment is data here, never process.env. Spec section 1.3.

import { leadingInteger, type ControlSnapshot } from '../control/index.js';
import { spfBehaviorOf } from '../policy/index.js';

/** The environment a session runs in: tcpserver's variables plus whatever tcprules set. */
export type ConnectionEnv = Readonly<Record<string, string | undefined>>;

export interface SessionParams {
  readonly greeting: string;
  /** TCPLOCALHOST, else TCPLOCALIP, else "unknown": Received "by". */
  readonly local: string;
  readonly remoteIp: string;
  readonly remoteHost: string;
  /** TCPREMOTEINFO when set, even empty. */
  readonly remoteInfo: string | undefined;
  /** RELAYCLIENT when set (an empty value is set). */
  readonly relayClient: string | undefined;
  /** Bytes, 0 = unlimited; DATABYTES overrides control/databytes (non-numeric means 0). */
  readonly databytes: number;
  readonly timeoutMs: number;
  /** spfbehavior 0-6 (higher values act as 6); SPFBEHAVIOR overrides control/spfbehavior. */
  readonly spfBehavior: number;
}

export function sessionParams(env: ConnectionEnv, control: ControlSnapshot): SessionParams {
  const databytesEnv = env.DATABYTES;
  return {
    greeting: control.greeting,
    local: env.TCPLOCALHOST ?? env.TCPLOCALIP ?? 'unknown',
    remoteIp: env.TCPREMOTEIP ?? 'unknown',
    remoteHost: env.TCPREMOTEHOST ?? 'unknown',
    remoteInfo: env.TCPREMOTEINFO,
    relayClient: env.RELAYCLIENT,
    databytes: databytesEnv === undefined ? control.databytes : (leadingInteger(databytesEnv) ?? 0),
    timeoutMs: control.timeoutSeconds * 1000,
    spfBehavior: spfBehaviorOf(env.SPFBEHAVIOR, control.spf.behavior),
  };
}
