/**
 * RP3beta (Paudel, Christoffel, Newell and Bernstein 2017, "Updatable, Accurate, Diverse, and Scalable Recommendations
 * for Interactive Applications", TiiS 7(1); as implemented in Dacrema et al. 2019's reproducibility study): item-item
 * weights from a 3-step random walk item → user → item, each step's transition probability raised to α, and the
 * arrival item j's weight divided by its popularity^β:
 *
 *   P_ui = X_ui / Σ_j X_uj,   P_iu = [X_ui > 0] / pop_i,   W_ij = Σ_u P_iu^α · P_uj^α · pop_j^−β   (i ≠ j),
 *
 * then each row keeps its `neighbors` largest weights and is rescaled to sum 1 (when `normalize`). The product is the
 * backend's sparse top-k product (the item-kNN kernel: SIMD Wasm over the worker threads), so memory grows with
 * items × neighbors, not items² as EASE's does.
 */
import type { FitOptions } from '../recommender.ts';
import { ItemItemRecommender, csrFromTopK, itemItemLayout } from './item-item.ts';
import { checkAborted, yieldToEventLoop } from '../progress.ts';
import { checkIntegerOption, checkNumberOption } from '../options.ts';
import { withDefaults } from '../../options-check.ts';
import { registerModelKind, type ModelState } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend, Csr } from '../../kernels/types.ts';
import { InvalidArgumentError } from '../../errors.ts';
import { useKernels } from '../../kernels/family.ts';
import { KNN_KERNELS } from '../../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(KNN_KERNELS);

/** Hyperparameters of {@link Rp3BetaRecommender}; defaults are Dacrema et al.'s. */
export interface Rp3BetaOptions {
  /** Exponent α on both transition probabilities (default 1; Dacrema et al. search [0, 2]). */
  alpha?: number;
  /** Popularity penalty β: the arrival item's weight is divided by its user count^β (default 0.5; [0, 2]). */
  beta?: number;
  /** Weights kept per item (default 100; [5, 1000]). */
  neighbors?: number;
  /** Rescale each kept row to sum 1 (default true). */
  normalize?: boolean;
}

const DEFAULTS: Required<Rp3BetaOptions> = { alpha: 1, beta: 0.5, neighbors: 100, normalize: true };

function checkOptions(o: Required<Rp3BetaOptions>): void {
  checkNumberOption('alpha', o.alpha, 0, true);
  checkNumberOption('beta', o.beta, 0, true);
  checkIntegerOption('neighbors', o.neighbors, 1);
  if (typeof o.normalize !== 'boolean') throw new InvalidArgumentError('normalize', o.normalize, 'true or false');
}

/**
 * The two walk steps as CSRs for the product: `toUser` (items × users, P_iu^α) and `toItem` (users × items,
 * P_uj^α · pop_j^−β). Weights must be non-negative (they are transition probabilities).
 */
export function walkMatrices(data: Interactions, byItem: Csr, options: Required<Rp3BetaOptions>): { toUser: Csr; toItem: Csr } {
  const { indptr, indices, data: c } = data.byUser;
  const { alpha, beta } = options;
  const pop = new Float64Array(data.nItems);
  for (let e = 0; e < indices.length; e++) {
    if (!(c[e] >= 0)) throw new InvalidArgumentError('weights', c[e], 'non-negative interaction weights for RP3beta (they are walk probabilities)', 'drop negative rows or use EASE.');
    if (c[e] > 0) pop[indices[e]]++;
  }
  const toItem = new Float32Array(indices.length);
  for (let u = 0; u < data.nUsers; u++) {
    let sum = 0;
    for (let p = indptr[u]; p < indptr[u + 1]; p++) sum += c[p];
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const j = indices[p];
      toItem[p] = sum > 0 && c[p] > 0 ? (c[p] / sum) ** alpha * pop[j] ** -beta : 0;
    }
  }
  const toUser = new Float32Array(byItem.indices.length);
  for (let i = 0; i < data.nItems; i++) {
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) toUser[p] = byItem.data[p] > 0 ? (1 / pop[i]) ** alpha : 0;
  }
  return { toUser: { ...byItem, data: toUser }, toItem: { ...data.byUser, data: toItem } };
}

/**
 * RP3beta: a random-walk item-item model with a popularity penalty, competitive with EASE in Dacrema et al. 2019 while
 * scaling to catalogues whose items² matrix does not fit.
 *
 * @example
 * ```ts
 * import { Rp3BetaRecommender } from 'recwise';
 * const rp3 = await new Rp3BetaRecommender({ alpha: 1, beta: 0.5, neighbors: 100 }).fit(interactions);
 * rp3.recommend('alice', { k: 10 });
 * rp3.recommend('newcomer', { userItems: ['matrix', 'alien'] }); // fold-in: Σ of the history's rows
 * ```
 */
export class Rp3BetaRecommender extends ItemItemRecommender {
  readonly kind = 'rp3beta';
  readonly options: Required<Rp3BetaOptions>;
  protected readonly rowsRanked = true;

  constructor(options: Rp3BetaOptions = {}) {
    super();
    this.options = withDefaults('Rp3BetaRecommender options', DEFAULTS, options);
    checkOptions(this.options);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    checkAborted(options.signal, 'RP3beta fit');
    const { toUser, toItem } = walkMatrices(data, data.itemUsers(this.backend), this.options);
    options.onProgress?.({ phase: 'fit', done: 1, total: 2 });
    await yieldToEventLoop();
    checkAborted(options.signal, 'RP3beta fit');
    // One more than kept, so a row still has `neighbors` entries after its own item (the walk's return) is dropped.
    const k = this.options.neighbors + 1;
    const top = await this.backend.productTopk(toUser, toItem, k);
    const n = data.nItems;
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let count = top.counts[i];
      let self = -1;
      for (let s = 0; s < count; s++) if (top.indices[row + s] === i) self = s;
      if (self >= 0) {
        top.indices.copyWithin(row + self, row + self + 1, row + count);
        top.scores.copyWithin(row + self, row + self + 1, row + count);
        count--;
      }
      count = Math.min(count, this.options.neighbors);
      top.counts[i] = count;
      if (this.options.normalize) {
        let sum = 0;
        for (let s = 0; s < count; s++) sum += top.scores[row + s];
        if (sum > 0) for (let s = 0; s < count; s++) top.scores[row + s] /= sum;
      }
    }
    this.sim = csrFromTopK(top.indices, top.scores, top.counts, k, n);
    options.onProgress?.({ phase: 'fit', done: 2, total: 2 });
  }

  /** Rebuild from a model file's state. */
  static fromState(state: ModelState, backend: Backend): Rp3BetaRecommender {
    return new Rp3BetaRecommender(state.params as Rp3BetaOptions).adoptState(state, backend);
  }

}

registerModelKind('rp3beta', (state, backend) => Rp3BetaRecommender.fromState(state, backend), {
  layout: (state) => itemItemLayout(state, (params) => new Rp3BetaRecommender(params as Rp3BetaOptions)),
  create: (params) => new Rp3BetaRecommender(params as Rp3BetaOptions),
});
