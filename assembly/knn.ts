// Row-wise top-k of a sparse product A·B: the all-pairs item-item kNN of implicit's all_pairs_knn (A = Wᵀ items ×
// users, B = W users × items). This product is the whole fit of an item-kNN model. Reference:
// src/kernels/reference/knn.ts.
import { claim } from './claim';
import { heapOffer, heapFinish, topk } from './topk';

/**
 * Rows of A·B claimed one at a time from the i32 at `counter` (see claim.ts), while r < `rows`; each goes through
 * {@link topkRow}. Rows differ a lot in cost (ml-1m: from a few entries of B to ~0.5 M), so static row ranges per
 * thread left one thread idle for about half of the product; claiming rows balances to within one row. A call stops after
 * about `maxWork` units (entries of B reached, plus nCols/8 per row for the scan of the candidates), so V8 can tier
 * the code up between calls. Returns the rows done: 0 once every row is claimed. `sums` and `touched` are the
 * calling thread's own scratch.
 */
export function productTopkRows(
  aIndptr: usize, aIndices: usize, aData: usize,
  bIndptr: usize, bIndices: usize, bData: usize,
  nCols: i32, k: i32, counter: usize, rows: i32, maxWork: i32,
  sums: usize, touched: usize,
  outIdx: usize, outScore: usize, counts: usize,
): i32 {
  let done = 0;
  let work: i64 = 0;
  while (work < <i64>maxWork) {
    const r = claim(counter, 1);
    if (r >= rows) break;
    const w = topkRow(aIndptr, aIndices, aData, bIndptr, bIndices, bData, nCols, k, r, sums, touched, outIdx, outScore, counts);
    work += <i64>w + <i64>(nCols >> 3);
    done++;
  }
  return done;
}

/**
 * Accumulate row r of A·B into the dense scratch `sums` (nCols f32, all zero on entry and left all zero on return) by
 * Gustavson's row-by-row algorithm (implicit's SparseMatrixMultiplier): for every entry (r, u, a) of A, add
 * a·B[u, :] to sums. Columns are recorded in `touched` (nCols i32) the first time their sum leaves 0, so only
 * touched columns are visited afterwards, not all nCols (large catalogues). Then the best k entries (score
 * descending, ties to the lower column; entries exactly 0 are not kept — they never change a score) go to
 * outIdx/outScore + r·k, their count to counts + r. Returns the row's work (entries of B reached).
 *
 * A sum can come back to exactly 0 and be touched again (negative weights); reading a column clears it, so a
 * repeated column is read as 0 the second time and skipped. Should repeats overflow `touched`, every column is
 * scanned instead.
 */
// @ts-ignore: decorator
@inline function topkRow(
  aIndptr: usize, aIndices: usize, aData: usize,
  bIndptr: usize, bIndices: usize, bData: usize,
  nCols: i32, k: i32, r: i32,
  sums: usize, touched: usize,
  outIdx: usize, outScore: usize, counts: usize,
): i32 {
  const p0 = load<i32>(aIndptr + (<usize>r << 2));
  const p1 = load<i32>(aIndptr + ((<usize>r + 1) << 2));
  const off = (<usize>r * <usize>k) << 2;
  const oi = outIdx + off;
  const os = outScore + off;
  let size = 0;
  const work = rowWork(aIndices, bIndptr, p0, p1);
  if (work >= nCols) {
    // Dense row (the usual case: ml-1m rows touch ~10× the catalogue): no bookkeeping in the hot loop, then scan
    // every column.
    accumulate(aIndices, aData, bIndptr, bIndices, bData, p0, p1, sums);
    let j = 0;
    // Until the heap is full every candidate is offered; after that, columns come in ascending order, so a column
    // can only enter by a score strictly above the heap's worst (on a tie the earlier, lower column wins): four
    // columns at a time are tested against it and only groups with a better score go to heapOffer. This scan
    // of every column was ~5% of the fit.
    for (; j < nCols && size < k; j++) {
      const v = load<f32>(sums + (<usize>j << 2));
      if (v != 0 && v > -Infinity) size = heapOffer(v, j, size, k, oi, os);
    }
    if (k > 0) {
      let worst = f32x4.splat(load<f32>(os));
      for (; j + 4 <= nCols; j += 4) {
        if (!v128.any_true(f32x4.gt(v128.load(sums + (<usize>j << 2)), worst))) continue;
        for (let l = j; l < j + 4; l++) {
          const v = load<f32>(sums + (<usize>l << 2));
          if (v != 0 && v > -Infinity) size = heapOffer(v, l, size, k, oi, os);
        }
        worst = f32x4.splat(load<f32>(os));
      }
      for (; j < nCols; j++) {
        const v = load<f32>(sums + (<usize>j << 2));
        if (v != 0 && v > -Infinity) size = heapOffer(v, j, size, k, oi, os);
      }
    }
    memory.fill(sums, 0, <usize>nCols << 2);
  } else {
    let n = 0;
    let overflow = false;
    for (let p = p0; p < p1; p++) {
      const u = load<i32>(aIndices + (<usize>p << 2));
      const a = load<f32>(aData + (<usize>p << 2));
      const qEnd = load<i32>(bIndptr + ((<usize>u + 1) << 2));
      for (let q = load<i32>(bIndptr + (<usize>u << 2)); q < qEnd; q++) {
        const j = load<i32>(bIndices + (<usize>q << 2));
        const at = sums + (<usize>j << 2);
        const v = load<f32>(at);
        if (v == 0) {
          if (n < nCols) {
            store<i32>(touched + (<usize>n << 2), j);
            n++;
          } else overflow = true;
        }
        store<f32>(at, v + load<f32>(bData + (<usize>q << 2)) * a);
      }
    }
    const m = overflow ? nCols : n;
    for (let t = 0; t < m; t++) {
      const j = overflow ? t : load<i32>(touched + (<usize>t << 2));
      const at = sums + (<usize>j << 2);
      const v = load<f32>(at);
      store<f32>(at, 0);
      if (v != 0 && v > -Infinity && k > 0) size = heapOffer(v, j, size, k, oi, os);
    }
  }
  if (k > 0) heapFinish(size, k, oi, os);
  store<i32>(counts + (<usize>r << 2), size);
  return work;
}

