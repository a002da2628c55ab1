// Ranking-evaluation kernel: for a block of users, mask train items, take the top k (the project-wide order: score
// descending, ties to the lower item index, ../shared/bench/anchors.md §Protocol) and write everything the metric
// formulas of src/eval/metrics.ts need, in one pass over the catalogue per user:
//   hits per top-k slot, AUC pair counts, the strict rank of the best test item (MRR) and LightFM's pessimistic
//   rank of every test item (its predict_rank semantics).
// The O(nItems) loop uses a sorted copy of the user's |T| test scores and binary search, so a user costs
// O(nItems · log|T|), not O(nItems · |T|) and not a full sort. Spec: src/kernels/reference/metrics.ts.
import { topk } from './topk';
import { scoreBlock, scorePair } from './score';
import { hsum4i } from './exact';
import { claim } from './claim';

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

/** Rows with at most this many test items take countSmall's SIMD counting; larger ones the binary-search loop. */
const SMALL_TEST: i32 = 16;

/**
 * The facts of one row from per-test-score counts instead of a per-item search (issue 23: the per-item loop cost as
 * much as scoring the row). For each sorted test score pos_t, SIMD compares count GE_t = #{j : s_j ≥ pos_t} and
 * GT_t = #{j : s_j > pos_t} over all nCols items, four test scores per pass over the row. Then, with the train items
 * (all -Infinity after masking) and the non-train test items T' taken out:
 *   ranks: the test item at sorted position t has #{non-train j : s_j ≥ pos_t} − 1 (at least 0) — what the
 *   histogram of the general loop gives;
 *   AUC: Σ over negatives of le = Σ_t GE'_t and of lt = Σ_t GT'_t (GE', GT': negatives only), so
 *   pairs = neg·P − Σle + ½(Σle − Σlt) as in the general loop;
 *   above: negatives above the best test item = GT'_{P-1}, plus ties with a lower index (counted by a scan, rare).
 * `pos` holds the P sorted (cleaned) test scores; `ge` has room for 2·(P + 3) i32.
 */
function countSmall(
  row: usize, nCols: i32, trainIndices: usize, t0: i32, t1: i32, testIndices: usize, p0: i32, p1: i32,
  pos: usize, ge: usize, best: f32, bestIdx: i32, outNeg: usize, outAuc: usize, outAbove: usize, ranks: usize,
): void {
  const P = p1 - p0;
  const gt = ge + (<usize>(P + 3) << 2);
  const n4 = nCols & ~3;
  const negInf = f32x4.splat(-Infinity);
  for (let g = 0; g < P; g += 4) {
    // Lanes past P compare against +Infinity and are never read.
    const b0 = f32x4.splat(load<f32>(pos + (<usize>g << 2)));
    const b1 = f32x4.splat(g + 1 < P ? load<f32>(pos + (<usize>(g + 1) << 2)) : Infinity);
    const b2 = f32x4.splat(g + 2 < P ? load<f32>(pos + (<usize>(g + 2) << 2)) : Infinity);
    const b3 = f32x4.splat(g + 3 < P ? load<f32>(pos + (<usize>(g + 3) << 2)) : Infinity);
    let e0 = i32x4.splat(0), e1 = i32x4.splat(0), e2 = i32x4.splat(0), e3 = i32x4.splat(0);
    let h0 = i32x4.splat(0), h1 = i32x4.splat(0), h2 = i32x4.splat(0), h3 = i32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      let v = v128.load(row + (<usize>j << 2));
      v = v128.bitselect(v, negInf, f32x4.eq(v, v)); // NaN ranks as -Infinity
      // a true compare is all ones (-1): subtracting it counts
      e0 = i32x4.sub(e0, f32x4.ge(v, b0)); h0 = i32x4.sub(h0, f32x4.gt(v, b0));
      e1 = i32x4.sub(e1, f32x4.ge(v, b1)); h1 = i32x4.sub(h1, f32x4.gt(v, b1));
      e2 = i32x4.sub(e2, f32x4.ge(v, b2)); h2 = i32x4.sub(h2, f32x4.gt(v, b2));
      e3 = i32x4.sub(e3, f32x4.ge(v, b3)); h3 = i32x4.sub(h3, f32x4.gt(v, b3));
    }
    // all four lanes stored: each region has 3 spare slots past P
    v128.store(ge + (<usize>g << 2), hsum4i(e0, e1, e2, e3));
    v128.store(gt + (<usize>g << 2), hsum4i(h0, h1, h2, h3));
  }
  for (let t = 0; t < P; t++) {
    const b = load<f32>(pos + (<usize>t << 2));
    let cge = load<i32>(ge + (<usize>t << 2)), cgt = load<i32>(gt + (<usize>t << 2));
    for (let j = n4; j < nCols; j++) {
      const s = clean(load<f32>(row + (<usize>j << 2)));
      cge += i32(s >= b);
      cgt += i32(s > b);
    }
    store<i32>(ge + (<usize>t << 2), cge);
    store<i32>(gt + (<usize>t << 2), cgt);
  }
  // Train items are -Infinity: they count in GE_t exactly when pos_t is -Infinity, never in GT_t.
  const nTrain = t1 - t0;
  let nTestOnly = 0;
  for (let t = 0; t < P; t++) {
    if (load<f32>(pos + (<usize>t << 2)) == -Infinity) store<i32>(ge + (<usize>t << 2), load<i32>(ge + (<usize>t << 2)) - nTrain);
  }
  // Ranks from the non-train counts (T' included), then T' taken out of the counts for the negatives.
  for (let t = 0; t < P; t++) {
    const g = load<i32>(ge + (<usize>t << 2));
    store<i32>(ranks + (<usize>(P - 1 - t) << 2), g > 0 ? g - 1 : 0);
  }
  for (let e = p0; e < p1; e++) {
    const id = load<i32>(testIndices + (<usize>e << 2));
    if (contains(trainIndices, t0, t1, id)) continue;
    nTestOnly++;
    const s = clean(load<f32>(row + (<usize>id << 2)));
    for (let t = 0; t < P; t++) {
      const b = load<f32>(pos + (<usize>t << 2));
      store<i32>(ge + (<usize>t << 2), load<i32>(ge + (<usize>t << 2)) - i32(s >= b));
      store<i32>(gt + (<usize>t << 2), load<i32>(gt + (<usize>t << 2)) - i32(s > b));
    }
  }
  const neg = nCols - nTrain - nTestOnly;
  let sumLe: i64 = 0, sumLt: i64 = 0;
  for (let t = 0; t < P; t++) {
    sumLe += <i64>load<i32>(ge + (<usize>t << 2));
    sumLt += <i64>load<i32>(gt + (<usize>t << 2));
  }
  let above = load<i32>(gt + (<usize>(P - 1) << 2));
  if (load<i32>(ge + (<usize>(P - 1) << 2)) > above) {
    // negatives tied with the best test item: those with a lower index rank above it
    for (let j = 0; j < bestIdx; j++) {
      if (clean(load<f32>(row + (<usize>j << 2))) == best && !contains(trainIndices, t0, t1, j) && !contains(testIndices, p0, p1, j)) above++;
    }
  }
  store<i32>(outNeg, neg);
  store<f64>(outAuc, <f64>(<i64>neg * <i64>P - sumLe) + 0.5 * <f64>(sumLe - sumLt));
  store<i32>(outAbove, above);
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
 * scratch: (maxTest + 4) * 12 bytes.
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
    if (P > 0 && P <= SMALL_TEST) {
      countSmall(row, nCols, trainIndices, t0, t1, testIndices, p0, p1, pos, cnt, best, bestIdx, outNeg + (<usize>r << 2), outAuc + (<usize>r << 3), outAbove + (<usize>r << 2), outRanks + (<usize>p0 << 2));
      continue;
    }

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

