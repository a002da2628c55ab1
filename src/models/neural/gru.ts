/**
 * A GRU sequence recommender in the spirit of LibRecommender's RNN4Rec (Hidasi et al. 2016, "Session-based
 * Recommendations with Recurrent Neural Networks"): item embeddings → a GRU over the user's items in time order →
 * the user embedding is the GRU state after their last item; score = <state, output item embedding> + item bias.
 * Trained GRU4Rec-style: each user's time-ordered train items are cut into windows of `maxSeqLen`, every step
 * predicts the next item with a sampled softmax (logQ-corrected, src/nn/sampled-softmax.ts).
 *
 * Imports only specific modules (no src/index.ts), so the neural code could become its own entry point.
 */
import { FactorRecommender } from '../factorization/factor.ts';
import type { Id } from '../../data/vocabulary.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend } from '../../kernels/types.ts';
import { InvalidArgumentError, NotFittedError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import { registerModelKind, type ModelLayout, type ModelState, type TensorArray } from '../registry.ts';
import { checkIntegerOption, checkNumberOption, factorLayout } from '../options.ts';
import { Gru } from '../../nn/gru.ts';
import { Embedding } from '../../nn/embedding.ts';
import { createParam, createOptimizer, type Rng } from '../../nn/optim.ts';
import type { Optimizer, Param } from '../../nn/types.ts';
import { SampledSoftmax, createSampler, type NegativeSampler, type SamplerKind } from '../../nn/sampled-softmax.ts';
import { resumeTraining, loadParams, withLastColumn, packRows, optimizerTraining, paramTensors, paramsLayout, runEpochs, NEURAL_FIT_KEYS, type NeuralFitOptions, continueFit } from './neural-common.ts';
import { checkOptionKeys, optionKeys, withDefaults } from '../../options-check.ts';

/** Training options shared by the GRU and two-tower models. */
export interface RetrievalTrainingOptions {
  /** Embedding and user-vector size (default 64). */
  factors?: number;
  /** Most recent items a user embedding reads (LibRecommender's max_seq_len; default 50). */
  maxSeqLen?: number;
  /** Epochs (defaults: GRU 20, two-tower 5). */
  epochs?: number;
  /** Users (GRU 'heldout': default 32), windows (GRU 'next') or examples (two-tower: default 256) per mini-batch. */
  batchSize?: number;
  /** Adam step (default 5e-3). */
  learningRate?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  /** Negatives per batch for the sampled softmax (shared by the batch's rows; default 256). */
  negatives?: number;
  /** Negative sampler: 'popularity' (default), 'log-uniform' or 'uniform'. */
  sampler?: SamplerKind;
  /** Exponent of the popularity sampler (default 0.75). */
  samplerPower?: number;
  /** Seed of initialisation, shuffling and sampling (default 42). */
  seed?: number;
}

export const RETRIEVAL_DEFAULTS = {
  factors: 64, maxSeqLen: 50, epochs: 20, learningRate: 5e-3, weightDecay: 0, negatives: 256, sampler: 'popularity' as SamplerKind, samplerPower: 0.75, seed: 42,
};

export function checkRetrievalOptions(o: Required<RetrievalTrainingOptions>): void {
  checkIntegerOption('factors', o.factors, 1);
  checkIntegerOption('maxSeqLen', o.maxSeqLen, 1);
  checkIntegerOption('epochs', o.epochs, 0);
  checkIntegerOption('batchSize', o.batchSize, 1);
  checkIntegerOption('negatives', o.negatives, 0);
  checkIntegerOption('seed', o.seed, 0);
  checkNumberOption('learningRate', o.learningRate, 0, false);
  checkNumberOption('weightDecay', o.weightDecay, 0, true);
  checkNumberOption('samplerPower', o.samplerPower, 0, true);
  if (!['popularity', 'log-uniform', 'uniform'].includes(o.sampler)) throw new InvalidArgumentError('sampler', o.sampler, "'popularity', 'log-uniform' or 'uniform'");
}

/**
 * Each user's train items in time order, the order RNN4Rec and YouTubeRetrieval read histories in. Ties and
 * missing timestamps (e.g. the ml-1m split, whose timestamps are all 0) fall back to a fixed pseudo-random order
 * (a multiplicative hash of the item index), so truncation to the last `maxSeqLen` items does not favour high ids.
 */
export function timeOrderedSequences(data: Interactions): Int32Array[] {
  const out: Int32Array[] = [];
  const ts = data.timestamps;
  for (let u = 0; u < data.nUsers; u++) {
    const a = data.byUser.indptr[u], b = data.byUser.indptr[u + 1];
    const pos = Int32Array.from({ length: b - a }, (_, k) => a + k);
    const h = (p: number) => Math.imul(data.byUser.indices[p] + 1, 0x9e3779b1) >>> 0;
    pos.sort((p, q) => (ts ? ts[p] - ts[q] : 0) || h(p) - h(q) || p - q);
    out.push(Int32Array.from(pos, (p) => data.byUser.indices[p]));
  }
  return out;
}

/** Item ids of a history (in order) to dense indices; unknown items are skipped, as fold-in does. */
export function historyIndices(items: readonly Id[] | Int32Array, lookup: (id: Id) => number | undefined): Int32Array {
  if (items instanceof Int32Array) return items;
  const out: number[] = [];
  for (const id of items) {
    const i = lookup(id);
    if (i !== undefined) out.push(i);
  }
  return Int32Array.from(out);
}

/** Fisher–Yates shuffle of 0..n−1 with the epoch's stream. */
export function shuffledOrder(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Item counts in the training data (for the negative samplers). */
export function itemCounts(data: Interactions): Float64Array {
  const c = new Float64Array(data.nItems);
  for (const i of data.byUser.indices) c[i]++;
  return c;
}

/** Options of dynUserEmbedding. */
export interface DynUserOptions {
  /** The user's items, oldest first (item ids; unknown ids are skipped). Default: the known user's train items. */
  seq?: readonly Id[];
  /** The user's feature names (two-tower only). Default: the known user's features. */
  userFeats?: readonly string[];
}

/** Options of {@link GruRecommender}. */
/** Every key of {@link DynUserOptions}. */
export const DYN_USER_KEYS = optionKeys<DynUserOptions>({ seq: true, userFeats: true });

export interface GruOptions extends RetrievalTrainingOptions {
  /**
   * The training objective: 'next' — every step predicts the next item of the user's time-ordered history
   * (GRU4Rec, Hidasi et al. 2016; RNN4Rec), for next-item use; 'heldout' (default) — per epoch and user, the GRU
   * reads up to `maxSeqLen` of their items (a random subset kept in time order) and its final state predicts the
   * items left out (up to `maxSeqLen` of them; the held-out-item objective of Mult-VAE, Liang et al. 2018), which
   * suits evaluation on items held out at random.
   */
  target?: 'next' | 'heldout';
}

/**
 * GRU sequence model (RNN4Rec-style). User embeddings are `[state, 1]` and item embeddings `[output vector, bias]`,
 * so recommend, similar items, kNN search and saving come from {@link FactorRecommender}.
 *
 * @example
 * ```ts
 * const gru = await new GruRecommender({ factors: 64, maxSeqLen: 20, epochs: 10 }).fit(interactions); // timestamps order the histories
 * gru.recommend('alice', { k: 10 });
 * const v = gru.dynUserEmbedding('newcomer', { seq: ['item-3', 'item-9', 'item-1'] }); // a user never seen in training
 * gru.scoreVector(v);                                                                 // scores over every item
 * ```
 */
export class GruRecommender extends FactorRecommender {
  readonly kind = 'gru';
  readonly options: Required<GruOptions>;
  private net?: { emb: Embedding; gru: Gru; out: Param; bias: Param };
  private optimizer?: Optimizer;
  private epochsDone = 0;
  /** A loaded checkpoint's optimizer state, passed on when it is saved again or resumed from. */
  private loadedTraining?: ModelState['training'];
  private sequences?: Int32Array[];

  constructor(options: GruOptions = {}) {
    super();
    this.options = withDefaults<Required<GruOptions>>('GruRecommender options', { ...RETRIEVAL_DEFAULTS, batchSize: 32, target: 'heldout' }, options);
    checkRetrievalOptions(this.options);
    if (this.options.target !== 'next' && this.options.target !== 'heldout') throw new InvalidArgumentError('target', this.options.target, "'next' or 'heldout'");
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Epochs trained so far (counting those before a resume). */
  get epochsTrained(): number {
    return this.epochsDone;
  }

  private build(nItems: number): { emb: Embedding; gru: Gru; out: Param; bias: Param } {
    const { factors: d, seed } = this.options;
    const emb = new Embedding('itemIn', nItems, d, { init: 'normal', scale: 0.1, seed });
    const gru = new Gru('gru', d, d, { seed: seed + 10, backend: this.backend });
    const out = createParam('itemOut', nItems, d, { sparse: true, init: 'normal', scale: 0.1, seed: seed + 20 });
    const bias = createParam('itemBias', nItems, 1, { sparse: true });
    return { emb, gru, out, bias };
  }

  private allParams(): Param[] {
    const n = this.net!;
    return [n.emb.param, ...n.gru.params, n.out, n.bias];
  }

  /** LightFM's fit_partial: `epochs` more epochs (default 1), optimizer state kept (see continueFit). */
  fitPartial(data: Interactions, options: NeuralFitOptions & { epochs?: number } = {}): Promise<this> {
    return continueFit(this, data, options);
  }

  override async fit(data: Interactions, options: NeuralFitOptions = {}): Promise<this> {
    return super.fit(data, options);
  }

  protected override fitOptionKeys(): readonly string[] {
    return NEURAL_FIT_KEYS;
  }

  protected async fitIndexed(data: Interactions, options: NeuralFitOptions): Promise<void> {
    const o = this.options;
    this.net = this.build(data.nItems);
    const optimizer = createOptimizer({ kind: 'adam', learningRate: o.learningRate, weightDecay: o.weightDecay });
    const start = options.resumeFrom ? resumeTraining(options.resumeFrom, this.kind, data, this.allParams(), optimizer) : 0;
    this.optimizer = optimizer;
    this.epochsDone = start;
    const seqs = timeOrderedSequences(data);
    this.sequences = seqs;
    const sampler = createSampler(o.sampler, itemCounts(data), o.samplerPower);
    // windows: (user, start, length) with inputs seq[start .. start+len) and targets seq[start+1 .. start+len]
    const L = o.maxSeqLen;
    const win: number[] = [];
    seqs.forEach((s, u) => {
      for (let a = 0; a + 1 < s.length; a += L) win.push(u, a, Math.min(L, s.length - 1 - a));
    });
    const windows = Int32Array.from(win);
    const loss = new SampledSoftmax(this.backend);
    const users = Int32Array.from(seqs.flatMap((s, u) => (s.length > 1 ? [u] : [])));
    await runEpochs(start, o.epochs, o.seed, optimizer, options, 'gru fit', (_e, rng) =>
      o.target === 'next' ? this.epoch(seqs, windows, sampler, loss, rng) : this.heldoutEpoch(seqs, users, sampler, loss, rng), (n) => (this.epochsDone = n), this.allParams());
    this.materialize(seqs, data.nItems);
  }

  private epoch(seqs: Int32Array[], windows: Int32Array, sampler: NegativeSampler, loss: SampledSoftmax, rng: Rng): number {
    const o = this.options;
    const { emb, gru, out, bias } = this.net!;
    const d = o.factors;
    const nWin = windows.length / 3;
    const order = shuffledOrder(nWin, rng);
    const next = () => rng.uniform();
    let total = 0, batches = 0;
    for (let b0 = 0; b0 < nWin; b0 += o.batchSize) {
      const rows = order.subarray(b0, b0 + o.batchSize);
      const B = rows.length;
      let T = 0;
      for (const w of rows) T = Math.max(T, windows[3 * w + 2]);
      const mask = new Uint8Array(T * B);
      const inIds: number[] = [], pos: number[] = [], targets: number[] = [];
      for (let t = 0; t < T; t++) {
        for (let r = 0; r < B; r++) {
          const w = rows[r];
          const s = seqs[windows[3 * w]], a = windows[3 * w + 1], len = windows[3 * w + 2];
          if (t < len) {
            mask[t * B + r] = 1;
            inIds.push(s[a + t]);
            targets.push(s[a + t + 1]);
            pos.push(t * B + r);
          }
        }
      }
      const ids = Int32Array.from(inIds);
      const vecs = emb.forward(ids);
      const x = new Float32Array(T * B * d);
      pos.forEach((p, k) => x.set(vecs.subarray(k * d, (k + 1) * d), p * d));
      const state = gru.forward(x, mask, T, B);
      const users = new Float32Array(pos.length * d);
      pos.forEach((p, k) => users.set(state.hs.subarray(p * d, (p + 1) * d), k * d));
      total += loss.forward({ users, dim: d, positives: Int32Array.from(targets), negatives: sampler.sample(o.negatives, next), items: out, bias, sampler });
      batches++;
      const dUsers = loss.backward();
      const dhs = new Float32Array(T * B * d);
      pos.forEach((p, k) => dhs.set(dUsers.subarray(k * d, (k + 1) * d), p * d));
      const { dx } = gru.backward(state, dhs);
      const dVecs = new Float32Array(ids.length * d);
      pos.forEach((p, k) => dVecs.set(dx.subarray(p * d, (p + 1) * d), k * d));
      emb.backward(ids, dVecs);
      this.optimizer!.step(this.allParams());
    }
    return batches ? total / batches : 0;
  }

  /** One 'heldout' epoch: per user, a time-ordered random input subset; the final state predicts the rest. */
  private heldoutEpoch(seqs: Int32Array[], users: Int32Array, sampler: NegativeSampler, loss: SampledSoftmax, rng: Rng): number {
    const o = this.options;
    const { emb, gru, out, bias } = this.net!;
    const d = o.factors, L = o.maxSeqLen;
    const order = shuffledOrder(users.length, rng);
    const next = () => rng.uniform();
    let total = 0, batches = 0;
    for (let b0 = 0; b0 < order.length; b0 += o.batchSize) {
      const rows = order.subarray(b0, b0 + o.batchSize);
      const B = rows.length;
      const inputs: Int32Array[] = [];
      const rowOf: number[] = [], targets: number[] = [];
      rows.forEach((k, r) => {
        const s = seqs[users[k]];
        const n = s.length;
        // hold out max(1, n/5) items (at least), read at most L of the rest
        const m = Math.min(L, n - Math.max(1, Math.round(n / 5)));
        const perm = shuffledOrder(n, rng);
        const keep = perm.subarray(0, m).slice().sort();
        inputs.push(Int32Array.from(keep, (p) => s[p]));
        const held = perm.subarray(m, Math.min(n, m + L));
        for (const p of held) {
          rowOf.push(r);
          targets.push(s[p]);
        }
      });
      const T = Math.max(1, ...inputs.map((h) => h.length));
      const mask = new Uint8Array(T * B);
      const x = new Float32Array(T * B * d);
      const ids: number[] = [], pos: number[] = [];
      inputs.forEach((h, r) => h.forEach((item, t) => {
        mask[t * B + r] = 1;
        ids.push(item);
        pos.push(t * B + r);
      }));
      const idArr = Int32Array.from(ids);
      const vecs = emb.forward(idArr);
      pos.forEach((p, k) => x.set(vecs.subarray(k * d, (k + 1) * d), p * d));
      const state = gru.forward(x, mask, T, B);
      const last = gru.last(state);
      const uv = new Float32Array(rowOf.length * d);
      rowOf.forEach((r, k) => uv.set(last.subarray(r * d, (r + 1) * d), k * d));
      total += loss.forward({ users: uv, dim: d, positives: Int32Array.from(targets), negatives: sampler.sample(o.negatives, next), items: out, bias, sampler });
      batches++;
      const dUv = loss.backward();
      const dLast = new Float32Array(B * d);
      rowOf.forEach((r, k) => {
        for (let j = 0; j < d; j++) dLast[r * d + j] += dUv[k * d + j];
      });
      const { dx } = gru.backward(state, gru.dLast(state, dLast));
      const dVecs = new Float32Array(idArr.length * d);
      pos.forEach((p, k) => dVecs.set(dx.subarray(p * d, (p + 1) * d), k * d));
      emb.backward(idArr, dVecs);
      this.optimizer!.step(this.allParams());
    }
    return batches ? total / batches : 0;
  }

  /** GRU states after the last `maxSeqLen` items of each history (n × factors), in blocks. */
  private encode(histories: Int32Array[]): Float32Array {
    const { emb, gru } = this.net!;
    const d = this.options.factors, L = this.options.maxSeqLen;
    const outv = new Float32Array(histories.length * d);
    const BLOCK = 256;
    for (let b0 = 0; b0 < histories.length; b0 += BLOCK) {
      const hist = histories.slice(b0, b0 + BLOCK).map((h) => h.subarray(Math.max(0, h.length - L)));
      const B = hist.length;
      const T = Math.max(1, ...hist.map((h) => h.length));
      const mask = new Uint8Array(T * B);
      const x = new Float32Array(T * B * d);
      const table = emb.param.value;
      hist.forEach((h, r) => h.forEach((item, t) => {
        mask[t * B + r] = 1;
        x.set(table.subarray(item * d, (item + 1) * d), (t * B + r) * d);
      }));
      outv.set(gru.last(gru.forward(x, mask, T, B)), b0 * d);
    }
    return outv;
  }

  private materialize(seqs: Int32Array[], nItems: number): void {
    const { out, bias } = this.net!;
    const d = this.options.factors;
    this.userFactors = withLastColumn(this.encode(seqs), seqs.length, d, 1);
    this.itemFactors = withLastColumn(out.value, nItems, d, bias.value);
    this.invalidateResident();
  }

  /**
   * The embedding of a user from a sequence of items (LibRecommender's dyn_user_embedding): the GRU state after the
   * last `maxSeqLen` items of `seq`, as `[state, 1]` like {@link getUserEmbedding}, so it scores with
   * {@link scoreVector} and searches the kNN indexes (`knnIndexes.items.searchVector`). Works for users never seen
   * in training; for a known user without `seq`, their train items in time order (equal to their trained embedding).
   *
   * @example
   * ```ts
   * const v = model.dynUserEmbedding('new-user', { seq: ['m1', 'm7', 'm3'] });
   * const top = model.knnIndexes?.items.searchVector(v, 10);
   * ```
   */
  dynUserEmbedding(user: Id, options: DynUserOptions = {}): Float32Array {
    checkOptionKeys('dynUserEmbedding options', options, DYN_USER_KEYS);
    const idx = this.requireIndex();
    if (!this.net) throw new NotFittedError(this.kind);
    let seq: Int32Array;
    if (options.seq) seq = historyIndices(options.seq, (id) => idx.items.indexOf(id));
    else {
      const u = idx.users.indexOf(user);
      if (u === undefined) throw new UnknownUserError(user);
      seq = this.sequences?.[u] ?? new Int32Array(0);
    }
    return withLastColumn(this.encode([seq]), 1, this.options.factors, 1);
  }

  /** Fold-in: the GRU over `items` (in the given order; recommend's `userItems` passes them by item index). */
  override scoreHistory(items: Int32Array): Float32Array {
    if (!this.net) throw new NotFittedError(this.kind);
    for (const i of items) if (!(i >= 0 && i < this.requireIndex().items.size)) throw new UnknownItemError(i, 'items');
    return this.scoreVector(withLastColumn(this.encode([items]), 1, this.options.factors, 1));
  }

  protected override exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const base = super.exportTensors();
    const p = paramTensors(this.allParams());
    const [indptr, order] = packRows(this.sequences ?? []);
    return {
      tensors: { ...base.tensors, ...p.tensors, seqIndptr: indptr, seqItems: order },
      shapes: { ...base.shapes, ...p.shapes, seqIndptr: [indptr.length], seqItems: [order.length] },
    };
  }

  protected override exportTraining(): ModelState['training'] {
    return this.optimizer ? optimizerTraining(this.optimizer, this.epochsDone) : this.loadedTraining;
  }

  /** The tensors a state implies (issue 22): the factor tables, the network `build` makes, the histories. */
  static layout(state: ModelState): ModelLayout {
    const d = new GruRecommender(state.params as GruOptions).options.factors;
    const nItems = state.items.length;
    const net = paramsLayout({
      itemIn: [nItems, d], 'gru.W': [d, 3 * d], 'gru.U': [d, 3 * d], 'gru.bx': [1, 3 * d], 'gru.bh': [1, 3 * d], itemOut: [nItems, d], itemBias: [nItems, 1],
    }, 'params.factors');
    return sequenceLayout(state, factorLayout(state, d + 1, 'params.factors'), net);
  }

  static fromState(state: ModelState, backend: Backend): GruRecommender {
    const model = new GruRecommender(state.params as GruOptions);
    model.adoptState(state, backend, model.options.factors + 1);
    model.net = model.build(state.items.length);
    model.net.gru.backend = backend;
    loadParams(model.allParams(), state.tensors);
    model.sequences = sequencesFromState(state);
    model.epochsDone = state.training?.counters.epochs ?? model.options.epochs;
    model.loadedTraining = state.training;
    return model;
  }
}

/** A sequence model's layout: factor tables, network params and the stored histories (a users × items CSR). */
export function sequenceLayout(state: ModelState, factors: ModelLayout, net: ReturnType<typeof paramsLayout>, extra: Partial<ModelLayout> = {}): ModelLayout {
  return {
    tensors: { ...factors.tensors, ...net.tensors, seqIndptr: { shape: [state.users.length + 1], from: 'users', type: 'int' }, ...extra.tensors },
    csr: [{ indptr: 'seqIndptr', indices: 'seqItems', rows: state.users.length, cols: state.items.length }, ...(extra.csr ?? [])],
    derived: net.derived,
  };
}

/** The time-ordered histories stored with a model (seqIndptr / seqItems). */
export function sequencesFromState(state: ModelState): Int32Array[] {
  const ip = state.tensors.seqIndptr, it = state.tensors.seqItems;
  if (!(ip instanceof Int32Array) || !(it instanceof Int32Array) || ip.length !== state.users.length + 1) {
    throw new InvalidArgumentError('tensors.seqIndptr', ip?.length, `i32 × ${state.users.length + 1} with seqItems`, 'the file is damaged or from another version.');
  }
  return Array.from({ length: state.users.length }, (_, u) => it.subarray(ip[u], ip[u + 1]));
}

registerModelKind('gru', (state, backend) => GruRecommender.fromState(state, backend), {
  layout: (state) => GruRecommender.layout(state),
  create: (params) => new GruRecommender(params as GruOptions),
});
