/**
 * Hybrid matrix factorization in LightFM's model (Kula 2015, "Metadata Embeddings for User and Item Cold-start
 * Recommendations"; lyst/lightfm): users and items are sums of their features' embeddings plus biases, trained with
 * logistic, BPR, WARP or k-OS WARP loss under adagrad or adadelta. Without features every user and item is its own
 * (identity) feature, which is plain matrix factorization. The epochs run in the SIMD Wasm kernel
 * (assembly/lightfm.ts) on every thread, Hogwild-style, or in the TS reference (src/kernels/reference/lightfm.ts).
 *
 * Scores are LightFM's predictions, <user repr, item repr> + user bias + item bias. For fast top-k the model keeps
 * augmented factors, user [repr, b_u, 1] · item [repr, 1, b_i], so the shared factor path returns the same scores.
 */
import { FactorRecommender } from './factor.ts';
import { Recommender, mapInTurns, type FitOptions, type Recommendation } from '../recommender.ts';
import { checkAborted, checkDiverged, sgdDivergenceFix, yieldToEventLoop } from '../progress.ts';
import { mulberry32 } from '../random.ts';
import { checkBooleanOption, checkIntegerOption } from '../options.ts';
import { registerModelKind, type ImpliedCsr, type ImpliedTensor, type ModelLayout, type ModelState, type TensorArray } from '../registry.ts';
import { Interactions } from '../../data/interactions.ts';
import type { Id, Vocabulary } from '../../data/vocabulary.ts';
import { buildFeatures, type FeatureSpec } from '../../data/dataset.ts';
import type { Backend, Csr } from '../../kernels/types.ts';
import { DimensionMismatchError, InvalidArgumentError, NotSupportedError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import {
  isPositive, predictFromRepr, threadSeed, updateElement, xorshift32,
  type HybridData, type HybridLoss, type HybridParams, type HybridSettings, type HybridTable,
} from '../../kernels/reference/lightfm.ts';
import { checkOptionKeys, optionKeys, withDefaults } from '../../options-check.ts';
import { checkFiniteFeatures, checkFiniteWeights } from '../fit-data.ts';
import { checkInteractionsArgument } from '../../data/interactions.ts';
import { checkSimilarOptions, rowDots, selectSimilar, similarFilter, zeroRows, type RankedRow, type SimilarFilter, type SimilarOptions } from '../similar.ts';
import { useKernels } from '../../kernels/family.ts';
import { HYBRID_KERNELS } from '../../kernels/families.ts';
import { registerFitMemory } from '../fit-memory.ts';
import { LIGHTFM_FIT_MEMORY } from '../fit-memory-formulas.ts';

// The backend kernels and the fit-memory formula this module uses come with it (issue 18: an app that does not import
// it does not ship them).
useKernels(HYBRID_KERNELS);
registerFitMemory('lightfm', LIGHTFM_FIT_MEMORY);

/** Hyperparameters of {@link LightFmRecommender}; defaults are LightFM's (except `epochs`, LightFM's fit default is 1). */
export interface LightFmOptions {
  /** 'warp' (default), 'bpr', 'logistic' or 'warp-kos'. */
  loss?: HybridLoss;
  /** Embedding dimension (LightFM's no_components, default 10). */
  factors?: number;
  /** Initial learning rate of adagrad (default 0.05). */
  learningRate?: number;
  /** 'adagrad' (default) or 'adadelta'. */
  learningSchedule?: 'adagrad' | 'adadelta';
  /** Adadelta decay (default 0.95). */
  rho?: number;
  /** Adadelta ε (default 1e-6). */
  epsilon?: number;
  /** L2 penalty on item features (LightFM's item_alpha, default 0); how it decays is `alphaDecay`. */
  itemAlpha?: number;
  /** L2 penalty on user features (LightFM's user_alpha, default 0). */
  userAlpha?: number;
  /**
   * How itemAlpha / userAlpha regularize (issue 17). `'lightfm'` (default): LightFM's lazy regularization, every
   * parameter decays by 1 + α·η_avg per example (LightFM's scaling trick, O(updated rows) per example, one full pass
   * per epoch), so LightFM's alpha values carry over. `'updated'`: recwise's earlier rule, only the elements an
   * example updates decay (w /= 1 + α·η); rows a model rarely touches keep their size.
   *
   * @example
   * ```ts
   * new LightFmRecommender({ itemAlpha: 1e-4, userAlpha: 1e-4 });                        // as LightFM
   * new LightFmRecommender({ itemAlpha: 1e-4, userAlpha: 1e-4, alphaDecay: 'updated' }); // the earlier rule
   * ```
   */
  alphaDecay?: 'lightfm' | 'updated';
  /** WARP: most negatives drawn per positive (default 10). */
  maxSampled?: number;
  /** k-OS: train the k-th best of the sampled positives (default 5). */
  k?: number;
  /** k-OS: positives sampled per user (default 10). */
  n?: number;
  /** Epochs of fit() unless fit is given `epochs` (default 10). */
  epochs?: number;
  /** Seed of initialisation, shuffling and sampling (default 42). One thread is then reproducible. */
  seed?: number;
  /** Training threads (default: every thread of the backend; 1 for reproducible runs). */
  threads?: number;
  /**
   * Bit-identical embeddings for a seed whatever the backend's thread count and runtime (default false: Hogwild over
   * threads). Every example updates the shared feature rows of its user, its positive and its sampled negatives (WARP
   * draws them from the whole catalogue), so epochs have no conflict-free split: deterministic epochs run the shuffled
   * examples in order on one thread, as `threads: 1` does (issue 22).
   */
  deterministic?: boolean;
}

/**
 * A feature matrix: rows follow the user (item) vocabulary, columns are features. Either `buildFeatures()`'s result
 * (src/data/dataset.ts) or a CSR with optional feature names (for similarFeatures and explain).
 */
export type FeatureInput =
  | { readonly matrix: Csr; readonly names?: readonly (Id | null)[] }
  | { readonly matrix: Csr; readonly featureVocabulary: { ids(): Id[] }; readonly identityFeatures: number };

/** Per-epoch report of {@link LightFmFitOptions.onEpoch}. */
export interface LightFmEpoch {
  /** 1-based epoch number, counting every epoch this model has trained (fit and fitPartial). */
  readonly epoch: number;
  /** Examples that produced an update. */
  readonly updates: number;
  /** Mean loss over updates (logistic: log loss, BPR: −log σ, WARP: rank-weighted hinge). */
  readonly loss: number;
  /** Wall-clock seconds of the epoch's training. */
  readonly seconds: number;
}

/** Options of {@link LightFmRecommender.fit} and {@link LightFmRecommender.fitPartial}. */
export interface LightFmFitOptions extends FitOptions {
  /** Epochs to run (default: the model's `epochs` option). */
  epochs?: number;
  /** Users × user features: a matrix, records ({ rows }) or a loader of records (default: identity features). */
  userFeatures?: FeatureSource;
  /** Items × item features, as userFeatures (default: identity features). */
  itemFeatures?: FeatureSource;
  /**
   * Per-interaction weights, aligned with `interactions.byUser.data` (LightFM's sample_weight), or 'values' to use the
   * interaction values. Not for 'warp-kos' (as in LightFM).
   */
  sampleWeight?: Float32Array | 'values';
  /** Called after every epoch (awaited: evaluate here to track metrics by epoch). */
  onEpoch?: (report: LightFmEpoch) => void | Promise<void>;
}

const LIGHTFM_FIT_KEYS = optionKeys<LightFmFitOptions>({
  onProgress: true, signal: true, epochs: true, userFeatures: true, itemFeatures: true, sampleWeight: true, onEpoch: true,
});

/** Result of {@link LightFmRecommender.explain}. */
export interface LightFmExplanation {
  readonly score: number;
  /** User bias + item bias. */
  readonly bias: number;
  /** w_f · <e_f, item repr> for each of the user's features (they sum to the dot-product part of the score). */
  readonly userFeatures: readonly { feature: Id | number; score: number }[];
  /** w_g · <user repr, e_g> for each of the item's features (another split of the same dot product). */
  readonly itemFeatures: readonly { feature: Id | number; score: number }[];
  /** The user's training items most similar to the item (cosine of item embeddings). */
  readonly similarHistory: readonly { item: Id; score: number }[];
}

const DEFAULTS: Required<Omit<LightFmOptions, 'threads'>> & { threads: number } = {
  loss: 'warp', factors: 10, learningRate: 0.05, learningSchedule: 'adagrad', rho: 0.95, epsilon: 1e-6, itemAlpha: 0,
  userAlpha: 0, alphaDecay: 'lightfm', maxSampled: 10, k: 5, n: 10, epochs: 10, seed: 42, threads: 0, deterministic: false,
};

function checkOptions(o: typeof DEFAULTS): void {
  if (!['warp', 'bpr', 'logistic', 'warp-kos'].includes(o.loss)) throw new InvalidArgumentError('loss', o.loss, "'warp', 'bpr', 'logistic' or 'warp-kos'");
  if (o.learningSchedule !== 'adagrad' && o.learningSchedule !== 'adadelta') throw new InvalidArgumentError('learningSchedule', o.learningSchedule, "'adagrad' or 'adadelta'");
  const int = (f: 'factors' | 'maxSampled' | 'k' | 'n' | 'epochs' | 'seed' | 'threads', min: number) => {
    if (!(Number.isInteger(o[f]) && o[f] >= min)) throw new InvalidArgumentError(f, o[f], `an integer >= ${min}`);
  };
  int('factors', 1);
  int('maxSampled', 1);
  int('k', 1);
  int('n', 1);
  int('epochs', 0);
  int('seed', 0);
  int('threads', 0);
  if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new InvalidArgumentError('learningRate', o.learningRate, 'a finite number > 0');
  if (!(o.rho > 0 && o.rho < 1)) throw new InvalidArgumentError('rho', o.rho, 'a number in (0, 1)');
  if (!(o.epsilon > 0 && Number.isFinite(o.epsilon))) throw new InvalidArgumentError('epsilon', o.epsilon, 'a finite number > 0');
  for (const f of ['itemAlpha', 'userAlpha'] as const) if (!(o[f] >= 0 && Number.isFinite(o[f]))) throw new InvalidArgumentError(f, o[f], 'a finite number >= 0');
  if (o.alphaDecay !== 'lightfm' && o.alphaDecay !== 'updated') throw new InvalidArgumentError('alphaDecay', o.alphaDecay, "'lightfm' or 'updated'");
  checkBooleanOption('deterministic', o.deterministic);
  if (o.deterministic && o.threads > 1) throw new InvalidArgumentError('threads', o.threads, '0 or 1 with deterministic: true (deterministic epochs run on one thread)');
}

const TABLES = ['userEmbeddings', 'userBiases', 'itemEmbeddings', 'itemBiases'] as const;
/** Tensor names in model files. */
const TENSOR = { userEmbeddings: 'userFeatureEmbeddings', userBiases: 'userFeatureBiases', itemEmbeddings: 'itemFeatureEmbeddings', itemBiases: 'itemFeatureBiases' } as const;

/** A model's feature space for one side: the matrix (entities × features) and optional names per column. */
interface FeatureSpace {
  matrix: Csr;
  /** Column names (null for identity and unnamed columns); empty when the features are identity-only. */
  names: (Id | null)[];
  /**
   * A stable key per column ('i:<entity>' identity, 'n:<type>:<name>' named, 'c:<column>' unnamed), so fitPartial can
   * map a rebuilt matrix (buildFeatures puts identity columns first, so new entities shift named columns) onto the
   * model's columns. Empty for identity-only spaces.
   */
  keys: string[];
  identity: boolean;
}

function identitySpace(n: number): FeatureSpace {
  const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i);
  const indices = Int32Array.from({ length: n }, (_, i) => i);
  return { matrix: { indptr, indices, data: new Float32Array(n).fill(1), rows: n, cols: n }, names: [], keys: [], identity: true };
}

