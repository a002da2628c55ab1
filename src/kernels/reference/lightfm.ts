/**
 * Reference (the spec) of one training epoch of the hybrid factorization model of LightFM (Kula 2015, "Metadata
 * Embeddings for User and Item Cold-start Recommendations"), following lightfm/_lightfm_fast.pyx.template:
 *
 * - a user's (item's) representation is Σ_f w_f·e_f over its feature row, plus the bias Σ_f w_f·b_f;
 * - prediction = <user repr, item repr> + user bias + item bias;
 * - losses: logistic (fit_logistic), BPR (fit_bpr: the negative is the item of a random example, so negatives follow
 *   item popularity), WARP (fit_warp: draw uniform negatives, skipping the user's positives, until one violates
 *   `negative > positive − 1` or max_sampled were drawn; loss weight log(max(1, ⌊(n_items − 1)/sampled⌋)), clipped
 *   at 10; Weston et al. 2011), k-OS WARP (fit_warp_kos: per user, the k-th best of n sampled positives, then WARP);
 * - schedules: adagrad (accumulators start at 1) and adadelta (rho, epsilon; accumulators start at 0), per element.
 *
 * L2 (item_alpha / user_alpha), `alphaDecay`:
 * - 'lightfm' (the model's default; issue 17): LightFM's lazy regularization, every parameter decays. After its
 *   update an element is multiplied by 1 + α·η_local; per example the item (user) scale is multiplied by
 *   1 + α·η_avg, η_avg the mean local rate of every element the example updated; training-time representations
 *   multiply feature weights by the pending scale (LightFM's compute_representation); past MAX_REG_SCALE and at the
 *   end of every epoch every weight is divided by its side's scale and the scales reset to 1 (regularize). Per
 *   example the work stays O(updated rows); the full pass runs once per epoch (or per 10⁶ growth of a scale).
 * - 'updated' (recwise before issue 17; the kernel default when unset): a decay of each updated element only,
 *   w ← w / (1 + α·η_local), right after its update; untouched rows never decay.
 *
 * Differences from LightFM, on purpose:
 * - The random stream is xorshift32 (one state per thread), not musl's rand_r; k-OS picks the k-th best positive with
 *   a stable sort (ties keep draw order) instead of qsort.
 *
 * The Wasm kernel (assembly/lightfm.ts) computes the same updates with f32 SIMD on rows padded to a multiple of 4
 * floats (bias in the slot after the components); this reference keeps LightFM's per-component loops in f64
 * arithmetic with f32 storage. Both draw the same random numbers, so one-thread epochs agree to rounding.
 */

/** Losses of the hybrid model, LightFM's names. */
export type HybridLoss = 'logistic' | 'bpr' | 'warp' | 'warp-kos';

/** A parameter table with its optimizer state: weights, and per-element accumulators (adagrad Σg² / adadelta E[g²], E[Δ²]). */
export interface HybridTable {
  readonly weights: Float32Array;
  readonly accum: Float32Array;
  readonly momentum: Float32Array;
}

/** All learned arrays: embeddings (features × factors) and biases (features) of user and item features. */
export interface HybridParams {
  readonly factors: number;
  readonly userEmbeddings: HybridTable;
  readonly userBiases: HybridTable;
  readonly itemEmbeddings: HybridTable;
  readonly itemBiases: HybridTable;
}

/** A feature matrix or interaction matrix in CSR form (values optional for interaction rows). */
export interface HybridCsr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

/** Hyperparameters of an epoch. */
export interface HybridSettings {
  readonly loss: HybridLoss;
  readonly adadelta: boolean;
  readonly learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  readonly itemAlpha: number;
  readonly userAlpha: number;
  readonly maxSampled: number;
  /** k-OS: the k-th best sampled positive is the one trained. */
  readonly k: number;
  /** k-OS: positives sampled per user. */
  readonly n: number;
  /** How item_alpha / user_alpha decay (see the module comment): 'lightfm' (lazy, every parameter) or 'updated' (default). */
  readonly alphaDecay?: 'lightfm' | 'updated';
}

