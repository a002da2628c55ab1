/** Reference for assembly/csr.ts. */

/** CSR sorted by row, then column, then input order (stable). */
export function csrFromCooRef(rows: Int32Array, cols: Int32Array, vals: Float32Array, nRows: number) {
  const n = rows.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rows[a] - rows[b] || cols[a] - cols[b] || a - b);
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(n);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) indptr[rows[i] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  order.forEach((src, dst) => {
    indices[dst] = cols[src];
    data[dst] = vals[src];
  });
  return { indptr, indices, data };
}

/** Merge repeated columns within each row in place; policy 0 = sum, 1 = max, 2 = last. Returns the new nnz. */
export function csrDedupeRef(indptr: Int32Array, cols: Int32Array, vals: Float32Array, nRows: number, policy: 0 | 1 | 2): number {
  let w = 0;
  let start = indptr[0];
  for (let r = 0; r < nRows; r++) {
    const end = indptr[r + 1];
    const rowStart = w;
    for (let j = start; j < end; j++) {
      if (w > rowStart && cols[w - 1] === cols[j]) {
        const old = vals[w - 1];
        vals[w - 1] = policy === 0 ? Math.fround(old + vals[j]) : policy === 1 ? Math.max(old, vals[j]) : vals[j];
      } else {
        cols[w] = cols[j];
        vals[w] = vals[j];
        w++;
      }
    }
    indptr[r] = rowStart;
    start = end;
  }
  indptr[nRows] = w;
  return w;
}

/** scores[r*stride + cols[j]] = value for the entries of rows [firstRow, firstRow + nRows). */
export function csrMaskRowsRef(indptr: Int32Array, cols: Int32Array, firstRow: number, nRows: number, scores: Float32Array, stride: number, value: number): void {
  for (let r = 0; r < nRows; r++) {
    for (let j = indptr[firstRow + r]; j < indptr[firstRow + r + 1]; j++) scores[r * stride + cols[j]] = value;
  }
}
