/**
 * Recoder's DynamicAutoencoder (Moussawi 2018, "Towards Large Scale Training Of Autoencoders For Collaborative
 * Filtering"; the Mult-DAE of Liang et al. 2018 with the multinomial loss): a row's interactions (a user's items
 * when user-based, an item's users when item-based) go through a sparse input layer (an embedding table summed over
 * the row's entries, with input dropout), hidden dense layers and their mirror, and an output layer evaluated only
 * over a target set: Recoder's mini-batch negative sampling (the batch's columns plus sampled rows' columns) on
 * catalogues up to {@link AUTOENCODER_SAMPLED_ABOVE} output columns, each row's own columns plus shared sampled
 * negatives above it (src/nn/sampled-output.ts; issue 23; trained there on ALS's weighted squared error unless a loss
 * is given), or every column (`output: 'full'`). Tied: the output
 * layer shares the input table (Recoder's is_constrained, for the outer pair of layers).
 *
 * Recommendation: a known user's row (user-based) or every item's row (item-based) is run through the network in
 * inference mode (dropout off); a new user is folded in by running the network on their items (scoreHistory).
 */
import { Recommender } from '../recommender.ts';
import { registerModelKind, type ModelLayout, type ModelState, type TensorArray } from '../registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import { selectRows } from '../../data/csr-rows.ts';
import type { Backend, Csr, DenseMatrix } from '../../kernels/types.ts';
import { InvalidArgumentError, NotFittedError, NotSupportedError } from '../../errors.ts';
import type { NnActivation, NnKernels } from '../../kernels/reference/nn.ts';
import { checkActivation } from '../../nn/activations.ts';
import { Dense } from '../../nn/dense.ts';
import { Dropout } from '../../nn/dropout.ts';
import { createParam, Rng } from '../../nn/optim.ts';
import type { Optimizer, Param } from '../../nn/types.ts';
import { denseTargets, sampleBatch, shuffledBatches, type SampledBatch } from '../../nn/batches.ts';
import { lossAndGrad, type LossName } from '../../nn/losses.ts';
import { sampledOutputStep } from '../../nn/sampled-output.ts';
import { createSampler, type NegativeSampler, type SamplerKind } from '../../nn/sampled-softmax.ts';
import {
  resumeTraining, TRAINING_DEFAULTS, checkTrainingOptions, loadParams, nnKernels, optimizerFor, optimizerTraining, paramTensors, paramsLayout, restoreOptimizer,
  runEpochs, withLastColumn, NEURAL_FIT_KEYS, type NeuralFitOptions, type NeuralTrainingOptions, continueFit,
} from './neural-common.ts';
import { checkIntegerOption, checkNumberOption, maxAbs, sumAbs } from '../options.ts';
import { withDefaults } from '../../options-check.ts';
import { registerFitMemory } from '../fit-memory.ts';
import { AUTOENCODER_FIT_MEMORY } from '../fit-memory-formulas.ts';

// Its fit-memory formula, checked before every fit, comes with it (issue 18).
registerFitMemory('autoencoder', AUTOENCODER_FIT_MEMORY);

