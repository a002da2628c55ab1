/**
 * Matrix factorization trained with Recoder's sampled mini-batches and losses (Recoder's MatrixFactorization,
 * Moussawi 2018): for a batch of users, logits = U[users]·V[T]ᵀ + b[T] over the batch's target set T (the users'
 * items plus the items of `samplingRows` sampled users), trained with the multinomial, BCE or confidence-weighted
 * MSE loss; the embedding tables get sparse row updates (only rows in the batch move, lazy Adam).
 *
 * The factors served are [U | 1] and [V | b] (one extra column carries the item bias), so recommend, similarItems
 * and the kNN search come from {@link FactorRecommender}. Fold-in (`recommend(user, { userItems })`) fits a new user
 * row against the fixed item table by a few Adam steps on the same loss.
 */
import { FactorRecommender } from '../factorization/factor.ts';
import { registerModelKind, type ModelLayout, type ModelState, type TensorArray } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend } from '../../kernels/types.ts';
import { NotFittedError } from '../../errors.ts';
import type { NnKernels } from '../../kernels/reference/nn.ts';
import { createOptimizer, createParam, type Rng } from '../../nn/optim.ts';
import type { Optimizer, Param } from '../../nn/types.ts';
import { sampleBatch, shuffledBatches, denseTargets } from '../../nn/batches.ts';
import { lossAndGrad } from '../../nn/losses.ts';
import {
  resumeTraining, TRAINING_DEFAULTS, checkTrainingOptions, loadParams, nnKernels, optimizerFor, optimizerTraining, paramTensors, restoreOptimizer,
  runEpochs, NEURAL_FIT_KEYS, type NeuralFitOptions, type NeuralTrainingOptions, continueFit,
} from './neural-common.ts';
import { checkIntegerOption, checkNumberOption } from '../options.ts';
import type { Recommender } from '../recommender.ts';
import { withDefaults } from '../../options-check.ts';

/** Hyper-parameters of {@link SampledMfRecommender}. */
export interface SampledMfOptions extends NeuralTrainingOptions {
  /** Latent factors (default 64). */
  factors?: number;
  /** Standard deviation of the N(0, σ²) initialisation (default 0.01). */
  initScale?: number;
}

export const MF_DEFAULTS: Required<SampledMfOptions> = { ...TRAINING_DEFAULTS, epochs: 30, learningRate: 5e-3, factors: 64, initScale: 0.01 };

/** Rows of the user and item tables for dense user and item indices (identity, or hashed buckets). */
export interface RowMaps {
  readonly userRows: number;
  readonly itemRows: number;
  readonly user?: Int32Array;
  readonly item?: Int32Array;
}

/**
 * Sampled-batch matrix factorization.
 *
 * @example
 * ```ts
 * import { SampledMfRecommender } from 'recwise/nn';
 * const mf = await new SampledMfRecommender({ factors: 64, epochs: 30, loss: 'multinomial' }).fit(interactions);
 * mf.recommend('alice', { k: 10 });
 * ```
 */
export class SampledMfRecommender extends FactorRecommender {
  readonly kind: string = 'sampled-mf';
  readonly options: Required<SampledMfOptions>;
  protected tables?: { U: Param; V: Param; b: Param };
  protected maps?: RowMaps;
  private optimizer?: Optimizer;
  private epochsDone = 0;

