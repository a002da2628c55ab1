/**
 * Reference for assembly/topk.ts. Order: score descending, ties to the lower index (anchors.md §Protocol).
 * -Infinity and NaN mark excluded entries and are never returned.
 */

function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Best k of scores[offset .. offset+n) into outIdx/outScore at outOffset, best first; returns the count. */
export function topkRef(
  scores: Float32Array,
  n: number,
  k: number,
  outIdx: Int32Array,
  outScore: Float32Array,
  offset = 0,
  outOffset = 0,
): number {
  if (k <= 0) return 0;
  // A plain selection by sort is the clearest statement of the spec; the heap in Wasm must agree with it.
  const cand: number[] = [];
  for (let i = 0; i < n; i++) if (scores[offset + i] > -Infinity) cand.push(i);
  cand.sort((a, b) => (worse(scores[offset + a], a, scores[offset + b], b) ? 1 : worse(scores[offset + b], b, scores[offset + a], a) ? -1 : 0));
  const count = Math.min(k, cand.length);
  for (let r = 0; r < count; r++) {
    outIdx[outOffset + r] = cand[r];
    outScore[outOffset + r] = scores[offset + cand[r]];
  }
  for (let r = count; r < k; r++) {
    outIdx[outOffset + r] = -1;
    outScore[outOffset + r] = -Infinity;
  }
  return count;
}

export function topkRowsRef(scores: Float32Array, nRows: number, nCols: number, k: number, outIdx: Int32Array, outScore: Float32Array, counts: Int32Array): void {
  for (let r = 0; r < nRows; r++) counts[r] = topkRef(scores, nCols, k, outIdx, outScore, r * nCols, r * k);
}
