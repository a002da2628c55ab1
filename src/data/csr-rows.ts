/** Row selection and transposition of CSR matrices (a batch of users' rows out of the seen matrix, say). */
import type { Csr } from '../kernels/types.ts';

/**
 * The CSR made of `rows` of `csr`, in the given order (a row may repeat); columns and values as stored.
 *
 * @example
 * ```ts
 * const batch = selectRows(index.seen, Int32Array.of(7, 2));  // users 7 and 2, in that order
 * ```
 */
export function selectRows(csr: Csr, rows: ArrayLike<number>): Csr {
  const n = rows.length;
  const indptr = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) indptr[r + 1] = indptr[r] + csr.indptr[rows[r] + 1] - csr.indptr[rows[r]];
  const indices = new Int32Array(indptr[n]);
  const data = new Float32Array(indptr[n]);
  for (let r = 0; r < n; r++) {
    const from = csr.indptr[rows[r]], to = csr.indptr[rows[r] + 1];
    indices.set(csr.indices.subarray(from, to), indptr[r]);
    data.set(csr.data.subarray(from, to), indptr[r]);
  }
  return { indptr, indices, data, rows: n, cols: csr.cols };
}

/**
 * The transpose of `csr` (columns become rows), each new row's entries in ascending order of the old row: a stable
 * counting sort, O(nnz), on the JS heap (issue 23: it holds none of the kernels' memory).
 *
 * @example
 * ```ts
 * const byItem = transposeCsr(interactions.byUser);  // items × users
 * ```
 */
export function transposeCsr(csr: Csr): Csr {
  const { indptr, indices, data, rows, cols } = csr;
  const outIndptr = new Int32Array(cols + 1);
  for (let e = 0; e < indptr[rows]; e++) outIndptr[indices[e] + 1]++;
  for (let c = 0; c < cols; c++) outIndptr[c + 1] += outIndptr[c];
  const next = outIndptr.slice(0, cols);
  const outIndices = new Int32Array(indptr[rows]);
  const values = new Float32Array(indptr[rows]);
  for (let r = 0; r < rows; r++) {
    for (let e = indptr[r], end = indptr[r + 1]; e < end; e++) {
      const q = next[indices[e]]++;
      outIndices[q] = r;
      values[q] = data[e];
    }
  }
  return { indptr: outIndptr, indices: outIndices, data: values, rows: cols, cols: rows };
}
