/**
 * Approximate nearest neighbours with a hierarchical navigable small world graph (Malkov & Yashunin 2016, the
 * algorithms of hnswlib). The graph lives in the `wasm` backend's linear memory as fixed-degree neighbour arrays
 * (level 0: M0 = 2M slots per node; upper levels: M slots per level in a pool), and the whole insert and the whole
 * search run inside one kernel call each (assembly/hnsw.ts). Other backends run the TS reference on a private
 * buffer with the same layout, giving the same graph and the same results.
 *
 * Deterministic: levels come from a seeded generator, ties go to the lower node everywhere, and inserts run in id
 * order on one thread — the same ids, vectors, options and seed always give the same graph, on every runtime.
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import type { Id } from '../data/vocabulary.ts';
import { AbortError, InvalidArgumentError } from '../errors.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import type { Backend } from '../kernels/types.ts';
import type { LongRunOptions } from '../models/progress.ts';
import { yieldToEventLoop } from '../models/progress.ts';
import { indexKernels, type IndexKernels } from './kernels.ts';
import { SEARCH_KEYS } from './types.ts';
import type { EmbeddingIndex, Metric, Neighbor, SearchOptions } from './types.ts';
import { checkK, checkMetric, checkNewIds, checkPositiveInt, checkRows, queryVector, rowNorm, storedSimilarity, storeQuery, storeRow } from './vectors.ts';

/** Options of {@link HnswIndex.build}. */
export interface HnswOptions extends LongRunOptions {
  /** Default 'cosine'. */
  metric?: Metric;
  /** Links per node on the upper levels (level 0 keeps 2·M). Default 16. */
  M?: number;
  /** Candidate list size while inserting. Default 200 (hnswlib's recommendation for high recall). */
  efConstruction?: number;
  /**
   * Default candidate list size of a search (raised to k when smaller). Default 100: with M 16 and efConstruction
   * 200, ef 64 gives recall@10 0.937 on the clustered 5000 × 32 cosine fixture (hnswlib-node 3.0: 0.948), ef 100
   * gives 0.977 (random: 0.999; inner product 0.997 / 0.986).
   */
  ef?: number;
  /**
   * Fill a node's neighbour list up to its capacity with candidates the heuristic pruned, closest first
   * (keepPrunedConnections of Malkov & Yashunin 2018, Algorithm 4). Default false, as in hnswlib: on the clustered
   * conformance fixture it lowers recall@10 at ef 64 from 0.94 to 0.89 (cosine).
   */
  keepPrunedConnections?: boolean;
  /** Seed of the level generator. Default 42. */
  seed?: number;
  /** Backend whose memory holds the graph; default: the active one (init()). */
  backend?: Backend;
}

export const HNSW_KEYS = optionKeys<HnswOptions>({
  metric: true, M: true, efConstruction: true, ef: true, keepPrunedConnections: true, seed: true, backend: true, onProgress: true, signal: true,
});

/** Everything that describes a saved graph besides its arrays (see {@link HnswIndex.toTensors}). */
export interface HnswParams {
  metric: Metric;
  dim: number;
  M: number;
  efConstruction: number;
  ef: number;
  seed: number;
  /** See {@link HnswOptions.keepPrunedConnections}; absent in files written before it existed (= false). */
  keepPrunedConnections?: boolean;
  /** Inner product: the norm every stored row is augmented to (the largest row norm seen). */
  maxNorm: number;
  /** Level generator state after the last insert, so adding after a load continues the same sequence. */
  rngState: number;
  entry: number;
  maxLevel: number;
}

/** The graph's arrays for a model file (names as saved, prefix added by the caller). */
export interface HnswTensors {
  vectors: Float32Array;
  levels: Int32Array;
  links0: Int32Array;
  upperOffsets: Int32Array;
  upperLinks: Int32Array;
}

