/**
 * Shared machinery of latent-factor models (ALS, BPR, LMF, hybrid factorization): score = <user row, item row>.
 * Item factors stay resident in the backend (Wasm memory) so single-user scoring copies only the user vector;
 * batch recommendation uses the fused score → mask seen → top-k kernel over user blocks, split across threads.
 */
import { Recommender, USER_BLOCK, type Recommendation, type RecommendOptions } from './recommender.ts';
import type { Backend } from '../kernels/types.ts';
import type { ModelState } from './registry.ts';
import { factorStateTensors } from './options.ts';
import type { DenseMatrix, SparseRows } from '../kernels/types.ts';
import type { Id } from '../data/vocabulary.ts';
import { InvalidArgumentError, UnknownItemError, UnknownUserError } from '../errors.ts';
import type { TensorArray } from './registry.ts';
import { KnnIndexes, type Embeddings, type KnnOptions } from '../retrieval/knn.ts';
import type { Metric, Neighbor } from '../retrieval/types.ts';
import { KnnNotInitializedError } from '../errors.ts';

export abstract class FactorRecommender extends Recommender {
  /** nUsers × factors, row-major. */
  userFactors: Float32Array = new Float32Array(0);
  /** nItems × factors, row-major. */
  itemFactors: Float32Array = new Float32Array(0);
  private resident?: { items: DenseMatrix; seen?: SparseRows; backend: unknown; unit: Map<Float32Array, { host: Float32Array; matrix: DenseMatrix }> };

  /** Number of latent factors per user and item. */
  get factorCount(): number {
    const n = this.index?.items.size ?? 0;
    return n ? this.itemFactors.length / n : 0;
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
    if (u === undefined) throw new UnknownUserError(user);
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

  override async recommendBatch(users: readonly Id[], options: Omit<RecommendOptions, 'userItems'> = {}): Promise<Recommendation[][]> {
    if (options.include || options.exclude || options.filterSeen === false) return super.recommendBatch(users, options);
    const k = options.k ?? 10;
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    const idx = this.requireIndex();
    const dense = this.denseUsers(users);
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

  /** Unit-length rows of a factor matrix, resident in the backend (cached until the factors change). */
  private unitRows(matrix: Float32Array, rows: number): { host: Float32Array; matrix: DenseMatrix } {
    this.residentItems();
    const cache = this.resident!.unit;
    let u = cache.get(matrix);
    if (!u) {
      const host = FactorRecommender.normalized(matrix, rows, this.factorCount);
      u = { host, matrix: this.backend.matrix(host, rows, this.factorCount) };
      cache.set(matrix, u);
    }
    return u;
  }

  private similar(matrix: Float32Array, vocabSize: number, row: number, k: number, ids: (i: number) => Id): Recommendation[] {
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    const d = this.factorCount;
    const unit = this.unitRows(matrix, vocabSize);
    const top = this.backend.recommendBlock(unit.host.subarray(row * d, (row + 1) * d), 1, unit.matrix, k);
    const out: Recommendation[] = [];
    for (let j = 0; j < top.counts[0]; j++) out.push({ item: ids(top.indices[j]), score: top.scores[j] });
    return out;
  }

  /**
   * Items most similar to `item` by cosine of item factors, the item itself included (ranked first, as implicit does).
   *
   * @example
   * ```ts
   * model.similarItems('matrix-1999', { k: 5 });
   * ```
   */
  override similarItems(item: Id, options: { k?: number } = {}): Recommendation[] {
    const idx = this.requireIndex();
    const i = idx.items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item);
    return this.similar(this.itemFactors, idx.items.size, i, options.k ?? 10, (j) => idx.items.idAt(j));
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
  async similarItemsBatch(items: readonly Id[], options: { k?: number } = {}): Promise<Recommendation[][]> {
    const k = options.k ?? 10;
    if (!(Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError('k', k, 'an integer >= 0');
    const idx = this.requireIndex();
    const d = this.factorCount;
    const rows = Int32Array.from(items, (it) => {
      const i = idx.items.indexOf(it);
      if (i === undefined) throw new UnknownItemError(it);
      return i;
    });
    const unit = this.unitRows(this.itemFactors, idx.items.size);
    const out: Recommendation[][] = [];
    const block = USER_BLOCK * 8;
    for (let b = 0; b < rows.length; b += block) {
      const part = rows.subarray(b, b + block);
      const q = new Float32Array(part.length * d);
      part.forEach((i, r) => q.set(unit.host.subarray(i * d, (i + 1) * d), r * d));
      const top = await this.backend.recommendBlockParallel(q, part.length, unit.matrix, k);
      for (let r = 0; r < part.length; r++) {
        const row: Recommendation[] = [];
        for (let j = 0; j < top.counts[r]; j++) row.push({ item: idx.items.idAt(top.indices[r * k + j]), score: top.scores[r * k + j] });
        out.push(row);
      }
    }
    return out;
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
    if (u === undefined) throw new UnknownUserError(user);
    const d = this.factorCount;
    return this.userFactors.slice(u * d, (u + 1) * d);
  }

  /** The item's factor vector (a copy), by the item's own id. */
  getItemEmbedding(item: Id): Float32Array {
    const i = this.requireIndex().items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item);
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
   * Refitting or loading drops them.
   *
   * @example
   * ```ts
   * await model.initKnn({ approximate: true, simType: 'cosine' });
   * model.searchKnnItems('matrix-1999', 10); // [{ id, score }, …], the item itself left out
   * ```
   */
  async initKnn(options: KnnOptions = {}): Promise<void> {
    this.requireIndex();
    const { users, items } = this.knnEmbeddings(options?.simType ?? 'cosine');
    const next = await KnnIndexes.build(users, items, options, this.backend);
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

  /** Users most similar to `user` by cosine of user factors (the user itself included, first). Items are user ids here. */
  similarUsers(user: Id, options: { k?: number } = {}): Recommendation[] {
    const idx = this.requireIndex();
    const u = idx.users.indexOf(user);
    if (u === undefined) throw new UnknownUserError(user);
    return this.similar(this.userFactors, idx.users.size, u, options.k ?? 10, (j) => idx.users.idAt(j));
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