const nameKey = (name: Id) => `n:${typeof name}:${name}`;

/** Feature rows by entity id, built with buildFeatures() against the training vocabulary at fit time. */
export interface FeatureRecords {
  readonly rows: Iterable<{ id: Id; features: Iterable<FeatureSpec> }>;
  /** Identity features too (default true, as LightFM's Dataset). */
  readonly identity?: boolean;
  /** Scale rows to sum 1 (default true). */
  readonly normalize?: boolean;
}

/** Features given to fit: a matrix, records, or a loader of records (e.g. a file read, resolved at fit time). */
export type FeatureSource = FeatureInput | FeatureRecords | ((vocabulary: Vocabulary) => Promise<FeatureRecords>);

async function resolveFeatures(src: FeatureSource | undefined, vocab: Vocabulary, field: string): Promise<FeatureInput | undefined> {
  if (src === undefined) return undefined;
  const records = typeof src === 'function' ? await src(vocab) : src;
  if (records && typeof records === 'object' && 'rows' in records && !('matrix' in records)) {
    return buildFeatures(vocab, records.rows, { identity: records.identity ?? true, normalize: records.normalize ?? true });
  }
  if (!records || typeof records !== 'object' || !('matrix' in records)) throw new InvalidArgumentError(field, records, '{ matrix }, buildFeatures() output or { rows }');
  return records as FeatureInput;
}

function featureSpace(input: FeatureInput | undefined, rows: number, field: string, vocab?: Vocabulary): FeatureSpace {
  if (input === undefined) return identitySpace(rows);
  const m = input?.matrix;
  if (!m || !(m.indptr instanceof Int32Array) || !(m.indices instanceof Int32Array) || !(m.data instanceof Float32Array)) {
    throw new InvalidArgumentError(field, input, '{ matrix: Csr } or the result of buildFeatures()', 'build the matrix with buildFeatures(vocabulary, rows).');
  }
  if (m.rows !== rows || m.indptr.length !== rows + 1) throw new DimensionMismatchError(`${field}.matrix.rows`, m.rows, rows, 'give one feature row per user (item) of the interactions, in vocabulary order.');
  // A row with no feature is allowed, as LightFM allows it: its representation (and bias) is zero and it trains nothing.
  let names: (Id | null)[] = [];
  if ('featureVocabulary' in input) names = [...new Array<null>(input.identityFeatures).fill(null), ...input.featureVocabulary.ids()];
  else if ('names' in input && input.names) names = [...input.names];
  checkFiniteFeatures(m, field, vocab, names);
  if (names.length && names.length !== m.cols) throw new DimensionMismatchError(`${field}.names.length`, names.length, m.cols, 'give one name per feature column (null for unnamed ones).');
  const identityCols = 'identityFeatures' in input ? input.identityFeatures : 0;
  const keys = Array.from({ length: m.cols }, (_, c) => (c < identityCols ? `i:${c}` : names[c] !== null && names[c] !== undefined ? nameKey(names[c]!) : `c:${c}`));
  return { matrix: m, names, keys, identity: false };
}

/** Re-express `next` in the columns of `old` (same key, same column); new keys get new columns after the old ones. */
function alignSpace(old: FeatureSpace, next: FeatureSpace): FeatureSpace {
  const oldKeys = old.identity ? Array.from({ length: old.matrix.cols }, (_, c) => `i:${c}`) : old.keys;
  const at = new Map(oldKeys.map((k, c) => [k, c]));
  const keys = [...oldKeys];
  const names: (Id | null)[] = old.names.length ? [...old.names] : new Array<Id | null>(oldKeys.length).fill(null);
  const map = Int32Array.from(next.keys, (k, c) => {
    let col = at.get(k);
    if (col === undefined) {
      col = keys.length;
      at.set(k, col);
      keys.push(k);
      names.push(next.names[c] ?? null);
    }
    return col;
  });
  const m = next.matrix;
  return { matrix: { ...m, indices: Int32Array.from(m.indices, (c) => map[c]), cols: keys.length }, names, keys, identity: false };
}