const HEADER_WORDS = 16;
const SCRATCH_WORDS = 8;
const MAX_LEVEL = 30;
/** Nodes per kernel-call batch between event-loop yields while building. */
const YIELD_MS = 50;

/** mulberry32: small, fast, and the same on every runtime (integer arithmetic only). */
function nextRandom(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s];
}

interface Scratch {
  s: number;
  visited: number;
  cIds: number;
  cSc: number;
  rIds: number;
  rSc: number;
}

/**
 * HNSW index over ids and vectors.
 *
 * @example
 * ```ts
 * const index = await HnswIndex.build(model.itemIds, model.itemEmbeddings().vectors, model.factorCount, { metric: 'cosine' });
 * index.searchVector(queryVector, 10);          // [{ id, score }, …] best first
 * index.search('item-42', 10, { ef: 128 });     // neighbours of a stored item, itself left out
 * ```
 */
export class HnswIndex implements EmbeddingIndex {
  readonly metric: Metric;
  readonly dim: number;
  readonly M: number;
  readonly efConstruction: number;
  /** Default search ef. */
  ef: number;
  readonly seed: number;
  readonly keepPrunedConnections: boolean;
  private readonly stride: number;
  private readonly kernels: IndexKernels;
  private ids: Id[] = [];
  private nodeOf = new Map<Id, number>();
  private capacity = 0;
  private maxNorm = 0;
  private rngState: number;
  private poolWords = 0;
  private poolUsed = 0;
  private efCapacity = 0;
  private p = { h: 0, vectors: 0, levels: 0, links0: 0, upperOffsets: 0, pool: 0, wIds: 0, wSc: 0, q: 0, outIdx: 0, outSc: 0, outK: 0 };
  private scratch: Scratch[] = [];
  private disposed = false;

  private constructor(backend: Backend, params: Omit<HnswParams, 'maxNorm' | 'rngState' | 'entry' | 'maxLevel'>) {
    this.metric = params.metric;
    this.dim = params.dim;
    this.M = params.M;
    this.efConstruction = params.efConstruction;
    this.ef = params.ef;
    this.seed = params.seed;
    this.keepPrunedConnections = params.keepPrunedConnections ?? false;
    this.rngState = params.seed | 0;
    // Inner product needs one augmentation column; rows are padded to whole f32x4 lanes.
    this.stride = Math.ceil((this.dim + (this.metric === 'inner-product' ? 1 : 0)) / 4) * 4;
    this.kernels = indexKernels(backend);
    const heap = this.kernels.heap;
    this.p.h = heap.alloc(HEADER_WORDS * 4);
    this.p.wIds = heap.alloc((2 * this.M + 2) * 4);
    this.p.wSc = heap.alloc((2 * this.M + 2) * 4);
    this.p.q = heap.alloc(this.stride * 4);
    const h = this.kernels.i32(this.p.h, HEADER_WORDS);
    h.fill(0);
    h[3] = -1; // maxLevel
    h[4] = -1; // entry
    this.writeHeader();
  }

  private static async create(options: HnswOptions, dim: number): Promise<HnswIndex> {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object such as { M: 16 }');
    const metric = checkMetric(options.metric ?? 'cosine');
    const M = checkPositiveInt(options.M ?? 16, 'M', 2);
    const efConstruction = checkPositiveInt(options.efConstruction ?? 200, 'efConstruction');
    const ef = checkPositiveInt(options.ef ?? 100, 'ef');
    const seed = options.seed ?? 42;
    const keepPrunedConnections = options.keepPrunedConnections ?? false;
    if (typeof keepPrunedConnections !== 'boolean') throw new InvalidArgumentError('keepPrunedConnections', keepPrunedConnections, 'true or false');
    if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
    checkPositiveInt(dim, 'dim');
    let backend = options.backend;
    if (!backend) {
      await ensureInit();
      backend = await getBackend();
    }
    return new HnswIndex(backend, { metric, dim, M, efConstruction, ef, seed, keepPrunedConnections });
  }

