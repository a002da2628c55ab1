/**
 * What the neural models of issue 9 (autoencoder, sampled MF, hashed MF) share: training options and their
 * validation, the epoch loop with progress/abort/resume, per-epoch seeded streams, and Param ↔ model-file tensors.
 * Imports only specific modules (no src/index.ts), so the neural code could become its own entry point.
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Backend } from '../../kernels/types.ts';
import { referenceNnKernels, type NnKernels } from '../../kernels/reference/nn.ts';
import { createOptimizer, Rng, type AnyOptimizerConfig } from '../../nn/optim.ts';
import type { Optimizer, Param } from '../../nn/types.ts';
import { LOSSES, type LossName } from '../../nn/losses.ts';
import type { FitOptions } from '../recommender.ts';
import type { Interactions } from '../../data/interactions.ts';
import { Recommender } from '../recommender.ts';
import type { ImpliedTensor, ModelState, TensorArray } from '../registry.ts';
import { checkAborted, checkDiverged, sgdDivergenceFix, yieldToEventLoop } from '../progress.ts';
import { allFiniteRef } from '../../kernels/reference/finite.ts';
import { checkIntegerOption, checkNumberOption } from '../options.ts';
import { checkOptionKeys, optionKeys } from '../../options-check.ts';
import { useKernels } from '../../kernels/family.ts';
import { NN_KERNELS } from '../../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(NN_KERNELS);

/** Training hyper-parameters shared by the neural models (Recoder's Recoder.train arguments). */
export interface NeuralTrainingOptions {
  /** Epochs (default per model). */
  epochs?: number;
  /** Rows per mini-batch (default 500). */
  batchSize?: number;
  /** 'multinomial' (default), 'bce' or 'mse' (with {@link confidence}). */
  loss?: LossName;
  /** Recoder's MSELoss confidence: positives weigh 1 + confidence·x (default 0). */
  confidence?: number;
  /** 'adam' (default), 'sgd', 'adagrad' or 'rmsprop'. */
  optimizer?: AnyOptimizerConfig['kind'];
  /** Default 1e-3. */
  learningRate?: number;
  /** Momentum of sgd/rmsprop (default 0). */
  momentum?: number;
  /** L2 weight decay (default 0; embedding tables: rows touched in the step). */
  weightDecay?: number;
  /** Epochs after which the learning rate is multiplied by 0.1 (default none). */
  milestones?: number[];
  /** Recoder's num_sampling_users: extra random rows whose columns join each batch's target set (default 0). */
  samplingRows?: number;
  /** Extra uniformly drawn columns per batch's target set (default 0). */
  samplingColumns?: number;
  /** Seed of initialisation, shuffling, sampling and dropout (default 42). */
  seed?: number;
}

export const TRAINING_DEFAULTS: Required<NeuralTrainingOptions> = {
  epochs: 20, batchSize: 500, loss: 'multinomial', confidence: 0, optimizer: 'adam', learningRate: 1e-3, momentum: 0,
  weightDecay: 0, milestones: [], samplingRows: 0, samplingColumns: 0, seed: 42,
};

export function checkTrainingOptions(o: Required<NeuralTrainingOptions>): void {
  checkIntegerOption('epochs', o.epochs, 0);
  checkIntegerOption('batchSize', o.batchSize, 1);
  checkIntegerOption('samplingRows', o.samplingRows, 0);
  checkIntegerOption('samplingColumns', o.samplingColumns, 0);
  checkIntegerOption('seed', o.seed, 0);
  if (!LOSSES.includes(o.loss)) throw new InvalidArgumentError('loss', o.loss, LOSSES.map((l) => `'${l}'`).join(', '));
  checkNumberOption('confidence', o.confidence, 0, true);
  checkNumberOption('learningRate', o.learningRate, 0, false);
  checkNumberOption('weightDecay', o.weightDecay, 0, true);
  if (!Array.isArray(o.milestones)) throw new InvalidArgumentError('milestones', o.milestones, 'an array of epochs');
  optimizerFor(o); // validates kind and momentum
}

export function optimizerFor(o: Required<NeuralTrainingOptions>): Optimizer {
  const base = { learningRate: o.learningRate, weightDecay: o.weightDecay, milestones: o.milestones };
  switch (o.optimizer) {
    case 'sgd': return createOptimizer({ ...base, kind: 'sgd', momentum: o.momentum });
    case 'rmsprop': return createOptimizer({ ...base, kind: 'rmsprop', momentum: o.momentum });
    case 'adagrad': return createOptimizer({ ...base, kind: 'adagrad' });
    case 'adam': return createOptimizer({ ...base, kind: 'adam' });
    default: throw new InvalidArgumentError('optimizer', o.optimizer, "'adam', 'sgd', 'adagrad' or 'rmsprop'");
  }
}

