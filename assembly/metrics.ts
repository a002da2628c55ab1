// Ranking-evaluation kernel: for a block of users, mask train items, take the top k (the project-wide order: score
// descending, ties to the lower item index, ../shared/bench/anchors.md §Protocol) and write everything the metric
// formulas of src/eval/metrics.ts need, in one pass over the catalogue per user:
//   hits per top-k slot, AUC pair counts, the strict rank of the best test item (MRR) and LightFM's pessimistic
//   rank of every test item (its predict_rank semantics).
// The O(nItems) loop uses a sorted copy of the user's |T| test scores and binary search, so a user costs
// O(nItems · log|T|), not O(nItems · |T|) and not a full sort. Spec: src/kernels/reference/metrics.ts.
import { topk } from './topk';

// @ts-ignore: decorator
@inline function clean(s: f32): f32 {
  return s != s ? -Infinity : s; // NaN scores rank as -Infinity everywhere (the reference does the same)
}

// Sift down in a max-heap of f32 (ascending heap sort).
// @ts-ignore: decorator
@inline function siftDownF32(a: usize, pos: i32, size: i32): void {
  const v = load<f32>(a + (<usize>pos << 2));
  while (true) {
    let child = (pos << 1) + 1;
    if (child >= size) break;
    let cv = load<f32>(a + (<usize>child << 2));
    if (child + 1 < size) {
      const rv = load<f32>(a + (<usize>(child + 1) << 2));
      if (rv > cv) { child++; cv = rv; }
    }
    if (!(cv > v)) break;
    store<f32>(a + (<usize>pos << 2), cv);
    pos = child;
  }
  store<f32>(a + (<usize>pos << 2), v);
}

/** Sort n f32 (no NaN) ascending in place. */
function sortF32(a: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDownF32(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = load<f32>(a);
    store<f32>(a, load<f32>(a + (<usize>end << 2)));
    store<f32>(a + (<usize>end << 2), top);
    siftDownF32(a, 0, end);
  }
}

/** Number of entries of sorted a[0..n) that are < s. */
// @ts-ignore: decorator
@inline function bound(a: usize, n: i32, s: f32): i32 {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<f32>(a + (<usize>mid << 2)) < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether sorted indices[from..to) contain x. */
// @ts-ignore: decorator
@inline function contains(indices: usize, from: i32, to: i32, x: i32): bool {
  let lo = from, hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = load<i32>(indices + (<usize>mid << 2));
    if (v < x) lo = mid + 1;
    else if (v > x) hi = mid;
    else return true;
  }
  return false;
}

/**
 * Rows [0, nRows) of a nRows × nCols score block (modified: train items become -Infinity). CSR offsets of both
 * train and test start at 0 for row 0 of the block; columns sorted ascending within a row.
 * Per row r, with T = the row's test items and "negatives" = items in neither train nor T:
 *   outTop/outTopScore[r*k ..], outCounts[r]: the top k (topk semantics);
 *   outHits[r*k + i] = 1 when slot i holds a test item;
 *   outRanks[testIndptr[r] ..+|T|] = for each test item, #{non-train j : s_j >= s_p} - 1 (at least 0), ascending;
 *   outNeg[r] = negatives; outAuc[r] = Σ_{p∈T, n neg} [s_p > s_n] + ½[s_p = s_n];
 *   outAbove[r] = negatives ranked above the best test item (score desc, then lower index).
 * scratch: (maxTest + 1) * 8 bytes.
 */
