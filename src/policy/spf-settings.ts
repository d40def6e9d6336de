// What the SPF policy needs to know about a session, and whether it runs at all. Kept apart
// from spf-policy.ts on purpose: this file loads nothing heavy, so a session that never needs
// SPF (spfbehavior 0, RELAYCLIENT) never loads the evaluator or the DNS client.

import { leadingInteger, type SpfControl } from '../control/index.js';
import type { Resolver } from '../dns/index.js';

export type RejectableResult = 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror';

export interface SpfSettings {
  /** 0-6; 0 = off. */
  readonly behavior: number;
  readonly control: SpfControl;
  readonly resolver: Resolver | undefined;
  /** LOCAL: %{r} and the receiving host named in explanations. */
  readonly local: string;
  readonly relayClient: string | undefined;
  readonly isLocalIp: (ipv4: string) => boolean;
  /** qfront's explanation per result when neither exp= nor control/spfexp gives one. */
  readonly defaultExplanation: Readonly<Record<RejectableResult, string>>;
  readonly timeoutMs?: number;
  /** Gets the evaluation's trace lines (qfront spf --trace). */
  readonly trace?: (line: string) => void;
}

/** Levels above this act as it (qmail-spf). */
const MAX_SPF_BEHAVIOR = 6;

/**
 * The level in force: SPFBEHAVIOR when set (its decimal prefix, non-numeric meaning 0, off),
 * else control/spfbehavior.
 */
export function spfBehaviorOf(envValue: string | undefined, controlValue: number): number {
  return Math.min(MAX_SPF_BEHAVIOR, envValue === undefined ? controlValue : (leadingInteger(envValue) ?? 0));
}

/** qmail-spf runs only with a behaviour level and never for RELAYCLIENT (or authenticated) clients. */
export function spfApplies(s: SpfSettings): boolean {
  return s.behavior > 0 && s.relayClient === undefined;
}

/** The SPF policy itself, loaded on first use. */
export const loadSpfPolicy = (): Promise<typeof import('./spf-policy.js')> => import('./spf-policy.js');