/** Hyper-parameters of {@link AutoencoderRecommender}. */
export interface AutoencoderOptions extends Omit<NeuralTrainingOptions, 'loss'> {
  /**
   * 'multinomial', 'bce' or 'mse' (with {@link confidence}); 'auto' (default): when the output is sampled
   * ({@link output}), 'mse' with confidence at least 1 (positives weigh 2, every other column 1: the objective of
   * implicit's ALS, Hu et al. 2008 with alpha 1), else 'multinomial' (Mult-DAE's). The choice is in
   * {@link AutoencoderRecommender.lossUsed}.
   *
   * Why (issue 23): the sampled multinomial loss only estimates the softmax's partition from the negatives, while
   * mse's sum over the zero columns is estimated without bias (src/nn/sampled-output.ts). NDCG@10 measured with
   * test/bench/ae-sampled-tune.ts, sampled mse (confidence 1) vs sampled multinomial: ml-1m 0.3079 vs 0.2840
   * (ALS 0.2943; the batch output's multinomial 0.2974), the Gowalla-shaped 41k-item set 0.130–0.133 from epoch 3
   * on vs 0.118 at best (ALS 0.1247), a 10k-item shape 0.159 vs 0.140 (ALS 0.153; the full softmax 0.141).
   * Confidence 0 on the 41k-item set: 0.123.
   */
  loss?: LossName | 'auto';
  /**
   * Encoder widths, input side first; the decoder mirrors them (default [200]). Defaults (35 epochs of 500-user
   * batches, adam 1e-3, tanh, input dropout 0.5, multinomial loss) are tuned on ml-1m (test/bench/cases/nn.ts).
   */
  hiddenLayers?: number[];
  /** Activation of every hidden layer (default 'tanh'; the output layer is linear). */
  activation?: NnActivation;
  /** Dropout on the input entries (Recoder's noise_prob; default 0.5, Mult-DAE's). */
  inputDropout?: number;
  /** Dropout on the code, the innermost layer (Recoder's dropout_prob; default 0). */
  dropout?: number;
  /** Output layer shares the input embedding table (default false). */
  tied?: boolean;
  /** 'user' (default): rows are users, outputs items; 'item': rows are items, outputs users. */
  mode?: 'user' | 'item';
  /**
   * Which output columns a training step scores (inference always scores every column):
   * - 'batch': Recoder's target set, the union of the batch rows' columns plus {@link samplingRows} /
   *   {@link samplingColumns} extra ones (on ml-1m a 500-user batch covers nearly every item);
   * - 'sampled': each row's own columns plus {@link negatives} columns drawn per batch by {@link sampler}, with the
   *   sampled-softmax logQ correction (multinomial) or importance weights (bce, mse; src/nn/sampled-output.ts): a step costs rows × negatives × width instead
   *   of rows × (batch union) × width, which on a long-tailed 41k-item catalogue is ~8k columns;
   * - 'full': every column (Mult-DAE's full softmax);
   * - 'auto' (default): 'batch' up to {@link AUTOENCODER_SAMPLED_ABOVE} output columns or when `samplingRows` /
   *   `samplingColumns` is set, else 'sampled'. The choice is in {@link AutoencoderRecommender.outputUsed}.
   */
  output?: 'auto' | 'batch' | 'sampled' | 'full';
  /** 'sampled' output: negatives drawn per batch, shared by its rows (default 2000: on the 41k-item Gowalla-shaped bench set NDCG@10 after 10 epochs of the multinomial loss was 0.108 with 1000, 0.114 with 2000, 0.116 with 3000). */
  negatives?: number;
  /** 'sampled' output: how negatives are drawn: 'popularity' (default, count^0.75), 'log-uniform' or 'uniform'. */
  sampler?: SamplerKind;
}

/**
 * Output columns (items, or users when item-based) above which `output: 'auto'` trains on sampled negatives: the
 * batch union stays near the whole catalogue below it (ml-1m's 3.7k items, so quality there is unchanged), and
 * past it the union's long tail makes each step as costly as the full output (issue 23: no epoch in 15 minutes at
 * 41k items).
 */
export const AUTOENCODER_SAMPLED_ABOVE = 20_000;

const OUTPUTS = ['auto', 'batch', 'sampled', 'full'] as const;

const AE_DEFAULTS: Required<AutoencoderOptions> = {
  ...TRAINING_DEFAULTS, loss: 'auto', epochs: 35, hiddenLayers: [200], activation: 'tanh', inputDropout: 0.5, dropout: 0, tied: false, mode: 'user',
  output: 'auto', negatives: 2000, sampler: 'popularity',
};