export function rankMetrics(
  scores: usize, nRows: i32, nCols: i32,
  trainIndptr: usize, trainIndices: usize, testIndptr: usize, testIndices: usize, k: i32,
  outTop: usize, outTopScore: usize, outCounts: usize, outHits: usize,
  outRanks: usize, outNeg: usize, outAuc: usize, outAbove: usize, scratch: usize,
): void {
  for (let r = 0; r < nRows; r++) {
    const row = scores + ((<usize>r * <usize>nCols) << 2);
    const t0 = load<i32>(trainIndptr + (<usize>r << 2));
    const t1 = load<i32>(trainIndptr + (<usize>(r + 1) << 2));
    for (let e = t0; e < t1; e++) store<f32>(row + (<usize>load<i32>(trainIndices + (<usize>e << 2)) << 2), -Infinity);

    const topIdx = outTop + ((<usize>r * <usize>k) << 2);
    store<i32>(outCounts + (<usize>r << 2), topk(row, nCols, k, topIdx, outTopScore + ((<usize>r * <usize>k) << 2)));

    const p0 = load<i32>(testIndptr + (<usize>r << 2));
    const p1 = load<i32>(testIndptr + (<usize>(r + 1) << 2));
    const P = p1 - p0;
    const hits = outHits + ((<usize>r * <usize>k) << 2);
    for (let i = 0; i < k; i++) {
      const id = load<i32>(topIdx + (<usize>i << 2));
      store<i32>(hits + (<usize>i << 2), id >= 0 && contains(testIndices, p0, p1, id) ? 1 : 0);
    }

    // Sorted test scores, and the best test item: highest score, lowest index among equals (indices ascend).
    const pos = scratch;
    const cnt = scratch + (<usize>(P + 1) << 2);
    let best: f32 = -Infinity;
    let bestIdx: i32 = -1;
    for (let t = 0; t < P; t++) {
      const id = load<i32>(testIndices + (<usize>(p0 + t) << 2));
      const s = clean(load<f32>(row + (<usize>id << 2)));
      store<f32>(pos + (<usize>t << 2), s);
      if (bestIdx < 0 || s > best) { best = s; bestIdx = id; }
      store<i32>(cnt + (<usize>t << 2), 0);
    }
    store<i32>(cnt + (<usize>P << 2), 0);
    sortF32(pos, P);
    const lowest: f32 = P > 0 ? load<f32>(pos) : Infinity;
    const highest: f32 = P > 0 ? load<f32>(pos + (<usize>(P - 1) << 2)) : -Infinity;

    // One pass over the non-train items, segment by segment: the items between two train/test indices are all
    // negatives and run through a tight loop; test items are handled one by one; train items are skipped.
    let neg = 0, above = 0;
    let sumLe: i64 = 0, sumLt: i64 = 0;
    let tp = t0, pp = p0, j = 0;
    while (true) {
      const nt = tp < t1 ? load<i32>(trainIndices + (<usize>tp << 2)) : nCols;
      const np = pp < p1 ? load<i32>(testIndices + (<usize>pp << 2)) : nCols;
      const stop = min(nt, np);
      neg += stop - j;
      for (; j < stop; j++) {
        const s = clean(load<f32>(row + (<usize>j << 2)));
        // lt = test scores < s, le = test scores <= s
        let lt = 0, le = 0;
        if (s > highest) { lt = P; le = P; }
        else if (s >= lowest) {
          lt = bound(pos, P, s);
          le = lt;
          while (le < P && load<f32>(pos + (<usize>le << 2)) == s) le++;
        }
        const c = cnt + (<usize>le << 2);
        store<i32>(c, load<i32>(c) + 1);
        sumLe += le;
        sumLt += lt;
        above += i32(s > best) | i32(s == best && j < bestIdx);
      }
      if (stop >= nCols) break;
      if (nt != stop) {
        // a test item that is not a train item: it counts in the LightFM ranks only
        const s = clean(load<f32>(row + (<usize>stop << 2)));
        let le = 0;
        if (s > highest) le = P;
        else if (s >= lowest) {
          le = bound(pos, P, s);
          while (le < P && load<f32>(pos + (<usize>le << 2)) == s) le++;
        }
        const c = cnt + (<usize>le << 2);
        store<i32>(c, load<i32>(c) + 1);
      } else tp++;
      if (np == stop) pp++;
      j = stop + 1;
    }
    // Each negative n adds #{p : s_p > s_n} + ½ #{p : s_p = s_n} = (P − le) + ½ (le − lt).
    const auc: f64 = <f64>(<i64>neg * <i64>P - sumLe) + 0.5 * <f64>(sumLe - sumLt);
    store<i32>(outNeg + (<usize>r << 2), neg);
    store<f64>(outAuc + (<usize>r << 3), auc);
    store<i32>(outAbove + (<usize>r << 2), P > 0 ? above : 0);

    // The test item at sorted position i is outranked-or-tied by every non-train j with le(s_j) > i.
    let g = 0;
    const ranks = outRanks + (<usize>p0 << 2);
    for (let i = P - 1; i >= 0; i--) {
      g += load<i32>(cnt + (<usize>(i + 1) << 2));
      store<i32>(ranks + (<usize>(P - 1 - i) << 2), g > 0 ? g - 1 : 0);
    }
  }
}
