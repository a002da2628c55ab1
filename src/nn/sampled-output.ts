/**
 * An output layer trained on each row's own columns plus shared sampled negatives (issue 23), for autoencoders
 * whose output is a whole large catalogue. Recoder's target set (the union of the batch rows' columns,
 * src/nn/batches.ts) grows with the catalogue's long tail: on a 41k-item check-in set a 500-user batch touches
 * ~8k items, so every step still costs rows × 8k × width. Here row r is scored only on
 *
 *   T_r = P_r ∪ S,  P_r: the row's own entries (the positives, with their values x),  S: `negatives` columns drawn
 *   per batch (shared by its rows, with replacement) from a {@link NegativeSampler},
 *
 * so a step costs rows × |S| × width in the backend's gemm plus nnz × width for the positives. Negatives equal to
 * one of the row's positives are dropped from that row (TensorFlow's remove_accidental_hits). Losses over T_r,
 * reduced like src/nn/losses.ts (sum over the row's targets, mean over rows):
 * - 'multinomial': the sampled softmax of Jean et al. 2015 / Bengio & Senécal 2008: the partition Σ_j exp(z_j) over
 *   every column is estimated by the positives' exact terms plus Σ_{s∈S} exp(z_s)/(|S|·q_s), i.e. the negatives'
 *   logits get the logQ correction −log(|S|·q_s) and the positives none;
 *   ℓ_r = −Σ_{e∈P_r} x_e·log softmax(z̃_r)_e, dℓ/dz̃_t = softmax_t·Σx − x_t.
 * - 'bce' and 'mse': the same element losses as the full output, each kept negative's weighing 1/(|S|·q_s), so the
 *   negatives' sum is an unbiased (importance-sampling) estimate of the full output's sum over the row's zero
 *   columns and the step estimates the full loss and its gradient. Unweighted, 2,000 negatives outweighed a row's
 *   ~25 positives 80:1 and popular columns, drawn most, were pushed down hardest: bce ranked at random (NDCG@10
 *   0.0003 on a 10k-item bench shape) and mse trailed ALS; weighted, mse (confidence 1: ALS's objective) beats
 *   ALS there (test/bench/ae-sampled-tune.ts, issue 23).
 *
 * Products over the shared negatives (logits, dOut, dW) run in the backend's gemm; the positives' O(nnz × width)
 * dot products and row updates are plain loops.
 *
 * @example
 * ```ts
 * const sampler = createSampler('popularity', columnCounts);
 * const step = sampledOutputStep({ out, rows: n, dim, entries: batch, negatives: sampler.sample(1000, next),
 *   weight: outW, bias: outB, sampler, loss: 'multinomial' }, kernels);
 * // step.loss, step.dOut (n × dim); outW.grad and outB.grad hold the step's gradient on the rows touched
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import type { NnKernels } from '../kernels/reference/nn.ts';
import type { LossName } from './losses.ts';
import type { NegativeSampler } from './sampled-softmax.ts';
import type { Param } from './types.ts';

/** Inputs of {@link sampledOutputStep}. */
export interface SampledOutputInput {
  /** The last hidden layer, rows × dim. */
  readonly out: Float32Array;
  readonly rows: number;
  readonly dim: number;
  /** Each row's positives: columns `cols[indptr[r]..indptr[r+1])` with values (targets) `values[...]`. */
  readonly entries: { readonly indptr: Int32Array; readonly cols: Int32Array; readonly values: Float32Array };
  /** Shared negatives of the batch (columns, repeats allowed). */
  readonly negatives: Int32Array;
  /** Output weights (columns × dim) and biases (columns × 1); gradients are added into their `grad`. */
  readonly weight: Param;
  readonly bias: Param;
  /** The sampler the negatives came from: the multinomial loss's logQ correction. */
  readonly sampler: NegativeSampler;
  readonly loss: LossName;
  /** mse: positives weigh 1 + confidence·x (Recoder's MSELoss). */
  readonly confidence?: number;
}

