/**
 * Unknown option keys of the readers are errors, never ignored: `{ seperator: ';' }` would otherwise read the file
 * with the wrong delimiter without a word (issue 16). The shared check (src/options-check.ts) with the synonyms users
 * of pandas and csv libraries reach for, so `sep` or `seperator` point at `delimiter`.
 */
import { UnknownOptionError } from '../errors.ts';
import { closestKey } from '../options-check.ts';

/** Synonyms users reach for, mapped to the option that does it. */
const SYNONYMS: Record<string, string> = { separator: 'delimiter', sep: 'delimiter', delim: 'delimiter', headers: 'header', charset: 'encoding', threshold: 'minRating', min_rating: 'minRating' };

/** Throw {@link UnknownOptionError} for the first key of `options` not in `allowed`, suggesting the closest valid key. */
export function checkOptionKeys(options: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const synonyms = Object.keys(SYNONYMS).filter((s) => allowed.includes(SYNONYMS[s]));
    const near = closestKey(key, [...allowed, ...synonyms]);
    throw new UnknownOptionError(what, key, (options as Record<string, unknown>)[key], allowed, near && (SYNONYMS[near] ?? near));
  }
}
