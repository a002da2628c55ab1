/**
 * EASE, the closed-form item-item model of Steck 2019 ("Embarrassingly Shallow Autoencoders for Sparse Data",
 * WWW '19): the items × items weights B minimise ‖X − XB‖² + λ‖B‖² subject to diag(B) = 0, which gives
 *
 *   P = (XᵀX + Λ)⁻¹,   B = I − P · diag(1/diag(P))   (B_ij = −P_ij / P_jj for i ≠ j, B_ii = 0),
 *
 * with Λ = λI (plus ρ·diag(XᵀX) with `diagonalPenalty`, Steck 2020), and a user's scores are x_u · B.
 *
 * Normalised Gram (`userNormalization` β, `itemNormalization` α): the closed form runs on
 * G̃ = D_i^−α · Xᵀ D_u^−β X · D_i^−α (D_u: each user's number of items; D_i: the diagonal of Xᵀ D_u^−β X, each item's
 * user-weighted popularity), the symmetric degree normalisation of graph filters (LightGCN, He et al. 2020; GF-CF,
 * Shen et al. 2021, "How Powerful is Graph Convolution for Recommendation?", which uses β = 1, α = ½). Heavy users no
 * longer dominate the co-counts and popular items no longer dominate the weights. A user's scores are the normalised
 * history through B̃, x_u D_i^−α · B̃ (GF-CF's convention: the output stays normalised), so the stored weights are
 * B = D_i^−α B̃ and scoring, fold-in and pruning are unchanged. λ keeps the raw Gram's units: the penalty on G̃ is
 * λ · tr(G̃) / tr(XᵀX). α = β = 0 is plain EASE.
 *
 * Session co-occurrence (`sessionWindow` w, in the timestamps' unit): the Gram matrix counts two items of a user by
 * how close in time the user took them, max(0, 1 − |Δt|/w) in steps of w/4, instead of 1 (./session-rows.ts says why
 * and how); it needs timestamps. Its diagonal is XᵀX's, so λ, ρ, β and α keep their meaning.
 *
 * The Gram matrix and the inverse run in the backend's SIMD Wasm kernels
 * (assembly/spd.ts: sparse Gram, blocked sweep inverse in f32 over the worker threads); the inverse is checked by its
 * residual ‖(XᵀX + λI)·p − e‖ on sampled columns, computed from the sparse X in f64.
 */
import type { FitOptions, Recommendation, RecommendOptions } from '../recommender.ts';
import { selectRows, transposeCsr } from '../../data/csr-rows.ts';
import { sessionRows } from './session-rows.ts';
import { ItemItemRecommender, itemItemLayout } from './item-item.ts';
import { checkAborted, yieldToEventLoop } from '../progress.ts';
import { checkIntegerOption, checkNumberOption } from '../options.ts';
import { withDefaults } from '../../options-check.ts';
import { registerModelKind, type ModelState } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend, Csr } from '../../kernels/types.ts';
import { InvalidArgumentError, MemoryLimitError, RecwiseError, nameErrorClass } from '../../errors.ts';
import { detectCapabilities } from '../../runtime/capabilities.ts';
import { SHARED_MAX_PAGES } from '../../kernels/wasm/module.ts';
import { EDGE_ISOLATE_BYTES } from '../fit-memory.ts';
import { useKernels, type InternalKernels } from '../../kernels/family.ts';
import { SPD_KERNELS, EMBEDDING_BAG_KERNELS } from '../../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(SPD_KERNELS, EMBEDDING_BAG_KERNELS);

/** Hyperparameters of {@link EaseRecommender}. */
export interface EaseOptions {
  /** L2 penalty λ on B (default 500; Steck 2019 used 200–1000; larger for denser data). */
  lambda?: number;
  /**
   * Extra penalty ρ on each item's own weight in proportion to its popularity: Λ = λI + ρ·diag(XᵀX), the
   * dropout-emphasised variant of Steck 2020 ("Autoencoders that don't overfit towards the identity", NeurIPS; ρ =
   * p/(1 − p) for dropout p). Default 0 (plain EASE).
   */
  diagonalPenalty?: number;
  /**
   * Exponent β of the user-activity normalisation: each user's rows weigh |I_u|^−β in the Gram matrix (default 0;
   * 0.5–1 is typical). See the module comment.
   */
  userNormalization?: number;
  /**
   * Exponent α of the item-degree normalisation G̃ = D^−α G D^−α, in [0, 1] (default 0; 0.1–0.3 is typical, ½ is the
   * cosine-like normalisation of GF-CF). See the module comment.
   */
  itemNormalization?: number;
  /**
   * Width w of the session window, in the timestamps' unit (seconds for Unix time): when > 0, two items of a user count
   * in the Gram matrix by max(0, 1 − |Δt|/w) (in steps of w/4) instead of 1, so items taken in one session weigh
   * more than items taken months apart (default 0: every pair counts 1; needs timestamps). 1,800–14,400 s (½–4 h)
   * on MovieLens; strongest blended with a plain EASE (`recwise tune` searches it as the `ease-session` family).
   */
  sessionWindow?: number;
  /**
   * Keep only the `neighbors` largest-magnitude weights of each column of B (0, the default: keep all). A pruned B
   * serves from a sparse matrix (items × neighbors) instead of items², at a small loss in accuracy.
   */
  neighbors?: number;
  /**
   * Most bytes the fit may use, checked before allocating (default: 128 MiB on edge runtimes, workerd and Vercel
   * Edge; otherwise no limit beyond the Wasm heap's 2 GiB for the working matrix).
   */
  memoryLimit?: number;
}