/** Uniform (rand − 0.5)/d embeddings and zero biases, LightFM's `_initialize`; accumulators 1 (adagrad) or 0. */
function initTables(rows: number, d: number, adadelta: boolean, next: () => number): { emb: HybridTable; bias: HybridTable } {
  const acc = adadelta ? 0 : 1;
  const emb = { weights: new Float32Array(rows * d), accum: new Float32Array(rows * d).fill(acc), momentum: new Float32Array(rows * d) };
  for (let i = 0; i < emb.weights.length; i++) emb.weights[i] = (next() - 0.5) / d;
  return { emb, bias: { weights: new Float32Array(rows), accum: new Float32Array(rows).fill(acc), momentum: new Float32Array(rows) } };
}

/** Append rows to a table (new features), initialised as LightFM initialises. */
function growTable(t: HybridTable, extra: HybridTable): HybridTable {
  const cat = (a: Float32Array, b: Float32Array) => {
    const out = new Float32Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return { weights: cat(t.weights, extra.weights), accum: cat(t.accum, extra.accum), momentum: cat(t.momentum, extra.momentum) };
}

/** CSR × dense rows: out[r] = Σ w_f · E[f] (embeddings, d wide) and bias[r] = Σ w_f b_f. */
function representations(m: Csr, emb: Float32Array, bias: Float32Array, d: number): { embeddings: Float32Array; biases: Float32Array } {
  const embeddings = new Float32Array(m.rows * d);
  const biases = new Float32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let b = 0;
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const f = m.indices[p], w = m.data[p];
      for (let j = 0; j < d; j++) embeddings[r * d + j] += w * emb[f * d + j];
      b += w * bias[f];
    }
    biases[r] = b;
  }
  return { embeddings, biases };
}


/** LightFM's predict_rank for one user: per target, how many other non-skipped items score at least as high. */
function ranksAmong(scores: Float32Array, targets: readonly number[], skip: ArrayLike<number>): number[] {
  const skipped = new Uint8Array(scores.length);
  for (let j = 0; j < skip.length; j++) skipped[skip[j]] = 1;
  return targets.map((i) => {
    let rank = 0;
    for (let j = 0; j < scores.length; j++) if (j !== i && !skipped[j] && scores[j] >= scores[i]) rank++;
    return rank;
  });
}

/** Unit-length rows (zero rows stay zero). */
function unitRows(m: Float32Array, rows: number, d: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += m[r * d + j] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[r * d + j] = m[r * d + j] * inv;
  }
  return out;
}

/**
 * LightFM's hybrid model: WARP / BPR / logistic / k-OS losses, user and item features, Wasm SIMD training on all
 * threads.
 *
 * @example
 * ```ts
 * import { LightFmRecommender, buildFeatures } from 'recwise';
 * const model = new LightFmRecommender({ loss: 'warp', factors: 64, epochs: 30 });
 * await model.fit(train, { itemFeatures: await buildFeatures(train.items, genres) });
 * model.recommend('alice', { k: 10 });
 * model.predict('alice', ['dune', 'alien']);            // LightFM's predict
 * model.similarFeatures('genre:sf', { side: 'item' });   // tags most like a tag
 * model.recommend('newcomer', { userItems: ['dune'] });  // fold-in: a few WARP steps on the user's row
 * ```
 */
export class LightFmRecommender extends FactorRecommender {
  readonly kind = 'lightfm';
  /** Cold users and items have representations from their features. */
  protected override untrainedRowsAreNoise(): boolean {
    return false;
  }
  readonly options: typeof DEFAULTS;
  /** Learned parameters and optimizer state (after fit). */
  private state?: HybridParams;
  private userSpace?: FeatureSpace;
  private itemSpace?: FeatureSpace;
  /** Epochs trained so far (fit and fitPartial), so resumed runs shuffle differently but reproducibly. */
  private epochsDone = 0;
  private defaultFeatures: { userFeatures?: FeatureSource; itemFeatures?: FeatureSource } = {};

  constructor(options: LightFmOptions = {}) {
    super();
    this.options = withDefaults('LightFmRecommender options', DEFAULTS, options);
    checkOptions(this.options);
  }

  private settings(): HybridSettings {
    const o = this.options;
    return {
      loss: o.loss, adadelta: o.learningSchedule === 'adadelta', learningRate: o.learningRate, rho: o.rho, epsilon: o.epsilon,
      itemAlpha: o.itemAlpha, userAlpha: o.userAlpha, alphaDecay: o.alphaDecay, maxSampled: o.maxSampled, k: o.k, n: o.n,
    };
  }

  /**
   * Features to use when fit/fitPartial are not given any (e.g. set by the CLI from --user-features files).
   *
   * @example
   * ```ts
   * model.withFeatures({ itemFeatures: { rows: [{ id: 'dune', features: ['genre:sf'] }] } });
   * ```
   */
  withFeatures(features: { userFeatures?: FeatureSource; itemFeatures?: FeatureSource }): this {
    this.defaultFeatures = { ...features };
    return this;
  }

  /** Train from scratch. See {@link LightFmFitOptions} for features, sample weights and the epoch callback. */
  override async fit(data: Interactions, options: LightFmFitOptions = {}): Promise<this> {
    return super.fit(data, options);
  }

  protected override fitOptionKeys(): readonly string[] {
    return LIGHTFM_FIT_KEYS;
  }

  protected async fitIndexed(data: Interactions, options: LightFmFitOptions): Promise<void> {
    const d = this.options.factors;
    const userSpace = featureSpace(await resolveFeatures(options.userFeatures ?? this.defaultFeatures.userFeatures, data.users, 'userFeatures'), data.nUsers, 'userFeatures', data.users);
    const itemSpace = featureSpace(await resolveFeatures(options.itemFeatures ?? this.defaultFeatures.itemFeatures, data.items, 'itemFeatures'), data.nItems, 'itemFeatures', data.items);
    const next = mulberry32(this.options.seed);
    const adadelta = this.options.learningSchedule === 'adadelta';
    // LightFM initialises item embeddings first, then users
    const items = initTables(itemSpace.matrix.cols, d, adadelta, next);
    const users = initTables(userSpace.matrix.cols, d, adadelta, next);
    this.state = { factors: d, userEmbeddings: users.emb, userBiases: users.bias, itemEmbeddings: items.emb, itemBiases: items.bias };
    this.userSpace = userSpace;
    this.itemSpace = itemSpace;
    this.epochsDone = 0;
    await this.train(data, options);
  }

