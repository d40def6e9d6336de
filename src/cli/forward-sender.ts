// The envelope sender `qfront forward` queues with: $NEWSENDER (what qmail-local sets; else
// $SENDER), SRS-rewritten by sagredo's rules (policy's forwardedSender, shared with the front
// end). A codec error is permanent (100) as in sagredo's forward, except a sender with several
// '@' (sent unrewritten, spec srs.md 15.1) and a missing secret (111). Spec srs.md 7, 9.

import { ControlDir, loadSnapshot } from '../control/index.js';
import { forwardedSender } from '../policy/index.js';
import { SRS_ERRORS } from '../srs/index.js';
import {
  CliFailure,
  EXIT_PERMANENT,
  EXIT_TEMPORARY,
  SRS_PREFIX,
  loadSrs,
  octets,
  readingControls,
  srsNow,
  type Env,
} from './srs-common.js';

/** $NEWSENDER, else $SENDER, as codec text; a permanent failure when neither is set. */
export function chosenSender(env: Env): string {
  const sender = env.NEWSENDER ?? env.SENDER;
  if (sender === undefined) throw new CliFailure(EXIT_PERMANENT, 'NEWSENDER not set (nor SENDER)');
  return octets(sender);
}

/** The sender to queue with: the SRS address when the rules call for one, else `sender`. */
export function forwardedSenderOf(sender: string, dir: ControlDir, env: Env): string {
  const srs = loadSrs(dir);
  if (srs === undefined) return sender;
  const rcpthosts = () => readingControls(() => loadSnapshot(dir)).rcpthosts;
  const decision = forwardedSender(srs, rcpthosts, sender, srsNow(env));
  if (decision.kind === 'rewrite') return decision.address;
  if (decision.kind === 'keep') return sender;
  // A missing secret is the admin's to fix: retry later rather than bounce (sagredo bounces).
  if (decision.reason === SRS_ERRORS.noSecrets) throw new CliFailure(EXIT_TEMPORARY, `${SRS_PREFIX}${decision.reason}`);
  // Spec 15.1: a sender with several '@' is forwarded as it is (its SRS form would not reverse).
  if (decision.reason === SRS_ERRORS.manyAtSigns) return sender;
  throw new CliFailure(EXIT_PERMANENT, `${SRS_PREFIX}${decision.reason}`);
}