interface Network {
  inW: Param;
  inB: Param;
  encoders: Dense[];
  decoders: Dense[];
  outW: Param;
  outB: Param;
}

/**
 * Recoder's DynamicAutoencoder.
 *
 * @example
 * ```ts
 * import { AutoencoderRecommender } from 'recwise/nn';
 * const ae = await new AutoencoderRecommender({ hiddenLayers: [200], loss: 'multinomial', epochs: 50 }).fit(interactions);
 * ae.recommend('alice', { k: 10 });
 * ae.recommend('newcomer', { userItems: ['matrix', 'alien'] }); // fold-in: the network run on these items
 * ```
 */
export class AutoencoderRecommender extends Recommender {
  readonly kind = 'autoencoder';
  readonly options: Required<AutoencoderOptions>;
  private net?: Network;
  private optimizer?: Optimizer;
  private epochsDone = 0;
  /**
   * Inference: the output layer as rows [W_out[i], b_out[i]], resident in the backend, so scoring one user is a
   * matrix–vector product over memory already in place (copying the whole output table into the kernel memory per
   * call cost ~400 µs on ml-1m). Built on first use; dropped whenever a fit changes the weights.
   */
  private outputTable?: DenseMatrix;
  /** Item-based: every item's decoder output (items × width), cached for scoring. */
  private itemCodes?: Float32Array;

  constructor(options: AutoencoderOptions = {}) {
    super();
    this.options = withDefaults('AutoencoderRecommender options', AE_DEFAULTS, options);
    const o = this.options;
    checkTrainingOptions(withLoss(o, o.loss === 'auto' ? 'multinomial' : o.loss));
    if (!Array.isArray(o.hiddenLayers) || o.hiddenLayers.length === 0 || !o.hiddenLayers.every((h) => Number.isInteger(h) && h >= 1)) {
      throw new InvalidArgumentError('hiddenLayers', o.hiddenLayers, 'a non-empty array of positive integers', 'e.g. [200] or [600, 200]');
    }
    checkActivation('activation', o.activation);
    checkNumberOption('inputDropout', o.inputDropout, 0, true);
    checkNumberOption('dropout', o.dropout, 0, true);
    if (o.inputDropout >= 1) throw new InvalidArgumentError('inputDropout', o.inputDropout, 'a probability in [0, 1)');
    if (o.dropout >= 1) throw new InvalidArgumentError('dropout', o.dropout, 'a probability in [0, 1)');
    if (o.mode !== 'user' && o.mode !== 'item') throw new InvalidArgumentError('mode', o.mode, "'user' or 'item'");
    if (!OUTPUTS.includes(o.output)) throw new InvalidArgumentError('output', o.output, OUTPUTS.map((v) => `'${v}'`).join(', '));
    checkIntegerOption('negatives', o.negatives, 1);
    if (!['popularity', 'log-uniform', 'uniform'].includes(o.sampler)) throw new InvalidArgumentError('sampler', o.sampler, "'popularity', 'log-uniform' or 'uniform'");
    if ((o.output === 'sampled' || o.output === 'full') && (o.samplingRows > 0 || o.samplingColumns > 0)) {
      throw new InvalidArgumentError(o.samplingRows > 0 ? 'samplingRows' : 'samplingColumns', o.samplingRows || o.samplingColumns, `0 with output '${o.output}'`, "these extend Recoder's batch target set: use output 'batch' (or 'auto').");
    }
  }

  /**
   * The output a fit on `columns` output columns trains (see {@link AutoencoderOptions.output}); after a fit, the
   * one it used.
   */
  outputFor(columns: number): 'batch' | 'sampled' | 'full' {
    const o = this.options;
    if (o.output !== 'auto') return o.output;
    if (o.samplingRows > 0 || o.samplingColumns > 0) return 'batch';
    return columns > AUTOENCODER_SAMPLED_ABOVE ? 'sampled' : 'batch';
  }

