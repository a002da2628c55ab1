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
import { checkFitMemory } from './fit-memory.ts';
import type { LongRunOptions } from './progress.ts';
import type { ModelState, TensorArray } from './state.ts';
import type { ModelSource } from '../io/source.ts';
import type { LoadOptions } from '../io/model.ts';
import type { SimilarOptions } from './similar.ts';
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import { checkFiniteWeights } from './fit-data.ts';
import { checkInteractionsArgument } from '../data/interactions.ts';
import type { AsyncReleasable } from '../dispose.ts';

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
  /**
   * What to do for a user the model was not trained on and who comes without `userItems` (LibRecommender's cold-start
   * strategies): `'popular'` ranks items by their training interaction count; `'average'` scores with the mean of
   * every user embedding (factor models only: ALS, BPR, LMF, LightFM). Unset (default): UnknownUserError.
   */
  coldStart?: ColdStart;
}

/** Every key of {@link RecommendOptions}, checked against the interface by the compiler. */
const RECOMMEND_KEYS = optionKeys<RecommendOptions>({ k: true, filterSeen: true, exclude: true, include: true, userItems: true, coldStart: true });
/** What {@link FitOptions.onEpoch} receives after each epoch. */
export interface EpochReport {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Mean training loss of the epoch, for models that define one. */
  readonly loss?: number;
  /** Wall-clock seconds of the epoch's training. */
  readonly seconds?: number;
}

/** LibRecommender's cold-start strategies (see {@link RecommendOptions.coldStart}). */
export type ColdStart = 'popular' | 'average';

/** Options of {@link Recommender.recommendBatch}: those of recommend, with one history per user. */
export interface RecommendBatchOptions extends Omit<RecommendOptions, 'userItems'> {
  /**
   * One entry per requested user, aligned with `users` (implicit's `recommend(userids, user_items[userids],
   * recalculate_user=True)`): an array of item ids folds that user in from those items (and filters them as seen),
   * exactly as `recommend(user, { userItems })` does; `null` or `undefined` uses the trained user as is.
   */
  userItems?: readonly (readonly Id[] | null | undefined)[];
}

/** Options of {@link Recommender.rank}. */
export interface RankOptions {
  /** Put the user's seen items last, with score {@link FILTERED_SCORE} (default true, as implicit's recommend). */
  filterSeen?: boolean;
  /** Fold-in history, as in {@link RecommendOptions.userItems}. */
  userItems?: readonly Id[];
  /** Cold-start strategy for unknown users, as in {@link RecommendOptions.coldStart}. */
  coldStart?: ColdStart;
}

const RANK_KEYS = optionKeys<RankOptions>({ filterSeen: true, userItems: true, coldStart: true });

/**
 * Score given to filtered items in {@link Recommender.rank}: the lowest finite f32, as implicit's topk gives them
 * (`-np.finfo(float32).max`). Finite on purpose, so results stay JSON-serialisable (JSON has no -Infinity).
 */
export const FILTERED_SCORE = -3.4028234663852886e38;

/** Options of fit(). */
export interface FitOptions extends LongRunOptions {
  /**
   * Called after every epoch of models that train in epochs (ALS, BPR, LMF, LightFM and the neural models), and
   * awaited: the model scores with that epoch's parameters meanwhile, so the callback may `evaluate` it on a
   * validation split (metric-by-epoch curves, src/report). Publishing the parameters costs one copy per epoch, so
   * models only do it when this is set; a fit aborted after an epoch then leaves the model with that epoch's
   * parameters (usable, as with an early stop). The neural models call it with their loss but publish nothing
   * mid-fit. A method signature, so each family may pass a richer report.
   *
   * @example
   * ```ts
   * await new BprRecommender({ iterations: 20 }).fit(train, {
   *   onEpoch: async ({ epoch }) => console.log(epoch, (await evaluate(bpr, validation)).means.ndcg),
   * });
   * ```
   */
  onEpoch?(report: EpochReport): void | Promise<void>;
}

/** Every key of {@link FitOptions}. */
export const FIT_KEYS = optionKeys<FitOptions>({ onProgress: true, signal: true, onEpoch: true });

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

/**
 * The contract every recwise model implements, after implicit's `RecommenderBase`: `fit` on {@link Interactions},
 * then recommend in the application's ids. Subclasses supply training (`fitIndexed`) and scoring (`scoreUsers`);
 * this base gives them the id-level API with implicit's filtering semantics: items the user saw in training are
 * left out by default (`filterSeen`), `include` and `exclude` are exclusive, a `k` larger than the catalogue
 * returns every eligible item, and ties rank the lower item index first (the anchors' protocol). `evaluate`,
 * `saveModel`/`loadModel`, `createHandler` and the report work with any Recommender.
 *
 * @example
 * ```ts
 * import { AlsRecommender, type Recommender } from 'recwise';
 * const model: Recommender = await new AlsRecommender({ factors: 32 }).fit(train);
 * model.recommend('alice', { k: 5 });                       // [{ item, score }, …] best first
 * await model.recommendBatch(['alice', 'bob'], { k: 5 });   // one list per user
 * model.score('alice', ['dune', 'alien']);                  // raw scores, in the order given
 * model.userIds; model.itemIds;                             // the training vocabularies' ids
 * ```
 */