  /**
   * Train more epochs from the current state (LightFM's fit_partial), keeping the optimizer state. The interactions'
   * vocabularies must extend the model's (same ids in the same order, new ones appended, as a growing Vocabulary or
   * DatasetBuilder gives); new users, items and features get fresh rows initialised as LightFM does. Feature
   * matrices, if the model has them, must cover every user (item) of the new vocabularies.
   */
  async fitPartial(data: Interactions, options: LightFmFitOptions = {}): Promise<this> {
    if (!this.state) return this.fit(data, options);
    checkInteractionsArgument(data, 'model.fitPartial');
    checkOptionKeys('lightfm fitPartial options', options, LIGHTFM_FIT_KEYS);
    checkFiniteWeights(data);
    const idx = this.requireIndex();
    const prefix = (old: Id[], now: Id[], field: string) => {
      for (let i = 0; i < old.length; i++) {
        if (now[i] !== old[i]) throw new InvalidArgumentError(field, now[i], `the model's id ${JSON.stringify(old[i])} at index ${i}`, 'build the new interactions on the same (growing) vocabularies the model was trained on.');
      }
    };
    prefix(idx.users.ids(), data.users.ids(), 'interactions.users');
    prefix(idx.items.ids(), data.items.ids(), 'interactions.items');
    const grow = async (space: FeatureSpace, src: FeatureSource | undefined, vocab: Vocabulary, field: string): Promise<FeatureSpace> => {
      const rows = vocab.size;
      if (space.identity && src === undefined) return identitySpace(rows);
      if (src === undefined) throw new InvalidArgumentError(field, undefined, `features for all ${rows} rows`, 'pass the features again (for the grown vocabulary).');
      return alignSpace(space, featureSpace(await resolveFeatures(src, vocab, field), rows, field, vocab));
    };
    const userSpace = await grow(this.userSpace!, options.userFeatures ?? this.defaultFeatures.userFeatures, data.users, 'userFeatures');
    const itemSpace = await grow(this.itemSpace!, options.itemFeatures ?? this.defaultFeatures.itemFeatures, data.items, 'itemFeatures');
    const d = this.options.factors;
    const adadelta = this.options.learningSchedule === 'adadelta';
    const next = mulberry32((this.options.seed + 0x632be5ab * (this.epochsDone + 1)) >>> 0);
    const s = this.state;
    const addI = itemSpace.matrix.cols - s.itemBiases.weights.length;
    const addU = userSpace.matrix.cols - s.userBiases.weights.length;
    const ni = initTables(addI, d, adadelta, next);
    const nu = initTables(addU, d, adadelta, next);
    this.state = {
      factors: d,
      userEmbeddings: growTable(s.userEmbeddings, nu.emb), userBiases: growTable(s.userBiases, nu.bias),
      itemEmbeddings: growTable(s.itemEmbeddings, ni.emb), itemBiases: growTable(s.itemBiases, ni.bias),
    };
    this.userSpace = userSpace;
    this.itemSpace = itemSpace;
    await this.train(data, options);
    // filterSeen covers the old and the new interactions
    const old = idx.seen;
    const rows: Set<number>[] = Array.from({ length: data.nUsers }, (_, u) => new Set(u < old.rows ? old.indices.subarray(old.indptr[u], old.indptr[u + 1]) : []));
    for (let u = 0; u < data.nUsers; u++) for (const i of data.itemsOf(u)) rows[u].add(i);
    const indptr = new Int32Array(data.nUsers + 1);
    for (let u = 0; u < data.nUsers; u++) indptr[u + 1] = indptr[u] + rows[u].size;
    const indices = new Int32Array(indptr[data.nUsers]);
    for (let u = 0; u < data.nUsers; u++) indices.set(Int32Array.from(rows[u]).sort(), indptr[u]);
    this.restore({ users: data.users, items: data.items, seen: { indptr, indices, data: new Float32Array(indices.length).fill(1), rows: data.nUsers, cols: data.nItems } }, this.backend);
    this.invalidateResident();
    return this;
  }

  /** The training examples and matrices for the kernels. */
  private trainingData(data: Interactions, options: LightFmFitOptions): HybridData {
    const { indptr, indices, data: values } = data.byUser;
    const users = new Int32Array(indices.length);
    for (let u = 0; u < data.nUsers; u++) users.fill(u, indptr[u], indptr[u + 1]);
    let weights: Float32Array;
    const sw = options.sampleWeight;
    if (sw !== undefined && this.options.loss === 'warp-kos') {
      throw new NotSupportedError('sampleWeight', "loss 'warp-kos'", "k-OS WARP trains on sampled positives, not on single interactions (as in LightFM); drop sampleWeight or use loss 'warp'.");
    }
    if (sw === undefined) weights = new Float32Array(indices.length).fill(1);
    else if (sw === 'values') weights = values.slice();
    else if (sw instanceof Float32Array) {
      if (sw.length !== indices.length) throw new DimensionMismatchError('sampleWeight.length', sw.length, indices.length, 'give one weight per stored interaction, in interactions.byUser order.');
      weights = sw;
    } else throw new InvalidArgumentError('sampleWeight', sw, "a Float32Array or 'values'");
    for (let e = 0; e < weights.length; e++) if (!(weights[e] >= 0 && Number.isFinite(weights[e]))) throw new InvalidArgumentError(`sampleWeight[${e}]`, weights[e], 'a finite number >= 0');
    const m = (s: FeatureSpace) => ({ indptr: s.matrix.indptr, indices: s.matrix.indices, data: s.matrix.data });
    return { userFeatures: m(this.userSpace!), itemFeatures: m(this.itemSpace!), positives: { indptr, indices }, users, items: indices, labels: values, weights };
  }

  /** Threads to train on: the option (0 = all of the backend's), capped by the backend. */
  private threadCount(): number {
    if (this.options.deterministic) return 1;
    const t = this.options.threads || this.backend.threads;
    return Math.max(1, Math.min(t, this.backend.threads));
  }

  private async train(data: Interactions, options: LightFmFitOptions): Promise<void> {
    const epochs = options.epochs ?? this.options.epochs;
    if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError('epochs', epochs, 'an integer >= 0');
    const hybrid = this.trainingData(data, options);
    const session = this.backend.hybridSession(this.state!, hybrid, this.settings());
    const threads = this.threadCount();
    const n = hybrid.users.length;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    try {
      for (let e = 0; e < epochs; e++) {
        checkAborted(options.signal, 'LightFM fit');
        const epoch = this.epochsDone + 1;
        // LightFM shuffles the examples every epoch (fit_partial's shuffle_indices). Each epoch's order is a function
        // of (seed, epoch) alone, from the identity, so fitPartial calls continue exactly as one longer fit (issue 17).
        const next = mulberry32(threadSeed(this.options.seed, epoch, 0xffff));
        for (let i = 0; i < n; i++) order[i] = i;
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(next() * (i + 1));
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
        const seeds = Uint32Array.from({ length: threads }, (_, t) => threadSeed(this.options.seed, epoch, t));
        const t0 = performance.now();
        const stats = await session.epoch(order, seeds);
        const seconds = (performance.now() - t0) / 1000;
        // LightFM checks after every epoch (_check_finite) and raises rather than return a broken model
        const o = this.options;
        checkDiverged(session.allFinite(), 'lightfm', epoch, o.itemAlpha >= 0.01 || o.userAlpha >= 0.01
          ? `itemAlpha ${o.itemAlpha} / userAlpha ${o.userAlpha} are large for LightFM's lazy decay: try 1e-6 … 1e-3, or alphaDecay: 'updated'; or ${sgdDivergenceFix(o.learningRate)}`
          : sgdDivergenceFix(o.learningRate));
        this.epochsDone = epoch;
        options.onProgress?.({ phase: 'fit', done: e + 1, total: epochs, info: { loss: stats.loss / Math.max(1, stats.updates), updates: stats.updates, seconds } });
        if (options.onEpoch) {
          // the callback may evaluate: make the model usable first
          this.state = session.read();
          this.refresh(data);
          await options.onEpoch({ epoch, updates: stats.updates, loss: stats.loss / Math.max(1, stats.updates), seconds });
        }
        await yieldToEventLoop();
      }
      this.state = session.read();
    } finally {
      session.dispose();
    }
    this.refresh(data);
  }

  /** Rebuild the augmented scoring factors from the parameters and features. */
  private refresh(data?: Interactions): void {
    const d = this.options.factors;
    const s = this.state!;
    const u = representations(this.userSpace!.matrix, s.userEmbeddings.weights, s.userBiases.weights, d);
    const i = representations(this.itemSpace!.matrix, s.itemEmbeddings.weights, s.itemBiases.weights, d);
    const w = d + 2;
    const nU = u.biases.length, nI = i.biases.length;
    this.userFactors = new Float32Array(nU * w);
    this.itemFactors = new Float32Array(nI * w);
    for (let r = 0; r < nU; r++) {
      this.userFactors.set(u.embeddings.subarray(r * d, (r + 1) * d), r * w);
      this.userFactors[r * w + d] = u.biases[r];
      this.userFactors[r * w + d + 1] = 1;
    }
    for (let r = 0; r < nI; r++) {
      this.itemFactors.set(i.embeddings.subarray(r * d, (r + 1) * d), r * w);
      this.itemFactors[r * w + d] = 1;
      this.itemFactors[r * w + d + 1] = i.biases[r];
    }
    if (data) this.restore({ users: data.users, items: data.items, seen: data.byUser }, this.backend);
    this.invalidateResident();
  }

