/**
 * The `webgpu` backend: the `wasm` backend plus GPU overrides for the batched dense kernels.
 *
 * What runs where:
 * - GPU: `recommendBlockParallel` (tiled scoring fused with masking and per-row top-k, shaders/matmul.wgsl +
 *   shaders/topk.wgsl, only k pairs per row read back), `alsSolve` with solver 'cg' (shaders/als_cg.wgsl), and the
 *   async extras of {@link WebGpuKernels} (matmul, scoring, Gram, dense layer forward/backward).
 * - Wasm: every synchronous method of the contract (`scoreBlock`, `recommendBlock`, `gram`, `topk`, …) — WebGPU
 *   has no synchronous readback, so a sync method cannot wait for the GPU — plus the Cholesky solver, the SGD
 *   epochs, kNN products, metrics and LightFM, and any call the device cannot take (k > 1024 in the fused top-k,
 *   d > 512 in CG, a matrix above maxStorageBufferBindingSize, or a lost device).
 *
 * Memory trade-off: a {@link DenseMatrix} here is a Wasm matrix (the authoritative copy, so every delegated kernel
 * and the synchronous `toArray()` work unchanged) plus a GPU buffer created on first GPU use and kept in sync:
 * `write()` updates both, GPU kernels read their results back into the Wasm copy before resolving. A matrix used
 * on the GPU therefore costs twice its size (host + device); ALS on ml-1m at 64 factors is ~2.5 MB per side.
 * CSR operands keep a host copy of their arrays for the lazy upload.
 */
import type { AlsSolveOptions, Backend, CsrArrays, Csr, DenseMatrix, RowMask, SparseMatrix, SparseRows, TopK } from '../types.ts';
import { WebGpuUnavailableError } from '../../errors.ts';
import type { InternalKernels } from '../family.ts';
import { checkAls, checkK, checkMask, checkQueries, checkMatrixData, checkScores } from '../validate.ts';
import { ACTIVATION_CODE, type Activation, type MatmulOptions } from '../reference/dense.ts';
import type { GpuInfo } from '../../runtime/gpu.ts';
import { GpuContext, grid, type Pass } from './device.ts';
import { ALS_CG_WGSL, DENSE_BACKWARD_WGSL, MATMUL_WGSL, TOPK_WGSL } from './shaders.gen.ts';

/** Largest k of the fused GPU top-k (its candidate list lives in workgroup memory, topk.wgsl KMAX). */
export const GPU_TOPK_MAX = 1024;
/** Largest factor count of the GPU CG kernel (workgroup vectors, als_cg.wgsl DMAX). */
export const GPU_CG_MAX_FACTORS = 512;

class WebGpuMatrix implements DenseMatrix {
  buffer: any;
  gpuValid = false;
  disposed = false;
  constructor(readonly ctx: GpuContext, readonly mirror: DenseMatrix) {}
  get rows() {
    return this.mirror.rows;
  }
  get cols() {
    return this.mirror.cols;
  }
  toArray(): Float32Array {
    return this.mirror.toArray();
  }
  write(data: Float32Array, firstRow = 0): void {
    this.mirror.write(data, firstRow);
    if (this.buffer && this.gpuValid) this.ctx.write(this.buffer, firstRow * this.cols * 4, data);
  }
  /** The device copy, uploaded from the Wasm copy when missing or stale. */
  gpu(): any {
    if (!this.buffer) this.buffer = this.ctx.storage(this.rows * this.cols * 4);
    if (!this.gpuValid) {
      this.ctx.write(this.buffer, 0, this.mirror.toArray());
      this.gpuValid = true;
    }
    return this.buffer;
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mirror.dispose();
    this.buffer?.destroy();
  }
}

