/** Rejecting unknown option keys with a typed error that names the key and the closest valid one. */
import { InvalidArgumentError } from '../errors.ts';

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

/** Throw InvalidArgumentError for the first key of `options` not in `known` (a typo would silently use a default). */
export function rejectUnknownOptions(model: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = [...known].sort((a, b) => distance(key, a) - distance(key, b))[0];
    throw new InvalidArgumentError(key, (options as Record<string, unknown>)[key], `a ${model} option (${known.join(', ')})`, `did you mean '${closest}'?`);
  }
}
