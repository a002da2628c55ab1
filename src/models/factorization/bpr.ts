/**
 * Bayesian Personalized Ranking matrix factorisation (Rendle et al. 2009, "BPR: Bayesian Personalized Ranking from
 * Implicit Feedback"), trained as implicit's BayesianPersonalizedRanking: each epoch draws nnz samples (a random stored
 * (user, item) pair, and a negative drawn as the item of another random stored pair, skipped when the user has it),
 * SGD with L2, an item bias in the last factor column (the user's last column is 1), Hogwild over threads.
 */
import { FactorRecommender } from './factor.ts';
import type { FitOptions } from '../recommender.ts';
import { checkAborted, checkDiverged, sgdDivergenceFix, yieldToEventLoop } from '../progress.ts';
import { mulberry32 } from '../random.ts';
import { registerModelKind, type ModelState } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend } from '../../kernels/types.ts';
import { checkBooleanOption, checkIntegerOption, checkNumberOption, factorLayout } from '../options.ts';
import { withDefaults } from '../../options-check.ts';
import { useKernels } from '../../kernels/family.ts';
import { SGD_KERNELS } from '../../kernels/families.ts';
import { registerFitMemory } from '../fit-memory.ts';
import { BPR_FIT_MEMORY } from '../fit-memory-formulas.ts';

// The backend kernels and the fit-memory formula this module uses come with it (issue 18: an app that does not import
// it does not ship them).
useKernels(SGD_KERNELS);
registerFitMemory('bpr', BPR_FIT_MEMORY);

/** Hyperparameters of {@link BprRecommender}; defaults are implicit's. */
export interface BprOptions {
  /** Latent factors (default 100); one more column holds the item bias. */
  factors?: number;
  /** SGD step (default 0.01). */
  learningRate?: number;
  /** L2 regularization (default 0.01). */
  regularization?: number;
  /** Epochs (default 100). */
  iterations?: number;
  /** Skip sampled negatives the user has interacted with (default true). */
  verifyNegative?: boolean;
  /** Seed (default 42). Results are reproducible for a given seed and thread count; across thread counts with `deterministic`. */
  seed?: number;
  /**
   * Bit-identical factors for a seed whatever the thread count and runtime (default false: Hogwild over threads,
   * reproducible only for one seed and thread count). BPR's samples update shared user and item rows, and each draws
   * its negative from the whole catalogue, so no split of an epoch into conflict-free blocks exists without changing
   * the sampler: deterministic epochs run the samples in one fixed order on one thread (issue 22).
   */
  deterministic?: boolean;
}

const DEFAULTS: Required<BprOptions> = { factors: 100, learningRate: 0.01, regularization: 0.01, iterations: 100, verifyNegative: true, seed: 42, deterministic: false };

/**
 * BPR matrix factorisation.
 *
 * @example
 * ```ts
 * const bpr = await new BprRecommender({ factors: 64, iterations: 100 }).fit(interactions, {
 *   onProgress: (p) => console.log(p.done, p.info?.trainAuc),
 * });
 * bpr.recommend('alice');
 * ```
 */
export class BprRecommender extends FactorRecommender {
  readonly kind = 'bpr';
  readonly options: Required<BprOptions>;

