/**
 * Logistic matrix factorisation (Johnson 2014, "Logistic Matrix Factorization for Implicit Feedback Data"), trained
 * as implicit's LogisticMatrixFactorization: alternating adagrad passes over users then items, each row against its
 * positives and `negativeProportion` sampled negatives per positive (items of random stored pairs); biases live in
 * two extra columns (user: [factors…, 1, b_u], item: [factors…, b_i, 1]).
 */
import { FactorRecommender } from './factor.ts';
import type { FitOptions } from '../recommender.ts';
import { checkAborted, checkDiverged, sgdDivergenceFix, yieldToEventLoop } from '../progress.ts';
import { mulberry32, normal } from '../random.ts';
import { registerModelKind, type ModelState } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend, DenseMatrix } from '../../kernels/types.ts';
import { checkBooleanOption, checkIntegerOption, checkNumberOption, factorLayout } from '../options.ts';
import { withDefaults } from '../../options-check.ts';
import { useKernels } from '../../kernels/family.ts';
import { SGD_KERNELS } from '../../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(SGD_KERNELS);

/** Hyperparameters of {@link LmfRecommender}; defaults are implicit's. */
export interface LmfOptions {
  /** Latent factors (default 30); two more columns hold the biases. */
  factors?: number;
  /** Adagrad step (default 1.0). */
  learningRate?: number;
  /** L2 regularization (default 0.6). */
  regularization?: number;
  /** Epochs (default 30). */
  iterations?: number;
  /** Sampled negatives per positive (default 30). */
  negativeProportion?: number;
  /**
   * At most this many negatives per row and pass (default: factors + 2). implicit 0.7's lmf_update caps the
   * negatives at `item_vectors.shape[1]`, the number of factor columns, not at the number of items; its
   * published quality and speed (and the anchors') come from that cap, so it is the default here. Pass a larger
   * number (e.g. the item count) for the paper's full `negativeProportion` sampling.
   */
  maxNegatives?: number;
  /** Seed (default 42). */
  seed?: number;
  /**
   * Bit-identical factors for a seed whatever the thread count and runtime (default false: each thread draws
   * negatives from its own stream over the rows it happens to claim). A half-epoch's rows are independent, so this
   * costs no threads: rows run in fixed blocks, each with its own random stream (issue 22).
   */
  deterministic?: boolean;
}

const DEFAULTS: Required<Omit<LmfOptions, 'maxNegatives'>> = { factors: 30, learningRate: 1, regularization: 0.6, iterations: 30, negativeProportion: 30, seed: 42, deterministic: false };

/**
 * Logistic matrix factorisation.
 *
 * @example
 * ```ts
 * const lmf = await new LmfRecommender({ factors: 30, iterations: 30 }).fit(interactions);
 * lmf.recommend('alice', { k: 10 });
 * ```
 */
export class LmfRecommender extends FactorRecommender {
  readonly kind = 'lmf';
  readonly options: Required<LmfOptions>;

