/**
 * ∞-AE, the infinitely wide autoencoder of Sachdeva, Dhaliwal, Wu and McAuley 2022 ("Infinite Recommendation
 * Networks: A Data-Centric Approach", NeurIPS '22): an autoencoder whose one hidden layer is infinitely wide trains, by
 * the neural tangent kernel theory (Jacot et al. 2018), to kernel ridge regression with the network's NTK. Over the
 * users' item rows z_u (unit length) the reconstruction of every user is closed-form,
 *
 *   X̂ = K (K + λI)⁻¹ X = X − λ·A,   A = (K + λI)⁻¹ X   (users × items, "dual" weights),
 *
 * with K the NTK of a one-hidden-layer ReLU network (Arora et al. 2019, "On Exact Computation with an Infinitely Wide
 * Neural Net"): for cos θ = z_u · z_v,
 *
 *   K_uv = (sin θ + (π − θ) cos θ) / π  +  cos θ · (π − θ) / π.
 *
 * It is a user-side, non-linear model: where EASE (items × items) and ALS (low rank) look at items, it compares whole
 * histories, so it blends well with them (issue 19). A new user's scores are k(z, Z) · A (fold-in, no refit).
 * `itemNormalization` a scales item columns by their popularity^−a before the kernel (the degree normalisation of
 * GF-CF, Shen et al. 2021, which EASE also takes), so shared rare items count for more than shared blockbusters.
 *
 * Memory grows with users² (the kernel and its inverse) and users × items (A): the fit refuses, with a typed error,
 * when that would not fit; beyond ~20k users use EASE, RP3beta or ALS. The Gram matrix, the inverse and A's product
 * run in the backend's SIMD Wasm kernels (the EASE kernels: sparse Gram, blocked inverse; the embedding bag).
 */
import type { FitOptions, TrainingIndex } from '../recommender.ts';
import { Recommender } from '../recommender.ts';
import { checkAborted, yieldToEventLoop } from '../progress.ts';
import { checkNumberOption, maxAbs } from '../options.ts';
import { withDefaults } from '../../options-check.ts';
import { registerModelKind, type ModelLayout, type ModelState, type TensorArray } from '../registry.ts';
import { registerFitMemory, type FitShape } from '../fit-memory.ts';
import { Interactions } from '../../data/interactions.ts';
import type { Backend, Csr } from '../../kernels/types.ts';
import { InvalidArgumentError, RecwiseError, nameErrorClass } from '../../errors.ts';
import { useKernels, type InternalKernels } from '../../kernels/family.ts';
import { SPD_KERNELS, EMBEDDING_BAG_KERNELS } from '../../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(SPD_KERNELS, EMBEDDING_BAG_KERNELS);

/** Hyperparameters of {@link InfiniteAeRecommender}. */
export interface InfiniteAeOptions {
  /** Ridge penalty λ of the kernel regression (default 10; the kernel's diagonal is 2, so useful values lie in [1, 100]). */
  lambda?: number;
  /** Item columns scaled by popularity^−a before the kernel (default 0: raw rows; tune searches [0, 0.5]). */
  itemNormalization?: number;
}

const DEFAULTS: Required<InfiniteAeOptions> = { lambda: 10, itemNormalization: 0 };

/** Columns of (K + λI)⁻¹ whose residual is checked. */
const RESIDUAL_COLUMNS = 4;
/** Largest accepted residual ‖(K + λI)·p − e‖∞ (as EASE's: f32 sweeps leave ~1e-6 here, as K's diagonal is 2 + λ). */
const MAX_RESIDUAL = 1e-2;

/** The inverse was too inaccurate to use (the residual check of InfiniteAeRecommender.fit). */
export class InaccurateKernelInverseError extends RecwiseError {
  static {
    nameErrorClass(this, 'InaccurateKernelInverseError');
  }

  constructor(readonly residual: number, lambda: number) {
    super('INACCURATE_INVERSE', `∞-AE's inverse (K + λI)⁻¹ has a residual of ${Number(residual).toExponential(2)} (λ = ${lambda}), over ${MAX_RESIDUAL}.`, {
      field: 'lambda', value: lambda, fix: 'use a larger lambda (e.g. 10× larger).',
    });
  }
}