/** Forward and backward of the sampled output layer: the batch loss and dL/d(out) (rows × dim). */
export function sampledOutputStep(input: SampledOutputInput, k: NnKernels): { loss: number; dOut: Float32Array } {
  const { out, rows: n, dim, entries, negatives, weight: W, bias: B, sampler, loss } = input;
  const { indptr, cols, values } = entries;
  const K = negatives.length;
  if (W.cols !== dim || B.rows !== W.rows) throw new InvalidArgumentError('weight', `${W.rows}×${W.cols}`, `columns × ${dim} with a bias per column`);
  if (out.length < n * dim) throw new InvalidArgumentError('out.length', out.length, `rows × dim = ${n * dim}`);
  const w = W.value, b = B.value;
  // shared negatives: their weight rows gathered (K × dim), logits n × K by gemm, plus bias and correction
  const WS = new Float32Array(K * dim);
  const negOffset = new Float32Array(K);
  for (let s = 0; s < K; s++) {
    const c = negatives[s];
    WS.set(w.subarray(c * dim, (c + 1) * dim), s * dim);
    negOffset[s] = b[c] - (loss === 'multinomial' ? Math.log(K * sampler.prob(c)) : 0);
  }
  // bce / mse: each negative's element loss weighs 1/(|S|·q_s) (importance sampling of the zero columns)
  const negWeight = loss === 'multinomial' ? undefined : Float32Array.from(negatives, (c) => 1 / (K * sampler.prob(c)));
  const neg = new Float32Array(n * K);
  if (K > 0 && n > 0) k.gemm(out, WS, neg, n, dim, K, false, true, false);
  // positives: one dot product per entry
  const nnz = indptr[n];
  const pos = new Float32Array(nnz);
  positiveLogits(out, w, b, indptr, cols, n, dim, pos);
  // dL/dlogit, written over the logits; accidental hits (a negative that is one of the row's positives) get 0
  const owner = new Int32Array(W.rows).fill(-1);
  let total = 0;
  for (let r = 0; r < n; r++) {
    for (let e = indptr[r]; e < indptr[r + 1]; e++) owner[cols[e]] = r;
    const gn = neg.subarray(r * K, (r + 1) * K);
    for (let s = 0; s < K; s++) gn[s] = owner[negatives[s]] === r ? NaN : gn[s] + negOffset[s];
    total += rowLossAndGrad(loss, pos.subarray(indptr[r], indptr[r + 1]), values.subarray(indptr[r], indptr[r + 1]), gn, input.confidence ?? 0, negWeight);
  }
  const inv = n ? 1 / n : 0;
  scale(neg, inv);
  scale(pos, inv);
  // backward over the negatives: dOut = G·W_S, dW_S = Gᵀ·out (scattered: a negative drawn twice adds twice)
  const dOut = new Float32Array(n * dim);
  const gW = W.grad, gB = B.grad;
  if (K > 0 && n > 0) {
    k.gemm(neg, WS, dOut, n, K, dim, false, false, false);
    const dWS = new Float32Array(K * dim);
    k.gemm(neg, out, dWS, K, n, dim, true, false, false);
    const colSums = new Float32Array(K);
    for (let r = 0; r < n; r++) addInto(colSums, neg.subarray(r * K, (r + 1) * K));
    for (let s = 0; s < K; s++) {
      const c = negatives[s];
      addInto(gW.subarray(c * dim, (c + 1) * dim), dWS.subarray(s * dim, (s + 1) * dim));
      gB[c] += colSums[s];
      W.touched.add(c);
      B.touched.add(c);
    }
  }
  // backward over the positives: dOut[r] += g·W[c], dW[c] += g·out[r]
  positiveBackward(out, w, gW, gB, indptr, cols, n, dim, pos, dOut);
  for (let e = 0; e < nnz; e++) {
    W.touched.add(cols[e]);
    B.touched.add(cols[e]);
  }
  return { loss: total * inv, dOut };
}

