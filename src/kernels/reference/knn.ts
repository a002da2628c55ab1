/**
 * Reference for assembly/knn.ts: row-wise top-k of a sparse product A·B, the all-pairs item-item kNN of implicit's
 * all_pairs_knn (A = Wᵀ items × users, B = W users × items).
 *
 * Spec: row r of A·B is Σ_{(r,u,a) ∈ A} a·B[u, :], summed in f32 in the order of A's row then B's row (so the Wasm
 * kernel is bit-identical); the best k entries by score descending, ties to the lower column; entries exactly 0
 * (or NaN) are not kept. Row r's entries go to outIdx/outScore at r·k, best first, unused slots index -1, score
 * -Infinity (as in topkRef).
 */
import type { Csr } from '../types.ts';
import { topkRef } from './topk.ts';

export function productTopkRowsRef(a: Csr, b: Csr, k: number, from: number, to: number, outIdx: Int32Array, outScore: Float32Array, counts: Int32Array): void {
  const sums = new Float32Array(b.cols);
  const row = new Float32Array(b.cols);
  for (let r = from; r < to; r++) {
    sums.fill(0);
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      const u = a.indices[p];
      const w = a.data[p];
      // Math.fround: the product rounds to f32 before the add, as the f32 multiply in Wasm does.
      for (let q = b.indptr[u]; q < b.indptr[u + 1]; q++) sums[b.indices[q]] += Math.fround(b.data[q] * w);
    }
    for (let j = 0; j < b.cols; j++) row[j] = sums[j] === 0 ? -Infinity : sums[j];
    counts[r] = topkRef(row, b.cols, k, outIdx, outScore, 0, r * k);
  }
}

/**
 * Recommendation from sparse histories (reference for productRecommendRows): row r's scores are row r of a·b over
 * every column (untouched columns score 0), its own columns in `a` set to -Infinity when `excludeOwn`, then the best
 * k by topkRef's order into outIdx/outScore at r·k.
 */
export function productRecommendRowsRef(a: Csr, b: Csr, k: number, excludeOwn: boolean, from: number, to: number, outIdx: Int32Array, outScore: Float32Array, counts: Int32Array): void {
  const sums = new Float32Array(b.cols);
  for (let r = from; r < to; r++) {
    sums.fill(0);
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      const u = a.indices[p];
      const w = a.data[p];
      for (let q = b.indptr[u]; q < b.indptr[u + 1]; q++) sums[b.indices[q]] += Math.fround(b.data[q] * w);
    }
    if (excludeOwn) for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) sums[a.indices[p]] = -Infinity;
    counts[r] = topkRef(sums, b.cols, k, outIdx, outScore, 0, r * k);
  }
}