  constructor(options: LmfOptions = {}) {
    super();
    const merged = withDefaults('LmfRecommender options', DEFAULTS, options, ['maxNegatives']);
    this.options = { ...merged, maxNegatives: options.maxNegatives ?? merged.factors + 2 };
    const o = this.options;
    checkIntegerOption('maxNegatives', o.maxNegatives, 0);
    checkIntegerOption('factors', o.factors, 1);
    checkIntegerOption('iterations', o.iterations, 0);
    checkIntegerOption('negativeProportion', o.negativeProportion, 0);
    checkIntegerOption('seed', o.seed, 0);
    checkNumberOption('learningRate', o.learningRate, 0, false);
    checkNumberOption('regularization', o.regularization, 0, true);
    checkBooleanOption('deterministic', o.deterministic);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Reset a constant column to 1 after a pass updated it (implicit does the same). */
  private static resetColumn(m: DenseMatrix, col: number, zeroRows: Uint8Array): void {
    const a = m.toArray();
    for (let r = 0; r < m.rows; r++) if (!zeroRows[r]) a[r * m.cols + col] = 1;
    m.write(a);
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    const { factors, learningRate, regularization, iterations, negativeProportion, maxNegatives, seed, deterministic } = this.options;
    const cols = factors + 2;
    const gauss = normal(mulberry32(seed));
    const X = Float32Array.from({ length: data.nUsers * cols }, gauss);
    const Y = Float32Array.from({ length: data.nItems * cols }, gauss);
    const emptyUser = new Uint8Array(data.nUsers);
    const emptyItem = new Uint8Array(data.nItems).fill(1);
    for (const i of data.byUser.indices) emptyItem[i] = 0;
    for (let u = 0; u < data.nUsers; u++) {
      emptyUser[u] = data.byUser.indptr[u] === data.byUser.indptr[u + 1] ? 1 : 0;
      if (emptyUser[u]) X.fill(0, u * cols, (u + 1) * cols);
      else X[u * cols + cols - 2] = 1;
    }
    for (let i = 0; i < data.nItems; i++) {
      if (emptyItem[i]) Y.fill(0, i * cols, (i + 1) * cols);
      else Y[i * cols + cols - 1] = 1;
    }
    const b = this.backend;
    const xm = b.matrix(X, data.nUsers, cols);
    const ym = b.matrix(Y, data.nItems, cols);
    const gx = b.matrix(new Float32Array(X.length), data.nUsers, cols);
    const gy = b.matrix(new Float32Array(Y.length), data.nItems, cols);
    const cui = b.sparseMatrix(data.byUser);
    const ciu = b.sparseMatrix(data.itemUsers(b));
    try {
      for (let epoch = 0; epoch < iterations; epoch++) {
        checkAborted(options.signal, 'LMF fit');
        const base = { learningRate, regularization, negativeProportion, deterministic };
        await b.lmfEpoch(xm, ym, cui, gx, { ...base, negativeCap: Math.min(maxNegatives, data.nItems), seed: (seed * 1000003 + 2 * epoch) >>> 0 });
        LmfRecommender.resetColumn(xm, cols - 2, emptyUser);
        await b.lmfEpoch(ym, xm, ciu, gy, { ...base, negativeCap: Math.min(maxNegatives, data.nUsers), seed: (seed * 1000003 + 2 * epoch + 1) >>> 0 });
        LmfRecommender.resetColumn(ym, cols - 1, emptyItem);
        checkDiverged(b.allFinite(xm) && b.allFinite(ym), 'lmf', epoch + 1, sgdDivergenceFix(learningRate, ' or raising regularization'));
        options.onProgress?.({ phase: 'fit', done: epoch + 1, total: iterations });
        await this.publishEpoch(data, options, { epoch: epoch + 1 }, xm, ym);
        await yieldToEventLoop();
      }
      this.userFactors = xm.toArray();
      this.itemFactors = ym.toArray();
    } finally {
      for (const m of [xm, ym, gx, gy, cui, ciu]) m.dispose();
    }
    this.invalidateResident();
  }

  /**
   * Fold-in: LMF adagrad passes on a fresh user row only (item factors fixed), as many as the model was trained
   * with; negatives are drawn uniformly from items outside the history.
   */
  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const cols = this.factorCount;
    const nItems = this.requireIndex().items.size;
    const Y = this.itemFactors;
    const x = new Float32Array(cols);
    x[cols - 2] = 1;
    const G = new Float64Array(cols);
    const g = new Float64Array(cols);
    const seen = new Set(items);
    const next = mulberry32(this.options.seed ^ items.length);
    const { learningRate: lr, regularization: reg, negativeProportion, iterations, maxNegatives } = this.options;
    const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    const dot = (i: number) => {
      let s = 0;
      for (let k = 0; k < cols; k++) s += x[k] * Y[i * cols + k];
      return s;
    };
    const negatives = seen.size < nItems ? Math.min(nItems - seen.size, maxNegatives, items.length * negativeProportion) : 0;
    for (let pass = 0; pass < Math.max(1, iterations) && items.length; pass++) {
      g.fill(0);
      items.forEach((i, e) => {
        const c = weights ? weights[e] : 1;
        const a = c - c * sigmoid(dot(i));
        for (let k = 0; k < cols; k++) g[k] += a * Y[i * cols + k];
      });
      for (let n = 0; n < negatives; n++) {
        let j: number;
        do j = Math.floor(next() * nItems);
        while (seen.has(j));
        const a = -sigmoid(dot(j));
        for (let k = 0; k < cols; k++) g[k] += a * Y[j * cols + k];
      }
      for (let k = 0; k < cols; k++) {
        const gk = g[k] - reg * x[k];
        G[k] += gk * gk;
        x[k] += (lr * gk) / Math.sqrt(1e-6 + G[k]);
      }
      x[cols - 2] = 1;
    }
    return this.scoreVector(x);
  }

  static fromState(state: ModelState, backend: Backend): LmfRecommender {
    const model = new LmfRecommender(state.params as LmfOptions);
    return model.adoptState(state, backend, model.options.factors + 2);
  }

}

registerModelKind('lmf', (state, backend) => LmfRecommender.fromState(state, backend), {
  layout: (state) =>
    factorLayout(state, new LmfRecommender(state.params as LmfOptions).options.factors + 2, 'params.factors'),
  create: (params) => new LmfRecommender(params as LmfOptions),
});