/** z[e] = out[r]·W[cols[e]] + b[cols[e]] for each entry e of row r (small functions: V8 optimises each loop alone). */
function positiveLogits(out: Float32Array, w: Float32Array, b: Float32Array, indptr: Int32Array, cols: Int32Array, n: number, dim: number, z: Float32Array): void {
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let e = indptr[r]; e < indptr[r + 1]; e++) {
      const c = cols[e];
      const wo = c * dim;
      let v = 0;
      for (let j = 0; j < dim; j++) v += out[o + j] * w[wo + j];
      z[e] = v + b[c];
    }
  }
}

/** Backward of {@link positiveLogits} with gradients g: dOut[r] += g_e·W[c_e], dW[c_e] += g_e·out[r], db[c_e] += g_e. */
function positiveBackward(
  out: Float32Array, w: Float32Array, gW: Float32Array, gB: Float32Array, indptr: Int32Array, cols: Int32Array, n: number, dim: number,
  g: Float32Array, dOut: Float32Array,
): void {
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let e = indptr[r]; e < indptr[r + 1]; e++) {
      const c = cols[e];
      const ge = g[e];
      const wo = c * dim;
      for (let j = 0; j < dim; j++) {
        dOut[o + j] += ge * w[wo + j];
        gW[wo + j] += ge * out[o + j];
      }
      gB[c] += ge;
    }
  }
}

function scale(a: Float32Array, f: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= f;
}

function addInto(into: Float32Array, a: Float32Array): void {
  for (let i = 0; i < a.length; i++) into[i] += a[i];
}

/**
 * One row's loss over its targets (positives `z` with targets `x`, negatives `zn` with target 0, each weighing
 * `negWeight[s]` (bce / mse); NaN marks a negative left out), and the unreduced gradient written over `z` and `zn`
 * (0 where left out).
 */
function rowLossAndGrad(loss: LossName, z: Float32Array, x: Float32Array, zn: Float32Array, confidence: number, negWeight?: Float32Array): number {
  let value = 0;
  if (loss === 'multinomial') {
    let mx = -Infinity;
    let sx = 0;
    for (let e = 0; e < z.length; e++) {
      if (z[e] > mx) mx = z[e];
      sx += x[e];
    }
    for (let s = 0; s < zn.length; s++) if (zn[s] > mx) mx = zn[s]; // NaN never compares greater
    let se = 0;
    for (let e = 0; e < z.length; e++) se += Math.exp(z[e] - mx);
    for (let s = 0; s < zn.length; s++) if (zn[s] === zn[s]) se += Math.exp(zn[s] - mx);
    const lse = mx + Math.log(se);
    for (let e = 0; e < z.length; e++) {
      value -= x[e] * (z[e] - lse);
      z[e] = Math.exp(z[e] - lse) * sx - x[e];
    }
    for (let s = 0; s < zn.length; s++) zn[s] = zn[s] === zn[s] ? Math.exp(zn[s] - lse) * sx : 0;
    return value;
  }
  const element = loss === 'bce' ? bce : (zz: number, xx: number) => mse(zz, xx, confidence);
  for (let e = 0; e < z.length; e++) {
    const [l, g] = element(z[e], x[e]);
    value += l;
    z[e] = g;
  }
  for (let s = 0; s < zn.length; s++) {
    if (zn[s] !== zn[s]) {
      zn[s] = 0;
      continue;
    }
    const [l, g] = element(zn[s], 0);
    const weight = negWeight ? negWeight[s] : 1;
    value += l * weight;
    zn[s] = g * weight;
  }
  return value;
}

/** BCE with logits (stable form) and its gradient σ(z) − x, as src/nn/losses.ts's bceWithLogits. */
function bce(z: number, x: number): [number, number] {
  const sig = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  return [Math.max(z, 0) - z * x + Math.log1p(Math.exp(-Math.abs(z))), sig - x];
}

/** Weighted squared error w·(z − x)², w = 1 + confidence·x, as src/nn/losses.ts's weightedMse. */
function mse(z: number, x: number, confidence: number): [number, number] {
  const w = 1 + confidence * x;
  const d = z - x;
  return [w * d * d, 2 * w * d];
}
