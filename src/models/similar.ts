/**
 * Options and candidate filtering of similarItems / similarUsers, with implicit's meaning (similar_items'
 * `items` and `filter_items`): `include` ranks only the listed ids, `exclude` never returns the listed ids; the two
 * are exclusive. Rows with no signal (a zero vector: an item or user without interactions) are never returned,
 * since their cosine with anything is 0 by construction, not by evidence (issue 15).
 */
import { InvalidArgumentError } from '../errors.ts';
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import type { Id, Vocabulary } from '../data/vocabulary.ts';

/** Options of `similarItems`, `similarItemsBatch` and `similarUsers`. */
export interface SimilarOptions {
  /** How many (default 10). Fewer come back when fewer rows are eligible. */
  k?: number;
  /** Rank only these ids (implicit's `items`); unknown ids are an error. Exclusive with `exclude`. */
  include?: readonly Id[];
  /** Never return these ids (implicit's `filter_items`); unknown ids are ignored. Exclusive with `include`. */
  exclude?: readonly Id[];
}

const SIMILAR_KEYS = optionKeys<SimilarOptions>({ k: true, include: true, exclude: true });

/** Check the keys, `k`, and the lists; returns k. `where` names the call, e.g. `'similarItems options'`. */
export function checkSimilarOptions(where: string, options: SimilarOptions): number {
  checkOptionKeys(where, options, SIMILAR_KEYS);
  const k = options.k ?? 10;
  if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
  for (const f of ['include', 'exclude'] as const) {
    if (options[f] !== undefined && !Array.isArray(options[f])) throw new InvalidArgumentError(f, options[f], 'an array of ids');
  }
  if (options.include && options.exclude) {
    throw new InvalidArgumentError('include', options.include, 'include or exclude, not both', 'pass only include (rank these) or only exclude (never return these).');
  }
  return k;
}

/** A ranked row: its dense index and score. */
export interface RankedRow {
  readonly index: number;
  readonly score: number;
}

/** Which rows a similar* call may return, in dense indices. */
export interface SimilarFilter {
  readonly k: number;
  /** Dense indices to rank (already mapped; unknown ids rejected). */
  readonly include?: readonly number[];
  /** Dense indices never to return. */
  readonly exclude?: ReadonlySet<number>;
  /** Rows without signal, never returned. */
  readonly empty: ReadonlySet<number>;
}

/**
 * The top `k` rows under a filter. `top(n)` gives the best n rows of all (score descending, ties to the lower
 * index); `scoresOf(rows)` the scores of given rows (for `include`). Without `include`, asks `top` for k plus the
 * number of rows that may be dropped, so the result equals ranking the eligible rows alone.
 */
export function selectSimilar(filter: SimilarFilter, total: number, top: (n: number) => RankedRow[], scoresOf: (rows: Int32Array) => ArrayLike<number>): RankedRow[] {
  const eligible = (i: number) => !filter.empty.has(i) && !filter.exclude?.has(i);
  if (filter.include) {
    const rows = Int32Array.from(new Set(filter.include.filter(eligible)));
    const scores = scoresOf(rows);
    return Array.from(rows, (index, j) => ({ index, score: scores[j] }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, filter.k);
  }
  const extra = filter.empty.size + (filter.exclude?.size ?? 0);
  return top(Math.min(total, filter.k + extra)).filter((r) => eligible(r.index)).slice(0, filter.k);
}

/** Indices of all-zero rows of a rows × d matrix. */
export function zeroRows(matrix: Float32Array, rows: number, d: number): Set<number> {
  const out = new Set<number>();
  for (let r = 0; r < rows; r++) {
    let any = false;
    for (let j = r * d; j < (r + 1) * d && !any; j++) any = matrix[j] !== 0;
    if (!any) out.add(r);
  }
  return out;
}

/**
 * The filter of a similar* call over `vocab`: `include` ids mapped strictly (`unknown(id)` is thrown for an id the
 * model does not know), `exclude` ids mapped leniently (unknown ones cannot be returned anyway).
 */
export function similarFilter(vocab: Vocabulary, options: SimilarOptions, k: number, empty: ReadonlySet<number>, unknown: (id: Id) => Error): SimilarFilter {
  const map = (ids: readonly Id[], strict: boolean) => {
    const out: number[] = [];
    for (const id of ids) {
      const i = vocab.indexOf(id);
      if (i !== undefined) out.push(i);
      else if (strict) throw unknown(id);
    }
    return out;
  };
  return {
    k,
    include: options.include ? map(options.include, true) : undefined,
    exclude: options.exclude ? new Set(map(options.exclude, false)) : undefined,
    empty,
  };
}

/** Dot products of row `row` with `rows` of a rows × d matrix (the include path of cosine similar*). */
export function rowDots(matrix: Float32Array, d: number, row: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    let s = 0;
    for (let f = 0; f < d; f++) s += matrix[row * d + f] * matrix[rows[j] * d + f];
    out[j] = s;
  }
  return out;
}
