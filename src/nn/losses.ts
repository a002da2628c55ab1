/**
 * Losses of the neural core (issue 9) over a rows × cols block of model outputs against targets of the same shape,
 * reduced as Recoder's `batchsize_mean` (sum over entries divided by the number of rows). Each returns the loss
 * value and writes dL/d(output) into `grad` (overwritten). Gradients use the backend kernels (sigmoid, softmax in
 * Wasm, so identical on every runtime); the reported loss value uses Math.log and is for monitoring only.
 *
 * @example
 * ```ts
 * const grad = new Float32Array(logits.length);
 * const loss = multinomialNll(logits, targets, rows, cols, grad, kernels);
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import { referenceNnKernels, type NnKernels } from '../kernels/reference/nn.ts';

export type LossName = 'mse' | 'bce' | 'multinomial';
export const LOSSES: readonly LossName[] = ['mse', 'bce', 'multinomial'];

function check(name: string, out: Float32Array, target: Float32Array, grad: Float32Array, rows: number, cols: number): void {
  const n = rows * cols;
  if (out.length < n || target.length < n || grad.length < n) throw new InvalidArgumentError(`${name}.length`, Math.min(out.length, target.length, grad.length), `at least rows × cols = ${n}`);
}

/**
 * Weighted squared error with confidence (Recoder's MSELoss; Hu et al. 2008's confidence weighting):
 * w = 1 + confidence·x, ℓ = Σ w·(y − x)² / rows, dℓ/dy = 2w(y − x)/rows.
 */
export function weightedMse(out: Float32Array, target: Float32Array, rows: number, cols: number, grad: Float32Array, confidence = 0): number {
  check('mse', out, target, grad, rows, cols);
  let loss = 0;
  const n = rows * cols;
  for (let i = 0; i < n; i++) {
    const w = 1 + confidence * target[i];
    const d = out[i] - target[i];
    loss += w * d * d;
    grad[i] = (2 * w * d) / rows;
  }
  return loss / rows;
}

/**
 * Binary cross-entropy with logits: ℓ = Σ [max(z, 0) − z·x + log(1 + e^{−|z|})] / rows (the stable form), with
 * dℓ/dz = (σ(z) − x)/rows.
 */
export function bceWithLogits(logits: Float32Array, target: Float32Array, rows: number, cols: number, grad: Float32Array, kernels: NnKernels = referenceNnKernels): number {
  check('bce', logits, target, grad, rows, cols);
  const n = rows * cols;
  const sig = grad.subarray(0, n);
  kernels.activate(logits.subarray(0, n), sig, 'sigmoid');
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i];
    loss += Math.max(z, 0) - z * target[i] + Math.log1p(Math.exp(-Math.abs(z)));
    grad[i] = (sig[i] - target[i]) / rows;
  }
  return loss / rows;
}

/**
 * Multinomial log-likelihood (Liang et al. 2018, "Variational Autoencoders for Collaborative Filtering", eq. 2 —
 * Mult-DAE; Recoder's logloss): ℓ = −Σ_r Σ_j x_rj·log softmax(z_r)_j / rows, with
 * dℓ/dz_rj = (softmax(z_r)_j·Σ_j x_rj − x_rj)/rows.
 */
export function multinomialNll(logits: Float32Array, target: Float32Array, rows: number, cols: number, grad: Float32Array, kernels: NnKernels = referenceNnKernels): number {
  check('multinomial', logits, target, grad, rows, cols);
  kernels.softmaxRows(logits, grad, rows, cols);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let total = 0;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) {
      total += target[o + j];
      if (logits[o + j] > mx) mx = logits[o + j];
    }
    let se = 0;
    for (let j = 0; j < cols; j++) se += Math.exp(logits[o + j] - mx);
    const lse = mx + Math.log(se);
    for (let j = 0; j < cols; j++) {
      const x = target[o + j];
      if (x !== 0) loss -= x * (logits[o + j] - lse);
      grad[o + j] = (grad[o + j] * total - x) / rows;
    }
  }
  return loss / rows;
}

/** Dispatch by name (mse takes `confidence`). */
export function lossAndGrad(name: LossName, out: Float32Array, target: Float32Array, rows: number, cols: number, grad: Float32Array, kernels: NnKernels, confidence = 0): number {
  switch (name) {
    case 'mse': return weightedMse(out, target, rows, cols, grad, confidence);
    case 'bce': return bceWithLogits(out, target, rows, cols, grad, kernels);
    case 'multinomial': return multinomialNll(out, target, rows, cols, grad, kernels);
    default: throw new InvalidArgumentError('loss', name, "'mse', 'bce' or 'multinomial'");
  }
}
