/**
 * Reference (the spec) for the neural training core's hot loops (issue 9; Wasm in assembly/nn.ts): a general
 * matrix product with optional transposes and accumulation, elementwise activations with their backward pass, and
 * row-wise softmax. The Wasm versions compute the transcendentals (exp, tanh) inside Wasm, so their results are
 * bit-identical on every runtime; this reference uses Math.* and may differ in the last bits between engines.
 */

/** Activation codes shared with assembly/nn.ts: none 0, relu 1, tanh 2, sigmoid 3, selu 4. */
export type NnActivation = 'none' | 'relu' | 'tanh' | 'sigmoid' | 'selu';
export const NN_ACTIVATION_CODE: Readonly<Record<NnActivation, number>> = { none: 0, relu: 1, tanh: 2, sigmoid: 3, selu: 4 };

/** SELU constants (Klambauer et al. 2017, "Self-Normalizing Neural Networks", eq. 2). */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;

/** The hot loops behind src/nn's layers; {@link referenceNnKernels} is the spec, the Wasm backend's is SIMD. */
export interface NnKernels {
  /**
   * C (m × n) = op(A)·op(B), or C += op(A)·op(B) when `accumulate`. op(A) is m × k: A stored m × k, or k × m when
   * `transA`; op(B) is k × n: B stored k × n, or n × k when `transB`. All row-major.
   */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean): void;
  /** y[i] = f(x[i]) (y may be x). */
  activate(x: Float32Array, y: Float32Array, act: NnActivation): void;
  /** dx[i] = dy[i]·f'(x) written through the output y = f(x) (dx may be dy). */
  activateBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, act: NnActivation): void;
  /** out[r, :] = softmax(x[r, :]) for a rows × cols matrix (max-shifted; out may be x). */
  softmaxRows(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /**
   * Embedding bag: out[r] (+= when `accumulate`) Σ_{e ∈ [indptr[r], indptr[r+1])} w[e]·table[ids[e]], `dim` columns
   * (a sparse × dense product: the autoencoder's sparse input layer).
   */
  embeddingBag(indptr: Int32Array, ids: Int32Array, w: Float32Array, rows: number, table: Float32Array, dim: number, out: Float32Array, accumulate: boolean): void;
  /** Backward of {@link NnKernels.embeddingBag}: grad[ids[e]] += w[e]·dOut[r] (grad is the table's gradient). */
  embeddingBagBackward(indptr: Int32Array, ids: Int32Array, w: Float32Array, rows: number, dOut: Float32Array, dim: number, grad: Float32Array): void;
}

export function gemmRef(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = accumulate ? c[i * n + j] + s : s;
    }
  }
}

export function activateScalar(v: number, act: NnActivation): number {
  switch (act) {
    case 'relu': return v > 0 ? v : 0;
    case 'tanh': return Math.tanh(v);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'selu': return v > 0 ? SELU_LAMBDA * v : SELU_LAMBDA * SELU_ALPHA * (Math.exp(v) - 1);
    default: return v;
  }
}

/** f'(x) written through y = f(x). */
export function activationGradFromOutput(y: number, act: NnActivation): number {
  switch (act) {
    case 'relu': return y > 0 ? 1 : 0;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
    // x > 0 ⇔ y > 0; for x ≤ 0, f'(x) = λα·eˣ = y + λα
    case 'selu': return y > 0 ? SELU_LAMBDA : y + SELU_LAMBDA * SELU_ALPHA;
    default: return 1;
  }
}

/** {@link NnKernels.embeddingBag} on its own (EASE's dense scoring needs only this one). */
export function embeddingBagRef(indptr: Int32Array, ids: Int32Array, w: Float32Array, rows: number, table: Float32Array, dim: number, out: Float32Array, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, rows * dim);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    for (let e = indptr[r]; e < indptr[r + 1]; e++) {
      const v = w[e];
      if (v === 0) continue;
      const t = ids[e] * dim;
      for (let j = 0; j < dim; j++) out[o + j] += v * table[t + j];
    }
  }
}

/** The TS reference implementation of {@link NnKernels} (loops ordered for cache use, f32 accumulation like Wasm's is not promised). */
export const referenceNnKernels: NnKernels = {
  gemm(a, b, c, m, k, n, transA, transB, accumulate) {
    if (!accumulate) c.fill(0, 0, m * n);
    if (!transA && !transB) {
      // i-p-j order: rows of B stream through
      for (let i = 0; i < m; i++) {
        const ci = i * n;
        for (let p = 0; p < k; p++) {
          const av = a[i * k + p];
          if (av === 0) continue;
          const bp = p * n;
          for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
        }
      }
    } else if (!transA && transB) {
      for (let i = 0; i < m; i++) {
        const ai = i * k;
        for (let j = 0; j < n; j++) {
          const bj = j * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
          c[i * n + j] += s;
        }
      }
    } else if (transA && !transB) {
      // C = Aᵀ·B: A is k × m; accumulate outer products row by row
      for (let p = 0; p < k; p++) {
        const ap = p * m;
        const bp = p * n;
        for (let i = 0; i < m; i++) {
          const av = a[ap + i];
          if (av === 0) continue;
          const ci = i * n;
          for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
        }
      }
    } else gemmRef(a, b, c, m, k, n, true, true, true);
  },
  activate(x, y, act) {
    for (let i = 0; i < x.length; i++) y[i] = activateScalar(x[i], act);
  },
  activateBackward(y, dy, dx, act) {
    if (act === 'none') {
      if (dx !== dy) dx.set(dy.subarray(0, y.length));
      return;
    }
    for (let i = 0; i < y.length; i++) dx[i] = dy[i] * activationGradFromOutput(y[i], act);
  },
  softmaxRows(x, out, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let mx = -Infinity;
      for (let j = 0; j < cols; j++) if (x[o + j] > mx) mx = x[o + j];
      let s = 0;
      for (let j = 0; j < cols; j++) {
        const e = Math.exp(x[o + j] - mx);
        out[o + j] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let j = 0; j < cols; j++) out[o + j] *= inv;
    }
  },
  embeddingBag: embeddingBagRef,
  embeddingBagBackward(indptr, ids, w, rows, dOut, dim, grad) {
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      for (let e = indptr[r]; e < indptr[r + 1]; e++) {
        const v = w[e];
        if (v === 0) continue;
        const g = ids[e] * dim;
        for (let j = 0; j < dim; j++) grad[g + j] += v * dOut[o + j];
      }
    }
  },
};
