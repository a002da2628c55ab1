/**
 * The kernel contract every backend implements (design.md §1.1): plain data in, plain data out, plus resident
 * handles for the big operands (item factors, interaction rows) so a query does not copy them each time.
 * The TS reference in ./reference is the spec; ./js wraps it, ./wasm runs the SIMD module.
 */

import type { HybridData, HybridParams, HybridSettings, HybridStats } from './reference/lightfm.ts';
import type { WasmHeap } from './wasm/memory.ts';
import type { GruForward, GruGrads, GruWeights } from './reference/gru.ts';
import type { NnKernels } from './reference/nn.ts';

export type BackendName = 'js' | 'wasm' | 'webgpu';

/** A row-major f32 matrix held by a backend (in Wasm linear memory for `wasm`). */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** A copy of the data. */
  toArray(): Float32Array;
  /** Overwrite rows starting at `firstRow` with `data` (whole rows, row-major). */
  write(data: Float32Array, firstRow?: number): void;
  /** Free the backend memory; the handle must not be used afterwards. */
  dispose(): void;
}

/** Compressed sparse rows: row r holds columns `indices[indptr[r] .. indptr[r+1])`. */
export interface CsrArrays {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
}

/** CSR with values, as built by {@link Backend.csrFromCoo}. */
export interface Csr extends CsrArrays {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** A CSR held by a backend, used as a per-row mask (e.g. each user's seen items). */
export interface SparseRows {
  readonly rows: number;
  readonly nnz: number;
  dispose(): void;
}

/** Results of a row-wise top-k: row r's entries are at [r*k, r*k + counts[r]), best first; unused slots hold index -1, score -Infinity. */
export interface TopK {
  readonly k: number;
  readonly rows: number;
  readonly indices: Int32Array;
  readonly scores: Float32Array;
  readonly counts: Int32Array;
}

/**
 * Output of {@link Backend.rankMetrics}, per row r of the block (T = the row's test items; "negatives" = items in
 * neither the row's train items nor T; scores after masking, NaN counted as -Infinity).
 */
export interface RankMetrics extends TopK {
  /** hits[r*k + i] = 1 when top slot i of row r holds a test item (0 for empty slots). */
  readonly hits: Int32Array;
  /**
   * Per test entry (indexed like test.indices): #{non-train j : s_j ≥ s_p} − 1, at least 0 — LightFM's pessimistic
   * predict_rank — sorted ascending within each row.
   */
  readonly ranks: Int32Array;
  /** Number of negatives per row. */
  readonly negatives: Int32Array;
  /** Σ over (p ∈ T, n negative) of [s_p > s_n] + ½·[s_p = s_n] per row (the AUC numerator). */
  readonly aucPairs: Float64Array;
  /** Negatives ranked above the row's best test item (score desc, then lower index): the MRR rank − 1. */
  readonly above: Int32Array;
}

/** How repeated (row, column) pairs are merged. */
export type DuplicatePolicy = 'sum' | 'max' | 'last' | 'keep';

/** A weighted CSR held by a backend (e.g. ALS confidences). */
export interface SparseMatrix extends SparseRows {
  readonly cols: number;
}

/** Options of {@link Backend.alsSolve}. */
export interface AlsSolveOptions {
  /** 'cg': `cgSteps` conjugate-gradient steps warm-started from the current rows; 'cholesky': exact solve. */
  readonly solver: 'cg' | 'cholesky';
  readonly cgSteps: number;
  /**
   * One value per target row added to that row's diagonal: row r solves (gram + rowRegularization[r]·I) x = b
   * (frequency-scaled regularisation, Rendle et al. 2022). Absent: gram alone.
   */
  readonly rowRegularization?: Float32Array;
}

/** Options of {@link Backend.bprEpoch}. */
export interface BprEpochOptions {
  readonly learningRate: number;
  readonly regularization: number;
  /** Skip sampled negatives the user has interacted with (implicit's verify_negative_samples). */
  readonly verifyNegative: boolean;
  /** Seed of this epoch's random streams (one stream per thread). */
  readonly seed: number;
  /**
   * One fixed-order stream of samples on one thread, whatever the backend's thread count (issue 22): Hogwild
   * samples update shared user and item rows, so their interleaving over threads is not reproducible.
   */
  readonly deterministic?: boolean;
}

/** Options of {@link Backend.lmfEpoch}. */
export interface LmfEpochOptions {
  readonly learningRate: number;
  readonly regularization: number;
  /** Negatives per positive (implicit's neg_prop). */
  readonly negativeProportion: number;
  /** At most this many negatives per row. */
  readonly negativeCap: number;
  readonly seed: number;
  /**
   * Rows in fixed blocks (bounds from the data alone), each with its own random stream, instead of one stream per
   * thread over rows claimed in whatever order the threads get to them: the same factors for any thread count
   * (issue 22); blocks: `deterministicBlocks` in src/kernels/partition.ts.
   */
  readonly deterministic?: boolean;
}

/** Mask for a block of queries: query q uses row `firstRow + q` of `rows`. */
export interface RowMask {
  readonly rows: SparseRows;
  readonly firstRow: number;
}

export interface Backend {
  readonly name: BackendName;
  /** Threads this backend's parallel kernels use (1 = main thread only). */
  readonly threads: number;
  /**
   * The Wasm kernel instance behind this backend (`wasm` only; absent elsewhere), for structures that keep their own
   * data in linear memory and call whole-search kernels directly (src/retrieval's HNSW graph and exact index).
   */
  readonly kernels?: WasmKernelAccess;

  /** Copy `data` (rows × cols, row-major) into a resident matrix. */
  matrix(data: Float32Array, rows: number, cols: number): DenseMatrix;
  /** Copy a CSR into resident form for use as a mask. */
  sparseRows(csr: CsrArrays): SparseRows;
  /** Whether every value of a resident matrix is finite (the per-epoch divergence check of the trainers; cheap). */
  allFinite(matrix: DenseMatrix): boolean;

  /** scores[q*items.rows + i] = <queries[q], items[i]>; queries is nQueries × items.cols. */
  scoreBlock(queries: Float32Array, nQueries: number, items: DenseMatrix): Float32Array;
  /** Row-wise top-k of a nRows × nCols score matrix (score desc, then lower index; -Infinity/NaN never returned). */
  topk(scores: Float32Array, nRows: number, nCols: number, k: number): TopK;
  /** Fused score → mask → top-k for a block of queries, on the calling thread. */
  recommendBlock(queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): TopK;
  /** Same result as recommendBlock, split over the backend's threads. */
  recommendBlockParallel(queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): Promise<TopK>;
  /** Build a CSR sorted by row then column from coordinate lists; duplicates merged by `policy` (default 'keep'). */
  csrFromCoo(rows: Int32Array, cols: Int32Array, vals: Float32Array, nRows: number, nCols: number, policy?: DuplicatePolicy): Csr;

  /** Copy a weighted CSR (rows × cols) into resident form. */
  sparseMatrix(csr: Csr): SparseMatrix;
  /** YᵀY + reg·I of a resident matrix Y (cols × cols, row-major). */
  gram(matrix: DenseMatrix, regularization: number): Float32Array;
  /**
   * One ALS half-step: for every row u of `confidence`, solve
   * (YtY + Σ_i (|c_ui| − 1) y_i y_iᵀ) x_u = Σ_{c_ui > 0} c_ui y_i for row u of `target`, where Y = `other`, and
   * `gram` = YᵀY + λI from {@link Backend.gram}. Rows are split over the backend's threads.
   * Rejects with NotPositiveDefiniteError (from errors.ts) when a Cholesky system is singular.
   */
  alsSolve(target: DenseMatrix, confidence: SparseMatrix, other: DenseMatrix, gram: Float32Array, options: AlsSolveOptions): Promise<void>;

  /**
   * `samples` BPR updates (Rendle et al. 2009, implicit's sampling) on user and item factors whose rows have
   * factors + 1 columns (item bias last, the user's last column fixed at 1). Hogwild over threads.
   */
  bprEpoch(users: DenseMatrix, items: DenseMatrix, interactions: SparseMatrix, samples: number, options: BprEpochOptions): Promise<{ correct: number; skipped: number }>;
  /** One LMF adagrad pass over every row of `target` (Johnson 2014, implicit's lmf_update); gradSq has target's shape. */
  lmfEpoch(target: DenseMatrix, other: DenseMatrix, rows: SparseMatrix, gradSq: DenseMatrix, options: LmfEpochOptions): Promise<void>;

  /**
   * A hybrid (LightFM) training session: the parameters and data become resident (Wasm memory for `wasm`) until
   * dispose(); each epoch() trains on a shuffled order. See src/kernels/reference/lightfm.ts for the semantics.
   */
  hybridSession(params: HybridParams, data: HybridData, settings: HybridSettings): HybridSession;

  /**
   * Ranking facts for evaluation (src/eval): for each row of a nRows × nCols score block, mask the row's train
   * items, take the top k and count what the metric formulas need in one pass over the catalogue (see
   * {@link RankMetrics} and src/kernels/reference/metrics.ts, the spec). `train` and `test` are block-local CSRs
   * (nRows rows, offsets from 0) with columns sorted ascending and unique within each row; `scores` is not modified.
   */
  rankMetrics(scores: Float32Array, nRows: number, nCols: number, train: CsrArrays, test: CsrArrays, k: number): RankMetrics;
  /**
   * {@link Backend.rankMetrics} of the scores `queries · itemsᵀ` ({@link Backend.scoreBlock}'s, bit for bit) without
   * holding the nQueries × items.rows score block: each row is scored and ranked in one pass, rows split over the
   * backend's threads. The evaluation of factor models (src/eval) uses it (issue 23).
   */
  rankMetricsScored(queries: Float32Array, nQueries: number, items: DenseMatrix, train: CsrArrays, test: CsrArrays, k: number): Promise<RankMetrics>;

  /**
   * Row-wise top-k of the sparse product a·b (a: rows × m, b: m × cols), the all-pairs kNN of item-item models
   * (implicit's all_pairs_knn with a = Wᵀ, b = W). Scores descending, ties to the lower column; entries exactly 0
   * are not kept. Rows are split over the backend's threads.
   */
  productTopk(a: Csr, b: Csr, k: number): Promise<TopK>;
  /**
   * Top-k of each row of a·b over every column (untouched columns score 0), the row's own columns in `a` excluded
   * when `excludeOwn` (a user's history are their seen items): item-kNN recommendation for a block of users.
   * Same order as {@link Backend.topk}; rows are split over the backend's threads.
   */
  productRecommend(a: Csr, b: Csr, k: number, excludeOwn: boolean): Promise<TopK>;

  /**
   * G = XᵀX + regularization·I (n × n row-major f32, symmetric) of a sparse X given in both orientations: `byItem`
   * (n rows, each listing its users) and `byUser` (its transpose, columns ascending). The Gram matrix of EASE's closed
   * form; rows are split over the backend's threads. Spec: src/kernels/reference/spd.ts.
   */
  sparseGram(byItem: Csr, byUser: Csr, regularization: number): Promise<Float32Array>;
  /**
   * The inverse of a symmetric positive-definite n × n matrix (row-major f32; only the lower triangle is read; `a` is
   * not modified), by the blocked sweep operator over the backend's threads. Rejects with NotPositiveDefiniteError
   * naming the first row whose pivot is not positive, and with AbortError when `signal` aborts between blocks.
   */
  spdInverse(a: Float32Array, n: number, options?: { signal?: AbortSignal }): Promise<Float32Array>;

  /**
   * GRU layer forward over a masked, time-major batch (x: steps × batch × inputs; mask[t·batch + b] = 0 carries the
   * state), h0 zeros when absent. Semantics in src/kernels/reference/gru.ts (the spec).
   */
  gruForward(w: GruWeights, x: Float32Array, mask: Uint8Array, steps: number, batch: number, h0?: Float32Array): GruForward;
  /** The neural core's hot loops (gemm, activations, softmax; issue 9): spec in src/kernels/reference/nn.ts. */
  readonly nn: NnKernels;
  /** The GRU backward for a {@link Backend.gruForward} result: ADDS weight gradients into `grads`; returns dx and dh0. */
  gruBackward(w: GruWeights, grads: GruGrads, x: Float32Array, mask: Uint8Array, steps: number, batch: number, h0: Float32Array | undefined, fwd: GruForward, dhs: Float32Array): { dx: Float32Array; dh0: Float32Array };

  /** Release threads and memory. */
  dispose(): void;
}

/**
 * Direct access to a Wasm backend's kernels (see {@link Backend.kernels}). Pointers are byte offsets into `heap`'s
 * memory; the kernels never allocate. On workerd the instance is the package's precompiled module, so this works
 * wherever the `wasm` backend does.
 */
export interface WasmKernelAccess {
  readonly exports: Readonly<Record<string, (...args: number[]) => number>>;
  readonly heap: WasmHeap;
  /** Threads {@link runOnThreads} can use (1 = the calling thread only). */
  readonly threads: number;
  /**
   * Call export `fn` once per entry of `args`, entry t on thread t (t = 0: the calling thread, synchronously, while
   * the workers run theirs); at most `threads` entries. Resolves with the return values in order.
   */
  runOnThreads(fn: string, args: number[][]): Promise<number[]>;
}

/** Resident hybrid-model training state (see {@link Backend.hybridSession}). */
export interface HybridSession {
  /** Most threads an epoch can use. */
  readonly threads: number;
  /**
   * Train on `order` (example rows) on `seeds.length` threads, one xorshift32 stream each. One thread walks the
   * order in sequence (reproducible); several threads claim chunks as they go and update the shared parameters
   * without locks (Hogwild). The js backend runs the streams' shares one after another.
   */
  epoch(order: Int32Array, seeds: Uint32Array): Promise<HybridStats>;
  /** A copy of the parameters and optimizer state. */
  read(): HybridParams;
  /** Whether every parameter and optimizer value is finite (checked after each epoch; no copy). */
  allFinite(): boolean;
  dispose(): void;
}
