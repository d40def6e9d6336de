// The one shape every server under test has: whether it is installed, whether it can check SPF
// against the bench's DNS server, and how to start it on a given port with the discard queue
// program. A peer writes only inside its own directory and starts only through launch(), so the
// harness can measure it and stop everything it started. No peer reads or edits /etc.

import type { ServerAccount } from '../measure.js';
import type { Launched } from '../processes.js';

export type PeerName = 'qfront-listener' | 'qfront-stdio' | 'haraka' | 'qpsmtpd' | 'postfix';

/** The bench's DNS server: every query a peer makes goes there, in every cell. */
export interface DnsInfo {
  /** "127.0.0.1:PORT" (DNSCACHEIP's form). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** A resolv.conf naming the bench's server on port 53, when that could be bound. */
  readonly resolvConf: string | undefined;
}

/** What the SPF-on cells add. */
export interface SpfSetup {
  /** The address the SPF check is made for (see spf-zone.ts). */
  readonly clientIp: string;
}

export interface PeerOptions {
  /** Haraka's smtp.ini nodes= (its cluster size): a number or "cpus". */
  readonly harakaNodes: string;
  /** Extra arguments for `qfront serve`, as given with --listener-args. */
  readonly listenerArgs: readonly string[];
  /** Highest number of concurrent sessions a cell uses; servers are allowed a margin above it. */
  readonly maxSessions: number;
}

export interface PeerContext {
  /** The checkout's root. */
  readonly repo: string;
  /** This peer's own scratch directory for this run (mode 0755). */
  readonly dir: string;
  /** A scratch directory on tmpfs for queue files, when there is one. */
  readonly memDir: string | undefined;
  readonly port: number;
  /** The compiled discard-queue program. */
  readonly discardQueue: string;
  readonly dns: DnsInfo;
  /** undefined: SPF off. */
  readonly spf: SpfSetup | undefined;
  readonly account: ServerAccount;
  /** Where the server's stdout and stderr go. */
  readonly log: string;
  readonly options: PeerOptions;
}

export interface Peer {
  readonly name: PeerName;
  /** Why it cannot run on this machine (not installed, ...), or undefined. */
  missing(repo: string): string | undefined;
  /** Why it cannot run with this DNS set-up and SPF setting here, or undefined. */
  unavailable(dns: DnsInfo, spf: boolean): string | undefined;
  /** Name and version, for the output. */
  describe(repo: string): string;
  /** How it is set up, printed once with the results. */
  readonly notes: readonly string[];
  /** Writes its configuration and starts it; the harness waits for the greeting. */
  start(ctx: PeerContext): Promise<Launched>;
}
