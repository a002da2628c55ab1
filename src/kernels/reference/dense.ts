/**
 * Reference for shaders/matmul.wgsl and shaders/dense_backward.wgsl (the spec; f64 accumulation): a general matrix
 * product with optional transposes, and a dense layer Y = act(X·W + b) with its backward pass.
 */

/** Activations of a dense layer; the derivative is written in terms of the output y. */
export type Activation = 'none' | 'relu' | 'sigmoid' | 'tanh';

export const ACTIVATION_CODE: Record<Activation, number> = { none: 0, relu: 1, sigmoid: 2, tanh: 3 };

export function activate(v: number, act: Activation): number {
  switch (act) {
    case 'relu': return Math.max(v, 0);
    case 'sigmoid': return 1 / (1 + Math.exp(-v));
    case 'tanh': return Math.tanh(v);
    default: return v;
  }
}

export function activationGrad(y: number, act: Activation): number {
  switch (act) {
    case 'relu': return y > 0 ? 1 : 0;
    case 'sigmoid': return y * (1 - y);
    case 'tanh': return 1 - y * y;
    default: return 1;
  }
}

/** Options of {@link matmulRef}. */
export interface MatmulOptions {
  /** A is stored K×M (the product uses Aᵀ). */
  transA?: boolean;
  /** B is stored N×K (the product uses Bᵀ). */
  transB?: boolean;
  /** Added to every row (length N). */
  bias?: Float32Array;
  /** Added to the diagonal (e.g. λ of a Gram matrix). */
  diag?: number;
  activation?: Activation;
}

/** C (M×N) = act(op(A)·op(B) + bias + diag·I). */
export function matmulRef(A: Float32Array, B: Float32Array, M: number, K: number, N: number, o: MatmulOptions = {}): Float32Array {
  const C = new Float32Array(M * N);
  const act = o.activation ?? 'none';
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (o.transA ? A[k * M + m] : A[m * K + k]) * (o.transB ? B[n * K + k] : B[k * N + n]);
      if (o.bias) s += o.bias[n];
      if (m === n && o.diag) s += o.diag;
      C[m * N + n] = activate(s, act);
    }
  }
  return C;
}

/** Y (batch × out) = act(X·W + b), X: batch × in, W: in × out. */
export function denseForwardRef(X: Float32Array, W: Float32Array, b: Float32Array, batch: number, inputs: number, outputs: number, act: Activation): Float32Array {
  return matmulRef(X, W, batch, inputs, outputs, { bias: b, activation: act });
}

/** Gradients of a dense layer given its output Y and the upstream gradient dY. */
export function denseBackwardRef(
  X: Float32Array, W: Float32Array, Y: Float32Array, dY: Float32Array, batch: number, inputs: number, outputs: number, act: Activation,
): { dX: Float32Array; dW: Float32Array; db: Float32Array } {
  const dZ = new Float32Array(batch * outputs);
  for (let i = 0; i < dZ.length; i++) dZ[i] = dY[i] * activationGrad(Y[i], act);
  const db = new Float32Array(outputs);
  for (let n = 0; n < outputs; n++) {
    let s = 0;
    for (let r = 0; r < batch; r++) s += dZ[r * outputs + n];
    db[n] = s;
  }
  return {
    dW: matmulRef(X, dZ, inputs, batch, outputs, { transA: true }),
    dX: matmulRef(dZ, W, batch, outputs, inputs, { transB: true }),
    db,
  };
}
