// The SRS control files, read with qmail's rules into one value: sagredo's qmail-srs files
// (srs_domain, srs_secrets, srs_maxage, srs_hashlength, srs_hashmin, srs_separator,
// srs_alwaysrewrite) and H-Sphere's control/srs/ layout (srs_secrets signs with its first line,
// reverse_srs_secrets verifies, srs_maxage). Spec srs.md 5 and 10, qmail-smtpd.md 2.5.
// Never guesses a secret: no secrets file means SRS addresses can be neither made nor verified.

import type { ControlDir } from './files.js';
import { firstLine, leadingInteger, listLines } from './rules.js';

/** libsrs2's defaults (the ones sagredo's glue falls back to for 0 or a missing file). */
export const SRS_DEFAULTS = { maxAge: 21, hashLength: 4, hashMin: 4, separator: '=' } as const;

export interface SrsControl {
  /** Which layout the secrets came from. */
  readonly layout: 'sagredo' | 'hsphere';
  /** The alias domain; its presence is what switches SRS on. */
  readonly domain: string;
  /** The secret that signs new addresses (undefined: none configured). */
  readonly signSecret: string | undefined;
  /** Every secret tried on reverse, signing secret first. */
  readonly verifySecrets: readonly string[];
  /** Days an SRS0 address stays valid, inclusive. */
  readonly maxAge: number;
  /** Hash characters generated. */
  readonly hashLength: number;
  /** Fewest hash characters accepted on reverse (at most hashLength). */
  readonly hashMin: number;
  /** The initial separator written after SRS0/SRS1 (the others are always '='). */
  readonly separator: '=' | '+' | '-';
  /** Rewrite even senders of our own domains (and of the alias domain itself). */
  readonly alwaysRewrite: boolean;
}

const text = (raw: Buffer): string => raw.toString('latin1');
const line = (raw: Buffer): string => firstLine(text(raw));
const int = (raw: Buffer): number | undefined => leadingInteger(text(raw));
const list = (raw: Buffer): string[] => listLines(text(raw));

/**
 * SRS settings, or undefined when SRS is off: no srs_domain (or an empty one), and no H-Sphere
 * control/srs/srs_secrets. With H-Sphere's files and no srs_domain, the domain is control/me.
 */
export function loadSrsControl(dir: ControlDir): SrsControl | undefined {
  const hsphere = dir.parsed('srs/srs_secrets', list);
  const domain = dir.parsed('srs_domain', line) || (hsphere !== undefined ? dir.parsed('me', line) : undefined);
  if (!domain) return undefined;
  const positive = (name: string): number | undefined => dir.parsed(name, int) || undefined;
  const hashLength = positive('srs_hashlength') ?? SRS_DEFAULTS.hashLength;
  const hashMin = Math.min(positive('srs_hashmin') ?? SRS_DEFAULTS.hashMin, hashLength);
  const sep = dir.parsed('srs_separator', line)?.charAt(0);
  const common = {
    domain,
    hashLength,
    hashMin,
    separator: sep === '+' || sep === '-' || sep === '=' ? sep : SRS_DEFAULTS.separator,
    alwaysRewrite: (dir.parsed('srs_alwaysrewrite', int) ?? 0) !== 0,
  } as const;
  if (hsphere !== undefined) {
    const verify = dir.parsed('srs/reverse_srs_secrets', list) ?? [];
    return {
      ...common,
      layout: 'hsphere',
      signSecret: hsphere[0],
      // The signing key verifies too, so an address we just made always comes back.
      verifySecrets: [...new Set([...hsphere.slice(0, 1), ...verify])],
      maxAge: positive('srs/srs_maxage') ?? positive('srs_maxage') ?? SRS_DEFAULTS.maxAge,
    };
  }
  const secrets = dir.parsed('srs_secrets', list) ?? [];
  return {
    ...common,
    layout: 'sagredo',
    signSecret: secrets[0],
    verifySecrets: secrets,
    maxAge: positive('srs_maxage') ?? SRS_DEFAULTS.maxAge,
  };
}