function checkOptions(o: Required<InfiniteAeOptions>): void {
  checkNumberOption('lambda', o.lambda, 0, false);
  checkNumberOption('itemNormalization', o.itemNormalization, 0, true);
  if (o.itemNormalization > 1) throw new InvalidArgumentError('itemNormalization', o.itemNormalization, 'an exponent in [0, 1]');
}

/** Bytes an ∞-AE fit needs at its peak: the kernel and its inverse (users²) and A with its transpose (users × items). */
export function infiniteAeMemory(shape: FitShape): { wasm: number; js: number; largestArray: number; parts: Record<string, number> } {
  const square = shape.users * shape.users * 4;
  const dual = shape.users * shape.items * 4;
  const csr = shape.interactions * 8 + (shape.users + shape.items + 2) * 4;
  // Wasm, one stage at a time: the Gram with both CSRs; the blocked inverse's padded working matrix and panel (as
  // EASE's, easeMemoryBytes); the inverse as the embedding bag's table with Aᵀ and one CSR
  const pad = Math.ceil(shape.users / 8) * 8;
  const wasm = Math.max(square + 2 * csr, pad * pad * 4 + pad * 64 * 4, square + dual + csr);
  return { wasm, js: 2 * square + 2 * dual + 2 * csr, largestArray: Math.max(square, dual), parts: { kernel: square, dual } };
}

registerFitMemory('infinite-ae', {
  estimate: (shape) => infiniteAeMemory(shape),
  alternatives: 'EASE or RP3beta (items², or items × neighbors), ALS, or fewer users (a k-core filter)',
});

/** The NTK of a one-hidden-layer ReLU network at cos θ = c (see the module comment); K(z, z) = 2. */
export function reluNtk(c: number): number {
  const cc = c > 1 ? 1 : c < -1 ? -1 : c;
  const theta = Math.acos(cc);
  return (Math.sin(theta) + 2 * (Math.PI - theta) * cc) / Math.PI;
}

/**
 * ∞-AE: kernel ridge regression of each user's items on every other user's, with an infinitely wide autoencoder's
 * kernel. Strong on its own (level with EASE on MovieLens) and a strong blend member beside EASE and ALS.
 *
 * @example
 * ```ts
 * import { InfiniteAeRecommender } from 'recwise/nn';
 * const inf = await new InfiniteAeRecommender({ lambda: 10 }).fit(interactions);
 * inf.recommend('alice', { k: 10 });
 * inf.recommend('newcomer', { userItems: ['matrix', 'alien'] }); // fold-in: k(z, Z) · A
 * ```
 */
export class InfiniteAeRecommender extends Recommender {
  readonly kind = 'infinite-ae';
  readonly options: Required<InfiniteAeOptions>;
  /** Largest residual ‖(K + λI)·p − e‖∞ over the checked columns (NaN before a fit or after loading). */
  residual = Number.NaN;
  /** A = (K + λI)⁻¹ X, users × items row-major. */
  private dual: Float32Array = new Float32Array(0);
  /** Each item's column scale popularity^−a (1 when a = 0). */
  private itemScale: Float32Array = new Float32Array(0);
  /** The training rows by item, scaled, and each user's row length: the kernel of a new history (built on first use). */
  private foldIndex?: { byItem: Csr; norms: Float64Array };

