/**
 * Shared machinery of latent-factor models (ALS, BPR, LMF, hybrid factorization): score = <user row, item row>.
 * Item factors stay resident in the backend (Wasm memory) so single-user scoring copies only the user vector;
 * batch recommendation uses the fused score → mask seen → top-k kernel over user blocks, split across threads.
 */
import { Recommender, USER_BLOCK, mapInTurns, type EpochReport, type FitOptions, type Recommendation, type RecommendOptions } from '../recommender.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend } from '../../kernels/types.ts';
import type { ModelState } from '../registry.ts';
import { factorStateTensors } from '../options.ts';
import type { CsrArrays, DenseMatrix, RankMetrics, SparseRows, TopK } from '../../kernels/types.ts';
import type { Id, Vocabulary } from '../../data/vocabulary.ts';
import { checkSimilarOptions, rowDots, selectSimilar, similarFilter, zeroRows, type RankedRow, type SimilarFilter, type SimilarOptions } from '../similar.ts';
import { InvalidArgumentError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import type { TensorArray } from '../registry.ts';
import type { KnnIndexes, Embeddings, KnnOptions } from '../../retrieval/knn.ts';
import type { Metric, Neighbor } from '../../retrieval/types.ts';
import { KnnNotInitializedError, NotSupportedError } from '../../errors.ts';

/** Unit-length rows of a factor matrix (host and resident copies) and the indices of its all-zero rows. */
interface UnitRows {
  host: Float32Array;
  matrix: DenseMatrix;
  empty: ReadonlySet<number>;
}

interface SimilarSetup {
  d: number;
  unit: UnitRows;
  filter: SimilarFilter;
  want: number;
}

/** Result row `r` of a TopK with `k` slots per row. */
function rankedRow(top: TopK, r: number, k: number): RankedRow[] {
  return Array.from({ length: top.counts[r] }, (_, j) => ({ index: top.indices[r * k + j], score: top.scores[r * k + j] }));
}


/**
 * How {@link FactorRecommender.initKnn} builds its indexes: registered by the `recwise/retrieval` entry (issue 18), so
 * the factor models do not carry HNSW and exact search into applications that never search embeddings.
 */
let knnBuilder: typeof KnnIndexes.build | undefined;

/** Called by the `recwise/retrieval` entry; not public API. */
export function registerKnnBuilder(build: typeof KnnIndexes.build): void {
  knnBuilder = build;
}
/**
 * Base of the latent-factor models (ALS, BPR, LMF, LightFM and the neural models that score by inner product):
 * score(user, item) = ⟨user row, item row⟩ of `userFactors` and `itemFactors`. Adds to the {@link Recommender}
 * contract what implicit's MatrixFactorizationBase offers: embeddings by id, similar items and users by cosine,
 * and nearest-neighbour indexes over the embeddings (exact or HNSW) for retrieval pipelines. Item factors stay
 * resident in the kernel backend, so single-user recommendation copies only the user's vector.
 *
 * @example
 * ```ts
 * import { BprRecommender } from 'recwise';
 * const bpr = await new BprRecommender({ factors: 64 }).fit(train);
 * bpr.getItemEmbedding('dune');                   // Float32Array(65): factors + bias column
 * bpr.similarItems('dune', { k: 5 });             // cosine of item factors
 * await bpr.initKnn({ approximate: true });       // HNSW over the embeddings
 * bpr.searchKnnItems('dune', 10);
 * ```
 */
export abstract class FactorRecommender extends Recommender {
  /** nUsers × factors, row-major. */
  userFactors: Float32Array = new Float32Array(0);
  /** nItems × factors, row-major. */
  itemFactors: Float32Array = new Float32Array(0);
  private resident?: { items: DenseMatrix; seen?: SparseRows; backend: unknown; unit: Map<Float32Array, UnitRows> };

  /** Number of latent factors per user and item. */
  get factorCount(): number {
    const n = this.index?.items.size ?? 0;
    return n ? this.itemFactors.length / n : 0;
  }

  /**
   * End of a training epoch: when the caller passed `onEpoch`, publish this epoch's factors (the model then scores
   * with them, as if fit had stopped here) and await the callback; otherwise nothing is copied.
   */
  protected async publishEpoch(data: Interactions, options: FitOptions, report: EpochReport, users: DenseMatrix, items: DenseMatrix): Promise<void> {
    if (!options.onEpoch) return;
    this.userFactors = users.toArray();
    this.itemFactors = items.toArray();
    this.invalidateResident();
    this.restore({ users: data.users, items: data.items, seen: data.byUser }, this.backend);
    await options.onEpoch(report);
  }

  protected override releaseBackendMemory(): void {
    this.invalidateResident();
  }

  /** Drop resident copies after the factors changed (fit, partial fit, load). */
  protected invalidateResident(): void {
    this.dropResident();
    this.knn?.dispose();
    this.knn = undefined;
  }

  /** Release the backend copies only: the kNN indexes stay valid (the factors did not change). */
  private dropResident(): void {
    this.resident?.items.dispose();
    this.resident?.seen?.dispose();
    for (const u of this.resident?.unit.values() ?? []) u.matrix.dispose();
    this.resident = undefined;
  }

  private residentItems(): DenseMatrix {
    if (!this.resident || this.resident.backend !== this.backend) {
      // first use (or a new backend): must not drop indexes built by initKnn before the first recommend
      this.dropResident();
      this.resident = { items: this.backend.matrix(this.itemFactors, this.requireIndex().items.size, this.factorCount), backend: this.backend, unit: new Map() };
    }
    return this.resident.items;
  }

  private residentSeen(): SparseRows {
    const items = this.residentItems();
    void items;
    this.resident!.seen ??= this.backend.sparseRows(this.requireIndex().seen);
    return this.resident!.seen;
  }

  protected userRows(users: Int32Array): Float32Array {
    const d = this.factorCount;
    const q = new Float32Array(users.length * d);
    for (let r = 0; r < users.length; r++) q.set(this.userFactors.subarray(users[r] * d, (users[r] + 1) * d), r * d);
    return q;
  }

  scoreUsers(users: Int32Array): Float32Array {
    return this.backend.scoreBlock(this.userRows(users), users.length, this.residentItems());
  }

  /**
   * Ranking facts of `users` for `evaluate()` (src/eval): the backend scores each user's row and ranks it in one
   * pass (rankMetricsScored), the same facts as rankMetrics over scoreUsers without holding a users × items block.
   * Undefined where a subclass scores other than by ⟨user row, item row⟩ (evaluate then ranks scoreUsers' block).
   *
   * @example
   * ```ts
   * // users 0 and 1 (dense indices); train/test: their rows as block-local CSRs with sorted columns
   * const facts = await als.rankUsers(Int32Array.of(0, 1), train, test, 10);
   * facts?.ranks; // each test item's LightFM-style rank, as backend.rankMetrics(als.scoreUsers(users), …) gives it
   * ```
   */
  rankUsers(users: Int32Array, train: CsrArrays, test: CsrArrays, k: number): Promise<RankMetrics> | undefined {
    if (this.scoreUsers !== FactorRecommender.prototype.scoreUsers) return undefined;
    return this.backend.rankMetricsScored(this.userRows(users), users.length, this.residentItems(), train, test, k);
  }

  /** Scores for an arbitrary user vector (fold-in results, external embeddings). */
  scoreVector(vector: Float32Array): Float32Array {
    return this.backend.scoreBlock(vector, 1, this.residentItems());
  }

  /**
   * Fast path for one known user: score → mask seen (and excluded) items → top-k in one kernel call, with the item
   * factors resident, so only the user vector and k results cross into Wasm. Other cases use the generic path.
   */
  override recommend(user: Id, options: RecommendOptions = {}): Recommendation[] {
    if (options.include || options.userItems || options.filterSeen === false) return super.recommend(user, options);
    const k = this.checkOptions(options);
    const idx = this.requireIndex();
    const u = idx.users.indexOf(user);
    if (u === undefined) return super.recommend(user, options); // coldStart, or UnknownUserError
    let mask: SparseRows = this.residentSeen();
    let firstRow = u;
    let temporary: SparseRows | undefined;
    if (options.exclude?.length) {
      const seen = idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]);
      const indices = Int32Array.from(new Set([...seen, ...this.itemIndices(options.exclude, 'exclude', false)]));
      mask = temporary = this.backend.sparseRows({ indptr: Int32Array.of(0, indices.length), indices });
      firstRow = 0;
    }
    try {
      const top = this.backend.recommendBlock(this.userRows(Int32Array.of(u)), 1, this.residentItems(), k, { rows: mask, firstRow });
      const out: Recommendation[] = [];
      for (let j = 0; j < top.counts[0]; j++) out.push({ item: idx.items.idAt(top.indices[j]), score: top.scores[j] });
      return out;
    } finally {
      temporary?.dispose();
    }
  }

  protected override async recommendKnown(dense: Int32Array, k: number, options: RecommendOptions): Promise<Recommendation[][]> {
    if (options.include || options.exclude || options.filterSeen === false) return super.recommendKnown(dense, k, options);
    const idx = this.requireIndex();
    // The seen mask is addressed by row: build a per-block mask CSR only when users are not a contiguous run.
    const out: Recommendation[][] = [];
    const items = this.residentItems();
    for (let b = 0; b < dense.length; b += USER_BLOCK * 8) {
      const block = dense.subarray(b, b + USER_BLOCK * 8);
      const contiguous = block.every((u, r) => u === block[0] + r);
      let mask: SparseRows;
      let firstRow = 0;
      let temporary: SparseRows | undefined;
      if (contiguous) {
        mask = this.residentSeen();
        firstRow = block[0];
      } else {
        const indptr = new Int32Array(block.length + 1);
        for (let r = 0; r < block.length; r++) indptr[r + 1] = indptr[r] + idx.seen.indptr[block[r] + 1] - idx.seen.indptr[block[r]];
        const indices = new Int32Array(indptr[block.length]);
        for (let r = 0; r < block.length; r++) indices.set(idx.seen.indices.subarray(idx.seen.indptr[block[r]], idx.seen.indptr[block[r] + 1]), indptr[r]);
        mask = temporary = this.backend.sparseRows({ indptr, indices });
      }
      const top = await this.backend.recommendBlockParallel(this.userRows(block), block.length, items, k, { rows: mask, firstRow });
      temporary?.dispose();
      for (let r = 0; r < block.length; r++) {
        const row: Recommendation[] = [];
        for (let j = 0; j < top.counts[r]; j++) row.push({ item: idx.items.idAt(top.indices[r * k + j]), score: top.scores[r * k + j] });
        out.push(row);
      }
    }
    return out;
  }

  /** coldStart 'average': the mean of every user's factor vector (LibRecommender's average strategy). */
  protected override averageUserScores(): Float32Array {
    const n = this.requireIndex().users.size;
    const d = this.factorCount;
    const mean = new Float64Array(d);
    for (let u = 0; u < n; u++) for (let j = 0; j < d; j++) mean[j] += this.userFactors[u * d + j];
    return this.scoreVector(Float32Array.from(mean, (v) => (n ? v / n : 0)));
  }

  /** Rows scaled to unit length (zero rows stay zero), for cosine similarity. */
  private static normalized(m: Float32Array, rows: number, d: number): Float32Array {
    const out = new Float32Array(m.length);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += m[r * d + j] * m[r * d + j];
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < d; j++) out[r * d + j] = m[r * d + j] * inv;
    }
    return out;
  }

  /**
   * Rows of a factor matrix that similar* never returns: zero rows, and (unless the family learns rows from more than
   * interactions, as LightFM does from features) users or items without training interactions, whose factors are
   * their random initialisation untouched by any update (issue 15).
   */
  protected rowsWithoutSignal(matrix: Float32Array, rows: number): Set<number> {
    const empty = zeroRows(matrix, rows, this.factorCount);
    const { seen } = this.requireIndex();
    if (matrix === this.userFactors && this.untrainedRowsAreNoise('user')) {
      for (let u = 0; u < rows; u++) if (u >= seen.rows || seen.indptr[u] === seen.indptr[u + 1]) empty.add(u);
    } else if (matrix === this.itemFactors && this.untrainedRowsAreNoise('item')) {
      const count = new Uint8Array(rows);
      for (const i of seen.indices) if (i < rows) count[i] = 1;
      for (let i = 0; i < rows; i++) if (!count[i]) empty.add(i);
    }
    return empty;
  }

  /** Whether a row without training interactions has no signal (false where features or other inputs train it). */
  protected untrainedRowsAreNoise(side: 'user' | 'item'): boolean {
    void side;
    return true;
  }

  /** Unit-length rows of a factor matrix, resident in the backend, and its zero rows (cached until the factors change). */
  private unitRows(matrix: Float32Array, rows: number): UnitRows {
    this.residentItems();
    const cache = this.resident!.unit;
    let u = cache.get(matrix);
    if (!u) {
      const d = this.factorCount;
      const host = FactorRecommender.normalized(matrix, rows, d);
      u = { host, matrix: this.backend.matrix(host, rows, d), empty: this.rowsWithoutSignal(matrix, rows) };
      cache.set(matrix, u);
    }
    return u;
  }

  /** What every similar* call of one options bag shares: the unit rows, the filter and how many top rows to ask for. */
  private similarSetup(matrix: Float32Array, vocab: Vocabulary, options: SimilarOptions, where: string, unknown: (id: Id) => Error): SimilarSetup {
    const k = checkSimilarOptions(where, options);
    const unit = this.unitRows(matrix, vocab.size);
    const filter = similarFilter(vocab, options, k, unit.empty, unknown);
    // without include: enough of the top to survive dropping every row that may be filtered out
    const want = filter.include ? 0 : Math.min(vocab.size, k + unit.empty.size + (filter.exclude?.size ?? 0));
    return { d: this.factorCount, unit, filter, want };
  }

  /** The filtered list of query `row` (result row `r` of `top`); none for a query without signal. */
  private static similarList(setup: SimilarSetup, vocab: Vocabulary, row: number, top: TopK | undefined, r: number): Recommendation[] {
    const { d, unit, filter, want } = setup;
    if (unit.empty.has(row)) return [];
    const ranked = selectSimilar(filter, vocab.size, () => rankedRow(top!, r, want), (rows) => rowDots(unit.host, d, row, rows));
    return ranked.map((x) => ({ item: vocab.idAt(x.index), score: x.score }));
  }

  /** One query, synchronously. */
  private similarOne(matrix: Float32Array, vocab: Vocabulary, id: Id, options: SimilarOptions, where: string, unknown: (id: Id) => Error): Recommendation[] {
    const row = vocab.indexOf(id);
    if (row === undefined) throw unknown(id);
    const setup = this.similarSetup(matrix, vocab, options, where, unknown);
    const { d, unit, want } = setup;
    const top = want > 0 ? this.backend.recommendBlock(unit.host.subarray(row * d, (row + 1) * d), 1, unit.matrix, want) : undefined;
    return FactorRecommender.similarList(setup, vocab, row, top, 0);
  }

  /** Many queries, one batched multithreaded kernel call per block. */
  private async similarMany(matrix: Float32Array, vocab: Vocabulary, ids: readonly Id[], options: SimilarOptions, where: string, unknown: (id: Id) => Error): Promise<Recommendation[][]> {
    const rows = Int32Array.from(ids, (id) => {
      const i = vocab.indexOf(id);
      if (i === undefined) throw unknown(id);
      return i;
    });
    const setup = this.similarSetup(matrix, vocab, options, where, unknown);
    const { d, unit, want } = setup;
    const out: Recommendation[][] = [];
    const block = USER_BLOCK * 8;
    for (let b = 0; b < rows.length; b += block) {
      const part = rows.subarray(b, b + block);
      let top: TopK | undefined;
      if (want > 0) {
        const q = new Float32Array(part.length * d);
        part.forEach((i, r) => q.set(unit.host.subarray(i * d, (i + 1) * d), r * d));
        top = await this.backend.recommendBlockParallel(q, part.length, unit.matrix, want);
      }
      part.forEach((row, r) => out.push(FactorRecommender.similarList(setup, vocab, row, top, r)));
    }
    return out;
  }

  /**
   * Items most similar to `item` by cosine of item factors, the item itself included (ranked first, as implicit
   * does). `include` ranks only those items, `exclude` leaves items out (implicit's `items` / `filter_items`); items
   * without signal (zero factors: no interactions) are never returned, and an item without signal has no neighbours.
   *
   * @example
   * ```ts
   * model.similarItems('matrix-1999', { k: 5 });
   * model.similarItems('matrix-1999', { k: 5, exclude: ['matrix-1999'] }); // neighbours only
   * ```
   */
  override similarItems(item: Id, options: SimilarOptions = {}): Recommendation[] {
    const idx = this.requireIndex();
    return this.similarOne(this.itemFactors, idx.items, item, options, 'similarItems options', (id) => new UnknownItemError(id, 'item', idx.items));
  }

  /**
   * {@link similarItems} for many items at once (one list per item, in order): the cosine scores run as one batched,
   * multithreaded kernel call per block instead of one call per item.
   *
   * @example
   * ```ts
   * const lists = await model.similarItemsBatch(model.itemIds, { k: 10 });
   * ```
   */
  override async similarItemsBatch(items: readonly Id[], options: SimilarOptions = {}): Promise<Recommendation[][]> {
    const idx = this.requireIndex();
    return this.similarMany(this.itemFactors, idx.items, items, options, 'similarItemsBatch options', (id) => new UnknownItemError(id, 'item', idx.items));
  }

  // ── Embeddings and kNN search (LibRecommender's API; src/retrieval) ──
  private knn?: KnnIndexes;

  /**
   * The user's factor vector (a copy), by the user's own id.
   *
   * @example
   * ```ts
   * const v = model.getUserEmbedding('alice'); // Float32Array(factors)
   * ```
   */
  getUserEmbedding(user: Id): Float32Array {
    const u = this.requireIndex().users.indexOf(user);
    if (u === undefined) throw new UnknownUserError(user, this.requireIndex().users);
    const d = this.factorCount;
    return this.userFactors.slice(u * d, (u + 1) * d);
  }

  /** The item's factor vector (a copy), by the item's own id. */
  getItemEmbedding(item: Id): Float32Array {
    const i = this.requireIndex().items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item, 'item', this.requireIndex().items);
    const d = this.factorCount;
    return this.itemFactors.slice(i * d, (i + 1) * d);
  }

  /** Every user's embedding: ids in index order and the users × factors matrix (a copy). */
  userEmbeddings(): Embeddings {
    return { ids: this.requireIndex().users.ids(), vectors: this.userFactors.slice(), dim: this.factorCount };
  }

  /** Every item's embedding: ids in index order and the items × factors matrix (a copy). */
  itemEmbeddings(): Embeddings {
    return { ids: this.requireIndex().items.ids(), vectors: this.itemFactors.slice(), dim: this.factorCount };
  }

  /**
   * Build the user and item indexes for {@link searchKnnUsers} / {@link searchKnnItems} (LibRecommender's
   * init_knn): HNSW when `approximate` (default), else exact; `simType` 'cosine' (default) or 'inner-product'.
   * Refitting or loading drops them. The indexes live in the `recwise/retrieval` entry: import it once (without it,
   * NotSupportedError says so).
   *
   * @example
   * ```ts
   * import 'recwise/retrieval';
   * await model.initKnn({ approximate: true, simType: 'cosine' });
   * model.searchKnnItems('matrix-1999', 10); // [{ id, score }, …], the item itself left out
   * ```
   */
  async initKnn(options: KnnOptions = {}): Promise<void> {
    this.requireIndex();
    const { users, items } = this.knnEmbeddings(options?.simType ?? 'cosine');
    if (!knnBuilder) throw new NotSupportedError("initKnn without the 'recwise/retrieval' entry", this.kind, "add `import 'recwise/retrieval';` once in the application (it holds the exact and HNSW indexes).");
    const next = await knnBuilder(users, items, options, this.backend);
    this.knn?.dispose();
    this.knn = next;
  }

  /** The vectors initKnn indexes for a metric (default: the embeddings; LightFM drops its bias coordinates for cosine). */
  protected knnEmbeddings(simType: Metric): { users: Embeddings; items: Embeddings } {
    void simType;
    return { users: this.userEmbeddings(), items: this.itemEmbeddings() };
  }

  /** The indexes built by {@link initKnn} (e.g. to save the item graph or to feed a pipeline). */
  get knnIndexes(): KnnIndexes | undefined {
    return this.knn;
  }

  private requireKnn(): KnnIndexes {
    if (!this.knn) throw new KnnNotInitializedError(this.kind);
    return this.knn;
  }

  /** The k users nearest to `user` by their embeddings (the user left out), best first. */
  searchKnnUsers(user: Id, k: number): Neighbor[] {
    const knn = this.requireKnn();
    if (!knn.users.has(user)) throw new UnknownUserError(user);
    return knn.users.search(user, k);
  }

  /** The k items nearest to `item` by their embeddings (the item left out), best first. */
  searchKnnItems(item: Id, k: number): Neighbor[] {
    const knn = this.requireKnn();
    if (!knn.items.has(item)) throw new UnknownItemError(item);
    return knn.items.search(item, k);
  }

  /**
   * Users most similar to `user` by cosine of user factors (the user itself included, first). Items are user ids
   * here; `include` / `exclude` list user ids, as in {@link similarItems}.
   */
  similarUsers(user: Id, options: SimilarOptions = {}): Recommendation[] {
    const idx = this.requireIndex();
    return this.similarOne(this.userFactors, idx.users, user, options, 'similarUsers options', (id) => new UnknownUserError(id, idx.users));
  }

  /** {@link similarUsers} for many users (implicit's `similar_users(userids)`): one list per user, in order. */
  async similarUsersBatch(users: readonly Id[], options: SimilarOptions = {}): Promise<Recommendation[][]> {
    return mapInTurns(users, (user) => this.similarUsers(user, options));
  }

  /** Adopt a model file's factors and training index (for the families' fromState). */
  protected adoptState(state: ModelState, backend: Backend, cols: number): this {
    const index = Recommender.indexFromState(state);
    const { userFactors, itemFactors } = factorStateTensors(state, index, cols);
    this.userFactors = userFactors;
    this.itemFactors = itemFactors;
    this.restore(index, backend);
    return this;
  }

  protected exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const idx = this.requireIndex();
    const d = this.factorCount;
    return {
      tensors: { userFactors: this.userFactors, itemFactors: this.itemFactors },
      shapes: { userFactors: [idx.users.size, d], itemFactors: [idx.items.size, d] },
    };
  }
}