/** Entries of B reached through A's entries [p0, p1). */
// @ts-ignore: decorator
@inline function rowWork(aIndices: usize, bIndptr: usize, p0: i32, p1: i32): i32 {
  let w = 0;
  for (let p = p0; p < p1; p++) {
    const u = <usize>load<i32>(aIndices + (<usize>p << 2));
    w += load<i32>(bIndptr + ((u + 1) << 2)) - load<i32>(bIndptr + (u << 2));
  }
  return w;
}

/**
 * sums += Σ_{p in [p0, p1)} aData[p] · B[aIndices[p], :]. Columns within a row of B are distinct, so four of them can
 * be updated at once without changing any column's order of additions (the reference's order).
 */
// @ts-ignore: decorator
@inline function accumulate(aIndices: usize, aData: usize, bIndptr: usize, bIndices: usize, bData: usize, p0: i32, p1: i32, sums: usize): void {
  for (let p = p0; p < p1; p++) {
    const u = <usize>load<i32>(aIndices + (<usize>p << 2));
    const a = load<f32>(aData + (<usize>p << 2));
    let q = <usize>load<i32>(bIndptr + (u << 2));
    const qEnd = <usize>load<i32>(bIndptr + ((u + 1) << 2));
    for (; q + 4 <= qEnd; q += 4) {
      const at0 = sums + (<usize>load<i32>(bIndices + (q << 2)) << 2);
      const at1 = sums + (<usize>load<i32>(bIndices + (q << 2), 4) << 2);
      const at2 = sums + (<usize>load<i32>(bIndices + (q << 2), 8) << 2);
      const at3 = sums + (<usize>load<i32>(bIndices + (q << 2), 12) << 2);
      const w = f32x4.mul(v128.load(bData + (q << 2)), f32x4.splat(a));
      store<f32>(at0, load<f32>(at0) + f32x4.extract_lane(w, 0));
      store<f32>(at1, load<f32>(at1) + f32x4.extract_lane(w, 1));
      store<f32>(at2, load<f32>(at2) + f32x4.extract_lane(w, 2));
      store<f32>(at3, load<f32>(at3) + f32x4.extract_lane(w, 3));
    }
    for (; q < qEnd; q++) {
      const at = sums + (<usize>load<i32>(bIndices + (q << 2)) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(bData + (q << 2)) * a);
    }
  }
}

/**
 * Recommendation from a sparse history: for each row r in [from, to), scores = row r of A·B over every column
 * (untouched columns score 0, as in a dense product), the row's own columns in A set to -Infinity when `excludeOwn`
 * (a user's history is their seen items), then the best k (topk's order) into outIdx/outScore + r·k, the count to
 * counts + r. `sums` holds nCols f32, all zero on entry and on return.
 */
export function productRecommendRows(
  aIndptr: usize, aIndices: usize, aData: usize,
  bIndptr: usize, bIndices: usize, bData: usize,
  nCols: i32, k: i32, excludeOwn: i32, from: i32, to: i32, sums: usize,
  outIdx: usize, outScore: usize, counts: usize,
): i32 {
  for (let r = from; r < to; r++) {
    const p0 = load<i32>(aIndptr + (<usize>r << 2));
    const p1 = load<i32>(aIndptr + ((<usize>r + 1) << 2));
    accumulate(aIndices, aData, bIndptr, bIndices, bData, p0, p1, sums);
    if (excludeOwn) for (let p = p0; p < p1; p++) store<f32>(sums + (<usize>load<i32>(aIndices + (<usize>p << 2)) << 2), -Infinity);
    const off = (<usize>r * <usize>k) << 2;
    store<i32>(counts + (<usize>r << 2), topk(sums, nCols, k, outIdx + off, outScore + off));
    memory.fill(sums, 0, <usize>nCols << 2);
  }
  return 0;
}