/** Bytes of item rows scored per tile by rankMetricsScoredClaim: a quarter of a 1 MiB L2, with room for the scores. */
const TILE_BYTES: i32 = 256 << 10;

/**
 * {@link rankMetrics} of the scores queries · itemsᵀ without materialising a whole block (evaluation of factor models,
 * issue 23): chunks of `step` rows (even) claimed from the i32 at `counter` (claim.ts), at most `maxChunks` per call.
 * A chunk's rows are scored into `rows` (step × nItems f32 of this thread's scratch) tile by tile: each tile of item
 * rows (TILE_BYTES, a multiple of 4 rows) stays in cache while every pair of the chunk's queries is scored against it
 * (scoreRows2, an odd last query by scoreBlock), instead of streaming the whole item matrix from memory once per
 * pair. Tiles start at multiples of 4 rows, so each score is formed exactly as scoreBlock forms it and the facts equal
 * rankMetrics(scoreBlock(...)) bit for bit. CSR offsets are absolute (row 0 of the block at trainIndptr/testIndptr);
 * `scratch` as for rankMetrics. Returns the chunks done, 0 once every row is claimed.
 */
export function rankMetricsScoredClaim(
  queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32,
  trainIndptr: usize, trainIndices: usize, testIndptr: usize, testIndices: usize, k: i32,
  outTop: usize, outTopScore: usize, outCounts: usize, outHits: usize,
  outRanks: usize, outNeg: usize, outAuc: usize, outAbove: usize, scratch: usize, rows: usize,
  counter: usize, step: i32, maxChunks: i32,
): i32 {
  const rowBytes = <usize>dim << 2;
  const tile = max<i32>(4, (TILE_BYTES / (dim << 2)) & ~3);
  const stride = <usize>nItems << 2;
  let done = 0;
  while (done < maxChunks) {
    const a = claim(counter, step);
    if (a >= nQueries) break;
    const n = min(step, nQueries - a);
    const qa = queries + <usize>a * rowBytes;
    for (let i0 = 0; i0 < nItems; i0 += tile) {
      const nt = min(tile, nItems - i0);
      const it = items + <usize>i0 * rowBytes;
      const out = rows + (<usize>i0 << 2);
      let q = 0;
      for (; q + 1 < n; q += 2) {
        const qp = qa + <usize>q * rowBytes;
        scorePair(qp, qp + rowBytes, it, nt, dim, out + <usize>q * stride, out + <usize>(q + 1) * stride);
      }
      if (q < n) scoreBlock(qa + <usize>q * rowBytes, 1, it, nt, dim, out + <usize>q * stride);
    }
    const kq = (<usize>a * <usize>k) << 2;
    rankMetrics(
      rows, n, nItems, trainIndptr + (<usize>a << 2), trainIndices, testIndptr + (<usize>a << 2), testIndices, k,
      outTop + kq, outTopScore + kq, outCounts + (<usize>a << 2), outHits + kq,
      outRanks, outNeg + (<usize>a << 2), outAuc + (<usize>a << 3), outAbove + (<usize>a << 2), scratch,
    );
    done++;
  }
  return done;
}
