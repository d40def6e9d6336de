// The SPF folder's contract (RFC 7208 with qmail-spf's local rules, guess and default
// explanation): other folders import from here only. checkHost() never throws; DNS trouble is
// temperror and bad records permerror. The parsing and macro helpers are pure and never query DNS.

export type { SpfOptions, SpfOutcome, SpfQuery, SpfResult } from './types.js';
export { checkHost } from './check-host.js';
export { expandLocalText } from './local-text.js';
export { identityOf, type Identity } from './identity.js';
export { parseLocalTerms, localRulesIndex, insertLocalRules } from './local-rules.js';
export { parseRecord, isSpfRecordText, type SpfRecord, type Directive, type Mechanism, type Qualifier } from './record.js';
export {
  parseMacroString,
  parseDomainSpec,
  expandMacroString,
  urlEscape,
  type MacroString,
  type MacroValues,
  type MacroDialect,
} from './macro.js';
export { parseClientIp, type IpAddress } from './ip.js';
export * as spfLimits from './limits.js';
