/** Splitting rows over threads so each gets about the same work (rows differ a lot in their number of entries). */

/**
 * Bounds b[0..parts] with b[0] = 0, b[parts] = nRows, so that each range [b[t], b[t+1]) has about the same
 * Σ (nnz_u + rowCost). `rowCost` is the fixed work per row in units of one entry (e.g. the d×d matvec of CG).
 */
export function balancedBounds(indptr: ArrayLike<number>, nRows: number, parts: number, rowCost: number): number[] {
  const total = indptr[nRows] - indptr[0] + rowCost * nRows;
  const bounds = [0];
  let row = 0;
  for (let t = 1; t < parts; t++) {
    const goal = (total * t) / parts;
    while (row < nRows && indptr[row] - indptr[0] + rowCost * row < goal) row++;
    bounds.push(Math.max(row, bounds[t - 1]));
  }
  bounds.push(nRows);
  return bounds;
}

/** The row of every stored entry of a CSR (the COO row array). */
export function rowOfEntry(indptr: Int32Array): Int32Array {
  const rows = indptr.length - 1;
  const out = new Int32Array(indptr[rows]);
  for (let r = 0; r < rows; r++) out.fill(r, indptr[r], indptr[r + 1]);
  return out;
}

/** Blocks of a deterministic row pass: enough for two threads or more to balance, few enough to cost nothing. */
export const DETERMINISTIC_BLOCKS = 64;

/**
 * Row blocks of a deterministic pass over independent rows (LMF's half-epochs, issue 22): bounds that depend on the
 * data alone (about equal entries + rows per block), never on the thread count, so with one random stream per block
 * (`seedState(seed, block)`) a pass gives the same rows whichever thread runs which block and in which order.
 */
export function deterministicBlocks(indptr: ArrayLike<number>, nRows: number): number[] {
  return balancedBounds(indptr, nRows, Math.max(1, Math.min(DETERMINISTIC_BLOCKS, nRows)), 1);
}