class WebGpuSparse implements SparseMatrix {
  private buffers?: { indptr: any; indices: any; data: any };
  disposed = false;
  constructor(readonly ctx: GpuContext, readonly mirror: SparseRows & Partial<SparseMatrix>, readonly host: { indptr: Int32Array; indices: Int32Array; data?: Float32Array }) {}
  get rows() {
    return this.mirror.rows;
  }
  get nnz() {
    return this.mirror.nnz;
  }
  get cols() {
    return this.mirror.cols ?? 0;
  }
  gpu(): { indptr: any; indices: any; data: any } {
    this.buffers ??= {
      indptr: this.ctx.upload(this.host.indptr),
      indices: this.ctx.upload(this.host.indices),
      data: this.host.data ? this.ctx.upload(this.host.data) : this.ctx.empty,
    };
    return this.buffers;
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mirror.dispose();
    if (this.buffers) for (const b of Object.values(this.buffers)) if (b !== this.ctx.empty) b.destroy();
  }
}

/** Async GPU kernels beyond the Backend contract (tests, benchmarks and the neural models use them). */
export interface WebGpuKernels {
  readonly info: GpuInfo;
  /** True once the device is lost (everything then runs on Wasm, and these methods reject). */
  readonly lost: boolean;
  /** C (M×N) = act(op(A)·op(B) + bias + diag·I); see src/kernels/reference/dense.ts matmulRef. */
  matmul(A: Float32Array, B: Float32Array, M: number, K: number, N: number, options?: MatmulOptions): Promise<Float32Array>;
  /** scoreBlock on the GPU. */
  scoreBlock(queries: Float32Array, nQueries: number, items: DenseMatrix): Promise<Float32Array>;
  /** Row-wise top-k of a score block on the GPU (same result as Backend.topk; k ≤ 1024). */
  topk(scores: Float32Array, nRows: number, nCols: number, k: number): Promise<TopK>;
  /** recommendBlock on the GPU (k ≤ 1024). */
  recommendBlock(queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): Promise<TopK>;
  /** YᵀY + reg·I on the GPU. */
  gram(matrix: DenseMatrix, regularization: number): Promise<Float32Array>;
  /** Y = act(X·W + b). */
  denseForward(X: Float32Array, W: Float32Array, b: Float32Array, batch: number, inputs: number, outputs: number, activation: Activation): Promise<Float32Array>;
  /** Gradients of a dense layer from its output Y and the upstream gradient dY. */
  denseBackward(
    X: Float32Array, W: Float32Array, Y: Float32Array, dY: Float32Array, batch: number, inputs: number, outputs: number, activation: Activation,
  ): Promise<{ dX: Float32Array; dW: Float32Array; db: Float32Array }>;
}

/** The `webgpu` backend object. */
export interface WebGpuBackend extends Backend {
  readonly gpu: WebGpuKernels;
}

const f32 = (b: ArrayBuffer, n: number) => new Float32Array(b, 0, n);
const i32 = (b: ArrayBuffer, n: number) => new Int32Array(b, 0, n);

