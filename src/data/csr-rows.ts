/** Row selection on CSR matrices (a batch of users' rows out of the seen matrix, say). */
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