  /**
   * LightFM's `predict(user_ids, item_ids, user_features, item_features)`: repr · repr + biases.
   * - `predict(user, items)`: one user against the items, in the order given (LightFM broadcasts a scalar user id);
   * - `predict(users, items)`: pairs, `users[j]` with `items[j]` (equal lengths, as LightFM requires).
   *
   * With `userFeatures` (`itemFeatures`), users (items) are row numbers of that matrix instead of ids, as in LightFM,
   * so rows built after training (new users or items described by known features) can be scored; the matrix must
   * have the model's feature columns.
   *
   * @example
   * ```ts
   * model.predict('alice', ['dune', 'alien']);            // [1.7, -0.3]
   * model.predict(['alice', 'bob'], ['dune', 'alien']);   // pairs: [alice·dune, bob·alien]
   * model.predict([0], ['dune'], { userFeatures: { matrix: newUserRows } });
   * ```
   */
  predict(users: Id | readonly Id[], items: readonly Id[], options: { userFeatures?: FeatureInput; itemFeatures?: FeatureInput } = {}): number[] {
    if (!Array.isArray(items)) throw new InvalidArgumentError('items', items, 'an array of item ids');
    if (!Array.isArray(users) && !options.userFeatures && !options.itemFeatures) return this.score(users as Id, items);
    if (Array.isArray(users) && users.length !== items.length) throw new DimensionMismatchError('users.length', users.length, items.length, 'give one user per item (pairs), or a single user id to score it against every item.');
    const d = this.options.factors;
    const userRow = this.predictionRows('user', options.userFeatures);
    const itemRow = this.predictionRows('item', options.itemFeatures);
    return items.map((item, j) => predictFromRepr(userRow(Array.isArray(users) ? users[j] : (users as Id)), itemRow(item), d));
  }

  /** A lookup from an id (or, with features, a row number) to its representation with the bias in slot d. */
  private predictionRows(side: 'user' | 'item', features: FeatureInput | undefined): (key: Id) => Float64Array {
    const idx = this.requireIndex();
    const d = this.options.factors, w = d + 2;
    const cache = new Map<Id, Float64Array>();
    const field = `${side}s`;
    let row: (key: Id) => Float64Array;
    if (features) {
      const repr = this.representationsOf(side, features);
      const rows = repr.biases.length;
      row = (key) => {
        if (!(Number.isInteger(key) && (key as number) >= 0 && (key as number) < rows)) throw new InvalidArgumentError(field, key, `a row number of ${side}Features (0 … ${rows - 1})`, `with ${side}Features, pass row numbers of that matrix (LightFM's ids), not ids.`);
        const r = key as number;
        const out = new Float64Array(d + 1);
        for (let j = 0; j < d; j++) out[j] = repr.embeddings[r * d + j];
        out[d] = repr.biases[r];
        return out;
      };
    } else {
      const vocab = side === 'user' ? idx.users : idx.items;
      const factors = side === 'user' ? this.userFactors : this.itemFactors;
      const biasAt = side === 'user' ? d : d + 1;
      row = (key) => {
        const r = vocab.indexOf(key);
        if (r === undefined) throw side === 'user' ? new UnknownUserError(key) : new UnknownItemError(key, 'items');
        const out = new Float64Array(d + 1);
        for (let j = 0; j < d; j++) out[j] = factors[r * w + j];
        out[d] = factors[r * w + biasAt];
        return out;
      };
    }
    return (key) => cache.get(key) ?? cache.set(key, row(key)).get(key)!;
  }