const DEFAULTS: Required<EaseOptions> = { lambda: 500, diagonalPenalty: 0, userNormalization: 0, itemNormalization: 0, sessionWindow: 0, neighbors: 0, memoryLimit: 0 };
export { EDGE_ISOLATE_BYTES };
/** The Wasm heap's maximum (the kernels' declared maximum memory: 32,768 pages; Wasm32 itself stops at 4 GiB). */
const WASM_HEAP_BYTES = SHARED_MAX_PAGES * 65536;
/**
 * Largest dense copy of B kept for scoring: an unpruned B scores as x_u · B with the SIMD embedding-bag kernel (whole
 * rows of B, no column indices to gather), about 4× faster than the CSR product. 256 MiB: 8,192 items.
 */
const DENSE_SCORING_BYTES = 256 * 2 ** 20;
/** Users per dense scoring call (bounds the score block at users × items floats). */
const DENSE_BLOCK = 1024;
/** Columns of P whose residual is checked, spread over the catalogue. */
const RESIDUAL_COLUMNS = 8;
/**
 * Largest accepted residual ‖G·p − e‖∞ of a column of P: f32 sweeps leave ~1e-5 on MovieLens at λ ≥ 100; a residual
 * of 1e-2 means the ranking is no longer trustworthy (λ far too small for the data's conditioning).
 */
const MAX_RESIDUAL = 1e-2;

/** Bytes an EASE fit over `items` items holds at its peak (Wasm working matrix, P, and B's values and indices). */
export function easeMemoryBytes(items: number): { total: number; wasm: number } {
  const pad = Math.ceil(items / 8) * 8;
  const wasm = pad * pad * 4 + pad * 64 * 4;
  return { wasm, total: wasm + items * items * 4 * 3 };
}

/** The inverse was too inaccurate to use: its residual is over 1e-2 (the residual check of EaseRecommender.fit). */
export class InaccurateInverseError extends RecwiseError {
  static {
    nameErrorClass(this, 'InaccurateInverseError');
  }

  constructor(readonly residual: number, lambda: number) {
    super('INACCURATE_INVERSE', `EASE's inverse (XᵀX + λI)⁻¹ has a residual of ${Number(residual).toExponential(2)} (λ = ${lambda}), over ${MAX_RESIDUAL}.`, {
      field: 'lambda', value: lambda, fix: 'use a larger lambda (e.g. 10× larger), or RP3beta / item-kNN, which need no inverse.',
    });
  }
}

function checkOptions(o: Required<EaseOptions>): void {
  checkNumberOption('lambda', o.lambda, 0, false);
  checkNumberOption('diagonalPenalty', o.diagonalPenalty, 0, true);
  checkNumberOption('userNormalization', o.userNormalization, 0, true);
  checkNumberOption('itemNormalization', o.itemNormalization, 0, true);
  if (o.itemNormalization > 1) throw new InvalidArgumentError('itemNormalization', o.itemNormalization, 'an exponent in [0, 1] (½: cosine-like)');
  checkNumberOption('sessionWindow', o.sessionWindow, 0, true);
  checkIntegerOption('neighbors', o.neighbors, 0);
  checkNumberOption('memoryLimit', o.memoryLimit, 0, true);
}

