// Asks the configured servers one question: UDP with EDNS0 first, TCP when the reply is
// truncated (RFC 7766 section 5), the server list tried in order for a number of rounds, and
// the reply's rcode mapped onto the DnsAnswer contract. Never throws; every failure is a value.
// No cache and no dedupe here (resolver.ts adds both); names must already be checked.

import { randomInt } from 'node:crypto';
import { interpretReply } from './answer.js';
import { tryTcp, tryUdp, type TryResult } from './exchange.js';
import { formatServer, type DnsServer } from './servers.js';
import type { DnsAnswer, DnsFailure, RrType } from './types.js';
import { RCODE, encodeQuery } from './wire.js';

/** Milliseconds to wait for the reply to one try (one server, one transport). */
export const DEFAULT_TIMEOUT_MS = 2000;
/** Rounds over the whole server list before a lookup fails. */
export const DEFAULT_ATTEMPTS = 2;
/**
 * UDP payload size advertised in the OPT record: the size most resolvers settled on to avoid
 * IP fragmentation (DNS flag day 2020). Larger answers come back truncated and go over TCP.
 */
export const EDNS_UDP_PAYLOAD = 1232;
/** Query ids are 16 bits; each try draws a fresh random one (RFC 5452 section 9.2). */
const QUERY_ID_RANGE = 0x10000;

export interface TransportCounters {
  udpQueries: number;
  tcpQueries: number;
}

export interface ClientSettings {
  readonly servers: readonly DnsServer[];
  readonly timeoutMs: number;
  readonly attempts: number;
  /** Aborting ends every running try (resolver closed). */
  readonly signal: AbortSignal;
  readonly counters: TransportCounters;
}

export interface QueryOutcome {
  readonly answer: DnsAnswer<unknown>;
  /** Seconds the answer may be cached; undefined for failures, which are never cached. */
  readonly ttl: number | undefined;
}

interface Failure {
  readonly failure: DnsFailure;
  readonly detail: string;
}

/**
 * The answer to `name`/`type` (`name` as checkName returned it). On failure the last try's
 * reason is reported, as it is the one a later lookup would most likely meet again.
 */
export async function queryServers(settings: ClientSettings, name: string, type: RrType): Promise<QueryOutcome> {
  let last: Failure = { failure: 'network', detail: 'no DNS servers configured' };
  for (let round = 0; round < settings.attempts; round++) {
    for (const server of settings.servers) {
      if (settings.signal.aborted) return failed({ failure: 'network', detail: 'resolver closed' });
      const outcome = await askServer(settings, server, name, type);
      if ('answer' in outcome) return outcome;
      last = outcome;
    }
  }
  return failed(last);
}

async function askServer(
  settings: ClientSettings,
  server: DnsServer,
  name: string,
  type: RrType,
): Promise<QueryOutcome | Failure> {
  let edns: number | undefined = EDNS_UDP_PAYLOAD;
  for (;;) {
    const id = randomInt(QUERY_ID_RANGE);
    const query = encodeQuery(id, name, type, edns);
    const request = { server, query, id, name, type, timeoutMs: settings.timeoutMs, signal: settings.signal };
    settings.counters.udpQueries++;
    let result: TryResult = await tryUdp(request);
    if (result.kind === 'truncated') {
      settings.counters.tcpQueries++;
      result = await tryTcp(request);
    }
    if (result.kind === 'truncated') return { failure: 'malformed', detail: `${formatServer(server)}: truncated reply over TCP` };
    if (result.kind === 'fail') return { failure: result.failure, detail: result.detail };
    const rcode = result.envelope.rcode;
    if (rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN) {
      return interpretReply(rcode, result.sections, name, type);
    }
    // A server that does not know EDNS0 may answer FORMERR: ask it again without OPT (RFC 6891 7).
    if (rcode === RCODE.FORMERR && edns !== undefined) {
      edns = undefined;
      continue;
    }
    return rcodeFailure(rcode, server);
  }
}

/** REFUSED and NOTIMP: the server will not serve us; anything else counts as a server failure. */
function rcodeFailure(rcode: string, server: DnsServer): Failure {
  const failure = rcode === RCODE.REFUSED || rcode === RCODE.NOTIMP ? 'refused' : 'servfail';
  return { failure, detail: `${formatServer(server)} answered ${rcode}` };
}

function failed(f: Failure): QueryOutcome {
  return { answer: { kind: 'error', failure: f.failure, detail: f.detail }, ttl: undefined };
}
