/**
 * Item-item nearest neighbours with implicit's semantics (implicit.nearest_neighbours, 0.7): weight the
 * users × items matrix W by the chosen similarity, keep for every item the K largest entries of its row of WᵀW
 * (all_pairs_knn; the item itself included, as implicit keeps it), and score a user by summing the similarity rows
 * of their items, each times the user's interaction weight (NearestNeighboursScorer).
 *
 * Weightings, with c the interaction weight of user u and item i, N the number of items, n_u the user's number of
 * items and idf_u = ln N − ln(1 + n_u) (implicit weights the items × users matrix, so users are the "terms"):
 * - plain:  W = c (raw co-occurrence dot products);
 * - cosine: W = c / ‖c_i‖ (each item's column scaled to unit length);
 * - tfidf:  W = t / ‖t_i‖ with t = √c · idf_u;
 * - bm25:   W = c (K1 + 1) / (K1 · L_i + c) · idf_u with L_i = (1 − B) + B · pop_i / mean pop, pop_i = Σ_u c.
 */
import type { FitOptions } from '../recommender.ts';
import { ItemItemRecommender, csrFromTopK, itemItemLayout } from './item-item.ts';
import { checkAborted, yieldToEventLoop } from '../progress.ts';
import { checkIntegerOption, checkNumberOption } from '../options.ts';
import { registerModelKind, type ModelState } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend, Csr } from '../../kernels/types.ts';
import { InvalidArgumentError } from '../../errors.ts';
import { withDefaults } from '../../options-check.ts';
import { useKernels } from '../../kernels/family.ts';
import { KNN_KERNELS } from '../../kernels/families.ts';
import { registerFitMemory } from '../fit-memory.ts';
import { ITEMKNN_FIT_MEMORY } from '../fit-memory-formulas.ts';

// The backend kernels and the fit-memory formula this module uses come with it (issue 18: an app that does not import
// it does not ship them).
useKernels(KNN_KERNELS);
registerFitMemory('itemknn', ITEMKNN_FIT_MEMORY);

/** How item vectors are weighted before their dot products are taken. */
export type ItemSimilarity = 'cosine' | 'bm25' | 'tfidf' | 'plain';

/** Hyperparameters of {@link ItemKnnRecommender}; defaults are implicit's. */
export interface ItemKnnOptions {
  /** 'cosine' (default, implicit's CosineRecommender), 'bm25', 'tfidf' or 'plain' (raw co-occurrence counts). */
  similarity?: ItemSimilarity;
  /** Neighbours kept per item, the item itself included (implicit's K; default 20). */
  neighbors?: number;
  /** BM25 term-frequency saturation K1 (default 1.2). */
  k1?: number;
  /** BM25 length normalisation B in [0, 1] (default 0.75). */
  b?: number;
}

const DEFAULTS: Required<ItemKnnOptions> = { similarity: 'cosine', neighbors: 20, k1: 1.2, b: 0.75 };
const SIMILARITIES: readonly ItemSimilarity[] = ['cosine', 'bm25', 'tfidf', 'plain'];

function checkOptions(o: Required<ItemKnnOptions>): void {
  if (!SIMILARITIES.includes(o.similarity)) throw new InvalidArgumentError('similarity', o.similarity, "'cosine', 'bm25', 'tfidf' or 'plain'");
  checkIntegerOption('neighbors', o.neighbors, 1);
  checkNumberOption('k1', o.k1, 0, true);
  checkNumberOption('b', o.b, 0, true);
  if (o.b > 1) throw new InvalidArgumentError('b', o.b, 'a number in [0, 1]');
}

/**
 * W in both orientations (users × items and items × users), with identical f32 values: each weight is one f64
 * expression of (u, i, c) rounded once, written to both.
 *
 * One pass over the user-major rows gathers the per-item sums, a second weighs every entry and scatters it into the
 * item-major copy (a stable counting sort: each item's users stay ascending, as in `data.itemUsers()`). Users are
 * visited in ascending order, so each item's f64 sum adds its terms in the order of its item-major row. This whole
 * function runs on one thread before the product can start: transposing with csrFromCoo and weighing each
 * orientation separately took ~50–80 ms of a ~0.3 s ml-1m fit.
 */