/** The stream of epoch `epoch` (0-based): shuffles, samples and dropout masks depend only on (seed, epoch). */
export function epochRng(seed: number, epoch: number): Rng {
  return new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
}

/** The backend's neural kernels (Wasm SIMD on the wasm backend), else the TS reference. */
export function nnKernels(backend: Backend): NnKernels {
  return (backend as { nn?: NnKernels }).nn ?? referenceNnKernels;
}

/** Per-epoch report of {@link NeuralFitOptions.onEpoch}. */
export interface NeuralEpoch {
  /** 1-based, counting epochs before a resume. */
  readonly epoch: number;
  /** Mean batch loss. */
  readonly loss: number;
  readonly seconds: number;
}

/** Options of the neural models' fit(). */
export interface NeuralFitOptions extends FitOptions {
  /**
   * Continue a run: a model of the same kind (e.g. from `loadModel` of a file saved with `{ profile: 'resumable' }`)
   * or its state. Training goes on from its epoch count to this model's `epochs`, and single-threaded with the same
   * seed ends exactly where an uninterrupted run ends. The interactions must be the same.
   */
  resumeFrom?: Recommender | ModelState;
  /** Called after every epoch (awaited). */
  onEpoch?: (report: NeuralEpoch) => void | Promise<void>;
}

/** Every key of {@link NeuralFitOptions}. */
export const NEURAL_FIT_KEYS = optionKeys<NeuralFitOptions>({ onProgress: true, signal: true, resumeFrom: true, onEpoch: true });

/** A neural model that can continue training (its `options.epochs` is the total to reach). */
interface Continuable extends Recommender {
  readonly options: { epochs: number };
  readonly epochsTrained: number;
  fit(data: Interactions, options: NeuralFitOptions): Promise<this>;
}

/**
 * LightFM's fit_partial for the neural models (issue 17): `epochs` more epochs (default 1) from where training
 * stopped, optimizer state kept, so on one thread two calls of 1 end bit for bit where one fit of 2 ends. The
 * model's `epochs` becomes the new total; an unfitted model starts from scratch.
 */
export function continueFit<M extends Continuable>(model: M, data: Interactions, options: NeuralFitOptions & { epochs?: number }): Promise<M> {
  checkOptionKeys('fitPartial options', options, [...NEURAL_FIT_KEYS, 'epochs']);
  const { epochs = 1, ...rest } = options;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError('epochs', epochs, 'an integer >= 0');
  const resumeFrom = model.fitted ? model.toState('resumable') : undefined;
  (model.options as { epochs: number }).epochs = (resumeFrom ? model.epochsTrained : 0) + epochs;
  return model.fit(data, { ...rest, resumeFrom });
}

/** The resumable state behind `resumeFrom`, checked against the kind. */
export function resumeState(resumeFrom: Recommender | ModelState, kind: string): ModelState & { training: NonNullable<ModelState['training']> } {
  const state = resumeFrom instanceof Recommender ? resumeFrom.toState('resumable') : resumeFrom;
  if (!state || state.kind !== kind) throw new InvalidArgumentError('resumeFrom.kind', state?.kind, `a '${kind}' model or state`, 'resume from a checkpoint of the same model family.');
  if (!state.training) throw new InvalidArgumentError('resumeFrom.training', undefined, 'optimizer state and epoch', "save the checkpoint with { profile: 'resumable' }.");
  return state as ModelState & { training: NonNullable<ModelState['training']> };
}

/** Copy tensors of a state into params (same names and sizes). */
export function loadParams(params: readonly Param[], tensors: Record<string, TensorArray>, field = 'tensors'): void {
  for (const p of params) {
    const t = tensors[p.name];
    if (!(t instanceof Float32Array) || t.length !== p.value.length) throw new InvalidArgumentError(`${field}.${p.name}`, t ? t.length : undefined, `f32 × ${p.value.length} (${p.rows} × ${p.cols})`, 'the file is damaged or from another configuration.');
    p.value.set(t);
  }
}

export function paramTensors(params: readonly Param[]): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
  const tensors: Record<string, TensorArray> = {};
  const shapes: Record<string, number[]> = {};
  for (const p of params) {
    tensors[p.name] = p.value;
    shapes[p.name] = [p.rows, p.cols];
  }
  return { tensors, shapes };
}