/** Pending lazy-L2 scales of LightFM's regularization (1 = nothing pending). */
export interface HybridScales {
  item: number;
  user: number;
}

/** LightFM's MAX_REG_SCALE: a scale past it triggers a regularize pass mid-epoch. */
export const MAX_REG_SCALE = 1e6;

/** Whether the settings use LightFM's lazy decay with a non-zero alpha. */
export function lazyDecay(s: HybridSettings): boolean {
  return s.alphaDecay === 'lightfm' && (s.itemAlpha > 0 || s.userAlpha > 0);
}

/** LightFM's regularize: divide every weight (embeddings and biases) by its side's scale, then reset the scales. */
export function regularizeHybrid(p: HybridParams, scales: HybridScales): void {
  for (const [t, scale] of [[p.itemEmbeddings, scales.item], [p.itemBiases, scales.item], [p.userEmbeddings, scales.user], [p.userBiases, scales.user]] as const) {
    for (let i = 0; i < t.weights.length; i++) t.weights[i] /= scale;
  }
  scales.item = 1;
  scales.user = 1;
}

/** Everything an epoch reads besides the parameters. */
export interface HybridData {
  readonly userFeatures: HybridCsr;
  readonly itemFeatures: HybridCsr;
  /** Each user's positive items (users × items, columns sorted), for negative rejection and k-OS positives. */
  readonly positives: { readonly indptr: Int32Array; readonly indices: Int32Array };
  /** Training examples (COO); `labels` > 0 are positives (logistic also learns from ≤ 0). k-OS uses only `users`. */
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly labels: Float32Array;
  readonly weights: Float32Array;
}

/** Counters an epoch adds to. */
export interface HybridStats {
  /** Examples that produced an update. */
  updates: number;
  /** Negatives drawn and scored (WARP, k-OS, BPR). */
  sampled: number;
  /** Σ of the per-example loss (logistic: log loss; BPR: −log σ; WARP: rank weight × hinge). */
  loss: number;
}

/** What the reference reports per update when traced (tests instrument WARP's sampling with it). */
export interface HybridTrace {
  user: number;
  positive: number;
  negative: number;
  /** Negatives drawn for this example (WARP/k-OS), including the violating one. */
  sampled: number;
  /** The scalar multiplying the gradient (LightFM's `loss`). */
  scale: number;
}

/** Largest WARP rank weight (LightFM's MAX_LOSS). */
export const WARP_MAX_LOSS = 10;

/** One xorshift32 step (Marsaglia 2003) on state[i]; returns the new state as an unsigned 32-bit number. */
export function xorshift32(state: Uint32Array, i = 0): number {
  let x = state[i];
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  state[i] = x;
  return state[i];
}

