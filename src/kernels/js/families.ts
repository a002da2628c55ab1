/**
 * The `js` backend's kernel families (../family.ts): each model family's methods over the TS reference kernels, added
 * to the js backends when a module that uses them loads (../families.ts).
 */
import type { Backend } from '../types.ts';
import { alsCgRef, alsCholeskyRef, gramRef } from '../reference/als.ts';
import { bprSamplesRef, lmfRowsRef, seedState } from '../reference/sgd.ts';
import { deterministicBlocks, rowOfEntry } from '../partition.ts';
import { AbortError, NotPositiveDefiniteError } from '../../errors.ts';
import { scoreBlockRef } from '../reference/score.ts';
import { productRecommendRowsRef, productTopkRowsRef } from '../reference/knn.ts';
import { sparseGramRef, spdInverseRef } from '../reference/spd.ts';
import { rankMetricsRef } from '../reference/metrics.ts';
import { checkRankMetrics } from '../validate-metrics.ts';
import { createJsHybridSession } from './lightfm.ts';
import { gruBackwardRef, gruForwardRef } from '../reference/gru.ts';
import { referenceNnKernels } from '../reference/nn.ts';
import { checkGru } from '../validate-gru.ts';
import { checkAls, checkGram, checkProduct, checkQueries, checkSgd, checkSquare } from '../validate.ts';
import { JsMatrix, JsSparseMatrix, asJs } from './backend.ts';

export const jsAlsKernels = (): Pick<Backend, 'gram' | 'alsSolve'> => ({
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
});

export const jsSgdKernels = (): Pick<Backend, 'bprEpoch' | 'lmfEpoch'> => ({
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
});

export const jsKnnKernels = (): Pick<Backend, 'productTopk' | 'productRecommend'> => ({
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
});

export const jsSpdKernels = (): Pick<Backend, 'sparseGram' | 'spdInverse'> => ({
  async sparseGram(byItem, byUser, regularization) {
    checkGram(byItem, byUser, regularization);
    return sparseGramRef(byItem, byUser, regularization);
  },
  async spdInverse(a, n, options = {}) {
    checkSquare(a, n);
    if (options.signal?.aborted) throw new AbortError('spdInverse');
    return spdInverseRef(a, n);
  },
});

export const jsHybridKernels = (): Pick<Backend, 'hybridSession'> => ({
  hybridSession: (params, data, settings) => createJsHybridSession(params, data, settings),
});

export const jsMetricsKernels = (): Pick<Backend, 'rankMetrics' | 'rankMetricsScored'> => {
  const kernels: Pick<Backend, 'rankMetrics' | 'rankMetricsScored'> = {
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
      checkQueries(queries, nQueries, items);
      const m = asJs(items, JsMatrix, 'matrix');
      return kernels.rankMetrics(scoreBlockRef(queries, nQueries, m.data, m.rows, m.cols), nQueries, m.rows, train, test, k);
    },
  };
  return kernels;
};

export const jsGruKernels = (): Pick<Backend, 'gruForward' | 'gruBackward'> => ({
  gruForward(w, x, mask, steps, batch, h0) {
    checkGru(w, x, mask, steps, batch, h0);
    return gruForwardRef(w, x, mask, steps, batch, h0);
  },
  gruBackward(w, grads, x, mask, steps, batch, h0, fwd, dhs) {
    checkGru(w, x, mask, steps, batch, h0, grads, fwd, dhs);
    return gruBackwardRef(w, grads, x, mask, steps, batch, h0, fwd, dhs);
  },
});

export const jsNnKernels = (): Pick<Backend, 'nn'> => ({
  nn: referenceNnKernels,
});
