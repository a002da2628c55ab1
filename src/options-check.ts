/**
 * Unknown option keys are errors, never silently ignored (issue 15): `new AlsRecommender({ factor: 8 })` used to train
 * with 100 factors. Every public options bag goes through {@link checkOptionKeys} (or {@link withDefaults}, which also
 * merges the defaults); the allowed keys come from the defaults object or from {@link optionKeys}, whose argument the
 * compiler checks against the options type, so the lists cannot drift from the interfaces.
 */
import { UnknownOptionError } from './errors.ts';

/**
 * The keys of an options type, spelled once and checked by the compiler both ways: a key missing from the list, or a
 * key the type does not have, fails type-checking.
 *
 * @example
 * ```ts
 * const RECOMMEND_KEYS = optionKeys<RecommendOptions>({ k: true, filterSeen: true, exclude: true, include: true, userItems: true });
 * ```
 */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/** A key folded for matching: lower case without `_` or `-`, so `learning_rate` finds `learningRate`. */
function fold(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Damerau–Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two neighbours). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1, cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/**
 * The known key closest to `key`, or undefined when none is close: case, `_` and `-` are ignored, then at most a
 * third of the key's letters (at least 1, at most 3; none for keys of one or two letters) may differ, or one name must
 * start with the other.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const f = fold(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const g = fold(k);
    let dist = editDistance(f, g);
    if (dist > 0 && f.length >= 3 && g.length >= 3 && (g.startsWith(f) || f.startsWith(g))) dist = Math.min(dist, 1.5);
    if (dist < bestDistance) {
      bestDistance = dist;
      best = k;
    }
  }
  // one- and two-letter keys (`n`, `K`) are too short for an edit to mean anything: only a case slip counts
  const limit = f.length <= 2 ? 0 : Math.min(3, Math.max(1, Math.floor(f.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/**
 * Throw {@link UnknownOptionError} for the first own key of `options` that `known` does not list (keys whose value is
 * `undefined` count too: a misspelt key is wrong whatever its value). `where` names the call, e.g.
 * `'AlsRecommender options'`. Non-objects are left to the caller's own type check.
 */
export function checkOptionKeys(where: string, options: unknown, known: readonly string[] | object): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return;
  const list = Array.isArray(known) ? (known as readonly string[]) : Object.keys(known);
  for (const key of Object.keys(options)) {
    if (!list.includes(key)) throw new UnknownOptionError(where, key, (options as Record<string, unknown>)[key], list, closestKey(key, list));
  }
}

/**
 * `defaults` overridden by `options`, after {@link checkOptionKeys}: the one way model constructors read their
 * hyperparameters, so a misspelt key can never reach `params` (and a model file).
 */
export function withDefaults<T extends object>(where: string, defaults: T, options: Partial<T> | undefined, extra: readonly string[] = []): T {
  checkOptionKeys(where, options, extra.length ? [...Object.keys(defaults), ...extra] : defaults);
  return { ...defaults, ...options };
}