/** A non-zero xorshift32 seed for (seed, epoch, thread), the same in every runtime. */
export function threadSeed(seed: number, epoch: number, thread: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77) ^ Math.imul(thread + 1, 0xc2b2ae3d)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0 || 0x2545f491;
}

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * Representation of row `row` of a feature matrix: out[0..d) = Σ w_f e_f, out[d] = Σ w_f b_f, with each w_f times
 * `scale` (LightFM's pending lazy-L2 scale during training; 1 otherwise).
 */
export function representation(features: HybridCsr, embeddings: Float32Array, biases: Float32Array, d: number, row: number, out: Float64Array, scale = 1): Float64Array {
  out.fill(0, 0, d + 1);
  for (let p = features.indptr[row]; p < features.indptr[row + 1]; p++) {
    const f = features.indices[p];
    const w = Math.fround(features.data[p] * scale);
    for (let j = 0; j < d; j++) out[j] += w * embeddings[f * d + j];
    out[d] += w * biases[f];
  }
  return out;
}

/** LightFM's compute_prediction_from_repr: <u, i> + u_bias + i_bias, with the bias in slot d. */
export function predictFromRepr(u: ArrayLike<number>, i: ArrayLike<number>, d: number): number {
  let s = u[d] + i[d];
  for (let j = 0; j < d; j++) s += u[j] * i[j];
  return s;
}

/**
 * Gradients of an example's loss with respect to the user's, positive item's and negative item's representations
 * (slots 0..d−1 the components, slot d the bias), as LightFM's update / warp_update apply them, given the scalar
 * `scale` (LightFM's `loss`): logistic dL/ds = w(σ(s) − y); BPR w(1 − σ(p − n)); WARP the rank weight.
 * For logistic only `user` and `positive` are meaningful (the single item is "positive").
 */
export function exampleGradients(
  loss: HybridLoss, u: ArrayLike<number>, p: ArrayLike<number>, n: ArrayLike<number> | undefined, d: number, scale: number,
): { user: Float64Array; positive: Float64Array; negative: Float64Array } {
  const user = new Float64Array(d + 1);
  const positive = new Float64Array(d + 1);
  const negative = new Float64Array(d + 1);
  if (loss === 'logistic') {
    for (let j = 0; j < d; j++) {
      positive[j] = scale * u[j];
      user[j] = scale * p[j];
    }
    positive[d] = scale;
    user[d] = scale;
  } else {
    for (let j = 0; j < d; j++) {
      positive[j] = -scale * u[j];
      negative[j] = scale * u[j];
      user[j] = scale * (n![j] - p[j]);
    }
    positive[d] = -scale;
    negative[d] = scale;
    user[d] = scale; // LightFM's warp_update moves the user bias too (it has no effect on rankings)
  }
  return { user, positive, negative };
}

/**
 * The loss whose gradient {@link exampleGradients} is, for finite-difference checks: logistic −w[y log σ(s) +
 * (1−y) log(1−σ(s))]; BPR −w log σ(p − n); WARP rankWeight · max(0, 1 − p + n) (the rank weight held fixed).
 */
export function exampleLoss(
  loss: HybridLoss, u: ArrayLike<number>, p: ArrayLike<number>, n: ArrayLike<number> | undefined, d: number,
  label: number, weight: number, rankWeight = 1,
): number {
  const sp = predictFromRepr(u, p, d);
  if (loss === 'logistic') {
    const y = label > 0 ? 1 : 0;
    return -weight * (y * Math.log(sigmoid(sp)) + (1 - y) * Math.log(1 - sigmoid(sp)));
  }
  const sn = predictFromRepr(u, n!, d);
  if (loss === 'bpr') return -weight * Math.log(sigmoid(sp - sn));
  return rankWeight * Math.max(0, 1 - sp + sn);
}

/**
 * One element's update (LightFM's update_features / update_biases for one feature and component), with the feature
 * weight folded into the gradient. Returns the local learning rate.
 * adagrad: η = lr/√G; w −= η·g; G += g². adadelta: G = ρG + (1−ρ)g²; η = √(M+ε)/√(G+ε); Δ = η·g; M = ρM + (1−ρ)Δ²;
 * w −= Δ. Then L2 (alphaDecay): 'lightfm' w *= 1 + α·η (the global scale divides later), else w /= 1 + α·η.
 */
export function updateElement(t: HybridTable, at: number, g: number, s: HybridSettings, alpha: number): number {
  let eta: number;
  if (s.adadelta) {
    t.accum[at] = s.rho * t.accum[at] + (1 - s.rho) * g * g;
    eta = Math.sqrt(t.momentum[at] + s.epsilon) / Math.sqrt(t.accum[at] + s.epsilon);
    const delta = eta * g;
    t.momentum[at] = s.rho * t.momentum[at] + (1 - s.rho) * delta * delta;
    t.weights[at] -= delta;
  } else {
    eta = s.learningRate / Math.sqrt(t.accum[at]);
    t.weights[at] -= eta * g;
    t.accum[at] += g * g;
  }
  if (alpha > 0) {
    if (s.alphaDecay === 'lightfm') t.weights[at] *= 1 + alpha * eta;
    else t.weights[at] /= 1 + alpha * eta;
  }
  return eta;
}

/**
 * Apply a representation gradient (d + 1 values) to every feature of `row`, each scaled by its feature weight.
 * Returns Σ η over the updated elements (LightFM's sum_learning_rate).
 */
function updateRow(features: HybridCsr, emb: HybridTable, bias: HybridTable, d: number, row: number, grad: Float64Array, s: HybridSettings, alpha: number): number {
  let etaSum = 0;
  for (let p = features.indptr[row]; p < features.indptr[row + 1]; p++) {
    const f = features.indices[p];
    const w = features.data[p];
    etaSum += updateElement(bias, f, w * grad[d], s, alpha);
    for (let j = 0; j < d; j++) etaSum += updateElement(emb, f * d + j, w * grad[j], s, alpha);
  }
  return etaSum;
}

const rowLength = (m: HybridCsr, row: number) => m.indptr[row + 1] - m.indptr[row];

/** Binary search in the user's sorted positives (LightFM's in_positives). */
export function isPositive(pos: HybridData['positives'], user: number, item: number): boolean {
  let lo = pos.indptr[user], hi = pos.indptr[user + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = pos.indices[mid];
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Number of items (rows of the item feature matrix). */
function itemCount(data: HybridData): number {
  return data.itemFeatures.indptr.length - 1;
}

/**
 * Examples order[from..to) of an epoch, on one thread with xorshift32 state rng[0]. k-OS visits each example's user
 * (so a user once per interaction, as LightFM's fit_warp_kos over interactions.row).
 * Mutates `params` and adds to `stats`; `trace` sees every update. With LightFM's lazy decay, `scales` carries the
 * pending scales across calls (the caller regularizes at the end of the epoch); without it, this call regularizes
 * at its end.
 */
export function hybridEpochRef(
  params: HybridParams, data: HybridData, s: HybridSettings, order: Int32Array, from: number, to: number,
  rng: Uint32Array, stats: HybridStats, trace?: (t: HybridTrace) => void, scales?: HybridScales,
): void {
  const d = params.factors;
  const nItems = itemCount(data);
  const U = params.userEmbeddings, Ub = params.userBiases, I = params.itemEmbeddings, Ib = params.itemBiases;
  const u = new Float64Array(d + 1), p = new Float64Array(d + 1), n = new Float64Array(d + 1);
  const lazy = lazyDecay(s);
  const sc: HybridScales = scales ?? { item: 1, user: 1 };
  const userRepr = (row: number) => representation(data.userFeatures, U.weights, Ub.weights, d, row, u, lazy ? sc.user : 1);
  const itemRepr = (row: number, out: Float64Array) => representation(data.itemFeatures, I.weights, Ib.weights, d, row, out, lazy ? sc.item : 1);
  const apply = (user: number, pos: number, neg: number, scale: number) => {
    const g = exampleGradients(s.loss, u, p, neg >= 0 ? n : undefined, d, scale);
    let etaSum = updateRow(data.itemFeatures, I, Ib, d, pos, g.positive, s, s.itemAlpha);
    if (neg >= 0) etaSum += updateRow(data.itemFeatures, I, Ib, d, neg, g.negative, s, s.itemAlpha);
    etaSum += updateRow(data.userFeatures, U, Ub, d, user, g.user, s, s.userAlpha);
    if (!lazy) return;
    // LightFM's update tail: the scales grow by the average learning rate of this example's elements
    const elements = (d + 1) * (rowLength(data.itemFeatures, pos) + (neg >= 0 ? rowLength(data.itemFeatures, neg) : 0) + rowLength(data.userFeatures, user));
    if (elements === 0) return;
    const avg = etaSum / elements;
    sc.item *= 1 + s.itemAlpha * avg;
    sc.user *= 1 + s.userAlpha * avg;
    if (sc.item > MAX_REG_SCALE || sc.user > MAX_REG_SCALE) regularizeHybrid(params, sc);
  };

  for (let e = from; e < to; e++) {
    const row = order[e];
    if (s.loss === 'logistic') {
      const user = data.users[row], item = data.items[row];
      userRepr(user);
      itemRepr(item, p);
      const y = data.labels[row] > 0 ? 1 : 0;
      const prob = sigmoid(predictFromRepr(u, p, d));
      const scale = data.weights[row] * (prob - y);
      stats.loss -= data.weights[row] * Math.log(Math.max(y ? prob : 1 - prob, 1e-30));
      stats.updates++;
      trace?.({ user, positive: item, negative: -1, sampled: 0, scale });
      apply(user, item, -1, scale);
    } else if (s.loss === 'bpr') {
      if (!(data.labels[row] > 0)) continue;
      const user = data.users[row], item = data.items[row];
      const nEx = data.users.length;
      let neg = 0;
      for (let j = 0; j < nEx; j++) {
        neg = data.items[xorshift32(rng) % nEx];
        if (!isPositive(data.positives, user, neg)) break;
      }
      userRepr(user);
      itemRepr(item, p);
      itemRepr(neg, n);
      const z = predictFromRepr(u, p, d) - predictFromRepr(u, n, d);
      const scale = data.weights[row] * (1 - sigmoid(z));
      stats.loss -= data.weights[row] * Math.log(Math.max(sigmoid(z), 1e-30));
      stats.sampled++;
      stats.updates++;
      trace?.({ user, positive: item, negative: neg, sampled: 1, scale });
      apply(user, item, neg, scale);
    } else {
      let user: number, item: number, weight: number, nPositives: number;
      if (s.loss === 'warp') {
        if (!(data.labels[row] > 0)) continue;
        user = data.users[row];
        item = data.items[row];
        weight = data.weights[row];
        userRepr(user);
        itemRepr(item, p);
        nPositives = -1;
      } else {
        user = data.users[row];
        const start = data.positives.indptr[user], stop = data.positives.indptr[user + 1];
        if (stop === start) continue;
        userRepr(user);
        item = kosPositive(data, s, user, start, stop, rng, (i) => predictFromRepr(u, itemRepr(i, p), d));
        itemRepr(item, p);
        weight = 1;
        nPositives = stop - start;
      }
      const positive = predictFromRepr(u, p, d);
      let sampled = 0;
      // a user who has every item has no negative: LightFM would loop forever here
      if (data.positives.indptr[user + 1] - data.positives.indptr[user] >= nItems) continue;
      while (sampled < s.maxSampled) {
        const neg = xorshift32(rng) % nItems;
        if (isPositive(data.positives, user, neg)) continue;
        sampled++;
        itemRepr(neg, n);
        const negative = predictFromRepr(u, n, d);
        if (negative > positive - 1) {
          const estimate = nPositives < 0 ? Math.floor((nItems - 1) / sampled) : Math.floor((nItems - nPositives) / sampled);
          const scale = Math.min(WARP_MAX_LOSS, weight * Math.log(Math.max(1, estimate)));
          stats.loss += scale * (1 - positive + negative);
          stats.updates++;
          trace?.({ user, positive: item, negative: neg, sampled, scale });
          apply(user, item, neg, scale);
          break;
        }
      }
      stats.sampled += sampled;
    }
  }
  if (lazy && !scales) regularizeHybrid(params, sc);
}

/**
 * k-OS positive choice (Weston et al. 2013): draw min(n, |positives|) of the user's positives uniformly (with
 * replacement, as LightFM's sample_range), score them, and return the k-th best (ties keep draw order).
 */
export function kosPositive(data: HybridData, s: HybridSettings, user: number, start: number, stop: number, rng: Uint32Array, score: (item: number) => number): number {
  void user;
  const m = Math.min(s.n, stop - start);
  const items: number[] = [];
  const scores: number[] = [];
  for (let j = 0; j < m; j++) {
    const it = data.positives.indices[start + (xorshift32(rng) % (stop - start))];
    const sc = score(it);
    // insertion into a list sorted by score descending; equal scores stay in draw order
    let at = items.length;
    while (at > 0 && scores[at - 1] < sc) at--;
    items.splice(at, 0, it);
    scores.splice(at, 0, sc);
  }
  return items[Math.min(s.k, m) - 1];
}
