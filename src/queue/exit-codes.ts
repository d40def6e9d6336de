// qmail-queue's exit status -> the text qmail-smtpd replies with (qmail.c qmail_close, plus the
// codes sagredo's qmail adds). Spec qmail-smtpd.md 5.2 and 5.3. Permanent ("D") texts are sent
// as 554, all others as 451: anything unknown is temporary, so local trouble never becomes 5xx.

export type QueueOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'failed'; readonly permanent: boolean; readonly text: string };

const fail = (permanent: boolean, text: string): QueueOutcome => ({ kind: 'failed', permanent, text });

export const QQ = {
  crashed: fail(false, 'qq crashed (#4.3.0)'),
  waitSurprise: fail(false, 'qq waitpid surprise (#4.3.0)'),
  readError: fail(false, 'qq read error (#4.3.0)'),
  timeout: fail(false, 'qq timeout (#4.3.0)'),
  cannotExec: fail(false, 'unable to exec qq (#4.3.0)'),
  /** The run could not be started at all (no fork): qmail's qmail_open failure text. */
  startFailed: fail(false, 'qqt failure (#4.3.0)'),
} as const;

const TABLE: ReadonlyMap<number, QueueOutcome> = new Map<number, QueueOutcome>([
  [11, fail(true, 'envelope address too long for qq (#5.1.3)')],
  [115, fail(true, 'envelope address too long for qq (#5.1.3)')],
  [31, fail(true, 'mail server permanently rejected message (#5.3.0)')],
  [32, fail(true, 'Private key file does not exist (#5.3.5)')],
  [51, fail(false, 'qq out of memory (#4.3.0)')],
  [52, QQ.timeout],
  [53, fail(false, 'qq write error or disk full (#4.3.0)')],
  [54, QQ.readError],
  [55, fail(false, 'qq unable to read configuration (#4.3.0)')],
  [56, fail(false, 'qq trouble making network connection (#4.3.0)')],
  [58, fail(false, 'qq trouble creating child (#4.3.0)')],
  [59, fail(false, 'qq trouble creating pipes (#4.3.0)')],
  [61, fail(false, 'qq trouble in home directory (#4.3.0)')],
  [62, fail(false, 'qq trouble creating files in queue (#4.3.0)')],
  [63, fail(false, 'qq trouble creating files in queue (#4.3.0)')],
  [64, fail(false, 'qq trouble creating files in queue (#4.3.0)')],
  [65, fail(false, 'qq trouble creating files in queue (#4.3.0)')],
  [66, fail(false, 'qq trouble creating files in queue (#4.3.0)')],
  [70, fail(false, 'qq trouble with pid file (#4.3.0)')],
  [71, fail(false, 'mail server temporarily rejected message (#4.3.0)')],
  [72, fail(false, 'connection to mail server timed out (#4.4.1)')],
  [73, fail(false, 'connection to mail server rejected (#4.4.1)')],
  [74, fail(false, 'communication with mail server failed (#4.4.2)')],
  [81, fail(false, 'qq internal bug (#4.3.0)')],
  [91, fail(false, 'qq internal bug (#4.3.0)')],
  [120, QQ.cannotExec],
  [122, QQ.waitSurprise],
  [123, QQ.crashed],
]);

/** Exit codes that carry their own message on the error descriptor (qmail-queue-custom-error). */
const CUSTOM_ERROR_CODES = new Set([82, 88]);
/** The custom text is used only when longer than this; qmail keeps its first 255 bytes. */
const CUSTOM_MIN = 2;
const CUSTOM_MAX = 255;

export interface QueueExit {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  /** True when every byte of message and envelope reached the program. */
  readonly wroteAll: boolean;
  /** Whatever the program wrote on the custom-error descriptor. */
  readonly customError?: Buffer;
}

export function queueOutcome(exit: QueueExit): QueueOutcome {
  const { code } = exit;
  if (code === null) return QQ.crashed;
  if (code === 0) return exit.wroteAll ? { kind: 'accepted' } : QQ.readError;
  if (CUSTOM_ERROR_CODES.has(code)) {
    const text = exit.customError?.subarray(0, CUSTOM_MAX).toString('latin1') ?? '';
    if (text.length > CUSTOM_MIN) {
      // The text becomes an SMTP reply line: drop its line end, neuter any other control byte.
      const body = text.slice(1).replace(/[\r\n]+$/, '').replace(/[\x00-\x1f\x7f]/g, ' ');
      return fail(text[0] === 'D', body);
    }
    return QQ.cannotExec;
  }
  const known = TABLE.get(code);
  if (known !== undefined) return known;
  if (code >= 11 && code <= 40) return fail(true, 'qq permanent problem (#5.3.0)');
  return fail(false, 'qq temporary problem (#4.3.0)');
}
