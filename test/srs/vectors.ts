// Loads test/srs/fixtures/srs-vectors.tsv (spec srs.md 14) for the vector test. Contract: every
// text column comes back as the codec sees text, latin1 of the UTF-8 bytes (one char per octet);
// clock_utc is read as UTC. Never filters rows: choosing what runs is the test's job.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SrsSeparator, SrsSettings } from '../../src/srs/index.js';

export const VECTOR_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/srs/fixtures/srs-vectors.tsv');

export type VectorResult = 'OK' | 'UNCHANGED' | 'NOT_REWRITTEN' | 'ERROR' | 'TIMEOUT';

export interface VectorRow {
  readonly caseId: string;
  readonly tool: string;
  readonly op: 'forward' | 'reverse';
  /** undefined for the srs-cli secret-file rows ("file:[...]"), which give no plain key list. */
  readonly settings: SrsSettings | undefined;
  readonly secretsColumn: string;
  readonly nowMs: number;
  readonly clock: string;
  readonly input: string;
  readonly result: VectorResult;
  readonly output: string;
  readonly detail: string;
  readonly note: string;
  readonly toolsAgree: boolean;
}

/** The codec's view of UTF-8 text: one char per octet. */
export const latin1 = (utf8: string): string => Buffer.from(utf8, 'utf8').toString('latin1');

const COLUMNS = [
  'case', 'group', 'tool', 'op', 'secrets', 'alias_domain', 'separator', 'hash_length', 'hash_min',
  'max_age', 'always_rewrite', 'clock_utc', 'input', 'result', 'output', 'detail', 'case_note', 'tools_agree',
] as const;
const RESULTS: readonly string[] = ['OK', 'UNCHANGED', 'NOT_REWRITTEN', 'ERROR', 'TIMEOUT'];
const SEPARATORS: readonly string[] = ['=', '+', '-'];
/** Reverse rows carry no alias domain; the codec does not use it there. */
const DEFAULT_ALIAS = 'fwd.example';

function settingsOf(get: (c: (typeof COLUMNS)[number]) => string): SrsSettings | undefined {
  const secrets = get('secrets');
  if (secrets.startsWith('file:')) return undefined;
  const keys = (JSON.parse(secrets) as string[]).map(latin1);
  const separator = get('separator');
  if (!SEPARATORS.includes(separator)) throw new Error(`bad separator ${separator}`);
  return {
    domain: latin1(get('alias_domain') || DEFAULT_ALIAS),
    signSecret: keys[0],
    verifySecrets: keys,
    maxAge: Number(get('max_age')),
    hashLength: Number(get('hash_length')),
    hashMin: Number(get('hash_min')),
    separator: separator as SrsSeparator,
    alwaysRewrite: get('always_rewrite') !== '0',
  };
}

export function loadVectors(file = VECTOR_FILE): VectorRow[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const header = (lines.shift() ?? '').split('\t');
  if (header.join('\t') !== COLUMNS.join('\t')) throw new Error(`unexpected header: ${header.join(' | ')}`);
  return lines.map((line, i) => {
    const cells = line.split('\t');
    if (cells.length !== COLUMNS.length) throw new Error(`row ${i + 2}: ${cells.length} columns`);
    const get = (c: (typeof COLUMNS)[number]): string => cells[COLUMNS.indexOf(c)] ?? '';
    const op = get('op');
    const result = get('result');
    if (op !== 'forward' && op !== 'reverse') throw new Error(`row ${i + 2}: op ${op}`);
    if (!RESULTS.includes(result)) throw new Error(`row ${i + 2}: result ${result}`);
    const clock = get('clock_utc');
    return {
      caseId: get('case'),
      tool: get('tool'),
      op,
      settings: settingsOf(get),
      secretsColumn: get('secrets'),
      nowMs: Date.parse(`${clock.replace(' ', 'T')}Z`),
      clock,
      input: latin1(get('input')),
      result: result as VectorResult,
      output: latin1(get('output')),
      detail: latin1(get('detail')),
      note: get('case_note'),
      toolsAgree: get('tools_agree') === 'yes',
    };
  });
}
