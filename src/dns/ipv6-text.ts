// IPv6 addresses in the one text form qfront writes them, RFC 5952 section 4: lower-case hex
// without leading zeros, the longest run of two or more zero groups (the first of equal runs)
// as "::", no dotted quad. AAAA answers are given in it, and SPF's %{c} too. Pure, small, and
// no address library: this sits on the path the stdio door loads at MAIL.

const GROUPS = 8;
const GROUP_TEXT = /^[0-9a-fA-F]{1,4}$/;

/** Eight 16-bit groups as RFC 5952 text. */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened (4.2.2)
  for (let i = 0; i < GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < GROUPS && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, GROUPS);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, GROUPS)}`;
}

/**
 * The `wanted` groups (8, or 6 before a dotted quad the caller reads) of IPv6 text made of hex
 * groups with at most one "::" (no dotted quad, no zone), or undefined for anything else.
 */
export function ipv6Groups(text: string, wanted = GROUPS): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const read = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    for (const g of half.split(':')) {
      if (!GROUP_TEXT.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = read(halves[0] ?? '');
  const right = halves.length === 2 ? read(halves[1] ?? '') : [];
  if (left === undefined || right === undefined) return undefined;
  if (halves.length === 1) return left.length === wanted ? left : undefined;
  const zeros = wanted - left.length - right.length;
  if (zeros < 1) return undefined;
  return [...left, ...new Array<number>(zeros).fill(0), ...right];
}
