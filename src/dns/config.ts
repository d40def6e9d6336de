// Where queries go: DNSCACHEIP (djbdns's variable, extended to take ports, IPv6, and commas as
// well as white space), else the nameserver lines of resolv.conf, else 127.0.0.1:53.
// Never throws: an unreadable resolv.conf counts as absent, and entries that are not address
// literals are skipped and listed in `invalid` for the caller to log. Never resolves names.

import * as fs from 'node:fs';
import { DNS_PORT, parseServerEntry, type DnsServer } from './servers.js';

export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';
/** Used when neither DNSCACHEIP nor resolv.conf names a usable server (djbdns does the same). */
export const FALLBACK_SERVER: DnsServer = { host: '127.0.0.1', port: DNS_PORT, family: 4 };

export type ServerSource = 'option' | 'DNSCACHEIP' | 'resolv.conf' | 'default';

export interface InvalidServerEntry {
  readonly source: ServerSource;
  readonly entry: string;
}

export interface ServerConfig {
  readonly servers: readonly DnsServer[];
  readonly source: ServerSource;
  /** Entries skipped on the way, from every source looked at. */
  readonly invalid: readonly InvalidServerEntry[];
}

export interface ServerConfigInput {
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to DEFAULT_RESOLV_CONF. */
  readonly resolvConfPath?: string;
}

export interface ParsedServers {
  readonly servers: DnsServer[];
  readonly invalid: string[];
}

/** A DNSCACHEIP value: entries separated by commas and/or white space. */
export function parseServerList(text: string): ParsedServers {
  return parseEntries(text.split(/[\s,]+/).filter((e) => e !== ''));
}

/**
 * resolv.conf text: the address of each `nameserver` line, in order. A '#' or ';' starts a
 * comment; other keywords (search, options, ...) are ignored. A port or [IPv6]:PORT is
 * accepted as in DNSCACHEIP, though glibc would not.
 */
export function parseResolvConf(text: string): ParsedServers {
  const entries: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const words = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (words[0] === 'nameserver') entries.push(words[1] ?? '');
  }
  return parseEntries(entries);
}

/** The servers to use, by the order of precedence in this file's header. */
export function loadServerConfig(input: ServerConfigInput = {}): ServerConfig {
  const env = input.env ?? process.env;
  const invalid: InvalidServerEntry[] = [];
  const dnscacheip = env['DNSCACHEIP'];
  if (dnscacheip !== undefined && dnscacheip.trim() !== '') {
    const parsed = parseServerList(dnscacheip);
    for (const entry of parsed.invalid) invalid.push({ source: 'DNSCACHEIP', entry });
    if (parsed.servers.length > 0) return { servers: parsed.servers, source: 'DNSCACHEIP', invalid };
  }
  const text = readOptional(input.resolvConfPath ?? DEFAULT_RESOLV_CONF);
  if (text !== undefined) {
    const parsed = parseResolvConf(text);
    for (const entry of parsed.invalid) invalid.push({ source: 'resolv.conf', entry });
    if (parsed.servers.length > 0) return { servers: parsed.servers, source: 'resolv.conf', invalid };
  }
  return { servers: [FALLBACK_SERVER], source: 'default', invalid };
}

function parseEntries(entries: readonly string[]): ParsedServers {
  const servers: DnsServer[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const server = parseServerEntry(entry);
    if (server === undefined) invalid.push(entry);
    else servers.push(server);
  }
  return { servers, invalid };
}

function readOptional(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}