export function createWebGpuBackend(wasm: Backend, ctx: GpuContext): WebGpuBackend {
  const maxBinding = () => Math.min(ctx.info.limits.maxStorageBufferBindingSize || 128 << 20, ctx.info.limits.maxBufferSize || 256 << 20);
  const usable = () => !ctx.lost;

  function dense(m: DenseMatrix, what = 'matrix'): WebGpuMatrix {
    if (!(m instanceof WebGpuMatrix) || m.ctx !== ctx) {
      throw new TypeError(`recwise: the ${what} was created by another backend or instance; create it with this backend's matrix().`);
    }
    if (m.disposed) throw new TypeError(`recwise: the ${what} was disposed and cannot be used.`);
    return m;
  }
  function sparse(s: SparseRows, what = 'sparseRows'): WebGpuSparse {
    if (!(s instanceof WebGpuSparse) || s.ctx !== ctx) {
      throw new TypeError(`recwise: the ${what} was created by another backend or instance; create it with this backend's ${what}().`);
    }
    if (s.disposed) throw new TypeError(`recwise: the ${what} was disposed and cannot be used.`);
    return s;
  }
  const unwrapMask = (mask?: RowMask): RowMask | undefined => (mask ? { rows: sparse(mask.rows).mirror, firstRow: mask.firstRow } : undefined);
  const requireDevice = () => {
    if (ctx.lost) throw new WebGpuUnavailableError('device-lost', 'the WebGPU device was lost', "call init({ backend: 'webgpu' }) again after shutdown(), or use backend: 'wasm'.");
  };

  function matmulPass(a: any, b: any, c: any, M: number, K: number, N: number, o: MatmulOptions & { biasBuffer?: any } = {}): Pass {
    const flags = (o.transA ? 1 : 0) | (o.transB ? 2 : 0) | (o.biasBuffer ? 4 : 0);
    const params = ctx.uniform([M, N, K, flags, o.diag ?? 0, ACTIVATION_CODE[o.activation ?? 'none'], 0, 0], [4]);
    return { shader: 'matmul', code: MATMUL_WGSL, bindings: { 0: a, 1: b, 2: o.biasBuffer ?? ctx.empty, 3: c, 4: params }, owned: [params], groups: [Math.ceil(N / 64), Math.ceil(M / 64)] };
  }

  /** Fused score → mask → top-k for queries on the device, in blocks sized to the binding limit. */
  async function recommendGpu(queries: Float32Array, nQueries: number, items: WebGpuMatrix, k: number, mask?: RowMask): Promise<TopK> {
    const n = items.rows;
    const d = items.cols;
    const itemsBuf = items.gpu();
    const maskBufs = mask ? sparse(mask.rows).gpu() : undefined;
    const block = Math.max(1, Math.min(nQueries, Math.floor(Math.min(maxBinding(), 64 << 20) / Math.max(1, n * 4))));
    const out = { k, rows: nQueries, indices: new Int32Array(nQueries * k), scores: new Float32Array(nQueries * k), counts: new Int32Array(nQueries) };
    const scores = ctx.storage(block * n * 4);
    const idx = ctx.storage(block * k * 4);
    const sc = ctx.storage(block * k * 4);
    const counts = ctx.storage(block * 4);
    try {
      for (let q0 = 0; q0 < nQueries; q0 += block) {
        const rows = Math.min(block, nQueries - q0);
        const qbuf = ctx.upload(queries.subarray(q0 * d, (q0 + rows) * d));
        const params = ctx.uniform([rows, n, k, mask ? mask.firstRow + q0 : 0, mask ? 1 : 0, 0, 0, 0]);
        try {
          const [ri, rs, rc] = await ctx.run(
            [
              matmulPass(qbuf, itemsBuf, scores, rows, d, n, { transB: true }),
              {
                shader: 'topk', code: TOPK_WGSL, groups: grid(rows),
                bindings: { 0: scores, 1: maskBufs?.indptr ?? ctx.empty, 2: maskBufs?.indices ?? ctx.empty, 3: idx, 4: sc, 5: counts, 6: params },
              },
            ],
            [{ buffer: idx, bytes: rows * k * 4 }, { buffer: sc, bytes: rows * k * 4 }, { buffer: counts, bytes: rows * 4 }],
          );
          out.indices.set(i32(ri, rows * k), q0 * k);
          out.scores.set(f32(rs, rows * k), q0 * k);
          out.counts.set(i32(rc, rows), q0);
        } finally {
          qbuf.destroy();
          params.destroy();
        }
      }
    } finally {
      for (const b of [scores, idx, sc, counts]) b.destroy();
    }
    return out;
  }

  const fitsGpu = (bytes: number) => bytes <= maxBinding();

  async function alsCgGpu(X: WebGpuMatrix, C: WebGpuSparse, Y: WebGpuMatrix, gram: Float32Array, steps: number): Promise<void> {
    const d = X.cols;
    const c = C.gpu();
    const g = ctx.upload(gram);
    const params = ctx.uniform([C.rows, d, steps, 0]);
    const xbuf = X.gpu();
    try {
      const [res] = await ctx.run(
        [{ shader: 'als_cg', code: ALS_CG_WGSL, groups: grid(C.rows), bindings: { 0: c.indptr, 1: c.indices, 2: c.data, 3: xbuf, 4: Y.gpu(), 5: g, 6: params } }],
        [{ buffer: xbuf, bytes: X.rows * d * 4 }],
      );
      X.mirror.write(f32(res, X.rows * d));
    } finally {
      g.destroy();
      params.destroy();
    }
  }

  const kernels: WebGpuKernels = {
    get info() {
      return ctx.info;
    },
    get lost() {
      return ctx.lost;
    },
    async matmul(A, B, M, K, N, options = {}) {
      requireDevice();
      checkMatrixData(A, M, K);
      checkMatrixData(B, options.transB ? N : K, options.transB ? K : N);
      const a = ctx.upload(A);
      const b = ctx.upload(B);
      const bias = options.bias ? ctx.upload(options.bias) : undefined;
      const c = ctx.storage(M * N * 4);
      try {
        const [res] = await ctx.run([matmulPass(a, b, c, M, K, N, { ...options, biasBuffer: bias })], [{ buffer: c, bytes: M * N * 4 }]);
        return f32(res, M * N).slice();
      } finally {
        for (const buf of [a, b, c, bias]) buf?.destroy();
      }
    },
    async scoreBlock(queries, nQueries, items) {
      requireDevice();
      checkQueries(queries, nQueries, items);
      const m = dense(items);
      const q = ctx.upload(queries);
      const c = ctx.storage(nQueries * m.rows * 4);
      try {
        const [res] = await ctx.run([matmulPass(q, m.gpu(), c, nQueries, m.cols, m.rows, { transB: true })], [{ buffer: c, bytes: nQueries * m.rows * 4 }]);
        return f32(res, nQueries * m.rows).slice();
      } finally {
        q.destroy();
        c.destroy();
      }
    },
    async topk(scores, nRows, nCols, k) {
      requireDevice();
      checkScores(scores, nRows, nCols);
      checkK(k);
      if (k > GPU_TOPK_MAX) return wasm.topk(scores, nRows, nCols, k);
      const s = ctx.upload(scores);
      const idx = ctx.storage(nRows * k * 4);
      const sc = ctx.storage(nRows * k * 4);
      const counts = ctx.storage(nRows * 4);
      const params = ctx.uniform([nRows, nCols, k, 0, 0, 0, 0, 0]);
      try {
        const [ri, rs, rc] = await ctx.run(
          [{ shader: 'topk', code: TOPK_WGSL, groups: grid(nRows), bindings: { 0: s, 1: ctx.empty, 2: ctx.empty, 3: idx, 4: sc, 5: counts, 6: params } }],
          [{ buffer: idx, bytes: nRows * k * 4 }, { buffer: sc, bytes: nRows * k * 4 }, { buffer: counts, bytes: nRows * 4 }],
        );
        return { k, rows: nRows, indices: i32(ri, nRows * k).slice(), scores: f32(rs, nRows * k).slice(), counts: i32(rc, nRows).slice() };
      } finally {
        for (const b of [s, idx, sc, counts, params]) b.destroy();
      }
    },
    async recommendBlock(queries, nQueries, items, k, mask) {
      requireDevice();
      checkQueries(queries, nQueries, items);
      checkK(k);
      checkMask(mask, nQueries);
      if (k > GPU_TOPK_MAX) return wasm.recommendBlockParallel(queries, nQueries, dense(items).mirror, k, unwrapMask(mask));
      return recommendGpu(queries, nQueries, dense(items), k, mask);
    },
    async gram(matrix, regularization) {
      requireDevice();
      const m = dense(matrix);
      const d = m.cols;
      const c = ctx.storage(d * d * 4);
      const y = m.gpu();
      try {
        const [res] = await ctx.run([matmulPass(y, y, c, d, m.rows, d, { transA: true, diag: regularization })], [{ buffer: c, bytes: d * d * 4 }]);
        return f32(res, d * d).slice();
      } finally {
        c.destroy();
      }
    },
    async denseForward(X, W, b, batch, inputs, outputs, activation) {
      return kernels.matmul(X, W, batch, inputs, outputs, { bias: b, activation });
    },
    async denseBackward(X, W, Y, dY, batch, inputs, outputs, activation) {
      requireDevice();
      checkMatrixData(X, batch, inputs);
      checkMatrixData(W, inputs, outputs);
      checkMatrixData(Y, batch, outputs);
      checkMatrixData(dY, batch, outputs);
      const x = ctx.upload(X);
      const w = ctx.upload(W);
      const y = ctx.upload(Y);
      const dy = ctx.upload(dY);
      const dz = ctx.storage(batch * outputs * 4);
      const db = ctx.storage(outputs * 4);
      const dw = ctx.storage(inputs * outputs * 4);
      const dx = ctx.storage(batch * inputs * 4);
      const params = ctx.uniform([batch, outputs, ACTIVATION_CODE[activation], 0]);
      try {
        const elems = Math.ceil((batch * outputs) / 64);
        const [rdx, rdw, rdb] = await ctx.run(
          [
            { shader: 'dense_backward', code: DENSE_BACKWARD_WGSL, entry: 'activation_grad', groups: grid(elems), bindings: { 0: y, 1: dy, 2: dz, 4: params } },
            { shader: 'dense_backward', code: DENSE_BACKWARD_WGSL, entry: 'bias_grad', groups: [Math.ceil(outputs / 64)], bindings: { 2: dz, 3: db, 4: params } },
            matmulPass(x, dz, dw, inputs, batch, outputs, { transA: true }),
            matmulPass(dz, w, dx, batch, outputs, inputs, { transB: true }),
          ],
          [{ buffer: dx, bytes: batch * inputs * 4 }, { buffer: dw, bytes: inputs * outputs * 4 }, { buffer: db, bytes: outputs * 4 }],
        );
        return { dX: f32(rdx, batch * inputs).slice(), dW: f32(rdw, inputs * outputs).slice(), db: f32(rdb, outputs).slice() };
      } finally {
        for (const b of [x, w, y, dy, dz, db, dw, dx, params]) b.destroy();
      }
    },
  };

  const backend: WebGpuBackend & InternalKernels = {
    name: 'webgpu',
    threads: wasm.threads,
    gpu: kernels,
    matrix(data, rows, cols) {
      return new WebGpuMatrix(ctx, wasm.matrix(data, rows, cols));
    },
    allFinite: (matrix) => wasm.allFinite(dense(matrix).mirror),
    sparseRows(csr: CsrArrays) {
      const mirror = wasm.sparseRows(csr);
      return new WebGpuSparse(ctx, mirror, { indptr: csr.indptr.slice(), indices: csr.indices.slice() });
    },
    sparseMatrix(csr: Csr) {
      const mirror = wasm.sparseMatrix(csr);
      return new WebGpuSparse(ctx, mirror, { indptr: csr.indptr.slice(), indices: csr.indices.slice(), data: csr.data.slice() });
    },
    scoreBlock: (queries, nQueries, items) => wasm.scoreBlock(queries, nQueries, dense(items).mirror),
    topk: (scores, nRows, nCols, k) => wasm.topk(scores, nRows, nCols, k),
    recommendBlock: (queries, nQueries, items, k, mask) => wasm.recommendBlock(queries, nQueries, dense(items).mirror, k, unwrapMask(mask)),
    async recommendBlockParallel(queries, nQueries, items, k, mask) {
      const m = dense(items);
      const useGpu = usable() && k <= GPU_TOPK_MAX && fitsGpu(m.rows * m.cols * 4) && fitsGpu(m.rows * 4);
      if (!useGpu) return wasm.recommendBlockParallel(queries, nQueries, m.mirror, k, unwrapMask(mask));
      checkQueries(queries, nQueries, items);
      checkK(k);
      checkMask(mask, nQueries);
      return recommendGpu(queries, nQueries, m, k, mask);
    },
    csrFromCoo: (rows, cols, vals, nRows, nCols, policy) => wasm.csrFromCoo(rows, cols, vals, nRows, nCols, policy),
    gram: (matrix, regularization) => wasm.gram(dense(matrix).mirror, regularization),
    async alsSolve(target, confidence, other, gram, options: AlsSolveOptions) {
      const X = dense(target);
      const Y = dense(other);
      const C = sparse(confidence, 'sparseMatrix');
      // per-row regularisation (Rendle et al. 2022's frequency scaling) runs on the Wasm mirror: the shader has no such term
      const gpu = options.solver === 'cg' && !options.rowRegularization && usable() && X.cols <= GPU_CG_MAX_FACTORS && fitsGpu(X.rows * X.cols * 4) && fitsGpu(Y.rows * Y.cols * 4) && fitsGpu(C.nnz * 4);
      if (!gpu) {
        await wasm.alsSolve(X.mirror, C.mirror as SparseMatrix, Y.mirror, gram, options);
        X.gpuValid = false;
        return;
      }
      checkAls(X, C, Y, gram, options);
      await alsCgGpu(X, C, Y, gram, options.cgSteps);
    },
    async bprEpoch(users, items, interactions, samples, options) {
      const X = dense(users);
      const Y = dense(items);
      try {
        return await wasm.bprEpoch(X.mirror, Y.mirror, sparse(interactions, 'sparseMatrix').mirror as SparseMatrix, samples, options);
      } finally {
        X.gpuValid = Y.gpuValid = false;
      }
    },
    async lmfEpoch(target, other, rows, gradSq, options) {
      const X = dense(target);
      const G = dense(gradSq);
      try {
        await wasm.lmfEpoch(X.mirror, dense(other).mirror, sparse(rows, 'sparseMatrix').mirror as SparseMatrix, G.mirror, options);
      } finally {
        X.gpuValid = G.gpuValid = false;
      }
    },
    hybridSession: (params, data, settings) => wasm.hybridSession(params, data, settings),
    rankMetrics: (scores, nRows, nCols, train, test, k) => wasm.rankMetrics(scores, nRows, nCols, train, test, k),
    rankMetricsScored: (queries, nQueries, items, train, test, k) => wasm.rankMetricsScored(queries, nQueries, dense(items).mirror, train, test, k),
    productTopk: (a, b, k) => wasm.productTopk(a, b, k),
    productRecommend: (a, b, k, excludeOwn) => wasm.productRecommend(a, b, k, excludeOwn),
    sparseGram: (byItem, byUser, regularization) => wasm.sparseGram(byItem, byUser, regularization),
    spdInverse: (a, n, options) => wasm.spdInverse(a, n, options),
    gruForward: (...a) => wasm.gruForward(...a),
    gruBackward: (...a) => wasm.gruBackward(...a),
    // a getter: the neural kernels join the wasm backend when the neural stack loads (kernels/family.ts), maybe later
    get nn() {
      return wasm.nn;
    },
    // internal (kernels/family.ts InternalKernels): EASE's dense scoring
    embeddingBag: (...a: Parameters<InternalKernels['embeddingBag']>) => (wasm as Backend & InternalKernels).embeddingBag(...a),
    dispose() {
      ctx.destroy();
      wasm.dispose();
    },
  };
  return backend;
}

/**
 * The GPU kernels of a backend started with `init({ backend: 'webgpu' })`, or undefined for other backends.
 *
 * @example
 * ```ts
 * import { init, getBackend } from 'recwise';
 * import { webgpuKernels } from 'recwise/webgpu';
 * await init({ backend: 'webgpu' });
 * const gpu = webgpuKernels(await getBackend())!;
 * const c = await gpu.matmul(a, b, 256, 256, 256); // 256×256 product on the GPU
 * ```
 */
export function webgpuKernels(backend: Backend): WebGpuKernels | undefined {
  return backend.name === 'webgpu' ? (backend as WebGpuBackend).gpu : undefined;
}
