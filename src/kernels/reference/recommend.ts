/** Reference for assembly/recommend.ts: score → mask → top-k, query by query. */
import { scoreBlockRef } from './score.ts';
import { csrMaskRowsRef } from './csr.ts';
import { topkRef } from './topk.ts';

export function recommendBlockRef(
  queries: Float32Array,
  nQueries: number,
  items: Float32Array,
  nItems: number,
  dim: number,
  mask: { indptr: Int32Array; indices: Int32Array; firstRow: number } | undefined,
  k: number,
  outIdx: Int32Array,
  outScore: Float32Array,
  counts: Int32Array,
): void {
  const row = new Float32Array(nItems);
  for (let q = 0; q < nQueries; q++) {
    scoreBlockRef(queries.subarray(q * dim, (q + 1) * dim), 1, items, nItems, dim, row);
    if (mask) csrMaskRowsRef(mask.indptr, mask.indices, mask.firstRow + q, 1, row, nItems, -Infinity);
    counts[q] = topkRef(row, nItems, k, outIdx, outScore, 0, q * k);
  }
}