export function optimizerTraining(optimizer: Optimizer, epochs: number): NonNullable<ModelState['training']> {
  const tensors: Record<string, TensorArray> = {};
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(optimizer.exportState())) {
    tensors[`opt:${k}`] = v;
    shapes[`opt:${k}`] = [v.length];
  }
  return { tensors, shapes, counters: { epochs } };
}

export function restoreOptimizer(optimizer: Optimizer, training: NonNullable<ModelState['training']>): number {
  const state: Record<string, Float32Array | Float64Array> = {};
  for (const [k, v] of Object.entries(training.tensors)) {
    if (k.startsWith('opt:') && (v instanceof Float32Array || v instanceof Float64Array)) state[k.slice(4)] = v;
  }
  optimizer.importState(state);
  return training.counters.epochs ?? 0;
}

/**
 * The epoch loop: epochs [start, total), each run by `runEpoch` with its own stream, the optimizer's learning rate
 * set per epoch (milestones), progress and abort checks between epochs.
 */
export async function runEpochs(
  start: number, total: number, seed: number, optimizer: Optimizer, options: NeuralFitOptions, what: string,
  runEpoch: (epoch: number, rng: Rng) => Promise<number> | number, done: (epochs: number) => void, params: readonly Param[],
): Promise<void> {
  for (let e = start; e < total; e++) {
    checkAborted(options.signal, what);
    optimizer.setEpoch(e);
    const t0 = performance.now();
    const loss = await runEpoch(e, epochRng(seed, e));
    checkDiverged(Number.isFinite(loss) && params.every((p) => allFiniteRef(p.value)), what.replace(/ fit$/, ''), e + 1, sgdDivergenceFix(optimizer.config.learningRate));
    done(e + 1);
    const seconds = (performance.now() - t0) / 1000;
    options.onProgress?.({ phase: 'fit', done: e + 1, total, info: { loss } });
    await options.onEpoch?.({ epoch: e + 1, loss, seconds });
    await yieldToEventLoop();
  }
}

/**
 * rows × (cols + 1): each row of `m` followed by `last[r]` (or the constant `last`). The sequence models score with
 * user rows `[state, 1]` against item rows `[vector, bias]`, so one inner product is the trained logit and the shared
 * factor scoring, top-k and kNN paths serve them unchanged; the autoencoder's output layer is scored the same way.
 */
export function withLastColumn(m: Float32Array, rows: number, cols: number, last: Float32Array | number): Float32Array {
  const out = new Float32Array(rows * (cols + 1));
  for (let r = 0; r < rows; r++) {
    out.set(m.subarray(r * cols, (r + 1) * cols), r * (cols + 1));
    out[r * (cols + 1) + cols] = typeof last === 'number' ? last : last[r];
  }
  return out;
}

/** Variable-length rows (histories, feature lists) as CSR arrays [indptr, values] for a model file. */
export function packRows(rows: readonly Int32Array[]): [Int32Array, Int32Array] {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((s, u) => (indptr[u + 1] = indptr[u] + s.length));
  const flat = new Int32Array(indptr[rows.length]);
  rows.forEach((s, u) => flat.set(s, indptr[u]));
  return [indptr, flat];
}

/**
 * Continues a fit from a saved model or state: checks that it was trained on the same vocabularies, loads its
 * parameters into `params` and its optimizer moments into `optimizer`, and returns the epoch to start from.
 */
export function resumeTraining(
  resumeFrom: Recommender | ModelState, kind: string, data: { nUsers: number; nItems: number },
  params: readonly Param[], optimizer: Optimizer,
): number {
  const state = resumeState(resumeFrom, kind);
  if (state.users.length !== data.nUsers || state.items.length !== data.nItems) {
    throw new InvalidArgumentError('resumeFrom.users', state.users.length, `the same interactions (${data.nUsers} users, ${data.nItems} items)`);
  }
  loadParams(params, state.tensors, 'resumeFrom.tensors');
  return restoreOptimizer(optimizer, state.training);
}

/**
 * The layout (issue 22, checked by src/io before a model is built) of a network's params: each `[rows, cols]` table
 * implied by `from`, plus its gradient (createParam allocates one per param).
 */
export function paramsLayout(shapes: Record<string, readonly [number, number]>, from: string): { tensors: Record<string, ImpliedTensor>; derived: { elements: number; from: string }[] } {
  const tensors: Record<string, ImpliedTensor> = {};
  let elements = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    tensors[name] = { shape, from };
    elements += shape[0] * shape[1];
  }
  return { tensors, derived: [{ elements, from }] };
}
