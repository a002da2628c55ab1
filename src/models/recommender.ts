/**
 * The contract every model implements (after implicit's RecommenderBase): fit, recommend for one user or a batch,
 * scores for given items, similar items, save/load. Subclasses supply `fitIndexed` and `scoreUsers`; this base turns
 * them into the id-level API with implicit's filtering semantics (filterSeen on by default; include and exclude are
 * exclusive, #22/#26; k larger than the catalogue returns every eligible item).
 */
import { InvalidArgumentError, NotFittedError, NotSupportedError, UnknownItemError, UnknownUserError } from '../errors.ts';
import type { Id } from '../data/vocabulary.ts';
import { Vocabulary } from '../data/vocabulary.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Backend, Csr, TopK } from '../kernels/types.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import { createJsBackend } from '../kernels/js/backend.ts';
import type { LongRunOptions } from './progress.ts';
import type { ModelState, TensorArray } from './registry.ts';

/** One recommended item. */
export interface Recommendation {
  readonly item: Id;
  readonly score: number;
}

/** Options of {@link Recommender.recommend}. */
export interface RecommendOptions {
  /** How many items (default 10). Fewer come back when fewer are eligible. */
  k?: number;
  /** Leave out items the user interacted with in training (default true). */
  filterSeen?: boolean;
  /** Never return these items. Exclusive with `include`. */
  exclude?: readonly Id[];
  /** Rank only these items. Exclusive with `exclude`. */
  include?: readonly Id[];
  /**
   * The user's items, for a user the model has not seen (fold-in) or to override a known user's history.
   * Models without fold-in throw NotSupportedError.
   */
  userItems?: readonly Id[];
}

/** Options of fit(). */
export interface FitOptions extends LongRunOptions {}

/** What a model keeps about its training data: vocabularies and each user's seen items. */
export interface TrainingIndex {
  readonly users: Vocabulary;
  readonly items: Vocabulary;
  /** users × items, used for filterSeen. */
  readonly seen: Csr;
}

/** Users per block in batch scoring: bounds memory at BLOCK × nItems floats (implicit uses 100-user blocks). */
export const USER_BLOCK = 256;

/** Ranked order used everywhere: score descending, then lower item index (anchors.md §Protocol). */
export function rankByScore(indices: Int32Array | number[], scores: Float32Array): number[] {
  return Array.from(indices).sort((a, b) => scores[b] - scores[a] || a - b);
}

export abstract class Recommender {
  /** Model family name, as stored in model files (e.g. 'popularity', 'als'). */
  abstract readonly kind: string;
  protected index?: TrainingIndex;
  protected backend: Backend = createJsBackend();

  /** Hyperparameters, JSON-serialisable (stored in model files and printed by the CLI). */
  abstract get params(): Record<string, unknown>;

  /** Train on dense indices. `data` has passed validation; the backend is initialised. */
  protected abstract fitIndexed(data: Interactions, options: FitOptions): Promise<void>;

  /** Score rows for the given dense user indices: users.length × nItems, row-major. */
  abstract scoreUsers(users: Int32Array): Float32Array;

