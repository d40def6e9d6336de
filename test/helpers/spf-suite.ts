// Loads an openspf/pyspf SPF conformance suite (YAML, one document per scenario; layout in
// test/spf/fixtures/README.md) into scenarios whose zone is a TestZone. The suite's conventions
// are applied here, not in any resolver: SPF records are copied to TXT unless the name lists a
// TXT entry ("TXT: NONE" included, never served), names are lower-cased, trailing dots dropped.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { SpfResult } from '../../src/spf/index.js';
import type { TestZone, ZoneEntry } from './zone.js';

export interface SuiteTest {
  readonly name: string;
  readonly helo: string;
  readonly host: string;
  readonly mailfrom: string;
  /** Acceptable results; the first is the suite's preferred one. */
  readonly result: readonly SpfResult[];
  readonly explanation?: string;
}

export interface SuiteScenario {
  readonly description: string;
  readonly zone: TestZone;
  readonly tests: readonly SuiteTest[];
}

/** A suite file shipped in test/spf/fixtures (this file runs from dist/test/helpers). */
export function suitePath(file: string): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/spf/fixtures', file);
}

const RESULTS = new Set<string>(['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror']);

const lowerName = (name: string): string =>
  name.replace(/\.$/, '').replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));

function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`suite: ${what} is not a string: ${JSON.stringify(value)}`);
}

/** A TXT/SPF value: one string, or a list of character-strings of one RR (maybe empty). */
function strings(value: unknown, what: string): string[] {
  return Array.isArray(value) ? value.map((v) => text(v, what)) : [text(value, what)];
}

function convertName(owner: string, records: unknown[]): ZoneEntry[] {
  const entries: ZoneEntry[] = [];
  const spf: string[][] = [];
  let listsTxt = false;
  for (const record of records) {
    if (record === 'TIMEOUT') {
      entries.push({ type: 'TIMEOUT' });
      continue;
    }
    if (record === null || typeof record !== 'object') throw new Error(`suite: odd record at ${owner}`);
    for (const [type, value] of Object.entries(record as Record<string, unknown>)) {
      const what = `${type} at ${owner}`;
      switch (type) {
        case 'SPF':
          spf.push(strings(value, what));
          break;
        case 'TXT':
          listsTxt = true;
          if (value !== 'NONE') entries.push({ type: 'TXT', data: strings(value, what) });
          break;
        case 'A':
        case 'AAAA':
          entries.push({ type, data: text(value, what) });
          break;
        case 'PTR':
        case 'CNAME':
          entries.push({ type, data: text(value, what).replace(/\.$/, '') });
          break;
        case 'MX': {
          const [preference, exchange] = value as [unknown, unknown];
          entries.push({ type: 'MX', data: { preference: Number(preference), exchange: text(exchange, what).replace(/\.$/, '') } });
          break;
        }
        default:
          throw new Error(`suite: unknown record type ${what}`);
      }
    }
  }
  // RFC 7208 checkers ask for TXT only; the suite writes most records as SPF (see README).
  if (!listsTxt) for (const data of spf) entries.push({ type: 'TXT', data });
  return entries;
}

function convertZone(zonedata: Record<string, unknown[]>): TestZone {
  const zone = new Map<string, ZoneEntry[]>();
  for (const [owner, records] of Object.entries(zonedata)) {
    const name = lowerName(owner);
    zone.set(name, [...(zone.get(name) ?? []), ...convertName(owner, records)]);
  }
  return zone;
}

function convertTest(name: string, t: Record<string, unknown>): SuiteTest {
  const results = (Array.isArray(t.result) ? t.result : [t.result]).map((r) => text(r, `${name}.result`));
  for (const r of results) if (!RESULTS.has(r)) throw new Error(`suite: ${name}: unknown result ${r}`);
  return {
    name,
    helo: text(t.helo, `${name}.helo`),
    host: text(t.host, `${name}.host`),
    mailfrom: text(t.mailfrom, `${name}.mailfrom`),
    result: results as SpfResult[],
    ...(t.explanation === undefined ? {} : { explanation: text(t.explanation, `${name}.explanation`) }),
  };
}

/** Every scenario of a suite file, in file order. */
export function loadSuite(file: string): SuiteScenario[] {
  const docs = yaml.loadAll(fs.readFileSync(file, 'latin1'));
  const out: SuiteScenario[] = [];
  for (const doc of docs) {
    if (doc === null || doc === undefined) continue; // the leading comment-only document
    const d = doc as { description: string; tests: Record<string, Record<string, unknown>>; zonedata?: Record<string, unknown[]> };
    out.push({
      description: d.description,
      zone: convertZone(d.zonedata ?? {}),
      tests: Object.entries(d.tests).map(([name, t]) => convertTest(name, t)),
    });
  }
  return out;
}
