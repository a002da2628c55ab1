/**
 * Reference for assembly/metrics.ts (the spec): per-user ranking facts from which every metric of src/eval/metrics.ts
 * is computed. Written as directly as possible (pairwise counts, O(nItems · |T|)); the Wasm kernel computes the same
 * numbers with a sorted copy of the test scores and binary search.
 *
 * Per row r of a block, with `S` the row's scores after the user's train items are set to -Infinity (NaN counts as
 * -Infinity), `T` the row's test items, "non-train" = not among the row's train items, and "negatives" = non-train
 * items not in T:
 * - top k by score descending, ties to the lower item index (anchors.md §Protocol; -Infinity never returned);
 * - `hits[i]` = 1 when top slot i holds an item of T;
 * - `ranks`: for each p ∈ T, #{non-train j : S_j ≥ S_p} − 1 (at least 0), sorted ascending. For p not in train this
 *   is LightFM's `predict_rank` (every other non-train item scoring at least as high; ties pessimistic);
 * - `negatives` = |negatives|;
 * - `aucPairs` = Σ_{p ∈ T} Σ_{n negative} ([S_p > S_n] + ½·[S_p = S_n]);
 * - `above` = negatives ranked above the best item of T (the one with the highest score, lowest index among equals)
 *   in the order "score descending, then lower index" (the protocol's MRR rank); 0 when T is empty.
 */
import { topkRef } from './topk.ts';

export interface RankMetricsRefOut {
  top: Int32Array;
  topScores: Float32Array;
  counts: Int32Array;
  hits: Int32Array;
  ranks: Int32Array;
  negatives: Int32Array;
  aucPairs: Float64Array;
  above: Int32Array;
}

/**
 * Compute the ranking facts for rows [0, nRows) of `scores` (not modified). CSR offsets are absolute: row r's train
 * items are trainIndices[trainIndptr[r] .. trainIndptr[r+1]); `out.ranks` is indexed like testIndices, relative to
 * testIndptr[0].
 */
export function rankMetricsRef(
  scores: Float32Array, nRows: number, nCols: number,
  trainIndptr: Int32Array, trainIndices: Int32Array, testIndptr: Int32Array, testIndices: Int32Array, k: number,
  out: RankMetricsRefOut,
): void {
  const base = testIndptr[0];
  for (let r = 0; r < nRows; r++) {
    const s = Float32Array.from(scores.subarray(r * nCols, (r + 1) * nCols), (v) => (Number.isNaN(v) ? -Infinity : v));
    const train = new Set(trainIndices.subarray(trainIndptr[r], trainIndptr[r + 1]));
    for (const i of train) s[i] = -Infinity;
    out.counts[r] = topkRef(s, nCols, k, out.top, out.topScores, 0, r * k);
    const test = Array.from(testIndices.subarray(testIndptr[r], testIndptr[r + 1]));
    const testSet = new Set(test);
    for (let i = 0; i < k; i++) out.hits[r * k + i] = out.top[r * k + i] >= 0 && testSet.has(out.top[r * k + i]) ? 1 : 0;

    const negatives: number[] = [];
    const nonTrain: number[] = [];
    for (let j = 0; j < nCols; j++) {
      if (train.has(j)) continue;
      nonTrain.push(j);
      if (!testSet.has(j)) negatives.push(j);
    }
    out.negatives[r] = negatives.length;

    let pairs = 0;
    for (const p of test) for (const n of negatives) pairs += s[p] > s[n] ? 1 : s[p] === s[n] ? 0.5 : 0;
    out.aucPairs[r] = pairs;

    const ranks = test.map((p) => {
      let atLeast = 0;
      for (const j of nonTrain) if (s[j] >= s[p]) atLeast++;
      return Math.max(0, atLeast - 1);
    }).sort((a, b) => a - b);
    out.ranks.set(ranks, testIndptr[r] - base);

    let above = 0;
    if (test.length) {
      let best = test[0];
      for (const p of test) if (s[p] > s[best] || (s[p] === s[best] && p < best)) best = p;
      for (const n of negatives) if (s[n] > s[best] || (s[n] === s[best] && n < best)) above++;
    }
    out.above[r] = above;
  }
}
