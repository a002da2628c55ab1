/**
 * Sampled softmax loss (issue 9; Jean et al. 2015, "On Using Very Large Target Vocabulary for Neural Machine
 * Translation"; TensorFlow's sampled_softmax_loss) with the logQ correction of Yi et al. 2019 ("Sampling-Bias-
 * Corrected Neural Modeling for Large Corpus Item Recommendations"): for query row b with positive item p_b and S
 * negatives j shared by the batch, drawn with replacement from a sampler with one-draw probability q,
 *
 *   o_bj = <u_b, v_j> + c_j − log(S·q_j)        (c: optional item bias; the correction applies to p_b too)
 *   loss = mean_b [ logsumexp(o_b·) − o_b,p_b ]
 *
 * Negatives equal to p_b ("accidental hits") are removed from row b (TF's remove_accidental_hits). The products
 * (logits and both gradient products) and the row softmax run in the backend's neural kernels (Backend.nn: SIMD
 * Wasm with exp inside Wasm on `wasm`, the TS reference on `js`).
 *
 * @example
 * ```ts
 * const sampler = createSampler('log-uniform', itemCounts);
 * const negatives = sampler.sample(128, rng);
 * const loss = new SampledSoftmax(backend);
 * const value = loss.forward({ users, dim: 64, positives, negatives, items: itemTable, bias, sampler });
 * const dUsers = loss.backward();   // adds into itemTable.grad / bias.grad (rows touched), returns n × 64
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Backend } from '../kernels/types.ts';
import { createJsBackend } from '../kernels/js/backend.ts';
import type { Param } from './types.ts';
import { useKernels } from '../kernels/family.ts';
import { NN_KERNELS } from '../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(NN_KERNELS);

export type SamplerKind = 'log-uniform' | 'popularity' | 'uniform';

/** Draws negative items; `prob(i)` is the probability of item i in one draw (for the logQ correction). */
export interface NegativeSampler {
  readonly kind: SamplerKind;
  readonly size: number;
  /** `count` items drawn with replacement, using `next()` uniform in [0, 1). */
  sample(count: number, next: () => number): Int32Array;
  prob(item: number): number;
}

/**
 * A sampler over `counts.length` items:
 * - 'log-uniform': Zipfian over popularity ranks (rank 0 = most frequent item, ties to the lower index):
 *   P(rank k) = (ln(k+2) − ln(k+1)) / ln(N+1), TF's LogUniformCandidateSampler;
 * - 'popularity': P(i) ∝ (count_i + 1)^power (power default 0.75, word2vec's unigram^¾; 1 approximates in-batch
 *   sampling as in Yi et al. 2019);
 * - 'uniform': P(i) = 1/N.
 */
export function createSampler(kind: SamplerKind, counts: ArrayLike<number>, power = 0.75): NegativeSampler {
  const n = counts.length;
  if (n < 1) throw new InvalidArgumentError('counts.length', n, 'at least 1 item');
  if (kind === 'uniform') {
    return { kind, size: n, prob: () => 1 / n, sample: (count, next) => Int32Array.from({ length: count }, () => Math.min(n - 1, Math.floor(next() * n))) };
  }
  if (kind === 'log-uniform') {
    const byRank = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
    const rankOf = new Int32Array(n);
    byRank.forEach((item, r) => (rankOf[item] = r));
    const logN1 = Math.log(n + 1);
    return {
      kind, size: n,
      prob: (i) => (Math.log(rankOf[i] + 2) - Math.log(rankOf[i] + 1)) / logN1,
      sample: (count, next) => Int32Array.from({ length: count }, () => byRank[Math.min(n - 1, Math.max(0, Math.floor(Math.exp(next() * logN1)) - 1))]),
    };
  }
  if (kind !== 'popularity') throw new InvalidArgumentError('sampler', kind, "'log-uniform', 'popularity' or 'uniform'");
  if (!(power >= 0 && Number.isFinite(power))) throw new InvalidArgumentError('samplerPower', power, 'a finite number >= 0');
  const cum = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cum[i] = total += Math.pow(Math.max(0, counts[i]) + 1, power);
  return {
    kind, size: n,
    prob: (i) => (cum[i] - (i ? cum[i - 1] : 0)) / total,
    sample: (count, next) => Int32Array.from({ length: count }, () => {
      const u = next() * total;
      let lo = 0, hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cum[mid] > u) hi = mid; else lo = mid + 1;
      }
      return lo;
    }),
  };
}

/** Inputs of {@link SampledSoftmax.forward}. */
export interface SampledSoftmaxInput {
  /** Query vectors (n × dim). */
  readonly users: Float32Array;
  readonly dim: number;
  /** Positive item per row (n). */
  readonly positives: Int32Array;
  /** Shared negatives (S), e.g. from {@link NegativeSampler.sample}. */
  readonly negatives: Int32Array;
  /** Item vectors (items × dim). */
  readonly items: Param;
  /** Item biases (items × 1), optional. */
  readonly bias?: Param;
  /** Applies the logQ correction −log(S·q_j) when given (default: none). */
  readonly sampler?: NegativeSampler;
  /** Drop negatives equal to the row's positive (default true). */
  readonly removeAccidentalHits?: boolean;
}