/**
 * EASE (Steck 2019): closed-form item-item weights, strong on implicit feedback (NDCG@10 0.32 on the shared ml-100k and
 * ml-1m splits) and fast while items² fits in memory.
 *
 * @example
 * ```ts
 * import { EaseRecommender } from 'recwise';
 * const ease = await new EaseRecommender({ lambda: 500 }).fit(interactions);
 * ease.recommend('alice', { k: 10 });
 * ease.recommend('newcomer', { userItems: ['matrix', 'alien'] });  // fold-in: scores = x · B
 * const small = await new EaseRecommender({ lambda: 500, neighbors: 100 }).fit(interactions); // pruned, for serving
 * // with timestamps (seconds): pairs of items taken within about an hour of each other count most
 * const sessions = await new EaseRecommender({ lambda: 200, sessionWindow: 3600 }).fit(interactions);
 * ```
 */
export class EaseRecommender extends ItemItemRecommender {
  readonly kind = 'ease';
  readonly options: Required<EaseOptions>;
  protected readonly rowsRanked = false;
  /** Largest residual ‖(XᵀX + λI)·p − e‖∞ over the checked columns of P (NaN before a fit or after loading). */
  residual = Number.NaN;
  /** B as a dense items × items matrix for scoring, built on first use (see {@link DENSE_SCORING_BYTES}). */
  private dense?: Float32Array;

  constructor(options: EaseOptions = {}) {
    super();
    this.options = withDefaults('EaseRecommender options', DEFAULTS, options);
    checkOptions(this.options);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    const n = data.nItems;
    await this.checkMemory(n);
    this.dense = undefined;
    checkAborted(options.signal, 'EASE fit');
    const { lambda, diagonalPenalty: rho, sessionWindow } = this.options;
    const rows = sessionWindow > 0 ? sessionRows(data, sessionWindow) : { byUser: data.byUser, activity: undefined };
    const x = normalizedGram(rows.byUser, rows.activity ? transposeCsr(rows.byUser) : data.itemUsers(), this.options, rows.activity);
    // λ in the raw Gram's units (see the module comment); exactly λ when nothing is normalised
    const penalty = lambda * x.traceRatio;
    const gram = await this.backend.sparseGram(x.byItem, x.byUser, penalty);
    if (rho > 0) for (let i = 0; i < n; i++) gram[i * n + i] += Math.fround(rho * (gram[i * n + i] - penalty));
    options.onProgress?.({ phase: 'fit', done: 1, total: 3 });
    await yieldToEventLoop();
    checkAborted(options.signal, 'EASE fit');
    const p = await this.backend.spdInverse(gram, n, { signal: options.signal });
    options.onProgress?.({ phase: 'fit', done: 2, total: 3 });
    this.residual = inverseResidual(x.byUser, x.byItem, p, penalty, rho);
    if (!(this.residual <= MAX_RESIDUAL)) throw new InaccurateInverseError(this.residual, this.options.lambda);
    await yieldToEventLoop();
    checkAborted(options.signal, 'EASE fit');
    this.sim = this.options.neighbors > 0 ? this.prunedWeights(p, n, this.options.neighbors, x.scale) : denseWeights(p, n, x.scale);
    options.onProgress?.({ phase: 'fit', done: 3, total: 3 });
  }