  constructor(options: SampledMfOptions = {}) {
    super();
    this.options = withDefaults('SampledMfRecommender options', MF_DEFAULTS, options);
    checkTrainingOptions(this.options);
    checkIntegerOption('factors', this.options.factors, 1);
    checkNumberOption('initScale', this.options.initScale, 0, true);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Epochs trained so far (counting those before a resume). */
  get epochsTrained(): number {
    return this.epochsDone;
  }

  /** Row maps for the data (identity here; hashed buckets in HashedMfRecommender). */
  protected rowMaps(data: { users: { ids(): unknown[] }; items: { ids(): unknown[] }; nUsers: number; nItems: number }): RowMaps {
    return { userRows: data.nUsers, itemRows: data.nItems };
  }

  protected buildTables(maps: RowMaps): { U: Param; V: Param; b: Param } {
    const { factors: d, initScale, seed } = this.options;
    return {
      U: createParam('U', maps.userRows, d, { sparse: true, init: 'normal', scale: initScale, seed }),
      V: createParam('V', maps.itemRows, d, { sparse: true, init: 'normal', scale: initScale, seed: seed + 1 }),
      b: createParam('b', maps.itemRows, 1, { sparse: true }),
    };
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
    const maps = this.rowMaps(data);
    const tables = this.buildTables(maps);
    const optimizer = optimizerFor(o);
    const start = options.resumeFrom ? resumeTraining(options.resumeFrom, this.kind, data, [tables.U, tables.V, tables.b], optimizer) : 0;
    this.tables = tables;
    this.maps = maps;
    this.optimizer = optimizer;
    this.epochsDone = start;
    const k = nnKernels(this.backend);
    await runEpochs(start, o.epochs, o.seed, optimizer, options, `${this.kind} fit`, (_e, rng) => this.epoch(data, rng, k), (n) => (this.epochsDone = n), [tables.U, tables.V, tables.b]);
    this.materialize(data.nUsers, data.nItems);
  }

  /** One pass over the users in shuffled mini-batches; returns the mean batch loss. */
  private epoch(data: Interactions, rng: Rng, k: NnKernels): number {
    const o = this.options;
    const { U, V, b } = this.tables!;
    const maps = this.maps!;
    const d = o.factors;
    let total = 0;
    let batches = 0;
    for (const rows of shuffledBatches(data.nUsers, o.batchSize, rng)) {
      const batch = sampleBatch(data.byUser, rows, { samplingRows: o.samplingRows, samplingColumns: o.samplingColumns }, rng);
      const n = batch.rows.length;
      const nt = batch.targets.length;
      const uRows = maps.user ? Int32Array.from(batch.rows, (u) => maps.user![u]) : batch.rows;
      const iRows = maps.item ? Int32Array.from(batch.targets, (i) => maps.item![i]) : batch.targets;
      const Ub = gather(U.value, d, uRows);
      const Vt = gather(V.value, d, iRows);
      const logits = new Float32Array(n * nt);
      for (let r = 0; r < n; r++) for (let t = 0; t < nt; t++) logits[r * nt + t] = b.value[iRows[t]];
      k.gemm(Ub, Vt, logits, n, d, nt, false, true, true);
      const grad = new Float32Array(n * nt);
      total += lossAndGrad(o.loss, logits, denseTargets(batch, o.loss !== 'mse'), n, nt, grad, k, o.confidence);
      batches++;
      // dU = dL·V_T, dV_T = dLᵀ·U_b, db_T = column sums
      const dU = new Float32Array(n * d);
      k.gemm(grad, Vt, dU, n, nt, d, false, false, false);
      const dV = new Float32Array(nt * d);
      k.gemm(grad, Ub, dV, nt, n, d, true, false, false);
      scatterAdd(U, d, uRows, dU);
      scatterAdd(V, d, iRows, dV);
      const db = new Float32Array(nt);
      for (let r = 0; r < n; r++) for (let t = 0; t < nt; t++) db[t] += grad[r * nt + t];
      scatterAdd(b, 1, iRows, db);
      this.optimizer!.step([U, V, b]);
    }
    return batches ? total / batches : 0;
  }

  /** userFactors = [U | 1] and itemFactors = [V | b] per user / item (through the row maps). */
  protected materialize(nUsers: number, nItems: number): void {
    const { U, V, b } = this.tables!;
    const maps = this.maps!;
    const d = this.options.factors;
    const uf = new Float32Array(nUsers * (d + 1));
    for (let u = 0; u < nUsers; u++) {
      const r = maps.user ? maps.user[u] : u;
      uf.set(U.value.subarray(r * d, (r + 1) * d), u * (d + 1));
      uf[u * (d + 1) + d] = 1;
    }
    const itf = new Float32Array(nItems * (d + 1));
    for (let i = 0; i < nItems; i++) {
      const r = maps.item ? maps.item[i] : i;
      itf.set(V.value.subarray(r * d, (r + 1) * d), i * (d + 1));
      itf[i * (d + 1) + d] = b.value[r];
    }
    this.userFactors = uf;
    this.itemFactors = itf;
    this.invalidateResident();
  }

  /**
   * Fold-in: a user row fitted to `items` against the fixed item table (50 Adam steps, lr 0.05, on the model's loss
   * over every item), scored like a trained user. Deterministic (starts from zeros).
   */
  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    if (!this.tables) throw new NotFittedError(this.kind);
    const d = this.options.factors;
    const nItems = this.requireIndex().items.size;
    const itf = this.itemFactors;
    const target = new Float32Array(nItems);
    items.forEach((i, j) => (target[i] = weights ? weights[j] : 1));
    const u = createParam('fold', 1, d + 1);
    u.value[d] = 1;
    const opt = createOptimizer({ kind: 'adam', learningRate: 0.05 });
    const k = nnKernels(this.backend);
    const logits = new Float32Array(nItems);
    const grad = new Float32Array(nItems);
    for (let s = 0; s < 50; s++) {
      k.gemm(u.value, itf, logits, 1, d + 1, nItems, false, true, false);
      lossAndGrad(this.options.loss, logits, target, 1, nItems, grad, k, this.options.confidence);
      k.gemm(grad, itf, u.grad, 1, nItems, d + 1, false, false, true);
      u.grad[d] = 0; // the bias column stays 1
      opt.step([u]);
    }
    return this.scoreVector(u.value);
  }