  constructor(options: InfiniteAeOptions = {}) {
    super();
    this.options = withDefaults('InfiniteAeRecommender options', DEFAULTS, options);
    checkOptions(this.options);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** A = (K + λI)⁻¹ X (users × items, row-major; a view). */
  get dualWeights(): Float32Array {
    this.requireIndex();
    return this.dual;
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    const users = data.nUsers;
    const n = data.nItems;
    const { lambda } = this.options;
    checkAborted(options.signal, '∞-AE fit');
    const byItem = data.itemUsers(this.backend);
    this.itemScale = itemScales(data.byUser, n, this.options.itemNormalization);
    this.foldIndex = undefined;
    const z = unitRows(data.byUser, byItem, this.itemScale);
    // the users × users dot products of the unit rows (EASE's Gram kernel, with users in the items' role)
    const kernel = await this.backend.sparseGram(z.byUser, z.byItem, 0);
    options.onProgress?.({ phase: 'fit', done: 1, total: 4 });
    await yieldToEventLoop();
    checkAborted(options.signal, '∞-AE fit');
    toNtk(kernel, users, lambda);
    options.onProgress?.({ phase: 'fit', done: 2, total: 4 });
    await yieldToEventLoop();
    checkAborted(options.signal, '∞-AE fit');
    const p = await this.backend.spdInverse(kernel, users, { signal: options.signal });
    this.residual = inverseResidual(z.byUser, z.byItem, p, lambda);
    if (!(this.residual <= MAX_RESIDUAL)) throw new InaccurateKernelInverseError(this.residual, lambda);
    options.onProgress?.({ phase: 'fit', done: 3, total: 4 });
    await yieldToEventLoop();
    checkAborted(options.signal, '∞-AE fit');
    this.dual = await dualWeights(this.backend as Backend & InternalKernels, byItem, p, users, n, options.signal);
    options.onProgress?.({ phase: 'fit', done: 4, total: 4 });
  }

  /** A trained user's reconstruction K_u (K + λI)⁻¹ X = x_u − λ·A_u (no kernel row needed). */
  scoreUsers(users: Int32Array): Float32Array {
    const { seen, items } = this.requireIndex();
    const n = items.size;
    const lambda = this.options.lambda;
    const out = new Float32Array(users.length * n);
    for (let r = 0; r < users.length; r++) {
      const u = users[r];
      const row = r * n;
      const a = u * n;
      for (let j = 0; j < n; j++) out[row + j] = -lambda * this.dual[a + j];
      for (let q = seen.indptr[u]; q < seen.indptr[u + 1]; q++) out[row + seen.indices[q]] += seen.data[q];
    }
    return out;
  }

  /** A new history's scores k(z, Z) · A: its kernel against every training user, times A. */
  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const index = this.requireIndex();
    const n = index.items.size;
    const users = index.seen.rows;
    this.foldIndex ??= foldIndex(index, this.itemScale);
    const { byItem, norms } = this.foldIndex;
    const dots = new Float64Array(users);
    let norm2 = 0;
    for (let p = 0; p < items.length; p++) {
      const i = items[p];
      const v = (weights ? weights[p] : 1) * this.itemScale[i];
      norm2 += v * v;
      for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) dots[byItem.indices[q]] += v * byItem.data[q];
    }
    const norm = Math.sqrt(norm2);
    const out = new Float32Array(n);
    const acc = new Float64Array(n);
    for (let v = 0; v < users; v++) {
      const k = reluNtk(norm > 0 && norms[v] > 0 ? dots[v] / (norm * norms[v]) : 0);
      const a = v * n;
      for (let j = 0; j < n; j++) acc[j] += k * this.dual[a + j];
    }
    out.set(acc);
    return out;
  }

  protected exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const users = this.requireIndex().users.size;
    return {
      tensors: { dual: this.dual, itemScale: this.itemScale },
      shapes: { dual: [users, this.itemScale.length], itemScale: [this.itemScale.length] },
    };
  }

  /** Rebuild from a model file's state (its shapes were checked against the vocabularies by the loader). */
  static fromState(state: ModelState, backend: Backend): InfiniteAeRecommender {
    const model = new InfiniteAeRecommender(state.params as InfiniteAeOptions);
    const index = Recommender.indexFromState(state);
    const { dual, itemScale } = state.tensors;
    const users = index.users.size;
    const n = index.items.size;
    const valid =
      dual instanceof Float32Array && itemScale instanceof Float32Array && dual.length === users * n && itemScale.length === n &&
      dual.every(Number.isFinite) && itemScale.every((s) => Number.isFinite(s) && s > 0);
    if (!valid) throw new InvalidArgumentError('tensors', Object.keys(state.tensors), `dual (${users} × ${n} finite f32) and itemScale (${n} positive f32)`);
    model.dual = dual;
    model.itemScale = itemScale;
    model.restore(index, backend);
    return model;
  }
}

