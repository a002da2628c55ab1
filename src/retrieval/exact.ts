/**
 * Exact nearest neighbours, with the vectors resident in Wasm memory. From {@link QUANTIZED_MIN_ROWS} rows on, a
 * query first reads 8-bit codes of the rows and then scores in f32 only the rows an error bound cannot rule out
 * (assembly/exact.ts: a quarter of the memory traffic, same results bit for bit); smaller indexes, and vectors too
 * large for the bound's f32 arithmetic, take the fused f32 score → top-k (assembly/recommend.ts). One query can be
 * split over the backend's threads by item range ({@link ExactIndex.searchVectorParallel}); batches are split by
 * query. On non-Wasm backends the backend's recommendBlock does the same work.
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import type { Id } from '../data/vocabulary.ts';
import { InvalidArgumentError } from '../errors.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import type { Backend, DenseMatrix, TopK } from '../kernels/types.ts';
import { indexKernels, type IndexKernelName, type IndexKernels } from './kernels.ts';
import { QUANTIZED_MIN_ROWS, quantizeRows, type QuantizedRows } from './quantized.ts';
import { SEARCH_KEYS, type EmbeddingIndex, type Metric, type Neighbor, type SearchOptions } from './types.ts';
import { checkK, checkMetric, checkNewIds, checkPositiveInt, checkRows, queryVector, storedSimilarity, storeQuery, storeRow } from './vectors.ts';

/** Options of {@link ExactIndex.build}. */
export interface ExactOptions {
  /** Default 'cosine'. */
  metric?: Metric;
  /** Backend that holds the vectors; default: the active one. */
  backend?: Backend;
}

/** Items per thread below which a single query is not split (messages would cost more than the scan). */
const MIN_ITEMS_PER_THREAD = 16384;

/** Order of the project: score descending, ties to the lower index. */
const byScore = (a: { s: number; i: number }, b: { s: number; i: number }) => b.s - a.s || a.i - b.i;

/**
 * Brute-force index: exact results, the reference for {@link HnswIndex}'s recall.
 *
 * @example
 * ```ts
 * const index = await ExactIndex.build(model.itemIds, model.itemFactors, model.factorCount, { metric: 'inner-product' });
 * index.searchVector(userVector, 10);
 * await index.searchVectorParallel(userVector, 10);  // one query split over every thread
 * ```
 */
export class ExactIndex implements EmbeddingIndex {
  readonly metric: Metric;
  readonly dim: number;
  private readonly backend: Backend;
  private readonly kernels?: IndexKernels;
  private ids: Id[] = [];
  private nodeOf = new Map<Id, number>();
  /** Stored rows (unit length for cosine), host copy. */
  private host = new Float32Array(0);
  private matrix?: DenseMatrix;
  /** Wasm: own allocation of the rows, their codes, scratch (one row per thread), query and outputs. */
  private p = { items: 0, codes: 0, scale: 0, resid: 0, norm: 0, scratch: 0, scratchRows: 0, q: 0, qRows: 0, out: 0, outK: 0 };
  /** 8-bit codes for the bounded prefilter (Wasm, from QUANTIZED_MIN_ROWS rows). */
  private quantized?: QuantizedRows;
  private disposed = false;

  private constructor(backend: Backend, metric: Metric, dim: number) {
    this.backend = backend;
    this.metric = metric;
    this.dim = dim;
    if (backend.kernels) this.kernels = indexKernels(backend);
  }