  /** The output the last fit trained ('batch', 'sampled' or 'full'); undefined before a fit. */
  get outputUsed(): 'batch' | 'sampled' | 'full' | undefined {
    return this.net ? this.outputFor(this.net.outW.rows) : undefined;
  }

  /** The loss a fit on `columns` output columns trains (see {@link AutoencoderOptions.loss}). */
  lossFor(columns: number): LossName {
    const o = this.options;
    if (o.loss !== 'auto') return o.loss;
    return this.outputFor(columns) === 'sampled' ? 'mse' : 'multinomial';
  }

  /** The mse confidence a fit on `columns` output columns trains: at least 1 where loss 'auto' chose mse. */
  confidenceFor(columns: number): number {
    const o = this.options;
    return o.loss === 'auto' && this.lossFor(columns) === 'mse' ? Math.max(1, o.confidence) : o.confidence;
  }

  /** The loss the last fit trained; undefined before a fit. */
  get lossUsed(): LossName | undefined {
    return this.net ? this.lossFor(this.net.outW.rows) : undefined;
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /** Epochs trained so far (counting those before a resume). */
  get epochsTrained(): number {
    return this.epochsDone;
  }

  private buildNetwork(cols: number, k: NnKernels): Network {
    const o = this.options;
    const h = o.hiddenLayers;
    const seed = o.seed;
    // Xavier-uniform tables (Glorot & Bengio 2010) for the sparse input and output layers
    const inW = createParam('in.weight', cols, h[0], { sparse: true, init: 'uniform', scale: Math.sqrt(6 / (cols + h[0])), seed });
    const inB = createParam('in.bias', 1, h[0]);
    const encoders: Dense[] = [];
    const decoders: Dense[] = [];
    for (let l = 1; l < h.length; l++) encoders.push(new Dense(`enc${l}`, h[l - 1], h[l], o.activation, { seed: seed + l, kernels: k }));
    for (let l = h.length - 1; l >= 1; l--) decoders.push(new Dense(`dec${l}`, h[l], h[l - 1], o.activation, { seed: seed + 100 + l, kernels: k }));
    const outW = o.tied ? inW : createParam('out.weight', cols, h[0], { sparse: true, init: 'uniform', scale: Math.sqrt(6 / (cols + h[0])), seed: seed + 1000 });
    const outB = createParam('out.bias', cols, 1, { sparse: true });
    return { inW, inB, encoders, decoders, outW, outB };
  }

  private paramList(net: Network): Param[] {
    const ps = [net.inW, net.inB];
    for (const l of [...net.encoders, ...net.decoders]) ps.push(...l.params);
    if (net.outW !== net.inW) ps.push(net.outW);
    ps.push(net.outB);
    return ps;
  }

  /** Rows × columns the network is trained on: users × items, or items × users. */
  private trainingMatrix(data: Interactions): Csr {
    return this.options.mode === 'user' ? data.byUser : data.itemUsers(this.backend);
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
    const csr = this.trainingMatrix(data);
    const k = nnKernels(this.backend);
    const net = this.buildNetwork(csr.cols, k);
    const optimizer = optimizerFor(withLoss(o, this.lossFor(csr.cols)));
    const start = options.resumeFrom ? resumeTraining(options.resumeFrom, this.kind, data, this.paramList(net), optimizer) : 0;
    this.dropOutputTable();
    this.net = net;
    this.optimizer = optimizer;
    this.epochsDone = start;
    this.itemCodes = undefined;
    const params = this.paramList(net);
    const inputDrop = new Dropout(o.inputDropout);
    const codeDrop = new Dropout(o.dropout);
    try {
      await this.trainEpochs(csr, start, optimizer, options, inputDrop, codeDrop, params, net, k);
    } finally {
      this.dropOutputTable(); // scores read during the fit (a progress callback) must not outlive it
    }
    if (o.mode === 'item') this.itemCodes = this.codes(csr, k);
  }

  protected override releaseBackendMemory(): void {
    this.dropOutputTable();
  }

  private dropOutputTable(): void {
    this.outputTable?.dispose();
    this.outputTable = undefined;
  }

  private trainEpochs(
    csr: Csr, start: number, optimizer: Optimizer, options: NeuralFitOptions, inputDrop: Dropout, codeDrop: Dropout,
    params: Param[], net: Network, k: NnKernels,
  ): Promise<void> {
    const o = this.options;
    const output = this.outputFor(csr.cols);
    const sampler = output === 'sampled' ? createSampler(o.sampler, columnCounts(csr)) : undefined;
    const sampling = output === 'full' ? { allColumns: true } : { samplingRows: o.samplingRows, samplingColumns: o.samplingColumns };
    return runEpochs(start, o.epochs, o.seed, optimizer, options, 'autoencoder fit', (_e, rng) => {
      let total = 0;
      let batches = 0;
      const next = () => rng.uniform();
      for (const rows of shuffledBatches(csr.rows, o.batchSize, rng)) {
        total += sampler
          ? this.sampledStep(net, selectRows(csr, rows), sampler.sample(o.negatives, next), sampler, rng, k, inputDrop, codeDrop)
          : this.trainStep(net, sampleBatch(csr, rows, sampling, rng), rng, k, inputDrop, codeDrop);
        optimizer.step(params);
        batches++;
      }
      return batches ? total / batches : 0;
    }, (n) => (this.epochsDone = n), params);
  }

  /** Forward to the last hidden layer (batch × width) for rows given as entries; records what backward needs. */
  private encode(net: Network, n: number, indptr: Int32Array, cols: Int32Array, values: Float32Array, k: NnKernels, rng: Rng | undefined, inputDrop?: Dropout, codeDrop?: Dropout) {
    const h0 = net.inW.cols;
    const x = inputDrop && rng ? inputDrop.forward(values, rng, true) : values;
    // sparse input layer: pre[r] = b + Σ_e x̃_e·W_in[col_e] (an embedding bag)
    const pre = new Float32Array(n * h0);
    for (let r = 0; r < n; r++) pre.set(net.inB.value, r * h0);
    k.embeddingBag(indptr, cols, x, n, net.inW.value, h0, pre, true);
    const h1 = new Float32Array(n * h0);
    k.activate(pre, h1, this.options.activation);
    let hidden: Float32Array = h1;
    for (const l of net.encoders) hidden = l.forward(hidden, n);
    if (codeDrop && rng) hidden = codeDrop.forward(hidden, rng, true);
    for (const l of net.decoders) hidden = l.forward(hidden, n);
    return { x, h1, out: hidden };
  }

  /** One mini-batch over Recoder's target set ('batch' or 'full'): forward, loss, backward (gradients added into the params). */
  private trainStep(net: Network, batch: SampledBatch, rng: Rng, k: NnKernels, inputDrop: Dropout, codeDrop: Dropout): number {
    const o = this.options;
    const n = batch.rows.length;
    const nt = batch.targets.length;
    const h0 = net.inW.cols;
    const { x, h1, out } = this.encode(net, n, batch.indptr, batch.cols, batch.values, k, rng, inputDrop, codeDrop);
    // output layer over the target set: logits = out·W_Tᵀ + b_T
    const WT = new Float32Array(nt * h0);
    const W = net.outW.value;
    for (let t = 0; t < nt; t++) WT.set(W.subarray(batch.targets[t] * h0, (batch.targets[t] + 1) * h0), t * h0);
    const logits = new Float32Array(n * nt);
    for (let r = 0; r < n; r++) for (let t = 0; t < nt; t++) logits[r * nt + t] = net.outB.value[batch.targets[t]];
    k.gemm(out, WT, logits, n, h0, nt, false, true, true);
    const grad = new Float32Array(n * nt);
    const lossName = this.lossFor(net.outW.rows);
    const loss = lossAndGrad(lossName, logits, denseTargets(batch, lossName !== 'mse'), n, nt, grad, k, this.confidenceFor(net.outW.rows));
    // backward: dW_T = dLᵀ·out, db_T = Σ_rows dL, dout = dL·W_T
    const dWT = new Float32Array(nt * h0);
    k.gemm(grad, out, dWT, nt, n, h0, true, false, false);
    const gW = net.outW.grad;
    const gB = net.outB.grad;
    for (let t = 0; t < nt; t++) {
      const c = batch.targets[t];
      const o2 = c * h0;
      for (let j = 0; j < h0; j++) gW[o2 + j] += dWT[t * h0 + j];
      let s = 0;
      for (let r = 0; r < n; r++) s += grad[r * nt + t];
      gB[c] += s;
      net.outW.touched.add(c);
      net.outB.touched.add(c);
    }
    const d = new Float32Array(n * h0);
    k.gemm(grad, WT, d, n, nt, h0, false, false, false);
    this.backwardHidden(net, n, d, h1, x, batch.indptr, batch.cols, k, codeDrop);
    return loss;
  }

  /** One mini-batch with the sampled output (src/nn/sampled-output.ts): each row's columns plus shared negatives. */
  private sampledStep(net: Network, rows: Csr, negatives: Int32Array, sampler: NegativeSampler, rng: Rng, k: NnKernels, inputDrop: Dropout, codeDrop: Dropout): number {
    const o = this.options;
    const n = rows.rows;
    const { x, h1, out } = this.encode(net, n, rows.indptr, rows.indices, rows.data, k, rng, inputDrop, codeDrop);
    const lossName = this.lossFor(net.outW.rows);
    const values = lossName === 'mse' ? rows.data : new Float32Array(rows.data.length).fill(1); // binary targets, as denseTargets
    const { loss, dOut } = sampledOutputStep({
      out, rows: n, dim: net.inW.cols, entries: { indptr: rows.indptr, cols: rows.indices, values }, negatives,
      weight: net.outW, bias: net.outB, sampler, loss: lossName, confidence: this.confidenceFor(net.outW.rows),
    }, k);
    this.backwardHidden(net, n, dOut, h1, x, rows.indptr, rows.indices, k, codeDrop);
    return loss;
  }

  /** Backward from dL/d(last hidden layer) through the hidden layers and the sparse input layer. */
  private backwardHidden(net: Network, n: number, dOut: Float32Array, h1: Float32Array, x: Float32Array, indptr: Int32Array, cols: Int32Array, k: NnKernels, codeDrop: Dropout): void {
    const h0 = net.inW.cols;
    let d = dOut;
    for (let l = net.decoders.length - 1; l >= 0; l--) d = net.decoders[l].backward(d);
    d = codeDrop.backward(d);
    for (let l = net.encoders.length - 1; l >= 0; l--) d = net.encoders[l].backward(d);
    const dz = new Float32Array(n * h0);
    k.activateBackward(h1, d, dz, this.options.activation);
    const gInB = net.inB.grad;
    for (let r = 0; r < n; r++) for (let j = 0; j < h0; j++) gInB[j] += dz[r * h0 + j];
    k.embeddingBagBackward(indptr, cols, x, n, dz, h0, net.inW.grad);
    for (let e = 0; e < indptr[n]; e++) if (x[e] !== 0) net.inW.touched.add(cols[e]);
  }

  private requireNet(): Network {
    if (!this.net) throw new NotFittedError(this.kind);
    return this.net;
  }

  /** Scores of rows given as entries over every output column: n × cols (inference: dropout off). */
  private outputs(n: number, indptr: Int32Array, cols: Int32Array, values: Float32Array, k: NnKernels): Float32Array {
    const net = this.requireNet();
    const { out } = this.encode(net, n, indptr, cols, values, k, undefined);
    const nc = net.outW.rows, h = net.outW.cols;
    if (!this.outputTable) this.outputTable = this.backend.matrix(withLastColumn(net.outW.value, nc, h, net.outB.value), nc, h + 1);
    return this.backend.scoreBlock(withLastColumn(out, n, h, 1), n, this.outputTable);
  }

  /** Item-based: every item row's last hidden layer (items × width). */
  private codes(csr: Csr, k: NnKernels): Float32Array {
    const net = this.requireNet();
    const h0 = net.inW.cols;
    const out = new Float32Array(csr.rows * h0);
    for (let b = 0; b < csr.rows; b += 256) {
      const n = Math.min(256, csr.rows - b);
      const indptr = new Int32Array(n + 1);
      for (let r = 0; r < n; r++) indptr[r + 1] = csr.indptr[b + r + 1] - csr.indptr[b];
      const lo = csr.indptr[b];
      const hi = csr.indptr[b + n];
      out.set(this.encode(net, n, indptr, csr.indices.subarray(lo, hi), csr.data.subarray(lo, hi), k, undefined).out, b * h0);
    }
    return out;
  }

  scoreUsers(users: Int32Array): Float32Array {
    const idx = this.requireIndex();
    const k = nnKernels(this.backend);
    const net = this.requireNet();
    if (this.options.mode === 'user') {
      const rows = selectRows(idx.seen, users);
      return this.outputs(users.length, rows.indptr, rows.indices, rows.data, k);
    }
    // item-based: score[u, i] = code_i · W_out[u] + b_out[u]
    if (!this.itemCodes) throw new NotFittedError(this.kind);
    const h0 = net.inW.cols;
    const nItems = idx.items.size;
    const Wu = new Float32Array(users.length * h0);
    for (let r = 0; r < users.length; r++) Wu.set(net.outW.value.subarray(users[r] * h0, (users[r] + 1) * h0), r * h0);
    const s = new Float32Array(users.length * nItems);
    for (let r = 0; r < users.length; r++) s.fill(net.outB.value[users[r]], r * nItems, (r + 1) * nItems);
    k.gemm(Wu, this.itemCodes, s, users.length, h0, nItems, false, true, true);
    return s;
  }

  /** Fold-in (user-based): the network run on the given items (weights default 1), dropout off. */
  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    if (this.options.mode !== 'user') throw new NotSupportedError('userItems (fold-in)', 'item-based autoencoder', "use mode 'user' to fold in new users.");
    const values = weights ? Float32Array.from(weights) : new Float32Array(items.length).fill(1);
    return this.outputs(1, Int32Array.of(0, items.length), items, values, nnKernels(this.backend));
  }