  /**
   * B dense (row i: the weights item i gives every item) when it is unpruned and under {@link DENSE_SCORING_BYTES};
   * undefined otherwise (the pruned CSR scores sparsely).
   */
  private scoringMatrix(): Float32Array | undefined {
    const { indptr, indices, data, rows: n } = this.sim;
    if (this.options.neighbors > 0 || n * n * 4 > DENSE_SCORING_BYTES) return undefined;
    if (!this.dense) {
      const b = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let q = indptr[i]; q < indptr[i + 1]; q++) b[i * n + indices[q]] = data[q];
      this.dense = b;
    }
    return this.dense;
  }

  /** Score rows of the given users: Σ over each history of weight × B's row, by the backend's embedding-bag kernel. */
  private denseScores(b: Float32Array, users: Int32Array): Float32Array {
    const n = this.sim.rows;
    const rows = selectRows(this.requireIndex().seen, users);
    const out = new Float32Array(users.length * n);
    (this.backend as Backend & InternalKernels).embeddingBag(rows.indptr, rows.indices, rows.data, users.length, b, n, out, false);
    return out;
  }

  override scoreUsers(users: Int32Array): Float32Array {
    const b = this.scoringMatrix();
    return b ? this.denseScores(b, users) : super.scoreUsers(users);
  }

  /** Top-k for many known users from dense score blocks (seen items masked, then the backend's top-k). */
  protected override async recommendKnown(users: Int32Array, k: number, options: RecommendOptions): Promise<Recommendation[][]> {
    const b = this.scoringMatrix();
    if (!b || k === 0 || options.include || options.exclude) return super.recommendKnown(users, k, options);
    const { seen, items } = this.requireIndex();
    const n = items.size;
    const filter = options.filterSeen ?? true;
    const out: Recommendation[][] = [];
    for (let b0 = 0; b0 < users.length; b0 += DENSE_BLOCK) {
      const block = users.subarray(b0, b0 + DENSE_BLOCK);
      const scores = this.denseScores(b, block);
      if (filter) for (let r = 0; r < block.length; r++) for (let q = seen.indptr[block[r]]; q < seen.indptr[block[r] + 1]; q++) scores[r * n + seen.indices[q]] = -Infinity;
      const top = this.backend.topk(scores, block.length, n, Math.min(k, n));
      const kk = Math.min(k, n);
      for (let r = 0; r < block.length; r++) {
        const row: Recommendation[] = [];
        for (let j = 0; j < top.counts[r]; j++) row.push({ item: items.idAt(top.indices[r * kk + j]), score: top.scores[r * kk + j] });
        out.push(row);
      }
      await yieldToEventLoop();
    }
    return out;
  }

  protected override releaseBackendMemory(): void {
    this.dense = undefined;
  }

  /** Refuse before allocating when items² would not fit (the limit named in the error). */
  private async checkMemory(n: number): Promise<void> {
    const need = easeMemoryBytes(n);
    const caps = await detectCapabilities();
    const edge = caps.runtime === 'workerd' || caps.runtime === 'edge-light';
    const limits: [number, string][] = [];
    if (this.options.memoryLimit > 0) limits.push([this.options.memoryLimit, 'memoryLimit option']);
    else if (edge) limits.push([EDGE_ISOLATE_BYTES, 'edge isolate memory']);
    const fix =
      `EASE needs items² memory (${n} items); fit it where memory allows and prune it for serving (neighbors: 100), ` +
      'or use RP3beta or item-kNN, whose memory grows with items × neighbors.';
    for (const [limit, name] of limits) if (need.total > limit) throw new MemoryLimitError(`EASE over ${n} items`, need.total, limit, name, fix);
    if (this.backend.name !== 'js' && need.wasm > WASM_HEAP_BYTES) {
      throw new MemoryLimitError(`EASE's working matrix over ${n} items`, need.wasm, WASM_HEAP_BYTES, 'Wasm heap maximum', fix);
    }
  }

  /**
   * B pruned to each column's `k` largest |B_ij| (column j of B̃ is row j of P over −P_jj, P being symmetric; row i of
   * B is row i of B̃ times `scale`[i]).
   */
  private prunedWeights(p: Float32Array, n: number, k: number, scale: Float64Array | undefined): Csr {
    const keep = Math.min(k, n - 1);
    // the kept entries column by column (j ascending), as a CSR over columns
    const colIndptr = new Int32Array(n + 1);
    const rowIndex = new Int32Array(n * keep);
    const val = new Float32Array(n * keep);
    let q = 0;
    const BLOCK = 256;
    for (let j0 = 0; j0 < n; j0 += BLOCK) {
      const rows = Math.min(BLOCK, n - j0);
      const mag = new Float32Array(rows * n);
      for (let r = 0; r < rows; r++) {
        const j = j0 + r;
        for (let i = 0; i < n; i++) mag[r * n + i] = Math.abs(p[j * n + i]) * (scale ? scale[i] : 1);
        mag[r * n + j] = -Infinity;
      }
      const top = this.backend.topk(mag, rows, n, keep);
      for (let r = 0; r < rows; r++) {
        const j = j0 + r;
        const pjj = p[j * n + j];
        for (let s = 0; s < top.counts[r]; s++) {
          const i = top.indices[r * keep + s];
          rowIndex[q] = i;
          val[q++] = (-p[j * n + i] / pjj) * (scale ? scale[i] : 1);
        }
        colIndptr[j + 1] = q;
      }
    }
    // B by row i: the transpose (visiting j in ascending order keeps each row's columns sorted)
    return transposeCsr({ indptr: colIndptr, indices: rowIndex.subarray(0, q), data: val.subarray(0, q), rows: n, cols: n });
  }

  /** Rebuild from a model file's state. */
  static fromState(state: ModelState, backend: Backend): EaseRecommender {
    return new EaseRecommender(state.params as EaseOptions).adoptState(state, backend);
  }

}

/**
 * B = D·(I − P·diag(1/diag(P))) with the (zero) diagonal left out (D = diag(`scale`), the item normalisation; I when
 * absent): n × (n − 1) entries, columns ascending per row.
 */
