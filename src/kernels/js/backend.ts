/**
 * The `js` backend: the TS reference kernels, usable everywhere (the fallback and the spec). This is its core; the
 * model families' kernels come with the modules that use them (./families.ts, ../family.ts).
 */
import { allFiniteRef } from '../reference/finite.ts';
import type { Backend, Csr, CsrArrays, DenseMatrix, DuplicatePolicy, RowMask, SparseMatrix, SparseRows, TopK } from '../types.ts';
import { scoreBlockRef } from '../reference/score.ts';
import { topkRowsRef } from '../reference/topk.ts';
import { recommendBlockRef } from '../reference/recommend.ts';
import { csrDedupeRef, csrFromCooRef } from '../reference/csr.ts';
import { checkCoo, checkCsr, checkK, checkMask, checkMatrixData, checkQueries, checkRowsWrite, checkScores, checkValues, policyCode } from '../validate.ts';
import { assembleBackend } from '../family.ts';

export class JsMatrix implements DenseMatrix {
  constructor(readonly data: Float32Array, readonly rows: number, readonly cols: number) {}
  toArray(): Float32Array {
    return this.data.slice();
  }
  write(data: Float32Array, firstRow = 0): void {
    checkRowsWrite(data, firstRow, this.rows, this.cols);
    this.data.set(data, firstRow * this.cols);
  }
  dispose(): void {}
}

export class JsSparseMatrix implements SparseMatrix {
  readonly rows: number;
  readonly nnz: number;
  constructor(readonly indptr: Int32Array, readonly indices: Int32Array, readonly data: Float32Array, readonly cols: number) {
    this.rows = indptr.length - 1;
    this.nnz = indices.length;
  }
  dispose(): void {}
}

export class JsSparseRows implements SparseRows {
  readonly rows: number;
  readonly nnz: number;
  constructor(readonly indptr: Int32Array, readonly indices: Int32Array) {
    this.rows = indptr.length - 1;
    this.nnz = indices.length;
  }
  dispose(): void {}
}

export function asJs<T>(value: unknown, cls: new (...a: any[]) => T, what: string): T {
  if (!(value instanceof cls)) throw new TypeError(`${what} was created by another backend; create it with this backend's ${what === 'matrix' ? 'matrix()' : 'sparseRows()'}.`);
  return value;
}

export function createJsBackend(): Backend {
  const recommend = (queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): TopK => {
    checkQueries(queries, nQueries, items);
    checkK(k);
    checkMask(mask, nQueries);
    const m = asJs(items, JsMatrix, 'matrix');
    const out = { k, rows: nQueries, indices: new Int32Array(nQueries * k), scores: new Float32Array(nQueries * k), counts: new Int32Array(nQueries) };
    const rows = mask ? asJs(mask.rows, JsSparseRows, 'sparseRows') : undefined;
    recommendBlockRef(queries, nQueries, m.data, m.rows, m.cols, rows && { indptr: rows.indptr, indices: rows.indices, firstRow: mask!.firstRow }, k, out.indices, out.scores, out.counts);
    return out;
  };
  return assembleBackend('js', {
    name: 'js',
    threads: 1,
    matrix(data, rows, cols) {
      checkMatrixData(data, rows, cols);
      return new JsMatrix(data.slice(), rows, cols);
    },
    allFinite(matrix) {
      return allFiniteRef(asJs(matrix, JsMatrix, 'matrix').data);
    },
    sparseRows(csr: CsrArrays) {
      checkCsr(csr);
      return new JsSparseRows(csr.indptr.slice(), csr.indices.slice());
    },
    scoreBlock(queries, nQueries, items) {
      checkQueries(queries, nQueries, items);
      const m = asJs(items, JsMatrix, 'matrix');
      return scoreBlockRef(queries, nQueries, m.data, m.rows, m.cols);
    },
    topk(scores, nRows, nCols, k) {
      checkScores(scores, nRows, nCols);
      checkK(k);
      const out = { k, rows: nRows, indices: new Int32Array(nRows * k), scores: new Float32Array(nRows * k), counts: new Int32Array(nRows) };
      topkRowsRef(scores, nRows, nCols, k, out.indices, out.scores, out.counts);
      return out;
    },
    recommendBlock: recommend,
    recommendBlockParallel: async (...args) => recommend(...args),
    csrFromCoo(rows, cols, vals, nRows, nCols, policy: DuplicatePolicy = 'keep'): Csr {
      checkCoo(rows, cols, vals, nRows, nCols);
      const code = policyCode(policy);
      const built = csrFromCooRef(rows, cols, vals, nRows);
      if (code < 0) return { ...built, rows: nRows, cols: nCols };
      const nnz = csrDedupeRef(built.indptr, built.indices, built.data, nRows, code as 0 | 1 | 2);
      return { indptr: built.indptr, indices: built.indices.slice(0, nnz), data: built.data.slice(0, nnz), rows: nRows, cols: nCols };
    },
    sparseMatrix(csr: Csr) {
      checkCsr(csr, csr.cols);
      checkValues(csr);
      return new JsSparseMatrix(csr.indptr.slice(), csr.indices.slice(), csr.data.slice(), csr.cols);
    },
    dispose() {},
  });
}