  constructor(options: BprOptions = {}) {
    super();
    this.options = withDefaults('BprRecommender options', DEFAULTS, options);
    const o = this.options;
    checkIntegerOption('factors', o.factors, 1);
    checkIntegerOption('iterations', o.iterations, 0);
    checkIntegerOption('seed', o.seed, 0);
    checkNumberOption('learningRate', o.learningRate, 0, false);
    checkNumberOption('regularization', o.regularization, 0, true);
    checkBooleanOption('verifyNegative', o.verifyNegative);
    checkBooleanOption('deterministic', o.deterministic);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    const { factors, learningRate, regularization, iterations, verifyNegative, seed, deterministic } = this.options;
    const cols = factors + 1;
    const next = mulberry32(seed);
    // implicit: (rand − 0.5) / factors; rows without interactions are zero; the user's bias column is 1.
    const X = new Float32Array(data.nUsers * cols);
    const Y = new Float32Array(data.nItems * cols);
    for (let i = 0; i < X.length; i++) X[i] = (next() - 0.5) / factors;
    for (let i = 0; i < Y.length; i++) Y[i] = (next() - 0.5) / factors;
    const counts = new Int32Array(data.nItems);
    for (const i of data.byUser.indices) counts[i]++;
    for (let i = 0; i < data.nItems; i++) if (!counts[i]) Y.fill(0, i * cols, (i + 1) * cols);
    for (let u = 0; u < data.nUsers; u++) {
      if (data.byUser.indptr[u] === data.byUser.indptr[u + 1]) X.fill(0, u * cols, (u + 1) * cols);
      else X[u * cols + factors] = 1;
    }
    const b = this.backend;
    const xm = b.matrix(X, data.nUsers, cols);
    const ym = b.matrix(Y, data.nItems, cols);
    const c = b.sparseMatrix(data.byUser);
    try {
      for (let epoch = 0; epoch < iterations; epoch++) {
        checkAborted(options.signal, 'BPR fit');
        const { correct, skipped } = await b.bprEpoch(xm, ym, c, data.nnz, { learningRate, regularization, verifyNegative, seed: (seed * 1000003 + epoch) >>> 0, deterministic });
        checkDiverged(b.allFinite(xm) && b.allFinite(ym), 'bpr', epoch + 1, sgdDivergenceFix(learningRate, ' or raising regularization'));
        const used = data.nnz - skipped;
        options.onProgress?.({ phase: 'fit', done: epoch + 1, total: iterations, info: { trainAuc: used ? correct / used : 0, skipped: data.nnz ? skipped / data.nnz : 0 } });
        await this.publishEpoch(data, options, { epoch: epoch + 1 }, xm, ym);
        if (epoch % 4 === 3) await yieldToEventLoop();
      }
      this.userFactors = xm.toArray();
      this.itemFactors = ym.toArray();
    } finally {
      for (const m of [xm, ym, c]) m.dispose();
    }
    this.invalidateResident();
  }

  /**
   * Fold-in: BPR steps on a fresh user row only (item factors fixed): 50 passes over the history, each positive
   * against a random item outside it. implicit has no fold-in for BPR; this gives new users a usable vector.
   */
  override scoreHistory(items: Int32Array): Float32Array {
    const cols = this.factorCount;
    const factors = cols - 1;
    const nItems = this.requireIndex().items.size;
    const Y = this.itemFactors;
    const x = new Float32Array(cols);
    x[factors] = 1;
    const seen = new Set(items);
    const next = mulberry32(this.options.seed ^ items.length);
    const { learningRate: lr, regularization: reg } = this.options;
    for (let pass = 0; pass < 50 && items.length && seen.size < nItems; pass++) {
      for (const i of items) {
        let j: number;
        do j = Math.floor(next() * nItems);
        while (seen.has(j));
        let score = 0;
        for (let k = 0; k < cols; k++) score += x[k] * (Y[i * cols + k] - Y[j * cols + k]);
        const z = 1 / (1 + Math.exp(score));
        for (let k = 0; k < factors; k++) x[k] += lr * (z * (Y[i * cols + k] - Y[j * cols + k]) - reg * x[k]);
      }
    }
    return this.scoreVector(x);
  }

  static fromState(state: ModelState, backend: Backend): BprRecommender {
    const model = new BprRecommender(state.params as BprOptions);
    return model.adoptState(state, backend, model.options.factors + 1);
  }

}

registerModelKind('bpr', (state, backend) => BprRecommender.fromState(state, backend), {
  layout: (state) =>
    factorLayout(state, new BprRecommender(state.params as BprOptions).options.factors + 1, 'params.factors'),
  create: (params) => new BprRecommender(params as BprOptions),
});