/** The sampled softmax loss as a layer: forward keeps what backward needs. */
export class SampledSoftmax {
  private last?: { input: SampledSoftmaxInput; n: number; S: number; probs: Float32Array; negVecs: Float32Array };

  constructor(readonly backend: Backend = createJsBackend()) {}

  /** Mean loss over the n rows. */
  forward(input: SampledSoftmaxInput): number {
    const { users, dim, positives, negatives, items, bias, sampler } = input;
    const n = positives.length, S = negatives.length;
    if (items.cols !== dim) throw new InvalidArgumentError('items.cols', items.cols, `${dim} (dim)`);
    if (users.length !== n * dim) throw new InvalidArgumentError('users.length', users.length, `${n * dim} (positives × dim)`);
    if (bias && (bias.cols !== 1 || bias.rows !== items.rows)) throw new InvalidArgumentError('bias', `${bias.rows}×${bias.cols}`, `${items.rows}×1`);
    for (const [f, ids] of [['positives', positives], ['negatives', negatives]] as const) {
      for (let i = 0; i < ids.length; i++) if (!(ids[i] >= 0 && ids[i] < items.rows)) throw new InvalidArgumentError(`${f}[${i}]`, ids[i], `an item row in [0, ${items.rows})`);
    }
    const V = items.value;
    const negVecs = new Float32Array(S * dim);
    for (let s = 0; s < S; s++) negVecs.set(V.subarray(negatives[s] * dim, (negatives[s] + 1) * dim), s * dim);
    const negOffset = new Float64Array(S);
    for (let s = 0; s < S; s++) negOffset[s] = (bias ? bias.value[negatives[s]] : 0) - (sampler ? Math.log(S * sampler.prob(negatives[s])) : 0);
    // negative logits n × S = users · negVecsᵀ (the backend's gemm)
    const nn = this.backend.nn;
    const neg = new Float32Array(n * S);
    if (S > 0 && n > 0) nn.gemm(users, negVecs, neg, n, dim, S, false, true, false);
    const remove = input.removeAccidentalHits ?? true;
    // logits n × (1 + S): column 0 the positive; softmax rows in the backend (exp inside Wasm on `wasm`)
    const C = S + 1;
    const logits = new Float32Array(n * C);
    for (let b = 0; b < n; b++) {
      const p = positives[b];
      let o0 = bias ? bias.value[p] : 0;
      for (let d = 0; d < dim; d++) o0 += users[b * dim + d] * V[p * dim + d];
      if (sampler) o0 -= Math.log(S * sampler.prob(p));
      logits[b * C] = o0;
      for (let s = 0; s < S; s++) logits[b * C + 1 + s] = remove && negatives[s] === p ? -Infinity : neg[b * S + s] + negOffset[s];
    }
    const probs = new Float32Array(n * C);
    if (n > 0) nn.softmaxRows(logits, probs, n, C);
    let loss = 0;
    for (let b = 0; b < n; b++) loss -= Math.log(Math.max(probs[b * C], 1e-30));
    this.last = { input, n, S, probs, negVecs };
    return n ? loss / n : 0;
  }

  /** Adds the loss gradient into items.grad (and bias.grad), marking rows touched; returns dUsers (n × dim). */
  backward(): Float32Array {
    if (!this.last) throw new InvalidArgumentError('forward', 'not called', 'forward() before backward()');
    const { input, n, S, probs, negVecs } = this.last;
    const { users, dim, positives, negatives, items, bias } = input;
    const inv = n ? 1 / n : 0;
    const C = S + 1;
    // dLogits = (softmax − onehot(positive)) / n; G: the negative columns (n × S)
    const G = new Float32Array(n * S);
    for (let b = 0; b < n; b++) for (let s = 0; s < S; s++) G[b * S + s] = probs[b * C + 1 + s] * inv;
    const dUsers = new Float32Array(n * dim);
    if (S > 0 && n > 0) {
      const nn = this.backend.nn;
      nn.gemm(G, negVecs, dUsers, n, S, dim, false, false, false); // dUsers = G · Vneg
      const dNeg = new Float32Array(S * dim);
      nn.gemm(G, users, dNeg, S, n, dim, true, false, false); // dVneg = Gᵀ · U
      const g = items.grad;
      for (let s = 0; s < S; s++) {
        const r = negatives[s];
        for (let d = 0; d < dim; d++) g[r * dim + d] += dNeg[s * dim + d];
        if (items.sparse) items.touched.add(r);
        if (bias) {
          let sb = 0;
          for (let b = 0; b < n; b++) sb += G[b * S + s];
          bias.grad[r] += sb;
          if (bias.sparse) bias.touched.add(r);
        }
      }
    }
    const V = items.value;
    for (let b = 0; b < n; b++) {
      const p = positives[b];
      const g0 = (probs[b * C] - 1) * inv;
      for (let d = 0; d < dim; d++) {
        dUsers[b * dim + d] += g0 * V[p * dim + d];
        items.grad[p * dim + d] += g0 * users[b * dim + d];
      }
      if (items.sparse) items.touched.add(p);
      if (bias) {
        bias.grad[p] += g0;
        if (bias.sparse) bias.touched.add(p);
      }
    }
    this.last = undefined;
    return dUsers;
  }
}