  /** Score row for a user given only their items (fold-in). Models that cannot, throw NotSupportedError. */
  scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    void items;
    void weights;
    throw new NotSupportedError('userItems (fold-in)', this.kind, 'recommend for users seen in training, or use a model with fold-in.');
  }

  /**
   * Train on interactions.
   *
   * @example
   * ```ts
   * const model = await new PopularityRecommender().fit(interactions);
   * model.recommend('alice', { k: 5 });
   * ```
   */
  async fit(data: Interactions, options: FitOptions = {}): Promise<this> {
    await ensureInit();
    this.backend = await getBackend();
    await this.fitIndexed(data, options);
    this.index = { users: data.users, items: data.items, seen: data.byUser };
    return this;
  }

  /** Whether fit() or load has happened. */
  get fitted(): boolean {
    return this.index !== undefined;
  }

  /**
   * The model's vocabularies and each user's training items (users × items CSR; treat as read-only). Evaluation
   * uses it to map test data into the model's indices and to exclude train items (src/eval/evaluate.ts).
   */
  get trainingIndex(): TrainingIndex {
    return this.requireIndex();
  }

  protected requireIndex(): TrainingIndex {
    if (!this.index) throw new NotFittedError(this.kind);
    return this.index;
  }

  /** Adopt a training index and backend (used by model loading). */
  protected restore(index: TrainingIndex, backend: Backend): void {
    this.index = index;
    this.backend = backend;
  }

  /** Known user ids in index order. */
  get userIds(): Id[] {
    return this.requireIndex().users.ids();
  }

  /** Known item ids in index order. */
  get itemIds(): Id[] {
    return this.requireIndex().items.ids();
  }

  protected itemIndices(ids: readonly Id[], field: string, strict: boolean): number[] {
    const { items } = this.requireIndex();
    const out: number[] = [];
    for (const id of ids) {
      const i = items.indexOf(id);
      if (i === undefined) {
        if (strict) throw new UnknownItemError(id, field);
      } else out.push(i);
    }
    return out;
  }

  /** Dense indices of `users` for a batched recommend (UnknownUserError on the first unknown id). */
  protected denseUsers(users: readonly Id[]): Int32Array {
    const idx = this.requireIndex();
    return Int32Array.from(users, (u) => {
      const i = idx.users.indexOf(u);
      if (i === undefined) throw new UnknownUserError(u);
      return i;
    });
  }

  /** Validate recommend options; returns k. */
  protected checkOptions(options: RecommendOptions): number {
    const k = options.k ?? 10;
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    if (options.include && options.exclude) {
      throw new InvalidArgumentError('include', options.include, 'include or exclude, not both', 'pass only include (rank these items) or only exclude (never return these).');
    }
    for (const f of ['include', 'exclude', 'userItems'] as const) {
      if (options[f] !== undefined && !Array.isArray(options[f])) throw new InvalidArgumentError(f, options[f], 'an array of item ids');
    }
    return k;
  }

  /** Score row and seen items for one user id (or a fold-in history). */
  private userRow(user: Id, options: RecommendOptions): { scores: Float32Array; seen: ArrayLike<number> } {
    const idx = this.requireIndex();
    if (options.userItems) {
      const items = Int32Array.from(new Set(this.itemIndices(options.userItems, 'userItems', false))).sort();
      return { scores: this.scoreHistory(items), seen: items };
    }
    const u = idx.users.indexOf(user);
    if (u === undefined) throw new UnknownUserError(user);
    return { scores: this.scoreUsers(Int32Array.of(u)), seen: idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]) };
  }

  private finish(scores: Float32Array, seen: ArrayLike<number>, k: number, options: RecommendOptions): Recommendation[] {
    const { items } = this.requireIndex();
    if (options.filterSeen ?? true) for (let j = 0; j < seen.length; j++) scores[seen[j]] = -Infinity;
    let top: TopK;
    if (options.include) {
      const allowed = new Float32Array(scores.length).fill(-Infinity);
      for (const i of this.itemIndices(options.include, 'include', true)) allowed[i] = scores[i];
      top = this.backend.topk(allowed, 1, scores.length, k);
    } else {
      if (options.exclude) for (const i of this.itemIndices(options.exclude, 'exclude', false)) scores[i] = -Infinity;
      top = this.backend.topk(scores, 1, scores.length, k);
    }
    const out: Recommendation[] = [];
    for (let r = 0; r < top.counts[0]; r++) out.push({ item: items.idAt(top.indices[r]), score: top.scores[r] });
    return out;
  }

  /**
   * Top-k items for one user, best first (ties: lower item index first).
   *
   * @example
   * ```ts
   * model.recommend('alice', { k: 5, exclude: ['item-3'] });
   * model.recommend('newcomer', { userItems: ['item-1', 'item-7'] }); // fold-in, for models that support it
   * ```
   */
  recommend(user: Id, options: RecommendOptions = {}): Recommendation[] {
    const k = this.checkOptions(options);
    const { scores, seen } = this.userRow(user, options);
    return this.finish(scores, seen, k, options);
  }

  /**
   * Top-k for many users: one list per requested user, in order. Scores users in blocks so memory stays bounded.
   * `userItems` is not accepted here (it is one user's history).
   */
  async recommendBatch(users: readonly Id[], options: Omit<RecommendOptions, 'userItems'> = {}): Promise<Recommendation[][]> {
    const k = this.checkOptions(options);
    const idx = this.requireIndex();
    if ((options as RecommendOptions).userItems) throw new InvalidArgumentError('userItems', 'array', 'absent in recommendBatch', 'call recommend() per user to fold in histories.');
    const dense = users.map((u) => {
      const i = idx.users.indexOf(u);
      if (i === undefined) throw new UnknownUserError(u);
      return i;
    });
    const out: Recommendation[][] = [];
    for (let b = 0; b < dense.length; b += USER_BLOCK) {
      const block = Int32Array.from(dense.slice(b, b + USER_BLOCK));
      const rows = this.scoreUsers(block);
      const n = idx.items.size;
      for (let r = 0; r < block.length; r++) {
        const u = block[r];
        out.push(this.finish(rows.subarray(r * n, (r + 1) * n), idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]), k, options));
      }
      await Promise.resolve();
    }
    return out;
  }

  /**
   * Scores of given items for a user (LightFM's predict), in the order given.
   *
   * @example
   * ```ts
   * model.score('alice', ['item-1', 'item-2']); // [0.91, 0.13]
   * ```
   */
  score(user: Id, items: readonly Id[]): number[] {
    const { scores } = this.userRow(user, {});
    return this.itemIndices(items, 'items', true).map((i) => scores[i]);
  }

  /** The learned arrays and their shapes, for saving (inference profile). */
  protected abstract exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> };

  /** Optimizer state and counters for the resumable profile; models without any return undefined. */
  protected exportTraining(): ModelState['training'] {
    return undefined;
  }

  /** Everything needed to rebuild this model (see src/io for the file format). */
  toState(profile: 'inference' | 'resumable' = 'inference'): ModelState {
    const idx = this.requireIndex();
    const { tensors, shapes } = this.exportTensors();
    return {
      kind: this.kind,
      params: this.params,
      users: idx.users.ids(),
      items: idx.items.ids(),
      seen: { indptr: idx.seen.indptr, indices: idx.seen.indices, data: idx.seen.data },
      tensors,
      shapes,
      training: profile === 'resumable' ? this.exportTraining() : undefined,
    };
  }

  /** Rebuild the training index from a state (for model factories). */
  protected static indexFromState(state: ModelState): TrainingIndex {
    const users = Vocabulary.from(state.users, 'users');
    const items = Vocabulary.from(state.items, 'items');
    return { users, items, seen: { ...state.seen, rows: users.size, cols: items.size } };
  }

  /** Items most similar to `item`. Families without an item-item notion throw NotSupportedError. */
  similarItems(item: Id, options: { k?: number } = {}): Recommendation[] {
    void item;
    void options;
    throw new NotSupportedError('similarItems', this.kind, 'use a factor or item-kNN model.');
  }
}

export { Vocabulary };
