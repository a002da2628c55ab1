/**
 * A two-tower retrieval model in the spirit of LibRecommender's YouTubeRetrieval (Covington et al. 2016, "Deep
 * Neural Networks for YouTube Recommendations"; Yi et al. 2019 for the sampled softmax with logQ correction):
 * user tower = [mean of the user's recent item embeddings ‖ mean of their feature embeddings] → dense layers → user
 * vector; item tower = item embeddings (+ bias); trained with a sampled softmax where each example is one train
 * item predicted from the user's `maxSeqLen` items before it (time order) and their features.
 *
 * Imports only specific modules (no src/index.ts), so the neural code could become its own entry point.
 */
import { FactorRecommender } from '../factorization/factor.ts';
import type { Id, Vocabulary } from '../../data/vocabulary.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend } from '../../kernels/types.ts';
import { InvalidArgumentError, NotFittedError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import { registerModelKind, type ModelLayout, type ModelState, type TensorArray } from '../registry.ts';
import { Embedding } from '../../nn/embedding.ts';
import { Dense } from '../../nn/dense.ts';
import { createParam, createOptimizer, type Rng } from '../../nn/optim.ts';
import type { Optimizer, Param } from '../../nn/types.ts';
import { poolBackward, poolForward } from '../../nn/pooling.ts';
import { SampledSoftmax, createSampler, type NegativeSampler } from '../../nn/sampled-softmax.ts';
import { factorLayout } from '../options.ts';
import { resumeTraining, loadParams, withLastColumn, packRows, nnKernels, optimizerTraining, paramTensors, paramsLayout, runEpochs, type NeuralFitOptions, continueFit } from './neural-common.ts';
import {
  RETRIEVAL_DEFAULTS, checkRetrievalOptions, historyIndices, itemCounts, sequenceLayout, sequencesFromState, shuffledOrder, timeOrderedSequences,
  DYN_USER_KEYS, type DynUserOptions, type RetrievalTrainingOptions,
} from './gru.ts';
import { checkOptionKeys, optionKeys, withDefaults } from '../../options-check.ts';

/** Options of {@link TwoTowerRecommender}. */
export interface TwoTowerOptions extends RetrievalTrainingOptions {
  /** Hidden layer sizes of the user tower (ReLU); the output layer maps to `factors` (default [128]). */
  hidden?: number[];
  /**
   * The history each training example pools: 'before' — the `maxSeqLen` items before the target in time
   * (YouTube's watch history, for next-item retrieval); 'all' (default) — up to `maxSeqLen` of the user's other
   * train items, drawn each epoch, the target left out (as the held-out-item objective of Mult-VAE / Recoder), which
   * suits evaluation on items held out at random. Embeddings at inference pool the last `maxSeqLen` items.
   */
  history?: 'before' | 'all';
}

/** User features: feature names per user id (e.g. `{ '42': ['age:20s', 'gender:F', 'occupation:writer'] }`). */
export type UserFeatureSource = ReadonlyMap<Id, readonly string[]> | Readonly<Record<string, readonly string[]>>;

/** fit() options of {@link TwoTowerRecommender}. */
export interface TwoTowerFitOptions extends NeuralFitOptions {
  /** Categorical user features (optional; users without an entry have none). */
  userFeatures?: UserFeatureSource;
}

const TWO_TOWER_FIT_KEYS = optionKeys<TwoTowerFitOptions>({ onProgress: true, signal: true, resumeFrom: true, onEpoch: true, userFeatures: true });

function featuresOf(source: UserFeatureSource | undefined, user: Id): readonly string[] | undefined {
  if (!source) return undefined;
  if (source instanceof Map) return source.get(user);
  return (source as Record<string, readonly string[]>)[String(user)];
}

/**
 * Two-tower retrieval model. User embeddings are `[tower output, 1]`, item embeddings `[item vector, bias]`, so
 * recommend, similar items, kNN search and saving come from {@link FactorRecommender}.
 *
 * @example
 * ```ts
 * const tt = await new TwoTowerRecommender({ factors: 64, hidden: [128] }).fit(interactions, {
 *   userFeatures: { alice: ['age:30s', 'gender:F'] },
 * });
 * tt.recommend('alice');
 * const v = tt.dynUserEmbedding('newcomer', { seq: ['item-3'], userFeats: ['age:20s'] }); // a cold user
 * ```
 */
export class TwoTowerRecommender extends FactorRecommender {
  readonly kind = 'two-tower';
  readonly options: Required<TwoTowerOptions>;
  private net?: { items: Embedding; feats?: Embedding; layers: Dense[]; out: Param; bias: Param };
  private featureNames: string[] = [];
  private featureIndex = new Map<string, number>();
  private userFeats: Int32Array[] = [];
  private sequences?: Int32Array[];
  private optimizer?: Optimizer;
  private epochsDone = 0;
  private defaultFeatures?: UserFeatureSource | ((users: Vocabulary) => Promise<UserFeatureSource>);
  /** A loaded checkpoint's optimizer state, passed on when it is saved again or resumed from. */
  private loadedTraining?: ModelState['training'];

  /** A user without interactions still has a tower output from their features; an untrained item row is noise. */
  protected override untrainedRowsAreNoise(side: 'user' | 'item'): boolean {
    return side === 'item';
  }

  constructor(options: TwoTowerOptions = {}) {
    super();
    this.options = withDefaults<Required<TwoTowerOptions>>('TwoTowerRecommender options', { ...RETRIEVAL_DEFAULTS, epochs: 5, batchSize: 256, hidden: [128], history: 'all' }, options);
    checkRetrievalOptions(this.options);
    if (this.options.history !== 'before' && this.options.history !== 'all') throw new InvalidArgumentError('history', this.options.history, "'before' or 'all'");
    const h = this.options.hidden;
    if (!Array.isArray(h) || !h.every((n) => Number.isInteger(n) && n >= 1)) throw new InvalidArgumentError('hidden', h, 'an array of layer sizes (integers >= 1)', 'e.g. [128] or [256, 128]');
  }

  get params(): Record<string, unknown> {
    return { ...this.options, featureNames: this.featureNames };
  }

  /** Epochs trained so far (counting those before a resume). */
  get epochsTrained(): number {
    return this.epochsDone;
  }

  private build(nItems: number, nFeatures: number): NonNullable<TwoTowerRecommender['net']> {
    const { factors: d, seed, hidden } = this.options;
    const items = new Embedding('itemIn', nItems, d, { init: 'normal', scale: 0.1, seed });
    const feats = nFeatures ? new Embedding('featIn', nFeatures, d, { init: 'normal', scale: 0.1, seed: seed + 1 }) : undefined;
    const kernels = nnKernels(this.backend);
    const sizes = [nFeatures ? 2 * d : d, ...hidden, d];
    const layers = sizes.slice(1).map((n, l) => new Dense(`tower${l}`, sizes[l], n, l === sizes.length - 2 ? 'none' : 'relu', { seed: seed + 10 + l, kernels }));
    const out = createParam('itemOut', nItems, d, { sparse: true, init: 'normal', scale: 0.1, seed: seed + 20 });
    const bias = createParam('itemBias', nItems, 1, { sparse: true });
    return { items, feats, layers, out, bias };
  }

  private allParams(): Param[] {
    const n = this.net!;
    return [n.items.param, ...(n.feats ? [n.feats.param] : []), ...n.layers.flatMap((l) => l.params), n.out, n.bias];
  }

  /**
   * User features used by fit() when its options give none (e.g. read lazily from a file by the CLI).
   *
   * @example
   * ```ts
   * await new TwoTowerRecommender().withUserFeatures({ alice: ['gender:F'] }).fit(interactions);
   * ```
   */
  withUserFeatures(source: UserFeatureSource | ((users: Vocabulary) => Promise<UserFeatureSource>)): this {
    this.defaultFeatures = source;
    return this;
  }

  /** LightFM's fit_partial: `epochs` more epochs (default 1), optimizer state kept (see continueFit). */
  fitPartial(data: Interactions, options: TwoTowerFitOptions & { epochs?: number } = {}): Promise<this> {
    return continueFit(this, data, options);
  }

  override async fit(data: Interactions, options: TwoTowerFitOptions = {}): Promise<this> {
    return super.fit(data, options);
  }

  protected override fitOptionKeys(): readonly string[] {
    return TWO_TOWER_FIT_KEYS;
  }

  protected async fitIndexed(data: Interactions, options: TwoTowerFitOptions): Promise<void> {
    const o = this.options;
    // feature vocabulary: sorted names, so the columns do not depend on the source's order
    const names = new Set<string>();
    const users = data.users.ids();
    const d = this.defaultFeatures;
    const source = options.userFeatures ?? (typeof d === 'function' ? await d(data.users) : d);
    for (const u of users) for (const f of featuresOf(source, u) ?? []) names.add(String(f));
    this.featureNames = [...names].sort();
    this.featureIndex = new Map(this.featureNames.map((f, i) => [f, i]));
    this.userFeats = users.map((u) => Int32Array.from(new Set((featuresOf(source, u) ?? []).map((f) => this.featureIndex.get(String(f))!))));
    this.net = this.build(data.nItems, this.featureNames.length);
    const optimizer = createOptimizer({ kind: 'adam', learningRate: o.learningRate, weightDecay: o.weightDecay });
    const start = options.resumeFrom ? resumeTraining(options.resumeFrom, this.kind, data, this.allParams(), optimizer) : 0;
    this.optimizer = optimizer;
    this.epochsDone = start;
    const seqs = timeOrderedSequences(data);
    this.sequences = seqs;
    const sampler = createSampler(o.sampler, itemCounts(data), o.samplerPower);
    // examples (user, position): predict seq[position] from the items before it (and the user's features)
    const ex: number[] = [];
    seqs.forEach((s, u) => {
      const first = this.userFeats[u].length || (o.history === 'all' && s.length > 1) ? 0 : 1;
      for (let p = first; p < s.length; p++) ex.push(u, p);
    });
    const examples = Int32Array.from(ex);
    const loss = new SampledSoftmax(this.backend);
    await runEpochs(start, o.epochs, o.seed, optimizer, options, 'two-tower fit', (_e, rng) => this.epoch(seqs, examples, sampler, loss, rng), (n) => (this.epochsDone = n), this.allParams());
    this.materialize(seqs, data.nItems);
  }

  /** Tower forward for a batch of (history, features); keeps what backward needs. */
  private tower(histories: Int32Array[], feats: Int32Array[]) {
    const { items, feats: fe, layers } = this.net!;
    const d = this.options.factors;
    const B = histories.length;
    const hOff = new Int32Array(B + 1);
    histories.forEach((h, b) => (hOff[b + 1] = hOff[b] + h.length));
    const hIds = new Int32Array(hOff[B]);
    histories.forEach((h, b) => hIds.set(h, hOff[b]));
    const hPool = poolForward(items.forward(hIds), hOff, d, 'mean');
    let input = hPool;
    let fOff: Int32Array | undefined, fIds: Int32Array | undefined;
    if (fe) {
      fOff = new Int32Array(B + 1);
      feats.forEach((f, b) => (fOff![b + 1] = fOff![b] + f.length));
      fIds = new Int32Array(fOff[B]);
      feats.forEach((f, b) => fIds!.set(f, fOff![b]));
      const fPool = poolForward(fe.forward(fIds), fOff, d, 'mean');
      input = new Float32Array(B * 2 * d);
      for (let b = 0; b < B; b++) {
        input.set(hPool.subarray(b * d, (b + 1) * d), b * 2 * d);
        input.set(fPool.subarray(b * d, (b + 1) * d), b * 2 * d + d);
      }
    }
    let y = input;
    for (const l of layers) y = l.forward(y, B);
    const backward = (dy: Float32Array) => {
      let g = dy;
      for (let l = layers.length - 1; l >= 0; l--) g = layers[l].backward(g);
      let dh = g;
      if (fe) {
        dh = new Float32Array(B * d);
        const df = new Float32Array(B * d);
        for (let b = 0; b < B; b++) {
          dh.set(g.subarray(b * 2 * d, b * 2 * d + d), b * d);
          df.set(g.subarray(b * 2 * d + d, (b + 1) * 2 * d), b * d);
        }
        if (fIds!.length) fe.backward(fIds!, poolBackward(df, fOff!, d, 'mean'));
      }
      if (hIds.length) items.backward(hIds, poolBackward(dh, hOff, d, 'mean'));
    };
    return { users: y, backward };
  }

  private epoch(seqs: Int32Array[], examples: Int32Array, sampler: NegativeSampler, loss: SampledSoftmax, rng: Rng): number {
    const o = this.options;
    const n = examples.length / 2;
    const order = shuffledOrder(n, rng);
    const next = () => rng.uniform();
    let total = 0, batches = 0;
    for (let b0 = 0; b0 < n; b0 += o.batchSize) {
      const rows = order.subarray(b0, b0 + o.batchSize);
      const hist: Int32Array[] = [], feats: Int32Array[] = [];
      const positives = new Int32Array(rows.length);
      rows.forEach((e, r) => {
        const u = examples[2 * e], p = examples[2 * e + 1];
        const s = seqs[u];
        if (o.history === 'before') hist.push(s.subarray(Math.max(0, p - o.maxSeqLen), p));
        else if (s.length - 1 <= o.maxSeqLen) hist.push(Int32Array.from([...s.subarray(0, p), ...s.subarray(p + 1)]));
        else {
          // maxSeqLen distinct other positions (partial Fisher–Yates over the user's positions, the target excluded)
          const idx = Int32Array.from({ length: s.length - 1 }, (_, k) => (k < p ? k : k + 1));
          for (let k = 0; k < o.maxSeqLen; k++) {
            const j = k + rng.int(idx.length - k);
            const t = idx[k];
            idx[k] = idx[j];
            idx[j] = t;
          }
          hist.push(Int32Array.from(idx.subarray(0, o.maxSeqLen), (q) => s[q]));
        }
        feats.push(this.userFeats[u]);
        positives[r] = seqs[u][p];
      });
      const t = this.tower(hist, feats);
      total += loss.forward({ users: t.users, dim: o.factors, positives, negatives: sampler.sample(o.negatives, next), items: this.net!.out, bias: this.net!.bias, sampler });
      batches++;
      t.backward(loss.backward());
      this.optimizer!.step(this.allParams());
    }
    return batches ? total / batches : 0;
  }

  /** User vectors (n × factors) from the last `maxSeqLen` items of each history and the features, in blocks. */
  private encode(histories: Int32Array[], feats: Int32Array[]): Float32Array {
    const d = this.options.factors;
    const out = new Float32Array(histories.length * d);
    for (let b0 = 0; b0 < histories.length; b0 += 1024) {
      const h = histories.slice(b0, b0 + 1024).map((s) => s.subarray(Math.max(0, s.length - this.options.maxSeqLen)));
      out.set(this.tower(h, feats.slice(b0, b0 + 1024)).users, b0 * d);
    }
    return out;
  }

  private materialize(seqs: Int32Array[], nItems: number): void {
    const { out, bias } = this.net!;
    const d = this.options.factors;
    this.userFactors = withLastColumn(this.encode(seqs, this.userFeats), seqs.length, d, 1);
    this.itemFactors = withLastColumn(out.value, nItems, d, bias.value);
    this.invalidateResident();
  }

  /**
   * The embedding of a user from recent items and/or features (LibRecommender's dyn_user_embedding), `[vector, 1]`
   * like {@link getUserEmbedding}: usable with {@link scoreVector} and the kNN indexes. Unknown feature names are
   * ignored. For a known user, what is not given defaults to theirs (so no options reproduce the trained embedding).
   *
   * @example
   * ```ts
   * const v = model.dynUserEmbedding('new-user', { seq: ['m1', 'm7'], userFeats: ['gender:F'] });
   * model.scoreVector(v);
   * ```
   */
  dynUserEmbedding(user: Id, options: DynUserOptions = {}): Float32Array {
    checkOptionKeys('dynUserEmbedding options', options, DYN_USER_KEYS);
    const idx = this.requireIndex();
    if (!this.net) throw new NotFittedError(this.kind);
    const u = idx.users.indexOf(user);
    if (u === undefined && !options.seq && !options.userFeats) throw new UnknownUserError(user);
    const seq = options.seq ? historyIndices(options.seq, (id) => idx.items.indexOf(id)) : u !== undefined ? this.sequences![u] : new Int32Array(0);
    const feats = options.userFeats
      ? Int32Array.from(new Set(options.userFeats.map((f) => this.featureIndex.get(String(f))).filter((f): f is number => f !== undefined)))
      : u !== undefined ? this.userFeats[u] : new Int32Array(0);
    return this.vectorOf(seq, feats);
  }

  private vectorOf(seq: Int32Array, feats: Int32Array): Float32Array {
    return withLastColumn(this.encode([seq], [feats]), 1, this.options.factors, 1);
  }

  /** Fold-in: the user tower over `items` (no features). */
  override scoreHistory(items: Int32Array): Float32Array {
    if (!this.net) throw new NotFittedError(this.kind);
    for (const i of items) if (!(i >= 0 && i < this.requireIndex().items.size)) throw new UnknownItemError(i, 'items');
    return this.scoreVector(this.vectorOf(items, new Int32Array(0)));
  }

  protected override exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const base = super.exportTensors();
    const p = paramTensors(this.allParams());
    const [si, sv] = packRows(this.sequences ?? []);
    const [fi, fv] = packRows(this.userFeats);
    return {
      tensors: { ...base.tensors, ...p.tensors, seqIndptr: si, seqItems: sv, featIndptr: fi, featIndices: fv },
      shapes: { ...base.shapes, ...p.shapes, seqIndptr: [si.length], seqItems: [sv.length], featIndptr: [fi.length], featIndices: [fv.length] },
    };
  }

  protected override exportTraining(): ModelState['training'] {
    return this.optimizer ? optimizerTraining(this.optimizer, this.epochsDone) : this.loadedTraining;
  }

  /** The tensors a state implies (issue 22): factor tables, the towers `build` makes, histories, features. */
  static layout(state: ModelState): ModelLayout {
    const { featureNames, ...options } = state.params as TwoTowerOptions & { featureNames?: unknown };
    if (featureNames !== undefined && !(Array.isArray(featureNames) && featureNames.every((f) => typeof f === 'string' || typeof f === 'number'))) {
      throw new InvalidArgumentError('featureNames', featureNames, 'an array of feature names (strings)');
    }
    const o = new TwoTowerRecommender(options).options;
    const d = o.factors;
    const nItems = state.items.length, nFeatures = featureNames?.length ?? 0;
    const shapes: Record<string, [number, number]> = { itemIn: [nItems, d] };
    if (nFeatures) shapes.featIn = [nFeatures, d];
    const sizes = [nFeatures ? 2 * d : d, ...o.hidden, d];
    for (let l = 0; l + 1 < sizes.length; l++) Object.assign(shapes, { [`tower${l}.weight`]: [sizes[l], sizes[l + 1]], [`tower${l}.bias`]: [1, sizes[l + 1]] });
    Object.assign(shapes, { itemOut: [nItems, d], itemBias: [nItems, 1] });
    return sequenceLayout(state, factorLayout(state, d + 1, 'params.factors'), paramsLayout(shapes, 'params.hidden'), {
      tensors: { featIndptr: { shape: [state.users.length + 1], from: 'users', type: 'int' } },
      csr: [{ indptr: 'featIndptr', indices: 'featIndices', rows: state.users.length, cols: nFeatures }],
    });
  }

  static fromState(state: ModelState, backend: Backend): TwoTowerRecommender {
    const { featureNames, ...options } = state.params as TwoTowerOptions & { featureNames?: string[] };
    const model = new TwoTowerRecommender(options);
    model.adoptState(state, backend, model.options.factors + 1);
    model.featureNames = (featureNames ?? []).map(String);
    model.featureIndex = new Map(model.featureNames.map((f, i) => [f, i]));
    model.net = model.build(state.items.length, model.featureNames.length);
    loadParams(model.allParams(), state.tensors);
    model.sequences = sequencesFromState(state);
    const fi = state.tensors.featIndptr, fv = state.tensors.featIndices;
    if (!(fi instanceof Int32Array) || !(fv instanceof Int32Array) || fi.length !== state.users.length + 1) {
      throw new InvalidArgumentError('tensors.featIndptr', fi?.length, `i32 × ${state.users.length + 1} with featIndices`, 'the file is damaged or from another version.');
    }
    model.userFeats = Array.from({ length: state.users.length }, (_, u) => fv.subarray(fi[u], fi[u + 1]));
    model.epochsDone = state.training?.counters.epochs ?? model.options.epochs;
    model.loadedTraining = state.training;
    return model;
  }
}

registerModelKind('two-tower', (state, backend) => TwoTowerRecommender.fromState(state, backend), {
  layout: (state) => TwoTowerRecommender.layout(state),
  create: (params) => {
  const { featureNames, ...options } = params as TwoTowerOptions & { featureNames?: unknown };
  void featureNames;
  return new TwoTowerRecommender(options);
},
});