  /**
   * Build an index over `ids` with their vectors (row-major, ids.length × dim), inserting in the order given.
   * Yields to the event loop every ~50 ms; `onProgress` gets { phase: 'hnsw-build', done, total }, `signal` aborts.
   *
   * @example
   * ```ts
   * const index = await HnswIndex.build(['a', 'b', 'c'], vectors, 32, { M: 16, efConstruction: 200, seed: 7 });
   * ```
   */
  static async build(ids: readonly Id[], vectors: Float32Array, dim: number, options: HnswOptions = {}): Promise<HnswIndex> {
    checkOptionKeys('HnswIndex.build options', options, HNSW_KEYS);
    const index = await HnswIndex.create(options, dim);
    try {
      await index.addItems(ids, vectors, options);
    } catch (e) {
      index.dispose();
      throw e;
    }
    return index;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: Id): boolean {
    return this.nodeOf.has(id);
  }

  /** Bytes of memory the graph and vectors take (kernel memory). */
  get memoryBytes(): number {
    return this.capacity * (this.stride * 4 + 4 + (2 * this.M + 1) * 4 + 4) + this.poolWords * 4 +
      this.scratch.length * (this.capacity * 12 + this.efCapacity * 8);
  }

  /** The stored vector of `id`: unit length for cosine, as given for inner product. */
  vector(id: Id): Float32Array {
    const node = this.node(id);
    return this.kernels.f32(this.p.vectors + node * this.stride * 4, this.dim).slice();
  }

  /**
   * Similarity of two stored ids under the index's metric, computed exactly (not through the graph).
   *
   * @example
   * ```ts
   * index.similarity('item-1', 'item-2');
   * ```
   */
  similarity(a: Id, b: Id): number {
    return storedSimilarity(this.vector(a), this.vector(b));
  }

  private node(id: Id): number {
    const n = this.nodeOf.get(id);
    if (n === undefined) throw new InvalidArgumentError('id', id, 'an id stored in the index');
    return n;
  }

  private check(): void {
    if (this.disposed) throw new InvalidArgumentError('index', 'disposed', 'an index that was not disposed', 'build or load the index again.');
  }

  private writeHeader(): void {
    const h = this.kernels.i32(this.p.h, HEADER_WORDS);
    h[0] = this.stride;
    h[1] = this.M;
    h[2] = 2 * this.M;
    h[5] = this.p.vectors;
    h[6] = this.p.levels;
    h[7] = this.p.links0;
    h[8] = this.p.upperOffsets;
    h[9] = this.p.pool;
    h[10] = this.efConstruction;
    h[11] = this.p.wIds;
    h[12] = this.p.wSc;
    h[13] = this.keepPrunedConnections ? 1 : 0;
    // Inner product: the augmentation column (index + 1) that graph similarities leave out (see assembly/hnsw.ts sim).
    h[14] = this.metric === 'inner-product' ? this.dim + 1 : 0;
  }

  private realloc(ptr: number, oldBytes: number, newBytes: number): number {
    const heap = this.kernels.heap;
    const next = heap.alloc(newBytes);
    if (ptr) {
      this.kernels.copy(next, ptr, Math.min(oldBytes, newBytes));
      heap.release(ptr);
    }
    return next;
  }

