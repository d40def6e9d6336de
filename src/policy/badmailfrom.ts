// qmail's badmailfrom check (bmfcheck): the whole sender, or "@" plus the part after its last
// '@', matched case-insensitively and exactly against control/badmailfrom. The null sender never
// matches ("<>" is not a line anyone can write). Returns the matching entry for the log's detail.

import { asciiLower } from '../util/ascii.js';
import type { BadMailFrom } from '../control/index.js';

export function badMailFromEntry(sender: string, list: BadMailFrom | undefined): string | undefined {
  if (list === undefined || sender === '') return undefined;
  const lower = asciiLower(sender);
  if (list.has(lower)) return lower;
  const at = lower.lastIndexOf('@');
  if (at !== -1) {
    const domain = lower.slice(at);
    if (list.has(domain)) return domain;
  }
  return undefined;
}
