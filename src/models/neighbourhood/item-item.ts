/**
 * The part of the contract shared by models that score a user as Σ over their items of weight × the item's row of an
 * items × items matrix (item-kNN, EASE, RP3beta): scoring, fold-in, batched top-k through the backend's sparse
 * product kernel, similar items, and the matrix's save/load.
 */
import { Recommender, type Recommendation, type RecommendOptions } from '../recommender.ts';
import type { ModelLayout, ModelState, TensorArray } from '../registry.ts';
import { maxAbs, sumAbs } from '../options.ts';
import { selectRows } from '../../data/csr-rows.ts';
import type { Id } from '../../data/vocabulary.ts';
import type { Backend, Csr } from '../../kernels/types.ts';
import { InvalidArgumentError, UnknownItemError } from '../../errors.ts';
import { checkSimilarOptions, similarFilter, type SimilarOptions } from '../similar.ts';
import { useKernels } from '../../kernels/family.ts';
import { KNN_KERNELS } from '../../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(KNN_KERNELS);

/** Users per recommendBatch kernel call: bounds the history copy and the k-slot results. */
const BATCH_USERS = 8192;

export const EMPTY_CSR: Csr = { indptr: new Int32Array(1), indices: new Int32Array(0), data: new Float32Array(0), rows: 0, cols: 0 };

export abstract class ItemItemRecommender extends Recommender {
  /** items × items: score(user, j) = Σ_{i ∈ user} w_ui · weights[i, j]. */
  protected sim: Csr = EMPTY_CSR;
  /** Whether each stored row is already best first (score descending, ties to the lower item), as item-kNN's are. */
  protected abstract readonly rowsRanked: boolean;

  /** The items × items matrix as CSR (row i: the weights item i gives other items; a view). */
  get weights(): Csr {
    this.requireIndex();
    return this.sim;
  }

  /** Adopt a model file's state: vocabularies, seen items and the validated matrix (for the families' fromState). */
  protected adoptState(state: ModelState, backend: Backend): this {
    const index = Recommender.indexFromState(state);
    this.sim = ItemItemRecommender.similarityFromState(state, index.items.size);
    this.restore(index, backend);
    return this;
  }

  /** Σ over the user's items of weight × the item's row (implicit's NearestNeighboursScorer). */
  private addHistory(out: Float32Array, offset: number, items: ArrayLike<number>, weights: ArrayLike<number> | undefined, from: number, to: number): void {
    const { indptr, indices, data } = this.sim;
    for (let p = from; p < to; p++) {
      const i = items[p];
      const w = weights ? weights[p] : 1;
      // fround: the product rounds to f32 before the add, as in the Wasm kernel, so batch and single agree exactly.
      for (let q = indptr[i]; q < indptr[i + 1]; q++) out[offset + indices[q]] += Math.fround(w * data[q]);
    }
  }

