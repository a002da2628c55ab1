/** The `js` backend: the TS reference kernels, usable everywhere (the fallback and the spec). */
import { allFiniteRef } from '../reference/finite.ts';
import type { Backend, Csr, CsrArrays, DenseMatrix, DuplicatePolicy, RowMask, SparseMatrix, SparseRows, TopK } from '../types.ts';
import { alsCgRef, alsCholeskyRef, gramRef } from '../reference/als.ts';
import { bprSamplesRef, lmfRowsRef, seedState } from '../reference/sgd.ts';
import { deterministicBlocks, rowOfEntry } from '../partition.ts';
import { AbortError, NotPositiveDefiniteError } from '../../errors.ts';
import { scoreBlockRef } from '../reference/score.ts';
import { topkRowsRef } from '../reference/topk.ts';
import { productRecommendRowsRef, productTopkRowsRef } from '../reference/knn.ts';
import { sparseGramRef, spdInverseRef } from '../reference/spd.ts';
import { rankMetricsRef } from '../reference/metrics.ts';
import { checkRankMetrics } from '../validate-metrics.ts';
import { recommendBlockRef } from '../reference/recommend.ts';
import { csrDedupeRef, csrFromCooRef } from '../reference/csr.ts';
import { createJsHybridSession } from './lightfm.ts';
import { gruBackwardRef, gruForwardRef } from '../reference/gru.ts';
import { referenceNnKernels } from '../reference/nn.ts';
import { checkGru } from '../validate-gru.ts';
import { checkAls, checkCoo, checkCsr, checkK, checkMask, checkMatrixData, checkQueries, checkRowsWrite, checkScores, checkSgd, checkValues, policyCode, checkProduct, checkGram, checkSquare } from '../validate.ts';

class JsMatrix implements DenseMatrix {
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

class JsSparseMatrix implements SparseMatrix {
  readonly rows: number;
  readonly nnz: number;
  constructor(readonly indptr: Int32Array, readonly indices: Int32Array, readonly data: Float32Array, readonly cols: number) {
    this.rows = indptr.length - 1;
    this.nnz = indices.length;
  }
  dispose(): void {}
}

class JsSparseRows implements SparseRows {
  readonly rows: number;
  readonly nnz: number;
  constructor(readonly indptr: Int32Array, readonly indices: Int32Array) {
    this.rows = indptr.length - 1;
    this.nnz = indices.length;
  }
  dispose(): void {}
}

function asJs<T>(value: unknown, cls: new (...a: any[]) => T, what: string): T {
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
  return {
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
    gram(matrix, regularization) {
      const m = asJs(matrix, JsMatrix, 'matrix');
      return gramRef(m.data, m.rows, m.cols, regularization);
    },
    async alsSolve(target, confidence, other, gram, options) {
      const x = asJs(target, JsMatrix, 'matrix');
      const y = asJs(other, JsMatrix, 'matrix');
      const c = asJs(confidence, JsSparseMatrix, 'sparseMatrix');
      checkAls(x, c, y, gram, options);
      if (options.solver === 'cg') alsCgRef(c.indptr, c.indices, c.data, x.data, y.data, gram, x.cols, 0, c.rows, options.cgSteps, options.rowRegularization);
      else {
        const failed = alsCholeskyRef(c.indptr, c.indices, c.data, x.data, y.data, gram, x.cols, 0, c.rows, options.rowRegularization);
        if (failed) throw new NotPositiveDefiniteError(failed - 1);
      }
    },
    async bprEpoch(users, items, interactions, samples, options) {
      const x = asJs(users, JsMatrix, 'matrix');
      const y = asJs(items, JsMatrix, 'matrix');
      const c = asJs(interactions, JsSparseMatrix, 'sparseMatrix');
      checkSgd(x, y, c, samples);
      const [correct, skipped] = bprSamplesRef(rowOfEntry(c.indptr), c.indices, c.indptr, x.data, y.data, x.cols, options.learningRate, options.regularization, options.verifyNegative, samples, seedState(options.seed, 0));
      return { correct, skipped };
    },
    async lmfEpoch(target, other, rows, gradSq, options) {
      const x = asJs(target, JsMatrix, 'matrix');
      const y = asJs(other, JsMatrix, 'matrix');
      const g = asJs(gradSq, JsMatrix, 'matrix');
      const c = asJs(rows, JsSparseMatrix, 'sparseMatrix');
      checkSgd(x, y, c, 0, g);
      const run = (from: number, to: number, stream: number) =>
        lmfRowsRef(c.indptr, c.indices, c.data, x.data, y.data, g.data, x.cols, options.learningRate, options.regularization, options.negativeProportion, options.negativeCap, from, to, seedState(options.seed, stream));
      if (!options.deterministic) return run(0, c.rows, 0);
      const bounds = deterministicBlocks(c.indptr, c.rows);
      for (let b = 0; b + 1 < bounds.length; b++) run(bounds[b], bounds[b + 1], b);
    },
    async productTopk(a, b, k) {
      checkProduct(a, b, k);
      const out = { k, rows: a.rows, indices: new Int32Array(a.rows * k), scores: new Float32Array(a.rows * k), counts: new Int32Array(a.rows) };
      productTopkRowsRef(a, b, k, 0, a.rows, out.indices, out.scores, out.counts);
      return out;
    },
    async productRecommend(a, b, k, excludeOwn) {
      checkProduct(a, b, k);
      const out = { k, rows: a.rows, indices: new Int32Array(a.rows * k), scores: new Float32Array(a.rows * k), counts: new Int32Array(a.rows) };
      productRecommendRowsRef(a, b, k, excludeOwn, 0, a.rows, out.indices, out.scores, out.counts);
      return out;
    },
    async sparseGram(byItem, byUser, regularization) {
      checkGram(byItem, byUser, regularization);
      return sparseGramRef(byItem, byUser, regularization);
    },
    async spdInverse(a, n, options = {}) {
      checkSquare(a, n);
      if (options.signal?.aborted) throw new AbortError('spdInverse');
      return spdInverseRef(a, n);
    },
    hybridSession: (params, data, settings) => createJsHybridSession(params, data, settings),
    rankMetrics(scores, nRows, nCols, train, test, k) {
      checkRankMetrics(scores, nRows, nCols, train, test, k);
      const out = {
        k, rows: nRows, indices: new Int32Array(nRows * k), scores: new Float32Array(nRows * k), counts: new Int32Array(nRows),
        hits: new Int32Array(nRows * k), ranks: new Int32Array(test.indices.length), negatives: new Int32Array(nRows),
        aucPairs: new Float64Array(nRows), above: new Int32Array(nRows),
      };
      rankMetricsRef(scores, nRows, nCols, train.indptr, train.indices, test.indptr, test.indices, k, { ...out, top: out.indices, topScores: out.scores });
      return out;
    },
    async rankMetricsScored(queries, nQueries, items, train, test, k) {
      return this.rankMetrics(this.scoreBlock(queries, nQueries, items), nQueries, items.rows, train, test, k);
    },
    gruForward(w, x, mask, steps, batch, h0) {
      checkGru(w, x, mask, steps, batch, h0);
      return gruForwardRef(w, x, mask, steps, batch, h0);
    },
    nn: referenceNnKernels,
    gruBackward(w, grads, x, mask, steps, batch, h0, fwd, dhs) {
      checkGru(w, x, mask, steps, batch, h0, grads, fwd, dhs);
      return gruBackwardRef(w, grads, x, mask, steps, batch, h0, fwd, dhs);
    },
    dispose() {},
  };
}