  /** Room for `n` nodes: grow the node arrays (doubling) and every thread's scratch. */
  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, this.capacity * 2, 256);
    const old = this.capacity;
    const m0 = 2 * this.M + 1;
    this.p.vectors = this.realloc(this.p.vectors, old * this.stride * 4, cap * this.stride * 4);
    this.p.levels = this.realloc(this.p.levels, old * 4, cap * 4);
    this.p.links0 = this.realloc(this.p.links0, old * m0 * 4, cap * m0 * 4);
    this.p.upperOffsets = this.realloc(this.p.upperOffsets, old * 4, cap * 4);
    this.capacity = cap;
    const threads = this.scratch.length || 1;
    this.releaseScratch();
    this.ensureScratch(threads, Math.max(this.efConstruction, this.ef) + 1);
    this.writeHeader();
  }

  private releaseScratch(): void {
    const heap = this.kernels.heap;
    for (const s of this.scratch) for (const ptr of [s.s, s.visited, s.cIds, s.cSc, s.rIds, s.rSc]) heap.release(ptr);
    this.scratch = [];
  }

  /** `threads` search scratches with result room for `ef` entries. */
  private ensureScratch(threads: number, ef: number): void {
    if (ef > this.efCapacity) {
      const t = this.scratch.length;
      this.releaseScratch();
      this.efCapacity = ef;
      threads = Math.max(threads, t);
    }
    const heap = this.kernels.heap;
    while (this.scratch.length < threads) {
      const s: Scratch = {
        s: heap.alloc(SCRATCH_WORDS * 4), visited: heap.alloc(this.capacity * 4), cIds: heap.alloc(this.capacity * 4 + 16),
        cSc: heap.alloc(this.capacity * 4 + 16), rIds: heap.alloc(this.efCapacity * 4), rSc: heap.alloc(this.efCapacity * 4),
      };
      this.kernels.i32(s.visited, this.capacity).fill(0);
      this.kernels.i32(s.s, SCRATCH_WORDS).set([s.visited, 0, s.cIds, s.cSc, s.rIds, s.rSc, this.capacity, 0]);
      this.scratch.push(s);
    }
  }

  private reservePool(words: number): void {
    if (this.poolUsed + words <= this.poolWords) return;
    const next = Math.max(this.poolUsed + words, this.poolWords * 2, 1024);
    this.p.pool = this.realloc(this.p.pool, this.poolWords * 4, next * 4);
    this.poolWords = next;
    this.writeHeader();
  }

  private randomLevel(): number {
    const [u, state] = nextRandom(this.rngState);
    this.rngState = state;
    // hnswlib: floor(-ln(U) · mL) with mL = 1/ln(M); 1 − u keeps the argument in (0, 1].
    return Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - u) / Math.log(this.M)));
  }

  /**
   * Insert new ids (row-major vectors, ids.length × dim) in order. For inner product, a row longer than every row
   * so far raises the norm all rows are augmented to: the augmentation column of every stored row is rewritten
   * (the graph itself is built on raw inner products, which leave that column out, so it stays as it is).
   */
  async addItems(ids: readonly Id[], vectors: Float32Array, options: LongRunOptions = {}): Promise<void> {
    this.check();
    checkNewIds(ids, (id) => this.nodeOf.has(id));
    checkRows(vectors, ids.length, this.dim);
    if (this.metric === 'inner-product') {
      let norm = this.maxNorm;
      for (let r = 0; r < ids.length; r++) norm = Math.max(norm, rowNorm(vectors, r, this.dim));
      if (norm > this.maxNorm && this.size > 0) {
        const rows = this.kernels.f32(this.p.vectors, this.size * this.stride);
        for (let n = 0; n < this.size; n++) {
          storeRow(rows.subarray(n * this.stride, n * this.stride + this.dim), 0, this.dim, this.metric, norm, rows, n * this.stride, this.stride);
        }
      }
      this.maxNorm = norm;
    }
    return this.insert(ids, vectors, options);
  }

  private async insert(ids: readonly Id[], vectors: Float32Array, options: LongRunOptions): Promise<void> {
    this.reserve(this.size + ids.length);
    this.ensureScratch(1, Math.max(this.efConstruction, this.ef) + 1);
    const k = this.kernels;
    const s0 = this.scratch[0].s;
    let last = Date.now();
    for (let r = 0; r < ids.length; r++) {
      const node = this.ids.length;
      const level = this.randomLevel();
      storeRow(vectors, r, this.dim, this.metric, this.maxNorm, k.f32(this.p.vectors + node * this.stride * 4, this.stride), 0, this.stride);
      // Whole blocks are zeroed (not just the counts) so saved graphs hold no stale bytes from reused memory.
      k.i32(this.p.links0 + node * (2 * this.M + 1) * 4, 2 * this.M + 1).fill(0);
      // Level-0 nodes get offset 0 written too: the heap does not zero reused memory, and saved graphs must not
      // depend on what was there before.
      let offset = 0;
      if (level > 0) {
        const words = level * (this.M + 1);
        this.reservePool(words);
        offset = this.poolUsed;
        k.i32(this.p.pool + this.poolUsed * 4, words).fill(0);
        this.poolUsed += words;
      }
      k.i32(this.p.upperOffsets + node * 4, 1)[0] = offset;
      k.call('hnswInsert', [this.p.h, s0, node, level]);
      this.ids.push(ids[r]);
      this.nodeOf.set(ids[r], node);
      if ((r & 63) === 63 && Date.now() - last > YIELD_MS) {
        options.onProgress?.({ phase: 'hnsw-build', done: r + 1, total: ids.length });
        if (options.signal?.aborted) throw new AbortError('HNSW build');
        await yieldToEventLoop();
        last = Date.now();
      }
    }
    options.onProgress?.({ phase: 'hnsw-build', done: ids.length, total: ids.length });
  }

  private ensureOut(k: number): void {
    if (k <= this.p.outK) return;
    const heap = this.kernels.heap;
    if (this.p.outK) {
      heap.release(this.p.outIdx);
      heap.release(this.p.outSc);
    }
    this.p.outIdx = heap.alloc(k * 4);
    this.p.outSc = heap.alloc(k * 4);
    this.p.outK = k;
  }

  private efFor(options: SearchOptions | undefined, k: number): number {
    const ef = options?.ef === undefined ? this.ef : checkPositiveInt(options.ef, 'ef');
    return Math.max(ef, k);
  }

  /**
   * The k stored ids most similar to `vector` (cosine, or inner product), approximately.
   *
   * @example
   * ```ts
   * index.searchVector(userVector, 10, { ef: 128, exclude: alreadySeen });
   * ```
   */
  searchVector(vector: ArrayLike<number>, k: number, options: SearchOptions = {}): Neighbor[] {
    checkOptionKeys('search options', options, SEARCH_KEYS);
    this.check();
    checkK(k);
    const q = queryVector(vector, this.dim);
    const exclude = options.exclude ? new Set(options.exclude) : undefined;
    let want = Math.min(k + (exclude ? [...exclude].filter((id) => this.nodeOf.has(id)).length : 0), this.size);
    if (want === 0 || k === 0) return [];
    const ef = this.efFor(options, want);
    this.ensureScratch(1, ef + 1);
    this.ensureOut(want);
    const kr = this.kernels;
    storeQuery(q, this.dim, this.metric, kr.f32(this.p.q, this.stride), 0, this.stride);
    const count = kr.call('hnswSearch', [this.p.h, this.scratch[0].s, this.p.q, want, ef, this.p.outIdx, this.p.outSc]);
    return this.collect(kr.i32(this.p.outIdx, count), kr.f32(this.p.outSc, count), k, exclude);
  }

  private collect(idx: Int32Array, sc: Float32Array, k: number, exclude?: Set<Id>): Neighbor[] {
    const out: Neighbor[] = [];
    for (let j = 0; j < idx.length && out.length < k; j++) {
      const id = this.ids[idx[j]];
      if (exclude?.has(id)) continue;
      out.push({ id, score: sc[j] });
    }
    return out;
  }

  /** Neighbours of a stored id (itself left out). */
  search(id: Id, k: number, options: SearchOptions = {}): Neighbor[] {
    this.check();
    const node = this.node(id);
    const v = this.kernels.f32(this.p.vectors + node * this.stride * 4, this.dim).slice();
    return this.searchVector(v, k, { ...options, exclude: [...(options.exclude ?? []), id] });
  }

  /**
   * searchVector for n row-major queries, split over the backend's threads (one search scratch per thread; the
   * graph is read-only during searches).
   */
  async searchVectors(vectors: Float32Array, n: number, k: number, options: Omit<SearchOptions, 'exclude'> = {}): Promise<Neighbor[][]> {
    this.check();
    checkK(k);
    checkPositiveInt(n, 'n', 0);
    checkRows(vectors, n, this.dim);
    const want = Math.min(k, this.size);
    if (n === 0) return [];
    if (want === 0) return Array.from({ length: n }, () => []);
    const ef = this.efFor(options, want);
    const kr = this.kernels;
    const threads = Math.max(1, Math.min(kr.threads, Math.floor(n / 4)));
    this.ensureScratch(threads, ef + 1);
    const heap = kr.heap;
    const q = heap.alloc(n * this.stride * 4);
    const outIdx = heap.alloc(n * want * 4), outSc = heap.alloc(n * want * 4), counts = heap.alloc(n * 4);
    try {
      const rows = kr.f32(q, n * this.stride);
      for (let r = 0; r < n; r++) storeQuery(vectors.subarray(r * this.dim, (r + 1) * this.dim), this.dim, this.metric, rows, r * this.stride, this.stride);
      // Rounds of one chunk per thread, chunks of ~64 queries so V8 tiers the kernel up early (see wasm/backend.ts).
      const chunk = Math.max(1, Math.min(64, Math.ceil(n / threads)));
      for (let start = 0; start < n; start += chunk * threads) {
        const calls: number[][] = [];
        for (let t = 0; t < threads && start + t * chunk < n; t++) {
          const from = start + t * chunk, to = Math.min(n, from + chunk);
          calls.push([this.p.h, this.scratch[t].s, q, from, to, want, ef, outIdx, outSc, counts]);
        }
        await kr.runOnThreads('hnswSearchRows', calls);
      }
      const c = kr.i32(counts, n).slice(), idx = kr.i32(outIdx, n * want).slice(), sc = kr.f32(outSc, n * want).slice();
      return Array.from({ length: n }, (_, r) => this.collect(idx.subarray(r * want, r * want + c[r]), sc.subarray(r * want, r * want + c[r]), k));
    } finally {
      for (const ptr of [q, outIdx, outSc, counts]) heap.release(ptr);
    }
  }

  /** Parameters and arrays for saving (see {@link saveIndex} in ./io.ts); the arrays are copies. */
  toTensors(): { ids: Id[]; params: HnswParams; tensors: HnswTensors } {
    this.check();
    const n = this.size, k = this.kernels;
    const h = k.i32(this.p.h, HEADER_WORDS);
    return {
      ids: [...this.ids],
      params: {
        metric: this.metric, dim: this.dim, M: this.M, efConstruction: this.efConstruction, ef: this.ef, seed: this.seed,
        keepPrunedConnections: this.keepPrunedConnections,
        maxNorm: this.maxNorm, rngState: this.rngState, entry: h[4], maxLevel: h[3],
      },
      tensors: {
        vectors: k.f32(this.p.vectors, n * this.stride).slice(),
        levels: k.i32(this.p.levels, n).slice(),
        links0: k.i32(this.p.links0, n * (2 * this.M + 1)).slice(),
        upperOffsets: k.i32(this.p.upperOffsets, n).slice(),
        upperLinks: k.i32(this.p.pool, this.poolUsed).slice(),
      },
    };
  }

  /** Rebuild an index from {@link toTensors} output (e.g. read back from a model file), checking shapes and links. */
  static async fromTensors(ids: readonly Id[], params: HnswParams, tensors: HnswTensors, backend?: Backend): Promise<HnswIndex> {
    const index = await HnswIndex.create({ ...params, keepPrunedConnections: params.keepPrunedConnections ?? false, backend }, params.dim);
    const n = ids.length;
    const m0 = 2 * index.M + 1;
    const bad = (field: string, value: unknown, expected: string) => new InvalidArgumentError(`hnsw.${field}`, value, expected, 'save the index again with this recwise version.');
    checkNewIds(ids, () => false);
    if (tensors.vectors?.length !== n * index.stride) throw bad('vectors', tensors.vectors?.length, `${n * index.stride} values`);
    if (tensors.levels?.length !== n) throw bad('levels', tensors.levels?.length, `${n} values`);
    if (tensors.links0?.length !== n * m0) throw bad('links0', tensors.links0?.length, `${n * m0} values`);
    if (tensors.upperOffsets?.length !== n) throw bad('upperOffsets', tensors.upperOffsets?.length, `${n} values`);
    if (!(tensors.upperLinks instanceof Int32Array)) throw bad('upperLinks', tensors.upperLinks, 'an Int32Array');
    // Every link must name a node and every block must fit, so an untrusted file cannot make the kernel read outside its arrays.
    const pool = tensors.upperLinks;
    for (let node = 0; node < n; node++) {
      const level = tensors.levels[node];
      if (!(level >= 0 && level <= MAX_LEVEL)) throw bad('levels', level, `a level in 0..${MAX_LEVEL}`);
      const checkBlock = (links: Int32Array, at: number, max: number) => {
        const c = links[at];
        if (!(c >= 0 && c <= max)) throw bad('links', c, `a link count in 0..${max}`);
        for (let j = 1; j <= c; j++) if (!(links[at + j] >= 0 && links[at + j] < n && tensors.levels[links[at + j]] >= 0)) throw bad('links', links[at + j], `a node in 0..${n - 1}`);
      };
      checkBlock(tensors.links0, node * m0, 2 * index.M);
      if (level > 0) {
        const off = tensors.upperOffsets[node];
        if (!(off >= 0 && off + level * (index.M + 1) <= pool.length)) throw bad('upperOffsets', off, 'an offset inside upperLinks');
        for (let l = 0; l < level; l++) checkBlock(pool, off + l * (index.M + 1), index.M);
      }
    }
    for (let node = 0; node < n; node++) {
      for (let l = 1; l <= tensors.levels[node]; l++) {
        const at = tensors.upperOffsets[node] + (l - 1) * (index.M + 1);
        for (let j = 1; j <= pool[at]; j++) if (tensors.levels[pool[at + j]] < l) throw bad('upperLinks', pool[at + j], `a node present on level ${l}`);
      }
    }
    if (n > 0 && !(params.entry >= 0 && params.entry < n && tensors.levels[params.entry] === params.maxLevel)) throw bad('entry', params.entry, 'a node on the top level');
    index.reserve(Math.max(n, 1));
    const k = index.kernels;
    k.f32(index.p.vectors, n * index.stride).set(tensors.vectors);
    k.i32(index.p.levels, n).set(tensors.levels);
    k.i32(index.p.links0, n * m0).set(tensors.links0);
    k.i32(index.p.upperOffsets, n).set(tensors.upperOffsets);
    index.reservePool(pool.length);
    k.i32(index.p.pool, pool.length).set(pool);
    index.poolUsed = pool.length;
    const h = k.i32(index.p.h, HEADER_WORDS);
    h[3] = n ? params.maxLevel : -1;
    h[4] = n ? params.entry : -1;
    index.maxNorm = params.maxNorm;
    index.rngState = params.rngState | 0;
    index.ids = [...ids];
    ids.forEach((id, i) => index.nodeOf.set(id, i));
    return index;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const heap = this.kernels.heap;
    this.releaseScratch();
    for (const key of ['h', 'vectors', 'levels', 'links0', 'upperOffsets', 'pool', 'wIds', 'wSc', 'q', 'outIdx', 'outSc'] as const) {
      if (this.p[key]) heap.release(this.p[key]);
    }
  }
}