  /**
   * Build an index over `ids` and their vectors (row-major, ids.length × dim).
   *
   * @example
   * ```ts
   * const index = await ExactIndex.build(['a', 'b'], Float32Array.of(1, 0, 0, 1), 2);
   * ```
   */
  static async build(ids: readonly Id[], vectors: Float32Array, dim: number, options: ExactOptions = {}): Promise<ExactIndex> {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, "an object such as { metric: 'cosine' }");
    checkOptionKeys('ExactIndex.build options', options, optionKeys<ExactOptions>({ metric: true, backend: true }));
    const metric = checkMetric(options.metric ?? 'cosine');
    checkPositiveInt(dim, 'dim');
    let backend = options.backend;
    if (!backend) {
      await ensureInit();
      backend = await getBackend();
    }
    const index = new ExactIndex(backend, metric, dim);
    await index.addItems(ids, vectors);
    return index;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: Id): boolean {
    return this.nodeOf.has(id);
  }

  /** Bytes of backend memory held. */
  get memoryBytes(): number {
    const codes = this.quantized ? this.quantized.codes.byteLength + this.size * 12 : 0;
    return this.host.byteLength + this.size * this.dim * 4 + codes + this.p.scratchRows * this.scratchFloats() * 4;
  }

  private check(): void {
    if (this.disposed) throw new InvalidArgumentError('index', 'disposed', 'an index that was not disposed', 'build the index again.');
  }

  async addItems(ids: readonly Id[], vectors: Float32Array): Promise<void> {
    this.check();
    checkNewIds(ids, (id) => this.nodeOf.has(id));
    checkRows(vectors, ids.length, this.dim);
    const n0 = this.size, n = n0 + ids.length, d = this.dim;
    const host = new Float32Array(n * d);
    host.set(this.host);
    // Inner product needs no augmentation for exact search: rows are stored as given.
    for (let r = 0; r < ids.length; r++) storeRow(vectors, r, d, this.metric, 0, host, (n0 + r) * d, d);
    this.host = host;
    ids.forEach((id, r) => {
      this.ids.push(id);
      this.nodeOf.set(id, n0 + r);
    });
    this.upload();
  }

  /** Copy the rows to the backend (after a change). */
  private upload(): void {
    const k = this.kernels;
    if (k) {
      for (const ptr of [this.p.items, this.p.codes, this.p.scale, this.p.resid, this.p.norm]) if (ptr) k.heap.release(ptr);
      this.p.items = k.heap.put(this.host.length ? this.host : new Float32Array(4));
      this.quantized = k.wasm && this.size >= QUANTIZED_MIN_ROWS ? quantizeRows(this.host, this.size, this.dim) : undefined;
      const q = this.quantized;
      this.p.codes = q ? k.heap.put(new Int32Array(q.codes.buffer, q.codes.byteOffset, q.codes.length >> 2)) : 0;
      this.p.scale = q ? k.heap.put(q.scale) : 0;
      this.p.resid = q ? k.heap.put(q.resid) : 0;
      this.p.norm = q ? k.heap.put(q.norm) : 0;
      this.releaseScratch();
    } else {
      this.matrix?.dispose();
      this.matrix = this.backend.matrix(this.host, this.size, this.dim);
    }
  }

  private releaseScratch(): void {
    if (this.p.scratch) this.kernels!.heap.release(this.p.scratch);
    this.p.scratch = 0;
    this.p.scratchRows = 0;
  }

  /** Floats of one thread's scratch: exactTopk's bounds, candidates and query codes, or recommendBlock's scores. */
  private scratchFloats(): number {
    return this.quantized ? 2 * this.size + this.quantized.stride : this.size;
  }

  /** Wasm buffers: `rows` scratch rows, `queries` query rows, and outputs for queries × k. */
  private buffers(rows: number, queries: number, k: number): void {
    const heap = this.kernels!.heap;
    if (rows > this.p.scratchRows) {
      this.releaseScratch();
      this.p.scratch = heap.alloc(Math.max(1, rows * this.scratchFloats()) * 4);
      this.p.scratchRows = rows;
    }
    if (queries * Math.max(k, 1) > this.p.outK || queries > this.p.qRows) {
      for (const ptr of [this.p.q, this.p.out]) if (ptr) heap.release(ptr);
      this.p.outK = queries * Math.max(k, 1);
      this.p.qRows = queries;
      this.p.out = heap.alloc(this.p.outK * 8 + 4 * queries);
      this.p.q = heap.alloc(this.dim * 4 * queries);
    }
  }

  /**
   * The kernel for these stored queries: exactTopk when the rows have codes and the bound's f32 arithmetic stays far
   * from overflow for every query, else recommendBlock (the plain f32 scan).
   */
  private kernelFor(queries: Float32Array): IndexKernelName {
    const q = this.quantized, d = this.dim;
    if (!q) return 'recommendBlock';
    let maxQuery = 0;
    for (let r = 0; r < queries.length; r += d) {
      let s = 0;
      for (let j = 0; j < d; j++) s += queries[r + j] * queries[r + j];
      maxQuery = Math.max(maxQuery, Math.sqrt(s));
    }
    return q.maxNorm * maxQuery < 1e30 ? 'exactTopk' : 'recommendBlock';
  }

  /** Arguments of `fn` for the best k of rows [from, to) (indices relative to `from`) using scratch row `t`. */
  private topkArgs(fn: IndexKernelName, qPtr: number, nQueries: number, from: number, to: number, k: number, t: number, idx: number, sc: number, counts: number): number[] {
    const d = this.dim, q = this.quantized, scratch = this.p.scratch + t * this.scratchFloats() * 4;
    if (fn !== 'exactTopk' || !q) return [qPtr, nQueries, this.p.items + from * d * 4, to - from, d, 0, 0, k, scratch, idx, sc, counts, 0];
    return [qPtr, nQueries, this.p.items + from * d * 4, to - from, d,
      this.p.codes + from * q.stride, q.stride, this.p.scale + from * 4, this.p.resid + from * 4, this.p.norm + from * 4,
      k, scratch, idx, sc, counts];
  }

  private neighbors(top: { idx: ArrayLike<number>; sc: ArrayLike<number>; count: number }, k: number, exclude?: Set<Id>): Neighbor[] {
    const out: Neighbor[] = [];
    for (let j = 0; j < top.count && out.length < k; j++) {
      const id = this.ids[top.idx[j]];
      if (!exclude?.has(id)) out.push({ id, score: top.sc[j] });
    }
    return out;
  }

  private prepared(vector: ArrayLike<number>, k: number, options: SearchOptions) {
    checkOptionKeys('search options', options, SEARCH_KEYS);
    this.check();
    checkK(k);
    const q = queryVector(vector, this.dim);
    const exclude = options.exclude ? new Set(options.exclude) : undefined;
    const extra = exclude ? [...exclude].filter((id) => this.nodeOf.has(id)).length : 0;
    const want = Math.min(this.size, k + extra);
    const stored = new Float32Array(this.dim);
    storeQuery(q, this.dim, this.metric, stored, 0, this.dim);
    return { stored, exclude, want };
  }

  /**
   * The k stored ids most similar to `vector`, exactly, on the calling thread.
   *
   * @example
   * ```ts
   * index.searchVector([0.1, 0.3, -0.2], 5, { exclude: ['seen-item'] });
   * ```
   */
  searchVector(vector: ArrayLike<number>, k: number, options: SearchOptions = {}): Neighbor[] {
    const { stored, exclude, want } = this.prepared(vector, k, options);
    if (want === 0 || k === 0) return [];
    const kr = this.kernels;
    if (!kr) {
      const top = this.backend.recommendBlock(stored, 1, this.matrix!, want);
      return this.neighbors({ idx: top.indices, sc: top.scores, count: top.counts[0] }, k, exclude);
    }
    this.buffers(1, 1, want);
    kr.f32(this.p.q, this.dim).set(stored);
    const idx = this.p.out, sc = idx + want * 4, counts = sc + want * 4;
    const fn = this.kernelFor(stored);
    kr.call(fn, this.topkArgs(fn, this.p.q, 1, 0, this.size, want, 0, idx, sc, counts));
    const count = kr.i32(counts, 1)[0];
    return this.neighbors({ idx: kr.i32(idx, count), sc: kr.f32(sc, count), count }, k, exclude);
  }

  /**
   * One query with the catalogue split over the backend's threads (each scans a contiguous range of rows with the
   * same kernel; the per-thread top-k lists are merged). Same results as {@link searchVector}.
   */
  async searchVectorParallel(vector: ArrayLike<number>, k: number, options: SearchOptions = {}): Promise<Neighbor[]> {
    const kr = this.kernels;
    const threads = kr ? Math.min(kr.threads, Math.floor(this.size / MIN_ITEMS_PER_THREAD)) : 1;
    if (!kr || threads < 2) return this.searchVector(vector, k, options);
    const { stored, exclude, want } = this.prepared(vector, k, options);
    if (want === 0 || k === 0) return [];
    // Each thread scans its own row range into its own row of the scratch.
    this.buffers(threads, threads, want);
    kr.f32(this.p.q, this.dim).set(stored);
    const idx = this.p.out, sc = idx + threads * want * 4, counts = sc + threads * want * 4;
    const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * this.size) / threads));
    const fn = this.kernelFor(stored);
    await kr.runOnThreads(fn, Array.from({ length: threads }, (_, t) =>
      this.topkArgs(fn, this.p.q, 1, bounds[t], bounds[t + 1], want, t, idx + t * want * 4, sc + t * want * 4, counts + t * 4)));
    const c = kr.i32(counts, threads), I = kr.i32(idx, threads * want), S = kr.f32(sc, threads * want);
    const merged: { s: number; i: number }[] = [];
    for (let t = 0; t < threads; t++) for (let j = 0; j < c[t]; j++) merged.push({ s: S[t * want + j], i: I[t * want + j] + bounds[t] });
    merged.sort(byScore);
    return this.neighbors({ idx: merged.map((m) => m.i), sc: merged.map((m) => m.s), count: merged.length }, k, exclude);
  }

  /** Neighbours of a stored id (itself left out). */
  search(id: Id, k: number, options: SearchOptions = {}): Neighbor[] {
    this.check();
    const node = this.nodeOf.get(id);
    if (node === undefined) throw new InvalidArgumentError('id', id, 'an id stored in the index');
    return this.searchVector(this.host.subarray(node * this.dim, (node + 1) * this.dim), k, { ...options, exclude: [...(options.exclude ?? []), id] });
  }

  /** The stored vector of `id` (unit length for cosine). */
  vector(id: Id): Float32Array {
    const node = this.nodeOf.get(id);
    if (node === undefined) throw new InvalidArgumentError('id', id, 'an id stored in the index');
    return this.host.slice(node * this.dim, (node + 1) * this.dim);
  }

  /**
   * Similarity of two stored ids (cosine or inner product, as the index's metric).
   *
   * @example
   * ```ts
   * index.similarity('item-1', 'item-2');  // 0.83
   * ```
   */
  similarity(a: Id, b: Id): number {
    return storedSimilarity(this.vector(a), this.vector(b));
  }

  /** n row-major queries at once, split by query over the backend's threads. */
  async searchVectors(vectors: Float32Array, n: number, k: number): Promise<Neighbor[][]> {
    this.check();
    checkK(k);
    checkPositiveInt(n, 'n', 0);
    checkRows(vectors, n, this.dim);
    const want = Math.min(k, this.size);
    if (n === 0) return [];
    if (want === 0) return Array.from({ length: n }, () => []);
    const stored = new Float32Array(n * this.dim);
    for (let r = 0; r < n; r++) storeQuery(vectors.subarray(r * this.dim, (r + 1) * this.dim), this.dim, this.metric, stored, r * this.dim, this.dim);
    let top: TopK;
    const kr = this.kernels;
    if (!kr) top = await this.backend.recommendBlockParallel(stored, n, this.matrix!, want);
    else {
      const threads = Math.max(1, Math.min(kr.threads, Math.floor(n / 4)));
      const fn = this.kernelFor(stored);
      this.buffers(threads, n, want);
      kr.f32(this.p.q, n * this.dim).set(stored);
      const idx = this.p.out, sc = idx + n * want * 4, counts = sc + n * want * 4;
      // Chunks of ~2^22 multiply-adds per call (V8 tiers Wasm up between calls; see wasm/backend.ts), one per thread per round.
      const chunk = Math.max(1, Math.min(Math.ceil(n / threads), Math.floor((1 << 22) / Math.max(1, this.size * this.dim))));
      for (let start = 0; start < n; start += chunk * threads) {
        const calls: number[][] = [];
        for (let t = 0; t < threads && start + t * chunk < n; t++) {
          const from = start + t * chunk, to = Math.min(n, from + chunk);
          calls.push(this.topkArgs(fn, this.p.q + from * this.dim * 4, to - from, 0, this.size, want, t,
            idx + from * want * 4, sc + from * want * 4, counts + from * 4));
        }
        await kr.runOnThreads(fn, calls);
      }
      top = { k: want, rows: n, indices: kr.i32(idx, n * want).slice(), scores: kr.f32(sc, n * want).slice(), counts: kr.i32(counts, n).slice() };
    }
    return Array.from({ length: n }, (_, r) =>
      this.neighbors({ idx: top.indices.subarray(r * want), sc: top.scores.subarray(r * want), count: top.counts[r] }, k));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.matrix?.dispose();
    const kr = this.kernels;
    if (kr) for (const ptr of [this.p.items, this.p.codes, this.p.scale, this.p.resid, this.p.norm, this.p.scratch, this.p.q, this.p.out]) if (ptr) kr.heap.release(ptr);
  }
}