  protected override exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const t = this.tables;
    if (!t) throw new NotFittedError(this.kind);
    return paramTensors([t.U, t.V, t.b]);
  }

  protected override exportTraining(): ModelState['training'] {
    if (!this.optimizer) return undefined;
    return optimizerTraining(this.optimizer, this.epochsDone);
  }

  /** Rebuild from a model file's state (either profile). */
  protected adopt(state: ModelState, backend: Backend): this {
    const index = SampledMfRecommender.stateIndex(state);
    const maps = this.rowMaps({ users: index.users, items: index.items, nUsers: index.users.size, nItems: index.items.size });
    const tables = this.buildTables(maps);
    loadParams([tables.U, tables.V, tables.b], state.tensors);
    this.tables = tables;
    this.maps = maps;
    this.restore(index, backend);
    if (state.training) {
      this.optimizer = optimizerFor(this.options);
      this.epochsDone = restoreOptimizer(this.optimizer, state.training);
    }
    this.materialize(index.users.size, index.items.size);
    return this;
  }

  protected static stateIndex(state: ModelState) {
    return FactorRecommender.indexFromState(state);
  }

  static fromState(state: ModelState, backend: Backend): SampledMfRecommender {
    return new SampledMfRecommender(state.params as SampledMfOptions).adopt(state, backend);
  }

  /** Rows of the user and item tables for these vocabularies (the vocabularies here; the bucket counts when hashed). */
  protected tableRows(nUsers: number, nItems: number): { userRows: number; itemRows: number; users: string; items: string } {
    return { userRows: nUsers, itemRows: nItems, users: 'params.factors', items: 'params.factors' };
  }

  /**
   * The tensors a state implies (issue 22, checked by src/io before {@link fromState}): U, V and b, their gradients,
   * and the materialized factor tables.
   */
  static layout(this: new (o: SampledMfOptions) => SampledMfRecommender, state: ModelState): ModelLayout {
    const model = new this(state.params as SampledMfOptions);
    const d = model.options.factors;
    const { userRows, itemRows, users, items } = model.tableRows(state.users.length, state.items.length);
    return {
      tensors: { U: { shape: [userRows, d], from: users }, V: { shape: [itemRows, d], from: items }, b: { shape: [itemRows, 1], from: items } },
      derived: [
        { elements: userRows * d, from: users }, { elements: itemRows * (d + 1), from: items }, // gradients
        { elements: (state.users.length + state.items.length) * (d + 1), from: 'params.factors' }, // factor tables
        { elements: Math.ceil(userRows / 4), from: users }, { elements: Math.ceil(itemRows / 4), from: items }, // bucket marks (bytes)
      ],
    };
  }
}

/** Rows `rows` of a table with `d` columns, stacked. */
export function gather(table: Float32Array, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) out.set(table.subarray(rows[r] * d, (rows[r] + 1) * d), r * d);
  return out;
}

/** Add `delta` rows into the gradient of table rows `rows` and mark them touched (rows may repeat). */
export function scatterAdd(p: Param, d: number, rows: Int32Array, delta: Float32Array): void {
  const g = p.grad;
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * d;
    for (let j = 0; j < d; j++) g[o + j] += delta[r * d + j];
    p.touched.add(rows[r]);
  }
}

export type { Recommender };

registerModelKind('sampled-mf', (state, backend) => SampledMfRecommender.fromState(state, backend), {
  layout: (state) => SampledMfRecommender.layout(state),
  create: (params) => new SampledMfRecommender(params as SampledMfOptions),
});