  protected exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    return paramTensors(this.paramList(this.requireNet()));
  }

  protected override exportTraining(): ModelState['training'] {
    if (!this.optimizer) return undefined;
    return optimizerTraining(this.optimizer, this.epochsDone);
  }

  /** The tensors a state implies (issue 22): the network `buildNetwork` makes for the vocabulary width. */
  static layout(state: ModelState): ModelLayout {
    const o = new AutoencoderRecommender(state.params as AutoencoderOptions).options;
    const cols = o.mode === 'user' ? state.items.length : state.users.length;
    const h = o.hiddenLayers;
    const shapes: Record<string, [number, number]> = { 'in.weight': [cols, h[0]], 'in.bias': [1, h[0]] };
    for (let l = 1; l < h.length; l++) Object.assign(shapes, { [`enc${l}.weight`]: [h[l - 1], h[l]], [`enc${l}.bias`]: [1, h[l]] });
    for (let l = h.length - 1; l >= 1; l--) Object.assign(shapes, { [`dec${l}.weight`]: [h[l], h[l - 1]], [`dec${l}.bias`]: [1, h[l - 1]] });
    if (!o.tied) shapes['out.weight'] = [cols, h[0]];
    shapes['out.bias'] = [cols, 1];
    const layout = paramsLayout(shapes, 'params.hiddenLayers');
    // item-based: every item's code is cached (items × first hidden layer)
    if (o.mode === 'item') layout.derived.push({ elements: state.items.length * h[0], from: 'params.hiddenLayers' });
    return { ...layout, scoreBound: () => networkScoreBound(state, shapes, Math.max(sumAbs(state.seen.data), cols)) };
  }

  /** Rebuild from a model file's state (either profile). */
  static fromState(state: ModelState, backend: Backend): AutoencoderRecommender {
    const model = new AutoencoderRecommender(state.params as AutoencoderOptions);
    const index = Recommender.indexFromState(state);
    const cols = model.options.mode === 'user' ? index.items.size : index.users.size;
    const k = nnKernels(backend);
    const net = model.buildNetwork(cols, k);
    loadParams(model.paramList(net), state.tensors);
    model.net = net;
    model.restore(index, backend);
    if (state.training) {
      model.optimizer = optimizerFor(withLoss(model.options, model.lossFor(cols)));
      model.epochsDone = restoreOptimizer(model.optimizer, state.training);
    }
    if (model.options.mode === 'item') {
      // items × users from the seen CSR (the training interactions)
      const seen = index.seen;
      const rows = new Int32Array(seen.indices.length);
      for (let u = 0; u < seen.rows; u++) rows.fill(u, seen.indptr[u], seen.indptr[u + 1]);
      const byItem = backend.csrFromCoo(seen.indices, rows, seen.data, index.items.size, index.users.size);
      model.itemCodes = model.codes(byItem, k);
    }
    return model;
  }
}

