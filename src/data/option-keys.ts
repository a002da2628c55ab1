/**
 * Unknown option keys of the readers are errors, never ignored: `{ seperator: ';' }` would otherwise read the file
 * with the wrong delimiter without a word (issue 16). The error names the key and the closest valid one.
 */
import { InvalidArgumentError } from '../errors.ts';

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Synonyms users reach for, mapped to the option that does it. */
const SYNONYMS: Record<string, string> = { separator: 'delimiter', sep: 'delimiter', delim: 'delimiter', headers: 'header', charset: 'encoding', threshold: 'minRating', min_rating: 'minRating' };

/** Throw InvalidArgumentError for the first key of `options` not in `allowed`, suggesting the closest valid key. */
export function checkOptionKeys(options: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    // the closest valid key or synonym (so `seperator` finds `separator`, hence `delimiter`)
    let best = '';
    let bestD = Infinity;
    for (const a of [...allowed, ...Object.keys(SYNONYMS).filter((s) => allowed.includes(SYNONYMS[s]))]) {
      const dd = distance(key.toLowerCase(), a.toLowerCase());
      if (dd < bestD) [best, bestD] = [SYNONYMS[a] ?? a, dd];
    }
    if (bestD > Math.max(2, key.length / 3)) best = '';
    throw new InvalidArgumentError(
      key,
      (options as Record<string, unknown>)[key],
      `a known option of ${what}`,
      best ? `did you mean \`${best}\`? (valid: ${allowed.join(', ')})` : `use one of ${allowed.join(', ')}.`,
    );
  }
}
