/**
 * The part of the contract shared by models that score a user as Σ over their items of weight × the item's row of an
 * items × items matrix (item-kNN, EASE, RP3beta): scoring, fold-in, batched top-k through the backend's sparse
 * product kernel, similar items, and the matrix's save/load.
 */
import { Recommender, type Recommendation, type RecommendOptions } from './recommender.ts';
import type { ModelState, TensorArray } from './registry.ts';
import { selectRows } from '../data/csr-rows.ts';
import type { Id } from '../data/vocabulary.ts';
import type { Backend, Csr } from '../kernels/types.ts';
import { InvalidArgumentError, UnknownItemError } from '../errors.ts';

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
   * Top-k for many users: the fused Wasm kernel (score by sparse history → exclude seen → top-k) over the backend's
   * threads; include/exclude lists go through the generic path.
   */
  override async recommendBatch(users: readonly Id[], options: Omit<RecommendOptions, 'userItems'> = {}): Promise<Recommendation[][]> {
    if (options.include || options.exclude || (options as RecommendOptions).userItems) return super.recommendBatch(users, options);
    const k = options.k ?? 10;
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    const idx = this.requireIndex();
    const dense = this.denseUsers(users);
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
   * The item's stored row, best first (score descending, ties to the lower item), at most k entries.
   *
   * @example
   * ```ts
   * model.similarItems('matrix', { k: 5 }); // [{ item: 'matrix-reloaded', score: 0.62 }, …]
   * ```
   */
  override similarItems(item: Id, options: { k?: number } = {}): Recommendation[] {
    const idx = this.requireIndex();
    const k = options.k ?? 10;
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    const i = idx.items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item);
    const { indptr, indices, data } = this.sim;
    const from = indptr[i];
    const to = indptr[i + 1];
    let order: ArrayLike<number>;
    if (this.rowsRanked) order = Int32Array.from({ length: Math.min(to - from, k) }, (_, r) => from + r);
    else {
      // Rank the row with the backend's top-k over a scratch row (absent columns -Infinity): O(items) per call.
      const row = new Float32Array(idx.items.size).fill(-Infinity);
      for (let q = from; q < to; q++) row[indices[q]] = data[q];
      const top = this.backend.topk(row, 1, row.length, Math.min(k, to - from));
      return Array.from(top.indices.subarray(0, top.counts[0]), (j, r) => ({ item: idx.items.idAt(j), score: top.scores[r] }));
    }
    return Array.from(order, (q) => ({ item: idx.items.idAt(indices[q]), score: data[q] }));
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