  scoreUsers(users: Int32Array): Float32Array {
    const { seen, items } = this.requireIndex();
    const n = items.size;
    const out = new Float32Array(users.length * n);
    for (let r = 0; r < users.length; r++) this.addHistory(out, r * n, seen.indices, seen.data, seen.indptr[users[r]], seen.indptr[users[r] + 1]);
    return out;
  }

  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const out = new Float32Array(this.requireIndex().items.size);
    this.addHistory(out, 0, items, weights, 0, items.length);
    return out;
  }

  /**
   * Top-k for many known users: the fused Wasm kernel (score by sparse history → exclude seen → top-k) over the
   * backend's threads; include/exclude lists go through the generic path.
   */
  protected override async recommendKnown(dense: Int32Array, k: number, options: RecommendOptions): Promise<Recommendation[][]> {
    if (options.include || options.exclude) return super.recommendKnown(dense, k, options);
    const idx = this.requireIndex();
    const out: Recommendation[][] = [];
    for (let b0 = 0; b0 < dense.length; b0 += BATCH_USERS) {
      const block = dense.subarray(b0, b0 + BATCH_USERS);
      const top = await this.backend.productRecommend(selectRows(idx.seen, block), this.sim, k, options.filterSeen ?? true);
      for (let r = 0; r < block.length; r++) {
        const row: Recommendation[] = [];
        for (let j = 0; j < top.counts[r]; j++) row.push({ item: idx.items.idAt(top.indices[r * k + j]), score: top.scores[r * k + j] });
        out.push(row);
      }
    }
    return out;
  }

  /**
   * The item's stored row, best first (score descending, ties to the lower item), at most k entries. `include`
   * keeps only those items, `exclude` leaves items out (implicit's `items` / `filter_items`); items that are not in
   * the stored row have no weight and are never returned.
   *
   * @example
   * ```ts
   * model.similarItems('matrix', { k: 5 }); // [{ item: 'matrix-reloaded', score: 0.62 }, …]
   * model.similarItems('matrix', { k: 5, exclude: ['matrix'] });
   * ```
   */
  override similarItems(item: Id, options: SimilarOptions = {}): Recommendation[] {
    const idx = this.requireIndex();
    const k = checkSimilarOptions('similarItems options', options);
    const i = idx.items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item, 'item', idx.items);
    const filter = similarFilter(idx.items, options, k, new Set(), (id) => new UnknownItemError(id, 'item', idx.items));
    const include = filter.include && new Set(filter.include);
    const keep = (j: number) => (include ? include.has(j) : !filter.exclude?.has(j));
    const { indptr, indices, data } = this.sim;
    const from = indptr[i];
    const to = indptr[i + 1];
    if (this.rowsRanked) {
      const out: Recommendation[] = [];
      for (let q = from; q < to && out.length < k; q++) if (keep(indices[q])) out.push({ item: idx.items.idAt(indices[q]), score: data[q] });
      return out;
    }
    // Rank the row with the backend's top-k over a scratch row (absent or filtered columns -Infinity): O(items).
    const row = new Float32Array(idx.items.size).fill(-Infinity);
    let eligible = 0;
    for (let q = from; q < to; q++) if (keep(indices[q])) (row[indices[q]] = data[q]), eligible++;
    const top = this.backend.topk(row, 1, row.length, Math.min(k, eligible));
    return Array.from(top.indices.subarray(0, top.counts[0]), (j, r) => ({ item: idx.items.idAt(j), score: top.scores[r] }));
  }

  protected exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const { indptr, indices, data } = this.sim;
    return {
      tensors: { similarityIndptr: indptr, similarityIndices: indices, similarityScores: data },
      shapes: { similarityIndptr: [indptr.length], similarityIndices: [indices.length], similarityScores: [data.length] },
    };
  }

  /** The items × items matrix of a model file's state, validated against its n items (files are untrusted). */
  protected static similarityFromState(state: ModelState, n: number): Csr {
    const { similarityIndptr: indptr, similarityIndices: indices, similarityScores: data } = state.tensors;
    const valid =
      indptr instanceof Int32Array && indices instanceof Int32Array && data instanceof Float32Array &&
      indptr.length === n + 1 && indptr[0] === 0 && indptr[n] === indices.length && data.length === indices.length &&
      indices.every((j) => j >= 0 && j < n) && indptr.every((v, r) => r === 0 || v >= indptr[r - 1]) && data.every(Number.isFinite);
    if (!valid) throw new InvalidArgumentError('tensors', Object.keys(state.tensors), `similarityIndptr (${n + 1} i32), similarityIndices (i32 < ${n}) and similarityScores (finite f32)`);
    return { indptr, indices, data, rows: n, cols: n };
  }
}

/** Compact the k-slot rows of a top-k result into a CSR (rows keep their best-first order). */
export function csrFromTopK(idx: Int32Array, scores: Float32Array, counts: Int32Array, k: number, n: number): Csr {
  const indptr = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) indptr[r + 1] = indptr[r] + counts[r];
  const indices = new Int32Array(indptr[n]);
  const data = new Float32Array(indptr[n]);
  for (let r = 0; r < n; r++) {
    indices.set(idx.subarray(r * k, r * k + counts[r]), indptr[r]);
    data.set(scores.subarray(r * k, r * k + counts[r]), indptr[r]);
  }
  return { indptr, indices, data, rows: n, cols: n };
}

/**
 * The layout of an item-item model file (issue 22): one items × items CSR, checked before the model is built; a
 * score sums a history's weights (the training rows, or up to every item with weight 1) times the stored weights.
 * `validate` builds the family's model from the params, so params it does not accept are refused first.
 */
export function itemItemLayout(state: ModelState, validate: (params: Record<string, unknown>) => unknown): ModelLayout {
  validate(state.params);
  const n = state.items.length;
  return {
    tensors: { similarityIndptr: { shape: [n + 1], from: 'items', type: 'int' } },
    csr: [{ indptr: 'similarityIndptr', indices: 'similarityIndices', data: 'similarityScores', rows: n, cols: n }],
    scoreBound: () => ({ bound: Math.max(sumAbs(state.seen.data), n) * maxAbs(state.tensors.similarityScores), from: 'tensors.similarityScores' }),
  };
}