export abstract class Recommender implements AsyncReleasable {
  /** Model family name, as stored in model files (e.g. 'popularity', 'als'). */
  abstract readonly kind: string;
  protected index?: TrainingIndex;
  protected backend: Backend = createJsBackend();

  /** Hyperparameters, JSON-serialisable (stored in model files and printed by the CLI). */
  abstract get params(): Record<string, unknown>;

  /** Train on dense indices. `data` has passed validation; the backend is initialised. */
  protected abstract fitIndexed(data: Interactions, options: FitOptions): Promise<void>;

  /**
   * Release the kernel memory this model keeps resident (factor matrices copied into the backend, kNN indexes) for
   * `await using`. The model stays usable: what it needs again is copied back on the next call.
   *
   * @example
   * ```ts
   * await using als = await new AlsRecommender().fit(train);
   * als.recommend('alice');   // resident item factors are released when the scope ends
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.releaseBackendMemory();
  }

  /** Free backend copies of the parameters (see `[Symbol.asyncDispose]`); models that keep none have nothing to do. */
  protected releaseBackendMemory(): void {}

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
    checkInteractionsArgument(data, 'model.fit');
    checkOptionKeys(`${this.kind} fit options`, options, this.fitOptionKeys());
    checkFiniteWeights(data);
    await ensureInit();
    this.backend = await getBackend();
    // refuse a fit that cannot fit in memory before it allocates anything (issue 23)
    await checkFitMemory(this.kind, this.params, { users: data.nUsers, items: data.nItems, interactions: data.nnz }, this.backend);
    await this.fitIndexed(data, options);
    this.index = { users: data.users, items: data.items, seen: data.byUser };
    return this;
  }

  /** The keys fit() accepts; families whose fit takes more options list theirs (derived with optionKeys). */
  protected fitOptionKeys(): readonly string[] {
    return FIT_KEYS;
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
        if (strict) throw new UnknownItemError(id, field, items);
      } else out.push(i);
    }
    return out;
  }

  /** Dense indices of `users` for a batched recommend (UnknownUserError on the first unknown id). */
  protected denseUsers(users: readonly Id[]): Int32Array {
    const idx = this.requireIndex();
    return Int32Array.from(users, (u) => {
      const i = idx.users.indexOf(u);
      if (i === undefined) throw new UnknownUserError(u, idx.users);
      return i;
    });
  }

  /** Validate recommend options (`where` names the call in errors, e.g. 'recommend options'); returns k. */
  protected checkOptions(options: RecommendOptions, where = 'recommend options'): number {
    checkOptionKeys(where, options, RECOMMEND_KEYS);
    const k = options.k ?? 10;
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    if (options.include && options.exclude) {
      throw new InvalidArgumentError('include', options.include, 'include or exclude, not both', 'pass only include (rank these items) or only exclude (never return these).');
    }
    for (const f of ['include', 'exclude', 'userItems'] as const) {
      if (options[f] !== undefined && !Array.isArray(options[f])) throw new InvalidArgumentError(f, options[f], 'an array of item ids');
    }
    checkColdStart(options.coldStart);
    return k;
  }

  /** Score row and seen items for one user id (or a fold-in history, or a cold-start strategy for an unknown user). */
  private userRow(user: Id, options: RankOptions): { scores: Float32Array; seen: ArrayLike<number> } {
    const idx = this.requireIndex();
    if (options.userItems) {
      const items = Int32Array.from(new Set(this.itemIndices(options.userItems, 'userItems', false))).sort();
      return { scores: this.scoreHistory(items), seen: items };
    }
    const u = idx.users.indexOf(user);
    if (u === undefined) {
      if (options.coldStart) return { scores: this.coldStartScores(options.coldStart), seen: [] };
      throw new UnknownUserError(user, idx.users);
    }
    return { scores: this.scoreUsers(Int32Array.of(u)), seen: idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]) };
  }

  private popularityCache?: { seen: Csr; counts: Float32Array };

  /**
   * Scores for a user the model has never seen, by a cold-start strategy (LibRecommender's `cold_start`):
   * 'popular' = each item's number of training users; 'average' = {@link averageUserScores}.
   */
  protected coldStartScores(strategy: ColdStart): Float32Array {
    const idx = this.requireIndex();
    if (strategy === 'average') {
      const scores = this.averageUserScores();
      if (!scores) throw new NotSupportedError("coldStart 'average'", this.kind, "use coldStart 'popular' (the model has no user embeddings to average).");
      return scores;
    }
    if (this.popularityCache?.seen !== idx.seen) {
      const counts = new Float32Array(idx.items.size);
      for (const i of idx.seen.indices) counts[i]++;
      this.popularityCache = { seen: idx.seen, counts };
    }
    return this.popularityCache.counts.slice();
  }

  /** Scores of the mean user embedding (coldStart 'average'); undefined for models without user embeddings. */
  protected averageUserScores(): Float32Array | undefined {
    return undefined;
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
   * Top-k for many users: one list per requested user, in order. Known users are scored in blocks (bounded memory);
   * a user with an entry in `userItems` is folded in from it, and an unknown user without one gets the `coldStart`
   * strategy when set, so one new user does not fail the whole batch. Every user is checked before any work starts.
   *
   * @example
   * ```ts
   * await model.recommendBatch(['alice', 'bob'], { k: 5 });
   * await model.recommendBatch(['alice', 'newcomer'], { userItems: [null, ['matrix', 'alien']] }); // alice as trained
   * await model.recommendBatch(['alice', 'stranger'], { coldStart: 'popular' });
   * ```
   */
  async recommendBatch(users: readonly Id[], options: RecommendBatchOptions = {}): Promise<Recommendation[][]> {
    const { userItems: histories, ...single } = options;
    const k = this.checkOptions(single, 'recommendBatch options');
    const idx = this.requireIndex();
    if (histories !== undefined && !(Array.isArray(histories) && histories.length === users.length)) {
      throw new InvalidArgumentError('userItems', histories, `one entry per user (${users.length}): an array of item ids, or null to use the trained user`, 'align userItems with users; pass null for users to recommend as trained.');
    }
    const out: Recommendation[][] = new Array(users.length);
    const knownAt: number[] = [];
    const dense: number[] = [];
    const individual: number[] = [];
    users.forEach((user, r) => {
      const history = histories?.[r];
      if (history !== undefined && history !== null) {
        if (!Array.isArray(history)) throw new InvalidArgumentError(`userItems[${r}]`, history, 'an array of item ids or null');
        individual.push(r);
        return;
      }
      const u = idx.users.indexOf(user);
      if (u !== undefined) {
        knownAt.push(r);
        dense.push(u);
      } else if (single.coldStart) individual.push(r);
      else throw new UnknownUserError(user, idx.users);
    });
    for (let j = 0; j < individual.length; j++) {
      const r = individual[j];
      out[r] = this.recommend(users[r], { ...single, userItems: histories?.[r] ?? undefined });
      if (j % 64 === 63) await Promise.resolve();
    }
    const lists = await this.recommendKnown(Int32Array.from(dense), k, single);
    knownAt.forEach((r, j) => (out[r] = lists[j]));
    return out;
  }

  /** Top-k for known users by dense index (the batch path; models override it with fused kernels). */
  protected async recommendKnown(dense: Int32Array, k: number, options: RecommendOptions): Promise<Recommendation[][]> {
    const idx = this.requireIndex();
    const out: Recommendation[][] = [];
    const n = idx.items.size;
    for (let b = 0; b < dense.length; b += USER_BLOCK) {
      const block = dense.subarray(b, b + USER_BLOCK);
      const rows = this.scoreUsers(block);
      for (let r = 0; r < block.length; r++) {
        const u = block[r];
        out.push(this.finish(rows.subarray(r * n, (r + 1) * n), idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]), k, options));
      }
      await Promise.resolve();
    }
    return out;
  }

  /**
   * Rank exactly the given items for a user, all of them, best first (implicit's `recommend(..., items=…, N=len(items))`,
   * formerly `rank_items`). Unlike `recommend({ include })`, which is a top-k over a candidate set and drops seen
   * items, nothing is dropped: with `filterSeen` (default true, implicit's filter_already_liked_items) the user's seen
   * items come last with score {@link FILTERED_SCORE}, as implicit returns them; with `filterSeen: false` they are
   * ranked by score like the rest. Ties: lower item index first, then list order. Unknown items throw
   * UnknownItemError (implicit raises IndexError).
   *
   * @example
   * ```ts
   * model.rank('alice', ['dune', 'alien', 'heat']); // [{ item: 'heat', score: 0.8 }, …, { item: 'dune', score: FILTERED_SCORE }]
   * ```
   */
  rank(user: Id, items: readonly Id[], options: RankOptions = {}): Recommendation[] {
    checkOptionKeys('rank options', options, RANK_KEYS);
    if (!Array.isArray(items)) throw new InvalidArgumentError('items', items, 'an array of item ids');
    if (options.userItems !== undefined && !Array.isArray(options.userItems)) throw new InvalidArgumentError('userItems', options.userItems, 'an array of item ids');
    checkColdStart(options.coldStart);
    const indices = this.itemIndices(items, 'items', true);
    const { scores, seen } = this.userRow(user, options);
    const filtered = new Uint8Array(scores.length);
    if (options.filterSeen ?? true) for (let j = 0; j < seen.length; j++) filtered[seen[j]] = 1;
    const order = indices.map((i, pos) => ({ i, pos }));
    order.sort((a, b) => filtered[a.i] - filtered[b.i] || (filtered[a.i] ? 0 : scores[b.i] - scores[a.i]) || a.i - b.i || a.pos - b.pos);
    return order.map(({ i, pos }) => ({ item: items[pos], score: filtered[i] ? FILTERED_SCORE : scores[i] }));
  }

  /**
   * Scores of given items for a user (LightFM's predict), in the order given.
   *
   * @example
   * ```ts
   * model.score('alice', ['item-1', 'item-2']); // [0.91, 0.13]
   * ```
   */
  score(user: Id, items: readonly Id[], options: Pick<RankOptions, 'userItems' | 'coldStart'> = {}): number[] {
    checkOptionKeys('score options', options, ['userItems', 'coldStart']);
    checkColdStart(options.coldStart);
    const { scores } = this.userRow(user, options);
    return this.itemIndices(items, 'items', true).map((i) => scores[i]);
  }

  /** The learned arrays and their shapes, for saving (inference profile). */
  protected abstract exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> };

  /** Optimizer state and counters for the resumable profile; models without any return undefined. */
  protected exportTraining(): ModelState['training'] {
    return undefined;
  }

  /**
   * Everything needed to rebuild this model (see src/io for the file format). An unfitted model gives its
   * configuration only (hyperparameters, no ids or arrays), which loads back as an unfitted model (as implicit's
   * save before fit).
   */
  toState(profile: 'inference' | 'resumable' = 'inference'): ModelState {
    if (!this.index) return { kind: this.kind, params: this.params, users: [], items: [], seen: { indptr: Int32Array.of(0), indices: new Int32Array(0), data: new Float32Array(0) }, tensors: {}, shapes: {} };
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

  /**
   * Load a model file as this class (`loadModel(source, ThisClass)`): the file's kind must be this class's, else
   * ModelFileError (`MODEL_FILE_KIND`) names the expected and the found kind. The result is typed as the class.
   *
   * @example
   * ```ts
   * const als = await AlsRecommender.load('als.recwise');
   * als.explain('alice', 'matrix'); // an AlsRecommender method, no cast
   * ```
   */
  static load<T extends Recommender>(this: abstract new (...args: never[]) => T, source: ModelSource, options: LoadOptions = {}): Promise<T> {
    return modelLoader()(source, this, options) as Promise<T>;
  }

  /** Items most similar to `item`. Families without an item-item notion throw NotSupportedError. */
  similarItems(item: Id, options: SimilarOptions = {}): Recommendation[] {
    void item;
    void options;
    throw new NotSupportedError('similarItems', this.kind, 'use a factor or item-kNN model.');
  }

  /**
   * {@link similarItems} for many items (implicit's `similar_items(itemids)`): one list per item, in order, with the
   * options of the single call. Factor models run it as one batched kernel call per block.
   *
   * @example
   * ```ts
   * const lists = await model.similarItemsBatch(['dune', 'alien'], { k: 5 });
   * ```
   */
  async similarItemsBatch(items: readonly Id[], options: SimilarOptions = {}): Promise<Recommendation[][]> {
    return mapInTurns(items, (item) => this.similarItems(item, options));
  }
}

/** `f` over `ids`, yielding to the event loop every 64 calls so long batches do not block it. */
export async function mapInTurns<T>(ids: readonly Id[], f: (id: Id) => T): Promise<T[]> {
  const out: T[] = [];
  for (let j = 0; j < ids.length; j++) {
    out.push(f(ids[j]));
    if (j % 64 === 63) await Promise.resolve();
  }
  return out;
}

function checkColdStart(value: unknown): void {
  if (value !== undefined && value !== 'popular' && value !== 'average') throw new InvalidArgumentError('coldStart', value, "'popular' or 'average'");
}

export { Vocabulary };

/**
 * How `Recommender.load` reads a file: set by src/io/model.ts (the io layer sits above the models). Here, not in the
 * kind registry, so the registry and this base class do not import each other (issue 18).
 */
export type ModelLoader = (source: unknown, model: abstract new (...args: never[]) => Recommender, options: unknown) => Promise<Recommender>;

let loader: ModelLoader | undefined;

export function registerModelLoader(f: ModelLoader): void {
  loader = f;
}

export function modelLoader(): ModelLoader {
  if (!loader) throw new InvalidArgumentError('loadModel', undefined, 'the model file loader', "import recwise's package entry (it registers the loader).");
  return loader;
}