/** popularity_i^−a per item (Σ_u x_ui² as the popularity, as EASE's D_i); 1 for items without weight or when a = 0. */
function itemScales(byUser: Csr, n: number, a: number): Float32Array {
  const scale = new Float32Array(n).fill(1);
  if (a === 0) return scale;
  const pop = new Float64Array(n);
  for (let q = 0; q < byUser.indices.length; q++) pop[byUser.indices[q]] += byUser.data[q] * byUser.data[q];
  for (let i = 0; i < n; i++) if (pop[i] > 0) scale[i] = pop[i] ** -a;
  return scale;
}

/** The rows z_u = x_u · diag(scale) / ‖x_u · diag(scale)‖ in both orientations (an empty row stays 0). */
function unitRows(byUser: Csr, byItem: Csr, scale: Float32Array): { byUser: Csr; byItem: Csr } {
  const norms = rowNorms(byUser, scale);
  const u = new Float32Array(byUser.data.length);
  for (let r = 0; r < byUser.rows; r++) {
    for (let q = byUser.indptr[r]; q < byUser.indptr[r + 1]; q++) u[q] = norms[r] > 0 ? (byUser.data[q] * scale[byUser.indices[q]]) / norms[r] : 0;
  }
  const i = new Float32Array(byItem.data.length);
  for (let c = 0; c < byItem.rows; c++) {
    for (let q = byItem.indptr[c]; q < byItem.indptr[c + 1]; q++) {
      const v = byItem.indices[q];
      i[q] = norms[v] > 0 ? (byItem.data[q] * scale[c]) / norms[v] : 0;
    }
  }
  return { byUser: { ...byUser, data: u }, byItem: { ...byItem, data: i } };
}

function rowNorms(byUser: Csr, scale: Float32Array): Float64Array {
  const norms = new Float64Array(byUser.rows);
  for (let r = 0; r < byUser.rows; r++) {
    let s = 0;
    for (let q = byUser.indptr[r]; q < byUser.indptr[r + 1]; q++) s += (byUser.data[q] * scale[byUser.indices[q]]) ** 2;
    norms[r] = Math.sqrt(s);
  }
  return norms;
}

/** The scaled (not unit) training rows by item and each user's norm: fold-in's kernel row in O(the history's users). */
function foldIndex(index: TrainingIndex, scale: Float32Array): { byItem: Csr; norms: Float64Array } {
  const byItem = new Interactions(index.users, index.items, index.seen).itemUsers();
  const data = new Float32Array(byItem.data.length);
  for (let i = 0; i < byItem.rows; i++) for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) data[q] = byItem.data[q] * scale[i];
  return { byItem: { ...byItem, data }, norms: rowNorms(index.seen, scale) };
}

/** Cosines (the Gram of unit rows) → K + λI, in place (symmetric: the upper triangle computed, mirrored). */
function toNtk(g: Float32Array, users: number, lambda: number): void {
  for (let u = 0; u < users; u++) {
    // an empty row has cosine 0 with everyone and itself: K = 1/π there; its diagonal is still 2 (‖z‖ = 1 by convention)
    g[u * users + u] = 2 + lambda;
    for (let v = u + 1; v < users; v++) g[u * users + v] = g[v * users + u] = reluNtk(g[u * users + v]);
  }
}

/**
 * max over sampled columns c of ‖(K + λI)·p_c − e_c‖∞ in f64, K's row c recomputed from the sparse unit rows (one
 * sparse product) and P's rows read once per column: O(users²) per column.
 */