function denseWeights(p: Float32Array, n: number, scale: Float64Array | undefined): Csr {
  const per = Math.max(n - 1, 0);
  const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i * per);
  const indices = new Int32Array(n * per);
  const data = new Float32Array(n * per);
  const inv = new Float64Array(n);
  for (let j = 0; j < n; j++) inv[j] = -1 / p[j * n + j];
  let q = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const si = scale ? scale[i] : 1;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      indices[q] = j;
      data[q++] = p[row + j] * inv[j] * si;
    }
  }
  return { indptr, indices, data, rows: n, cols: n };
}

/**
 * The (possibly normalised) X the Gram matrix is built from (`byUser`: X or its session rows), as both CSRs:
 * X̃ = D_u^−β/2 X D_i^−α (see the module comment), `scale` = D_i^−α (undefined when nothing is normalised: X itself is
 * returned) and tr(X̃ᵀX̃) / tr(XᵀX).
 */
function normalizedGram(
  byUser: Csr,
  byItem: Csr,
  options: { userNormalization: number; itemNormalization: number },
  activity?: Float64Array,
): { byUser: Csr; byItem: Csr; scale?: Float64Array; traceRatio: number } {
  const { userNormalization: beta, itemNormalization: alpha } = options;
  if (beta === 0 && alpha === 0) return { byUser, byItem, traceRatio: 1 };
  const n = byItem.rows;
  // each user's rows weigh |I_u|^−β, i.e. each entry of X by |I_u|^−β/2 (`activity`: |I_u| of each row's user when
  // rows are a user's session windows)
  const userRoot = new Float64Array(byUser.rows);
  for (let u = 0; u < byUser.rows; u++) userRoot[u] = Math.max(activity ? activity[u] : byUser.indptr[u + 1] - byUser.indptr[u], 1) ** (-beta / 2);
  // D_i: the diagonal of Xᵀ D_u^−β X; an item with no weight keeps scale 1 (its Gram row and column are 0 anyway)
  const scale = new Float64Array(n);
  let rawTrace = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) {
      const w = byItem.data[q];
      rawTrace += w * w;
      d += (w * userRoot[byItem.indices[q]]) ** 2;
    }
    scale[i] = d > 0 ? d ** -alpha : 1;
    trace += d * scale[i] * scale[i];
  }
  const scaled = (csr: Csr, rowFactor: (r: number) => number, colFactor: (c: number) => number): Csr => {
    const out = new Float32Array(csr.data.length);
    for (let r = 0; r < csr.rows; r++) for (let q = csr.indptr[r]; q < csr.indptr[r + 1]; q++) out[q] = csr.data[q] * rowFactor(r) * colFactor(csr.indices[q]);
    return { ...csr, data: out };
  };
  return {
    byUser: scaled(byUser, (u) => userRoot[u], (i) => scale[i]),
    byItem: scaled(byItem, (i) => scale[i], (u) => userRoot[u]),
    scale: alpha === 0 ? undefined : scale,
    traceRatio: rawTrace > 0 ? trace / rawTrace : 1,
  };
}

/**
 * max over sampled columns c of ‖(X̃ᵀX̃ + Λ)·p_c − e_c‖∞ (Λ = λI + ρ·diag(X̃ᵀX̃), X̃ the matrix the Gram was built from),
 * in f64 from the sparse X̃ (two sparse products per column, O(nnz), instead of a dense n² product or keeping the Gram
 * matrix).
 */
function inverseResidual(byUser: Csr, byItem: Csr, p: Float32Array, lambda: number, rho: number): number {
  const n = byItem.rows;
  const { indptr, indices, data: w } = byUser;
  const xp = new Float64Array(byUser.rows);
  let worst = 0;
  for (let s = 0; s < Math.min(RESIDUAL_COLUMNS, n); s++) {
    const c = Math.floor(((s + 0.5) * n) / Math.min(RESIDUAL_COLUMNS, n));
    const col = p.subarray(c * n, (c + 1) * n); // P is symmetric: column c = row c
    for (let u = 0; u < byUser.rows; u++) {
      let v = 0;
      for (let q = indptr[u]; q < indptr[u + 1]; q++) v += w[q] * col[indices[q]];
      xp[u] = v;
    }
    for (let i = 0; i < n; i++) {
      let v = lambda * col[i] - (i === c ? 1 : 0);
      for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) v += byItem.data[q] * (xp[byItem.indices[q]] + rho * byItem.data[q] * col[i]);
      worst = Math.max(worst, Math.abs(v));
    }
  }
  return worst;
}

registerModelKind('ease', (state, backend) => EaseRecommender.fromState(state, backend), {
  layout: (state) => itemItemLayout(state, (params) => new EaseRecommender(params as EaseOptions)),
  create: (params) => new EaseRecommender(params as EaseOptions),
});
