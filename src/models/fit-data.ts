/**
 * What every fit checks about its data before training (issue 15), beyond being Interactions
 * (src/data/interactions.ts, checkInteractionsArgument): that no weight or feature value is NaN or ±Infinity. The DatasetBuilder rejects those already; Interactions built straight from arrays did not, and a
 * single NaN spreads through every factor it touches.
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Vocabulary } from '../data/vocabulary.ts';
import type { CsrArrays } from '../kernels/types.ts';

/** The row of entry `e` of a CSR (binary search over indptr). */
export function rowOfEntry(indptr: Int32Array, e: number): number {
  let lo = 0, hi = indptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (indptr[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the first non-finite value, or -1. */
function firstNonFinite(values: ArrayLike<number>): number {
  for (let e = 0; e < values.length; e++) if (!Number.isFinite(values[e])) return e;
  return -1;
}

/** Throw when an interaction weight is NaN or ±Infinity, naming the row (entry), user and item. */
export function checkFiniteWeights(data: Interactions): void {
  const { indptr, indices, data: weights } = data.byUser;
  const e = firstNonFinite(weights);
  if (e < 0) return;
  const u = rowOfEntry(indptr, e);
  throw new InvalidArgumentError(
    `interactions.byUser.data[${e}] (user ${JSON.stringify(data.users.idAt(u))}, item ${JSON.stringify(data.items.idAt(indices[e]))})`,
    weights[e],
    'a finite weight',
    'fix or drop that interaction: NaN and ±Infinity would spread through every parameter they touch. DatasetBuilder and readInteractions reject them on input.',
  );
}

/** Throw when a feature value is NaN or ±Infinity, naming the entity (row) and feature column. */
export function checkFiniteFeatures(matrix: CsrArrays & { data: Float32Array }, field: string, rows: Vocabulary | undefined, names: readonly unknown[]): void {
  const e = firstNonFinite(matrix.data);
  if (e < 0) return;
  const r = rowOfEntry(matrix.indptr, e);
  const c = matrix.indices[e];
  const row = rows && r < rows.size ? JSON.stringify(rows.idAt(r)) : String(r);
  const col = names[c] !== null && names[c] !== undefined ? JSON.stringify(names[c]) : `column ${c}`;
  throw new InvalidArgumentError(`${field} row ${r} (${row}), feature ${col}`, matrix.data[e], 'a finite feature value', 'fix that feature value; NaN and ±Infinity make every embedding it touches non-finite.');
}
