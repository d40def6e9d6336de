// The DNS folder's contract: the only module other folders import from src/dns/.
// createResolver() gives a caching stub resolver over UDP/TCP (RFC 1035, RFC 6891, RFC 7766)
// that keeps NXDOMAIN, NODATA and failures apart and never throws from lookup().
// Names are sent octet for octet, any ASCII but CR/LF and case kept; others fail as badname.

export type { DnsAnswer, DnsFailure, MxData, RecordData, Resolver, RrType } from './types.js';
export type { DnsServer } from './servers.js';
export { DNS_PORT, formatServer, parseServerEntry } from './servers.js';
export type { InvalidServerEntry, ParsedServers, ServerConfig, ServerConfigInput, ServerSource } from './config.js';
export { DEFAULT_RESOLV_CONF, FALLBACK_SERVER, loadServerConfig, parseResolvConf, parseServerList } from './config.js';
export { DEFAULT_CACHE_ENTRIES, MAX_CACHE_TTL, MAX_NEGATIVE_TTL } from './cache.js';
export { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_MS, EDNS_UDP_PAYLOAD } from './client.js';
export { DEFAULT_NEGATIVE_TTL, MAX_CNAME_CHAIN } from './answer.js';
export type { NameCheck } from './names.js';
export { MAX_LABEL_OCTETS, MAX_NAME_OCTETS, checkName, reverseName, sameName } from './names.js';
export { formatIPv6, ipv6Groups } from './ipv6-text.js';
export type { DnsCounters, DnsResolver, LookupObserver, ResolverOptions } from './resolver.js';
export { createResolver } from './resolver.js';
