// Compressed sparse rows: building from coordinate lists, de-duplication and row masks.
// indptr has nRows + 1 i32 entries; row r's entries are [indptr[r], indptr[r+1]).

/**
 * Build CSR from (rows, cols, vals) of length n, ordered by row, then column, then input order (stable).
 * Two counting-sort passes (by column, then by row) make it O(n + nRows + nCols).
 * Scratch: tmpRows/tmpCols (n i32), tmpVals (n f32), colCounts (nCols + 1 i32). Out: indptr (nRows + 1), outCols, outVals (n).
 */
export function csrFromCoo(
  rows: usize, cols: usize, vals: usize, n: i32, nRows: i32, nCols: i32,
  indptr: usize, outCols: usize, outVals: usize,
  tmpRows: usize, tmpCols: usize, tmpVals: usize, colCounts: usize,
): void {
  // pass 1: stable counting sort by column into tmp*
  memory.fill(colCounts, 0, (<usize>nCols + 1) << 2);
  for (let i = 0; i < n; i++) {
    const c = load<i32>(cols + (<usize>i << 2));
    const p = colCounts + ((<usize>c + 1) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  for (let c = 0; c < nCols; c++) {
    const p = colCounts + ((<usize>c + 1) << 2);
    store<i32>(p, load<i32>(p) + load<i32>(p - 4));
  }
  for (let i = 0; i < n; i++) {
    const c = load<i32>(cols + (<usize>i << 2));
    const p = colCounts + (<usize>c << 2);
    const dst = load<i32>(p);
    store<i32>(p, dst + 1);
    store<i32>(tmpRows + (<usize>dst << 2), load<i32>(rows + (<usize>i << 2)));
    store<i32>(tmpCols + (<usize>dst << 2), c);
    store<f32>(tmpVals + (<usize>dst << 2), load<f32>(vals + (<usize>i << 2)));
  }
  // pass 2: stable counting sort by row into out*, indptr as the running offsets
  memory.fill(indptr, 0, (<usize>nRows + 1) << 2);
  for (let i = 0; i < n; i++) {
    const r = load<i32>(tmpRows + (<usize>i << 2));
    const p = indptr + ((<usize>r + 1) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  for (let r = 0; r < nRows; r++) {
    const p = indptr + ((<usize>r + 1) << 2);
    store<i32>(p, load<i32>(p) + load<i32>(p - 4));
  }
  // use indptr[r] as the cursor, then shift back
  for (let i = 0; i < n; i++) {
    const r = load<i32>(tmpRows + (<usize>i << 2));
    const p = indptr + (<usize>r << 2);
    const dst = load<i32>(p);
    store<i32>(p, dst + 1);
    store<i32>(outCols + (<usize>dst << 2), load<i32>(tmpCols + (<usize>i << 2)));
    store<f32>(outVals + (<usize>dst << 2), load<f32>(tmpVals + (<usize>i << 2)));
  }
  for (let r = nRows; r > 0; r--) store<i32>(indptr + (<usize>r << 2), load<i32>(indptr + ((<usize>r - 1) << 2)));
  store<i32>(indptr, 0);
}

/**
 * Merge repeated (row, col) entries of a sorted CSR in place. policy: 0 = sum, 1 = max, 2 = last (input order).
 * Returns the new number of entries; indptr is rewritten.
 */
export function csrDedupe(indptr: usize, cols: usize, vals: usize, nRows: i32, policy: i32): i32 {
  let w = 0;
  let start = load<i32>(indptr);
  for (let r = 0; r < nRows; r++) {
    const end = load<i32>(indptr + ((<usize>r + 1) << 2));
    const rowStart = w;
    for (let j = start; j < end; j++) {
      const c = load<i32>(cols + (<usize>j << 2));
      const v = load<f32>(vals + (<usize>j << 2));
      if (w > rowStart && load<i32>(cols + ((<usize>w - 1) << 2)) == c) {
        const p = vals + ((<usize>w - 1) << 2);
        const old = load<f32>(p);
        store<f32>(p, policy == 0 ? old + v : policy == 1 ? (v > old ? v : old) : v);
      } else {
        store<i32>(cols + (<usize>w << 2), c);
        store<f32>(vals + (<usize>w << 2), v);
        w++;
      }
    }
    store<i32>(indptr + (<usize>r << 2), rowStart);
    start = end;
  }
  store<i32>(indptr + (<usize>nRows << 2), w);
  return w;
}

/** scores[r * stride + cols[j]] = value for every entry j of CSR rows [0, nRows) (e.g. -Infinity to hide seen items). */
export function csrMaskRows(indptr: usize, cols: usize, nRows: i32, scores: usize, stride: i32, value: f32): void {
  for (let r = 0; r < nRows; r++) {
    const end = load<i32>(indptr + ((<usize>r + 1) << 2));
    const row = scores + ((<usize>r * <usize>stride) << 2);
    for (let j = load<i32>(indptr + (<usize>r << 2)); j < end; j++) {
      store<f32>(row + (<usize>load<i32>(cols + (<usize>j << 2)) << 2), value);
    }
  }
}