function inverseResidual(byUser: Csr, byItem: Csr, p: Float32Array, lambda: number): number {
  const users = byUser.rows;
  const cols = Math.min(RESIDUAL_COLUMNS, users);
  let worst = 0;
  const krow = new Float64Array(users);
  const acc = new Float64Array(users);
  for (let s = 0; s < cols; s++) {
    const c = Math.floor(((s + 0.5) * users) / cols);
    krow.fill(0);
    for (let q = byUser.indptr[c]; q < byUser.indptr[c + 1]; q++) {
      const i = byUser.indices[q];
      const x = byUser.data[q];
      for (let e = byItem.indptr[i]; e < byItem.indptr[i + 1]; e++) krow[byItem.indices[e]] += x * byItem.data[e];
    }
    for (let v = 0; v < users; v++) krow[v] = v === c ? 2 + lambda : reluNtk(krow[v]);
    // row c of (K + λI)·P = Σ_v krow[v] · P row v (P symmetric): should be e_c
    acc.fill(0);
    for (let v = 0; v < users; v++) {
      const k = krow[v];
      const row = v * users;
      for (let w = 0; w < users; w++) acc[w] += k * p[row + w];
    }
    for (let w = 0; w < users; w++) worst = Math.max(worst, Math.abs(acc[w] - (w === c ? 1 : 0)));
  }
  return worst;
}

/** Columns of P per embedding-bag call in {@link dualWeights}: 512 × users floats (12 MB at 6,000 users) stay in cache. */
const DUAL_BLOCK = 512;

/**
 * A = P X (users × items) with the embedding-bag kernel: Aᵀ row i = Σ over item i's users v of x_vi · P row v (P is
 * symmetric). The bags read whole rows of P at random, so P goes in column blocks of {@link DUAL_BLOCK}: a block's
 * rows stay in cache while every item sums its users' rows (ml-1m: 3.6 s in one call, 1.2 s in blocks), then the block
 * of Aᵀ is written transposed into A.
 */
async function dualWeights(backend: Backend & InternalKernels, byItem: Csr, p: Float32Array, users: number, n: number, signal?: AbortSignal): Promise<Float32Array> {
  const dual = new Float32Array(users * n);
  const width = Math.min(DUAL_BLOCK, users);
  const table = new Float32Array(users * width);
  const block = new Float32Array(n * width);
  for (let c0 = 0; c0 < users; c0 += width) {
    const w = Math.min(width, users - c0);
    for (let v = 0; v < users; v++) table.set(p.subarray(v * users + c0, v * users + c0 + w), v * w);
    backend.embeddingBag(byItem.indptr, byItem.indices, byItem.data, n, table, w, block, false);
    // block is items × w (Aᵀ rows i, columns c0…c0+w): A[c0 + c, i]
    for (let i = 0; i < n; i++) for (let c = 0; c < w; c++) dual[(c0 + c) * n + i] = block[i * w + c];
    await yieldToEventLoop();
    checkAborted(signal, '∞-AE fit');
  }
  return dual;
}

/** The layout of an ∞-AE model file: A (users × items) and the item scales, checked before anything is built. */
function infiniteAeLayout(state: ModelState): ModelLayout {
  const params = new InfiniteAeRecommender(state.params as InfiniteAeOptions).options;
  const users = state.users.length;
  const n = state.items.length;
  return {
    tensors: { dual: { shape: [users, n], from: 'users × items' }, itemScale: { shape: [n], from: 'items' } },
    derived: [{ elements: 2 * state.seen.data.length + 2 * users + n, from: 'fold-in index (the training rows by item)' }],
    // fold-in: |Σ_v K_v A_vj| ≤ 2 · users · max|A|; a trained user: |x| + λ·max|A|
    scoreBound: () => ({ bound: 2 * users * maxAbs(state.tensors.dual) + params.lambda * maxAbs(state.tensors.dual) + maxAbs(state.seen.data), from: 'tensors.dual' }),
  };
}

registerModelKind('infinite-ae', (state, backend) => InfiniteAeRecommender.fromState(state, backend), {
  layout: infiniteAeLayout,
  create: (params) => new InfiniteAeRecommender(params as InfiniteAeOptions),
});
