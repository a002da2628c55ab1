// Top-k selection with the project-wide order: score descending, ties to the lower item index
// (the tie rule of ../shared/bench/anchors.md). -Infinity and NaN mark excluded items and are never returned.

// "a is worse than b": lower score, or equal score and higher index.
// @ts-ignore: decorator
@inline function worse(sa: f32, ia: i32, sb: f32, ib: i32): bool {
  return sa < sb || (sa == sb && ia > ib);
}

// Sift the entry at `pos` down a min-heap (worst entry at the root) of `size` entries.
// @ts-ignore: decorator
@inline function siftDown(idx: usize, sc: usize, pos: i32, size: i32): void {
  const s = load<f32>(sc + (<usize>pos << 2));
  const id = load<i32>(idx + (<usize>pos << 2));
  while (true) {
    let child = (pos << 1) + 1;
    if (child >= size) break;
    let cs = load<f32>(sc + (<usize>child << 2));
    let ci = load<i32>(idx + (<usize>child << 2));
    const right = child + 1;
    if (right < size) {
      const rs = load<f32>(sc + (<usize>right << 2));
      const ri = load<i32>(idx + (<usize>right << 2));
      if (worse(rs, ri, cs, ci)) { child = right; cs = rs; ci = ri; }
    }
    if (!worse(cs, ci, s, id)) break;
    store<f32>(sc + (<usize>pos << 2), cs);
    store<i32>(idx + (<usize>pos << 2), ci);
    pos = child;
  }
  store<f32>(sc + (<usize>pos << 2), s);
  store<i32>(idx + (<usize>pos << 2), id);
}

/**
 * Offer (s, i) to a min-heap of the best entries so far (worst at the root) holding `size` of at most `k` entries;
 * returns the new size. Shared with the item-kNN kernel (knn.ts), which offers candidates in arbitrary order:
 * `worse` is a total order, so the kept set does not depend on the order of offers.
 */
// @ts-ignore: decorator
@inline export function heapOffer(s: f32, i: i32, size: i32, k: i32, outIdx: usize, outScore: usize): i32 {
  if (size < k) {
    // sift up
    let pos = size++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const ps = load<f32>(outScore + (<usize>parent << 2));
      const pi = load<i32>(outIdx + (<usize>parent << 2));
      if (!worse(s, i, ps, pi)) break;
      store<f32>(outScore + (<usize>pos << 2), ps);
      store<i32>(outIdx + (<usize>pos << 2), pi);
      pos = parent;
    }
    store<f32>(outScore + (<usize>pos << 2), s);
    store<i32>(outIdx + (<usize>pos << 2), i);
  } else if (worse(load<f32>(outScore), load<i32>(outIdx), s, i)) {
    store<f32>(outScore, s);
    store<i32>(outIdx, i);
    siftDown(outIdx, outScore, 0, size);
  }
  return size;
}

/** Sort a heap filled by heapOffer best first and define the unused slots (index -1, score -Infinity). */
export function heapFinish(size: i32, k: i32, outIdx: usize, outScore: usize): void {
  // Heap sort: moving the root (worst) to the end each time leaves the best entry first.
  for (let end = size - 1; end > 0; end--) {
    const es = load<f32>(outScore + (<usize>end << 2));
    const ei = load<i32>(outIdx + (<usize>end << 2));
    store<f32>(outScore + (<usize>end << 2), load<f32>(outScore));
    store<i32>(outIdx + (<usize>end << 2), load<i32>(outIdx));
    store<f32>(outScore, es);
    store<i32>(outIdx, ei);
    siftDown(outIdx, outScore, 0, end);
  }
  // Unused slots are defined too (index -1, score -Infinity), so results are byte-identical across backends.
  for (let r = size; r < k; r++) {
    store<i32>(outIdx + (<usize>r << 2), -1);
    store<f32>(outScore + (<usize>r << 2), -Infinity);
  }
}

/**
 * Best `k` of `scores[0..n)` into outIdx/outScore (best first). Returns how many were written
 * (fewer than k when fewer than k items have a score above -Infinity); the other slots get index -1, score -Infinity.
 */
export function topk(scores: usize, n: i32, k: i32, outIdx: usize, outScore: usize): i32 {
  if (k <= 0) return 0;
  let size = 0;
  let i = 0;
  for (; i < n && size < k; i++) {
    const s = load<f32>(scores + (<usize>i << 2));
    if (!(s > -Infinity)) continue; // excluded: -Infinity or NaN
    size = heapOffer(s, i, size, k, outIdx, outScore);
  }
  // Once the heap is full, scores go four at a time against its worst score. Items come in ascending order, so an
  // item ties the worst entry only with a higher index (worse): only a strictly higher score can enter, and a chunk
  // with none (most of them once the heap holds good scores) costs one compare. -Infinity and NaN never compare
  // higher. The kept set and its order are those of offering every item in turn.
  let worst = f32x4.splat(size == k ? load<f32>(outScore) : Infinity);
  for (; i + 4 <= n; i += 4) {
    if (!v128.any_true(f32x4.gt(v128.load(scores + (<usize>i << 2)), worst))) continue;
    for (let j = i; j < i + 4; j++) size = offerAbove(scores, j, size, k, outIdx, outScore);
    worst = f32x4.splat(load<f32>(outScore));
  }
  for (; i < n; i++) size = offerAbove(scores, i, size, k, outIdx, outScore);
  heapFinish(size, k, outIdx, outScore);
  return size;
}

/** Offer scores[i] to a full heap when it beats the worst entry (the caller's items come in ascending order). */
// @ts-ignore: decorator
@inline function offerAbove(scores: usize, i: i32, size: i32, k: i32, outIdx: usize, outScore: usize): i32 {
  const s = load<f32>(scores + (<usize>i << 2));
  if (!(s > -Infinity)) return size;
  return heapOffer(s, i, size, k, outIdx, outScore);
}

/** Row-wise topk over a nRows × nCols score matrix; row r writes k slots at outIdx/outScore + r*k, its count to counts[r]. */
export function topkRows(scores: usize, nRows: i32, nCols: i32, k: i32, outIdx: usize, outScore: usize, counts: usize): void {
  for (let r = 0; r < nRows; r++) {
    const off = (<usize>r * <usize>k) << 2;
    store<i32>(counts + (<usize>r << 2), topk(scores + ((<usize>r * <usize>nCols) << 2), nCols, k, outIdx + off, outScore + off));
  }
}