export function weightInteractions(data: Interactions, options: Required<ItemKnnOptions>): { byUser: Csr; byItem: Csr } {
  const byUser = data.byUser;
  const { indptr, indices, data: c } = byUser;
  const nUsers = data.nUsers;
  const nItems = data.nItems;
  const nnz = indices.length;
  const { similarity, k1, b } = options;
  if (similarity === 'tfidf' || similarity === 'bm25') {
    for (let e = 0; e < nnz; e++) {
      if (c[e] < 0) throw new InvalidArgumentError('weights', c[e], `non-negative interaction weights for ${similarity}`, "use similarity 'cosine' or 'plain' with negative weights.");
    }
  }
  const idf = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) idf[u] = Math.log(nItems) - Math.log1p(indptr[u + 1] - indptr[u]);
  // Per item: its entry count (shifted by one, to become the item-major indptr) and a sum: Σ t² for cosine and
  // tfidf (then 1/‖·‖), the popularity Σ c for bm25 (then the length norm L_i).
  const itemIndptr = new Int32Array(nItems + 1);
  const itemFactor = new Float64Array(nItems);
  const cosine = similarity === 'cosine';
  const tfidf = similarity === 'tfidf';
  const bm25 = similarity === 'bm25';
  for (let u = 0; u < nUsers; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const i = indices[p];
      itemIndptr[i + 1]++;
      if (cosine) itemFactor[i] += c[p] * c[p];
      else if (tfidf) {
        const t = Math.sqrt(c[p]) * idf[u];
        itemFactor[i] += t * t;
      } else if (bm25) itemFactor[i] += c[p];
    }
  }
  for (let i = 0; i < nItems; i++) itemIndptr[i + 1] += itemIndptr[i];
  if (cosine || tfidf) {
    for (let i = 0; i < nItems; i++) itemFactor[i] = itemFactor[i] > 0 ? 1 / Math.sqrt(itemFactor[i]) : 0;
  } else if (bm25) {
    let total = 0;
    for (let i = 0; i < nItems; i++) total += itemFactor[i];
    const mean = total / Math.max(nItems, 1);
    for (let i = 0; i < nItems; i++) itemFactor[i] = 1 - b + (mean > 0 ? (b * itemFactor[i]) / mean : b);
  }
  const userData = new Float32Array(nnz);
  const itemIndices = new Int32Array(nnz);
  const itemData = new Float32Array(nnz);
  const next = itemIndptr.slice(0, nItems);
  for (let u = 0; u < nUsers; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const i = indices[p];
      let w: number;
      if (cosine) w = c[p] * itemFactor[i];
      else if (tfidf) w = Math.sqrt(c[p]) * idf[u] * itemFactor[i];
      else if (bm25) {
        const den = k1 * itemFactor[i] + c[p];
        w = den > 0 ? ((c[p] * (k1 + 1)) / den) * idf[u] : 0;
      } else w = c[p];
      userData[p] = w;
      const q = next[i]++;
      itemIndices[q] = u;
      itemData[q] = w;
    }
  }
  return {
    byUser: { ...byUser, data: userData },
    byItem: { indptr: itemIndptr, indices: itemIndices, data: itemData, rows: nItems, cols: nUsers },
  };
}

/**
 * Item-item nearest-neighbour recommender (cosine, BM25, TF-IDF or plain co-occurrence).
 *
 * @example
 * ```ts
 * import { ItemKnnRecommender } from 'recwise';
 * const knn = await new ItemKnnRecommender({ similarity: 'bm25', neighbors: 100 }).fit(interactions);
 * knn.recommend('alice', { k: 10 });
 * knn.recommend('newcomer', { userItems: ['matrix', 'alien'] }); // fold-in: no refit needed
 * knn.similarItems('matrix', { k: 5 });                          // the item itself comes first
 * ```
 */
export class ItemKnnRecommender extends ItemItemRecommender {
  readonly kind = 'itemknn';
  readonly options: Required<ItemKnnOptions>;
  /** Each row holds the item's neighbours best first (score descending, ties to the lower item index). */
  protected readonly rowsRanked = true;

  constructor(options: ItemKnnOptions = {}) {
    super();
    this.options = withDefaults('ItemKnnRecommender options', DEFAULTS, options);
    checkOptions(this.options);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** The item × item similarity matrix (a view; rows hold each item's neighbours best first). */
  get similarity(): Csr {
    this.requireIndex();
    return this.sim;
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    checkAborted(options.signal, 'item-kNN fit');
    const { byUser, byItem } = weightInteractions(data, this.options);
    options.onProgress?.({ phase: 'fit', done: 1, total: 2 });
    await yieldToEventLoop();
    checkAborted(options.signal, 'item-kNN fit');
    const top = await this.backend.productTopk(byItem, byUser, this.options.neighbors);
    this.sim = csrFromTopK(top.indices, top.scores, top.counts, top.k, data.nItems);
    options.onProgress?.({ phase: 'fit', done: 2, total: 2 });
  }

  /** Rebuild from a model file's state. */
  static fromState(state: ModelState, backend: Backend): ItemKnnRecommender {
    return new ItemKnnRecommender(state.params as ItemKnnOptions).adoptState(state, backend);
  }

}

registerModelKind('itemknn', (state, backend) => ItemKnnRecommender.fromState(state, backend), {
  layout: (state) => itemItemLayout(state, (params) => new ItemKnnRecommender(params as ItemKnnOptions)),
  create: (params) => new ItemKnnRecommender(params as ItemKnnOptions),
});