/**
 * |score| bound of the network on inputs of total weight `input` (issue 22): each layer maps a bound b to
 * fan-in × max|W| × b + max|bias|, × 1.06 for the activation (SELU's scale 1.0507 is the largest); the output layer
 * is the same product. Finite weights large enough to overflow float32 scores are refused on load.
 */
function networkScoreBound(state: ModelState, shapes: Record<string, [number, number]>, input: number): { bound: number; from: string } {
  const t = state.tensors;
  const out = t['out.weight'] ? 'out.weight' : 'in.weight'; // tied: the input table scores
  const steps: [string, number][] = [['in.weight', input * maxAbs(t['in.weight'])]];
  let b = 1.06 * (steps[0][1] + maxAbs(t['in.bias']));
  for (const w of Object.keys(shapes).filter((n) => /^(enc|dec)\d+\.weight$/.test(n))) {
    b = 1.06 * (shapes[w][0] * maxAbs(t[w]) * b + maxAbs(t[w.replace('.weight', '.bias')]));
    steps.push([w, b]);
  }
  const bound = shapes['in.weight'][1] * maxAbs(t[out]) * b + maxAbs(t['out.bias']);
  steps.push([out, bound]);
  // the first table whose step leaves the float32 range is the one at fault
  const at = steps.find(([, v]) => !(v < 1e38)) ?? steps[steps.length - 1];
  return { bound, from: `tensors.${at[0]}` };
}

/** The options as the shared neural training helpers take them, with the loss resolved. */
function withLoss(o: Required<AutoencoderOptions>, loss: LossName): Required<NeuralTrainingOptions> {
  return { ...o, loss };
}

/** How often each column occurs (the popularity of the output columns, for the negative sampler). */
function columnCounts(csr: Csr): Int32Array {
  const counts = new Int32Array(csr.cols);
  for (let e = 0; e < csr.indptr[csr.rows]; e++) counts[csr.indices[e]]++;
  return counts;
}

registerModelKind('autoencoder', (state, backend) => AutoencoderRecommender.fromState(state, backend), {
  layout: (state) => AutoencoderRecommender.layout(state),
  create: (params) => new AutoencoderRecommender(params as AutoencoderOptions),
});