  /**
   * Rank of each given item among all items for the user, LightFM's predict_rank: the number of other items scoring
   * at least as high (0 = best). With `filterSeen` (LightFM's train_interactions) the user's training items are not
   * counted.
   *
   * The matrix form mirrors `predict_rank(test_interactions, train_interactions, check_intersections=True)`: one rank
   * per stored test pair, as a CSR aligned with `test.byUser` (same indptr and indices, ranks in `data`); the items
   * of the user's row in `train` are not counted, and a test pair also present in `train` throws (LightFM's "The
   * test and train interactions must not overlap") unless `checkIntersections: false`.
   *
   * @example
   * ```ts
   * model.predictRank('alice', ['dune'], { filterSeen: true }); // [3]
   * const ranks = model.predictRank(test, { train });           // ranks.data[p] for test pair p
   * ```
   */
  predictRank(user: Id, items: readonly Id[], options?: { filterSeen?: boolean }): number[];
  predictRank(test: Interactions, options?: { train?: Interactions; checkIntersections?: boolean }): Csr;
  predictRank(user: Id | Interactions, items?: readonly Id[] | { train?: Interactions; checkIntersections?: boolean }, options: { filterSeen?: boolean } = {}): number[] | Csr {
    if (user instanceof Interactions) {
      checkOptionKeys('predictRank options', items ?? {}, ['train', 'checkIntersections']);
      return this.predictRankMatrix(user, (items ?? {}) as { train?: Interactions; checkIntersections?: boolean });
    }
    checkOptionKeys('predictRank options', options, optionKeys<typeof options>({ filterSeen: true }));
    const idx = this.requireIndex();
    const u = idx.users.indexOf(user);
    if (u === undefined) throw new UnknownUserError(user, idx.users);
    const targets = (items as readonly Id[]).map((id) => {
      const i = idx.items.indexOf(id);
      if (i === undefined) throw new UnknownItemError(id, 'items', idx.items);
      return i;
    });
    const skip = options.filterSeen ? idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]) : new Int32Array(0);
    return ranksAmong(this.scoreUsers(Int32Array.of(u)), targets, skip);
  }

  private predictRankMatrix(test: Interactions, options: { train?: Interactions; checkIntersections?: boolean }): Csr {
    const idx = this.requireIndex();
    const { train, checkIntersections = true } = options;
    if (train !== undefined && !(train instanceof Interactions)) throw new InvalidArgumentError('train', train, 'Interactions (the training interactions)');
    const itemOf = (id: Id) => {
      const i = idx.items.indexOf(id);
      if (i === undefined) throw new UnknownItemError(id, 'test');
      return i;
    };
    const data = new Float32Array(test.nnz);
    for (let tu = 0; tu < test.nUsers; tu++) {
      const from = test.byUser.indptr[tu], to = test.byUser.indptr[tu + 1];
      if (from === to) continue;
      const id = test.users.idAt(tu);
      const u = idx.users.indexOf(id);
      if (u === undefined) throw new UnknownUserError(id);
      const targets = Array.from(test.byUser.indices.subarray(from, to), (i) => itemOf(test.items.idAt(i)));
      const skip: number[] = [];
      const ru = train?.users.indexOf(id);
      if (train && ru !== undefined) {
        for (const ti of train.itemsOf(ru)) {
          const i = idx.items.indexOf(train.items.idAt(ti));
          if (i !== undefined) skip.push(i);
        }
      }
      if (checkIntersections && skip.length) {
        const trained = new Set(skip);
        const both = targets.find((i) => trained.has(i));
        if (both !== undefined) throw new InvalidArgumentError('train', `user ${JSON.stringify(id)}, item ${JSON.stringify(idx.items.idAt(both))} in both`, 'interactions that do not overlap the test interactions (as LightFM checks)', 'remove the test pairs from train, or pass checkIntersections: false.');
      }
      data.set(ranksAmong(this.scoreUsers(Int32Array.of(u)), targets, skip), from);
    }
    return { indptr: test.byUser.indptr, indices: test.byUser.indices, data, rows: test.nUsers, cols: test.nItems };
  }

  private requireState(): HybridParams {
    this.requireIndex();
    return this.state!;
  }

  /**
   * Users' representations, LightFM's get_user_representations: biases (rows) and embeddings (rows × factors), for
   * the training users or, given `features`, for those feature rows (e.g. new users built after training from known
   * features; the matrix must have the model's user feature columns; a row with no feature gives zeros).
   */
  userRepresentations(features?: FeatureInput): { biases: Float32Array; embeddings: Float32Array } {
    return this.representationsOf('user', features);
  }

  /** Items' representations (LightFM's get_item_representations), as {@link userRepresentations}. */
  itemRepresentations(features?: FeatureInput): { biases: Float32Array; embeddings: Float32Array } {
    return this.representationsOf('item', features);
  }

  private representationsOf(side: 'user' | 'item', features?: FeatureInput): { biases: Float32Array; embeddings: Float32Array } {
    const s = this.requireState();
    const space = side === 'user' ? this.userSpace! : this.itemSpace!;
    const field = `${side}Features`;
    let matrix = space.matrix;
    if (features !== undefined) {
      const m = features?.matrix;
      if (!m || !(m.indptr instanceof Int32Array) || m.indptr.length !== m.rows + 1) throw new InvalidArgumentError(field, features, '{ matrix: Csr } or the result of buildFeatures()');
      if (m.cols !== space.matrix.cols) throw new DimensionMismatchError(`${field}.matrix.cols`, m.cols, space.matrix.cols, `build the rows with the model's ${side} feature columns (buildFeatures with the training vocabulary's features).`);
      for (const c of m.indices) if (!(c >= 0 && c < m.cols)) throw new InvalidArgumentError(`${field}.matrix.indices`, c, `column numbers in [0, ${m.cols})`);
      matrix = m;
    }
    return side === 'user'
      ? representations(matrix, s.userEmbeddings.weights, s.userBiases.weights, s.factors)
      : representations(matrix, s.itemEmbeddings.weights, s.itemBiases.weights, s.factors);
  }

  /**
   * The user's embedding as the factor-model API sees it (a copy, factors + 2 long): LightFM's representation
   * (get_user_representations) with its bias and a constant 1 appended, [repr_u, b_u, 1]. The matching item vector
   * is [repr_i, 1, b_i], so their inner product is exactly LightFM's predict, repr_u · repr_i + b_u + b_i: an
   * 'inner-product' initKnn / searchVector over {@link itemEmbeddings} ranks items as recommend does.
   * initKnn with simType 'cosine' indexes the representations alone (factors long, as similarItems and similarUsers
   * use), so searchKnnItems ranks as similarItems does; query such an index with {@link userRepresentations} rows.
   *
   * @example
   * ```ts
   * const u = model.getUserEmbedding('alice'), i = model.getItemEmbedding('dune');
   * u.reduce((s, x, j) => s + x * i[j], 0); // === model.predict('alice', ['dune'])[0] (to float rounding)
   * ```
   */
  override getUserEmbedding(user: Id): Float32Array {
    return super.getUserEmbedding(user);
  }

  /** Cosine indexes hold the representations without bias coordinates (see {@link getUserEmbedding}). */
  protected override knnEmbeddings(simType: 'cosine' | 'inner-product'): { users: { ids: Id[]; vectors: Float32Array; dim: number }; items: { ids: Id[]; vectors: Float32Array; dim: number } } {
    if (simType !== 'cosine') return super.knnEmbeddings(simType);
    const idx = this.requireIndex();
    const d = this.options.factors;
    return {
      users: { ids: idx.users.ids(), vectors: this.userRepresentations().embeddings, dim: d },
      items: { ids: idx.items.ids(), vectors: this.itemRepresentations().embeddings, dim: d },
    };
  }

  /** The item's embedding, [repr_i, 1, b_i] (see {@link getUserEmbedding}). */
  override getItemEmbedding(item: Id): Float32Array {
    return super.getItemEmbedding(item);
  }

  /** The k rows most similar to `row` by cosine (itself included, first), under a similar* filter. */
  private cosine(matrix: Float32Array, rows: number, row: number, filter: SimilarFilter): RankedRow[] {
    const d = this.options.factors;
    const unit = unitRows(matrix, rows, d);
    if (filter.empty.has(row)) return [];
    const m = this.backend.matrix(unit, rows, d);
    try {
      const top = (n: number) => {
        const t = this.backend.topk(this.backend.scoreBlock(unit.subarray(row * d, (row + 1) * d), 1, m), 1, rows, n);
        return Array.from({ length: t.counts[0] }, (_, j) => ({ index: t.indices[j], score: t.scores[j] }));
      };
      return selectSimilar(filter, rows, top, (list) => rowDots(unit, d, row, list));
    } finally {
      m.dispose();
    }
  }

  /** similar* over one side's embeddings: options checked, ids mapped, rows without signal (zero vectors) left out. */
  private similarOf(embeddings: Float32Array, vocab: Vocabulary, id: Id, options: SimilarOptions, where: string, unknown: (id: Id) => Error): Recommendation[] {
    const k = checkSimilarOptions(where, options);
    const row = vocab.indexOf(id);
    if (row === undefined) throw unknown(id);
    const filter = similarFilter(vocab, options, k, zeroRows(embeddings, vocab.size, this.options.factors), unknown);
    return this.cosine(embeddings, vocab.size, row, filter).map((r) => ({ item: vocab.idAt(r.index), score: r.score }));
  }

  /**
   * Items most similar to `item` by cosine of item embeddings (biases left out), the item itself first;
   * `include` / `exclude` as implicit's `items` / `filter_items`.
   */
  override similarItems(item: Id, options: SimilarOptions = {}): Recommendation[] {
    return this.similarOf(this.itemRepresentations().embeddings, this.requireIndex().items, item, options, 'similarItems options', (id) => new UnknownItemError(id, 'item', this.requireIndex().items));
  }

  /** Users most similar to `user` by cosine of user embeddings, the user itself first; include / exclude list user ids. */
  override similarUsers(user: Id, options: SimilarOptions = {}): Recommendation[] {
    return this.similarOf(this.userRepresentations().embeddings, this.requireIndex().users, user, options, 'similarUsers options', (id) => new UnknownUserError(id, this.requireIndex().users));
  }

  /** {@link similarItems} per item: the cosine of representations, not of the augmented factors the base batch uses. */
  override similarItemsBatch(items: readonly Id[], options: SimilarOptions = {}): Promise<Recommendation[][]> {
    return mapInTurns(items, (item) => this.similarItems(item, options));
  }

  /**
   * Features most similar to a named feature by cosine of feature embeddings (e.g. tags most like a tag), the
   * feature itself first. Only named features are returned.
   *
   * @example
   * ```ts
   * model.similarFeatures('genre:Horror', { side: 'item', k: 5 });
   * ```
   */
  similarFeatures(feature: Id, options: { side?: 'item' | 'user'; k?: number } = {}): { feature: Id; score: number }[] {
    checkOptionKeys('similarFeatures options', options, optionKeys<typeof options>({ side: true, k: true }));
    const s = this.requireState();
    const side = options.side ?? 'item';
    const space = side === 'item' ? this.itemSpace! : this.userSpace!;
    const f = space.names.indexOf(feature);
    if (f < 0) throw new InvalidArgumentError('feature', feature, `a named ${side} feature of the model`, `pass feature matrices with names (buildFeatures) to fit, and check options.side.`);
    const emb = side === 'item' ? s.itemEmbeddings.weights : s.userEmbeddings.weights;
    const all = this.cosine(emb, space.matrix.cols, f, { k: space.matrix.cols, empty: new Set() });
    const out: { feature: Id; score: number }[] = [];
    for (const r of all) {
      const name = space.names[r.index];
      if (name !== null && name !== undefined) out.push({ feature: name, score: r.score });
      if (out.length >= (options.k ?? 10)) break;
    }
    return out;
  }

  /**
   * Why `item` scores what it does for `user`: the biases, each user feature's and each item feature's share of the
   * dot product, and the user's training items most like the item.
   */
  explain(user: Id, item: Id, options: { k?: number } = {}): LightFmExplanation {
    checkOptionKeys('explain options', options, optionKeys<typeof options>({ k: true }));
    const s = this.requireState();
    const idx = this.requireIndex();
    const u = idx.users.indexOf(user);
    if (u === undefined) throw new UnknownUserError(user, idx.users);
    const i = idx.items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item, 'item', idx.items);
    const d = s.factors, w = d + 2;
    const ur = this.userFactors.subarray(u * w, u * w + d), ir = this.itemFactors.subarray(i * w, i * w + d);
    const k = options.k ?? 10;
    const parts = (space: FeatureSpace, emb: Float32Array, row: number, other: Float32Array) => {
      const out: { feature: Id | number; score: number }[] = [];
      for (let p = space.matrix.indptr[row]; p < space.matrix.indptr[row + 1]; p++) {
        const f = space.matrix.indices[p];
        let dot = 0;
        for (let j = 0; j < d; j++) dot += emb[f * d + j] * other[j];
        out.push({ feature: space.names[f] ?? f, score: space.matrix.data[p] * dot });
      }
      return out.sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, k);
    };
    const bias = this.userFactors[u * w + d] + this.itemFactors[i * w + d + 1];
    const seen = idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]);
    const unit = unitRows(this.itemRepresentations().embeddings, idx.items.size, d);
    const history = Array.from(seen, (j) => {
      let c = 0;
      for (let f = 0; f < d; f++) c += unit[j * d + f] * unit[i * d + f];
      return { item: idx.items.idAt(j), score: c, j };
    }).sort((a, b) => b.score - a.score || a.j - b.j).slice(0, k).map(({ item: it, score }) => ({ item: it, score }));
    return {
      score: predictFromRepr([...ur, this.userFactors[u * w + d]], [...ir, this.itemFactors[i * w + d + 1]], d),
      bias,
      userFeatures: parts(this.userSpace!, s.userEmbeddings.weights, u, ir),
      itemFeatures: parts(this.itemSpace!, s.itemEmbeddings.weights, i, ur),
      similarHistory: history,
    };
  }

  /**
   * A user vector for someone the model has not seen (something LightFM cannot do without refitting): start from
   * their named user features (if any), then `steps` passes of WARP updates over their items on this user's row
   * only, items fixed. Returns the augmented factor vector [repr, bias, 1] usable with scoreVector().
   */
  foldIn(input: { items?: readonly Id[]; features?: readonly (Id | readonly [Id, number])[]; steps?: number }): Float32Array {
    const s = this.requireState();
    const idx = this.requireIndex();
    const d = s.factors, w = d + 2;
    const u = new Float64Array(d + 1);
    if (input.features?.length) {
      const names = this.userSpace!.names;
      for (const entry of input.features) {
        const name = Array.isArray(entry) ? entry[0] : (entry as Id);
        const weight = Array.isArray(entry) ? entry[1] : 1;
        const f = names.indexOf(name);
        if (f < 0) throw new InvalidArgumentError('features', name, 'a named user feature of the model');
        for (let j = 0; j < d; j++) u[j] += weight * s.userEmbeddings.weights[f * d + j];
        u[d] += weight * s.userBiases.weights[f];
      }
    }
    const items = Int32Array.from(new Set((input.items ?? []).map((id) => idx.items.indexOf(id)).filter((i): i is number => i !== undefined))).sort();
    this.foldInRow(u, items, input.steps ?? 20);
    const out = new Float32Array(w);
    for (let j = 0; j < d; j++) out[j] = u[j];
    out[d] = u[d];
    out[d + 1] = 1;
    return out;
  }

  /** WARP passes (LightFM's sampling and weights) on one user row `u` (d + 1, bias last), adagrad on its own state. */
  private foldInRow(u: Float64Array, items: Int32Array, steps: number): void {
    if (!items.length) return;
    const d = this.options.factors, w = d + 2;
    const nItems = this.itemFactors.length / w;
    const table: HybridTable = { weights: Float32Array.from(u), accum: new Float32Array(d + 1).fill(1), momentum: new Float32Array(d + 1) };
    // one row, no global scale: its own elements decay ('updated'), whatever the model's alphaDecay
    const settings = { ...this.settings(), adadelta: false, userAlpha: this.options.userAlpha, alphaDecay: 'updated' as const };
    const positives = { indptr: Int32Array.of(0, items.length), indices: items };
    const rng = Uint32Array.of(threadSeed(this.options.seed, items.length, 0x7fff));
    const item = (i: number) => {
      const v = new Float64Array(d + 1);
      for (let j = 0; j < d; j++) v[j] = this.itemFactors[i * w + j];
      v[d] = this.itemFactors[i * w + d + 1];
      return v;
    };
    if (items.length >= nItems) return;
    for (let step = 0; step < steps; step++) {
      for (const pos of items) {
        const p = item(pos);
        const cur = table.weights;
        const positive = predictFromRepr(cur, p, d);
        for (let sampled = 1; sampled <= this.options.maxSampled;) {
          const neg = xorshift32(rng) % nItems;
          if (isPositive(positives, 0, neg)) continue;
          const n = item(neg);
          if (predictFromRepr(cur, n, d) > positive - 1) {
            const scale = Math.min(10, Math.log(Math.max(1, Math.floor((nItems - 1) / sampled))));
            for (let j = 0; j < d; j++) updateElement(table, j, scale * (n[j] - p[j]), settings, settings.userAlpha);
            break;
          }
          sampled++;
        }
      }
    }
    for (let j = 0; j < d; j++) u[j] = table.weights[j];
  }

  /** Fold-in for recommend({ userItems }): see {@link foldIn}. */
  override scoreHistory(items: Int32Array): Float32Array {
    const idx = this.requireIndex();
    return this.scoreVector(this.foldIn({ items: Array.from(items, (i) => idx.items.idAt(i)) }));
  }

  protected override exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const s = this.requireState();
    const d = s.factors;
    // per feature, not per user/item: named apart from the factor-model tensors (userBiases is per user there)
    const tensors: Record<string, TensorArray> = {};
    const shapes: Record<string, number[]> = {};
    for (const k of TABLES) {
      tensors[TENSOR[k]] = s[k].weights;
      shapes[TENSOR[k]] = k.endsWith('Embeddings') ? [s[k].weights.length / d, d] : [s[k].weights.length];
    }
    for (const [side, space] of [['user', this.userSpace!], ['item', this.itemSpace!]] as const) {
      tensors[`${side}FeatureIndptr`] = space.matrix.indptr;
      tensors[`${side}FeatureIndices`] = space.matrix.indices;
      tensors[`${side}FeatureData`] = space.matrix.data;
      shapes[`${side}FeatureIndptr`] = [space.matrix.rows + 1];
      shapes[`${side}FeatureIndices`] = [space.matrix.indices.length];
      shapes[`${side}FeatureData`] = [space.matrix.indices.length];
    }
    return { tensors, shapes };
  }

  protected override exportTraining(): ModelState['training'] {
    const s = this.requireState();
    const tensors: Record<string, TensorArray> = {};
    const shapes: Record<string, number[]> = {};
    for (const k of TABLES) {
      tensors[`${TENSOR[k]}Accum`] = s[k].accum;
      tensors[`${TENSOR[k]}Momentum`] = s[k].momentum;
      shapes[`${TENSOR[k]}Accum`] = shapes[`${TENSOR[k]}Momentum`] = [s[k].accum.length];
    }
    return { tensors, shapes, counters: { epochs: this.epochsDone } };
  }

  override get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Adds the feature columns' names and keys to the file's params (compressed: leading identity columns counted). */
  override toState(profile: 'inference' | 'resumable' = 'inference'): ModelState {
    const state = super.toState(profile);
    if (!this.fitted) return state;
    const pack = (space: FeatureSpace) => {
      let identity = 0;
      while (identity < space.keys.length && space.keys[identity] === `i:${identity}`) identity++;
      return { cols: space.matrix.cols, identity: space.identity, identityPrefix: identity, keys: space.keys.slice(identity), names: space.names.slice(identity) };
    };
    state.params = { ...state.params, features: { user: pack(this.userSpace!), item: pack(this.itemSpace!) } };
    return state;
  }

  /**
   * The tensors a state implies (issue 22, checked by src/io before {@link fromState}): each side's feature matrix
   * (a CSR of entities × the declared feature columns), its embedding and bias tables, and what loading derives.
   */
  static layout(state: ModelState): ModelLayout {
    const { features, ...options } = state.params as LightFmOptions & { features?: Record<string, unknown> };
    const d = new LightFmRecommender(options).options.factors;
    const plain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (features !== undefined && !plain(features)) throw new InvalidArgumentError('features', features, '{ user, item } feature spaces');
    const tensors: Record<string, ImpliedTensor> = {};
    const csr: ImpliedCsr[] = [];
    const derived: { elements: number; from: string }[] = [];
    for (const [side, rows] of [['user', state.users.length], ['item', state.items.length]] as const) {
      const packed = features?.[side];
      const field = `features.${side}`;
      let cols = rows;
      let from = side === 'user' ? 'users' : 'items';
      if (packed !== undefined) {
        if (!plain(packed)) throw new InvalidArgumentError(field, packed, '{ cols, identity, identityPrefix, keys, names }');
        checkIntegerOption(`${field}.cols`, packed.cols, 0);
        cols = packed.cols as number;
        from = `params.${field}.cols`;
        if (packed.identity !== undefined && typeof packed.identity !== 'boolean') throw new InvalidArgumentError(`${field}.identity`, packed.identity, 'a boolean');
        if (packed.identity ?? true) {
          if (cols !== rows) throw new InvalidArgumentError(`${field}.cols`, cols, `${rows} (identity features: one column per ${side})`);
        } else {
          const { identityPrefix, keys, names } = packed;
          if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new InvalidArgumentError(`${field}.keys`, keys, 'an array of feature keys (strings)');
          if (!Array.isArray(names) || names.length !== keys.length) throw new InvalidArgumentError(`${field}.names`, names, `an array of ${keys.length} feature names (one per key)`);
          checkIntegerOption(`${field}.identityPrefix`, identityPrefix, 0);
          if ((identityPrefix as number) + keys.length !== cols) {
            throw new InvalidArgumentError(`${field}.identityPrefix`, identityPrefix, `cols − keys.length = ${cols - keys.length}`);
          }
          derived.push({ elements: 8 * (identityPrefix as number), from: `params.${field}.identityPrefix` }); // keys and names
        }
      }
      const name = (k: string) => `${side}Feature${k}`;
      tensors[name('Indptr')] = { shape: [rows + 1], from: side === 'user' ? 'users' : 'items', type: 'int' };
      csr.push({ indptr: name('Indptr'), indices: name('Indices'), data: name('Data'), rows, cols });
      for (const [k, shape] of [['Embeddings', [cols, d]], ['Biases', [cols]]] as const) {
        tensors[name(k)] = { shape, from };
        tensors[`${name(k)}Accum`] = tensors[`${name(k)}Momentum`] = { shape, from, training: true };
      }
      // optimizer state when the file has none (2 × tables), representations and factor rows (2 × rows × (d + 2))
      derived.push({ elements: 2 * cols * (d + 1), from }, { elements: 2 * rows * (d + 2), from: 'params.factors' });
    }
    return { tensors, csr, derived };
  }

  /** Rebuild from a model file's state (inference or resumable profile). */
  static fromState(state: ModelState, backend: Backend): LightFmRecommender {
    type Packed = { cols: number; identity: boolean; identityPrefix: number; keys: string[]; names: (Id | null)[] };
    const { features, ...options } = state.params as LightFmOptions & { features?: { user?: Packed; item?: Packed } };
    const model = new LightFmRecommender(options);
    const index = Recommender.indexFromState(state);
    const t = state.tensors;
    const f32 = (name: string) => {
      const v = t[name];
      if (!(v instanceof Float32Array)) throw new InvalidArgumentError(`tensors.${name}`, v, 'a Float32Array');
      return v;
    };
    const i32 = (name: string) => {
      const v = t[name];
      if (!(v instanceof Int32Array)) throw new InvalidArgumentError(`tensors.${name}`, v, 'an Int32Array');
      return v;
    };
    const d = model.options.factors;
    const space = (side: 'user' | 'item', rows: number, packed: Packed | undefined): FeatureSpace => {
      const cols = packed?.cols ?? rows;
      const matrix: Csr = { indptr: i32(`${side}FeatureIndptr`), indices: i32(`${side}FeatureIndices`), data: f32(`${side}FeatureData`), rows, cols };
      if (matrix.indptr.length !== rows + 1) throw new DimensionMismatchError(`${side}FeatureIndptr.length`, matrix.indptr.length, rows + 1, 'the file is damaged or from another model.');
      if (packed?.identity ?? true) {
        if (cols !== rows || !matrix.indices.every((c, r) => c === r)) throw new InvalidArgumentError(`${side} features`, cols, `identity features (${rows} columns)`, 'the file is damaged or from another model.');
        return { matrix, names: [], keys: [], identity: true };
      }
      const p = packed!;
      const keys = [...Array.from({ length: p.identityPrefix }, (_, c) => `i:${c}`), ...p.keys];
      const names = [...new Array<Id | null>(p.identityPrefix).fill(null), ...p.names];
      if (keys.length !== cols || names.length !== cols) throw new DimensionMismatchError(`params.features.${side}.keys.length`, keys.length, cols, 'the file is damaged or from another model.');
      return { matrix, names, keys, identity: false };
    };
    model.userSpace = space('user', index.users.size, features?.user);
    model.itemSpace = space('item', index.items.size, features?.item);
    const training = state.training;
    const adadelta = model.options.learningSchedule === 'adadelta';
    const table = (key: (typeof TABLES)[number], length: number): HybridTable => {
      const name = TENSOR[key];
      const weights = f32(name);
      if (weights.length !== length) throw new DimensionMismatchError(`tensors.${name}.length`, weights.length, length, 'the file is damaged or from another model.');
      const accum = training?.tensors[`${name}Accum`];
      const momentum = training?.tensors[`${name}Momentum`];
      return {
        weights,
        accum: accum instanceof Float32Array && accum.length === length ? accum : new Float32Array(length).fill(adadelta ? 0 : 1),
        momentum: momentum instanceof Float32Array && momentum.length === length ? momentum : new Float32Array(length),
      };
    };
    const nUF = model.userSpace.matrix.cols, nIF = model.itemSpace.matrix.cols;
    model.state = {
      factors: d,
      userEmbeddings: table('userEmbeddings', nUF * d), userBiases: table('userBiases', nUF),
      itemEmbeddings: table('itemEmbeddings', nIF * d), itemBiases: table('itemBiases', nIF),
    };
    model.epochsDone = training?.counters.epochs ?? 0;
    model.restore(index, backend);
    model.refresh();
    return model;
  }
}

registerModelKind('lightfm', (state, backend) => LightFmRecommender.fromState(state, backend), {
  layout: (state) => LightFmRecommender.layout(state),
  create: (params) => new LightFmRecommender(params as LightFmOptions),
});
