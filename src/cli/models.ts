/**
 * Model families the CLI can train, by `--model` name. Later model issues add their entry here (with any flags
 * their hyperparameters need, merged into fit/eval's flag lists).
 */
import type { FlagSpec, FlagValues } from './args.ts';
import type { Recommender } from '../models/recommender.ts';
import { init } from '../kernels/registry.ts';
import { PopularityRecommender } from '../models/baseline/popularity.ts';
import { AlsRecommender } from '../models/factorization/als.ts';
import { BprRecommender } from '../models/factorization/bpr.ts';
import { LmfRecommender } from '../models/factorization/lmf.ts';
import { LightFmRecommender } from '../models/factorization/lightfm.ts';
import { featureFile } from './features.ts';
import { ItemKnnRecommender } from '../models/neighbourhood/itemknn.ts';
import { GruRecommender } from '../models/neural/gru.ts';
import { TwoTowerRecommender } from '../models/neural/two-tower.ts';
import { AutoencoderRecommender } from '../models/neural/autoencoder.ts';
import { SampledMfRecommender } from '../models/neural/sampled-mf.ts';
import { HashedMfRecommender } from '../models/neural/hashed-mf.ts';
import { EaseRecommender } from '../models/neighbourhood/ease.ts';
import { Rp3BetaRecommender } from '../models/neighbourhood/rp3beta.ts';
import { InfiniteAeRecommender } from '../models/neural/infinite-ae.ts';

export interface CliModel {
  readonly summary: string;
  /** Extra flags for this family's hyperparameters. */
  readonly flags: readonly FlagSpec[];
  create(flags: FlagValues): Recommender;
}

/** Only the flags that were given, so each model keeps its own defaults for the rest. */
function given<T extends object>(values: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as T;
}

const FACTORS: FlagSpec = { name: 'factors', type: 'int', min: 1, help: 'als/bpr/lmf/lightfm: latent factors (defaults: als 100, bpr 100, lmf 30, lightfm 10)' };
const REGULARIZATION: FlagSpec = { name: 'regularization', type: 'number', min: 0, help: 'als/bpr/lmf: L2 regularization (defaults: als 0.01, bpr 0.01, lmf 0.6)' };
const LEARNING_RATE: FlagSpec = { name: 'learning-rate', type: 'number', min: 0, help: 'bpr/lmf/lightfm: step size (defaults: bpr 0.01, lmf 1.0, lightfm 0.05)' };
const EPOCHS: FlagSpec = { name: 'epochs', type: 'int', min: 0, help: 'bpr/lmf/lightfm: training epochs (defaults: bpr 100, lmf 30, lightfm 10)' };
const SEED: FlagSpec = { name: 'seed', type: 'int', min: 0, help: 'als/bpr/lmf/lightfm: random seed (default 42)' };
const DETERMINISTIC: FlagSpec = { name: 'deterministic', type: 'boolean', help: 'bpr/lmf/lightfm: the same factors for a seed on any thread count (bpr and lightfm then train on one thread)' };
const deterministic = (f: FlagValues) => (f.deterministic === true ? true : undefined);

export const CLI_MODELS: Readonly<Record<string, CliModel>> = {
  popularity: {
    summary: 'items ranked by how many training users interacted with them (the baseline)',
    flags: [{ name: 'weighted', type: 'boolean', help: 'popularity: score items by summed weights instead of user counts' }],
    create: (flags) => new PopularityRecommender({ weighted: flags.weighted === true }),
  },
  als: {
    summary: 'implicit-feedback alternating least squares (Hu et al. 2008; CG or Cholesky solves, as implicit)',
    flags: [
      FACTORS,
      { name: 'iterations', type: 'int', min: 0, help: 'als: alternating iterations (default 15)' },
      REGULARIZATION,
      { name: 'alpha', type: 'number', min: 0, help: 'als: confidence slope (default 1): 1 + alpha·weight, or alpha·weight with --confidence alpha; rp3beta: exponent on the walk probabilities (default 1)' },
      { name: 'confidence', type: 'enum', values: ['one-plus-alpha', 'alpha'], help: "als: one-plus-alpha (default, c = 1 + alpha·w) or alpha (c = alpha·w, implicit >= 0.5's meaning of alpha)" },
      { name: 'solver', type: 'enum', values: ['cg', 'cholesky'], help: 'als: conjugate gradient (default) or exact Cholesky solves' },
      { name: 'cg-steps', type: 'int', min: 1, help: 'als: conjugate-gradient steps per solve (default 3)' },
      { name: 'unobserved-weight', type: 'number', min: 0, help: 'als: weight α₀ of unobserved pairs (default 1; Rendle et al. 2022)' },
      { name: 'regularization-exponent', type: 'number', min: 0, help: 'als: frequency scaling ν, row penalty λ·(|I_u| + α₀|I|)^ν (default 0; Rendle et al. use 1)' },
      { name: 'init-std', type: 'number', min: 0, help: 'als: init N(0, σ²/factors) with this σ (default 0: implicit\'s U[0, 0.01))' },
      SEED,
    ],
    create: (f) =>
      new AlsRecommender(given({
        factors: f.factors, iterations: f.iterations, regularization: f.regularization, alpha: f.alpha, confidence: f.confidence, solver: f.solver, cgSteps: f['cg-steps'], seed: f.seed,
        unobservedWeight: f['unobserved-weight'], regularizationExponent: f['regularization-exponent'], initStd: f['init-std'],
      })),
  },
  bpr: {
    summary: 'Bayesian personalized ranking matrix factorisation (Rendle et al. 2009, implicit\'s sampling)',
    flags: [FACTORS, LEARNING_RATE, REGULARIZATION, EPOCHS, { name: 'no-verify-negative', type: 'boolean', help: 'bpr: do not skip sampled negatives the user has liked' }, SEED, DETERMINISTIC],
    create: (f) =>
      new BprRecommender(given({ factors: f.factors, learningRate: f['learning-rate'], regularization: f.regularization, iterations: f.epochs, verifyNegative: f['no-verify-negative'] === true ? false : undefined, seed: f.seed, deterministic: deterministic(f) })),
  },
  lmf: {
    summary: 'logistic matrix factorisation (Johnson 2014, as implicit trains it)',
    flags: [FACTORS, LEARNING_RATE, REGULARIZATION, EPOCHS, { name: 'neg-prop', type: 'int', min: 0, help: 'lmf: sampled negatives per positive (default 30)' }, SEED, DETERMINISTIC],
    create: (f) =>
      new LmfRecommender(given({ factors: f.factors, learningRate: f['learning-rate'], regularization: f.regularization, iterations: f.epochs, negativeProportion: f['neg-prop'], seed: f.seed, deterministic: deterministic(f) })),
  },
  lightfm: {
    summary: "LightFM's hybrid factorization: user/item feature embeddings, WARP/BPR/logistic/k-OS losses (Kula 2015)",
    flags: [
      { name: 'loss', type: 'enum', values: ['warp', 'bpr', 'logistic', 'warp-kos', 'multinomial', 'bce', 'mse', 'auto'], help: 'lightfm: warp (default), bpr, logistic, warp-kos; sampled-mf/hashed-mf: multinomial (default), bce, mse; autoencoder: the same or auto (default: mse with the sampled output, else multinomial)' },
      FACTORS, LEARNING_RATE, EPOCHS,
      { name: 'learning-schedule', type: 'enum', values: ['adagrad', 'adadelta'], help: 'lightfm: adagrad (default) or adadelta' },
      { name: 'max-sampled', type: 'int', min: 1, help: 'lightfm: WARP negatives drawn per positive at most (default 10)' },
      { name: 'item-alpha', type: 'number', min: 0, help: 'lightfm: L2 on item features (default 0)' },
      { name: 'user-alpha', type: 'number', min: 0, help: 'lightfm: L2 on user features (default 0)' },
      { name: 'alpha-decay', type: 'enum', values: ['lightfm', 'updated'], help: "lightfm: how the alphas decay: lightfm (default, LightFM's lazy decay of every parameter) or updated (only updated rows)" },
      { name: 'user-features', type: 'string', meta: 'PATH', help: 'lightfm: TSV `id feature [weight]` of user features (identity features kept, rows normalised)' },
      { name: 'item-features', type: 'string', meta: 'PATH', help: 'lightfm: TSV `id feature [weight]` of item features, or an attribute table with --item-feature-columns' },
      { name: 'user-feature-columns', type: 'string', meta: 'SPECS', help: 'lightfm: read --user-features as an attribute table: columns to use, e.g. age:bucket5,gender,occupation' },
      { name: 'item-feature-columns', type: 'string', meta: 'SPECS', help: 'lightfm: read --item-features as an attribute table: e.g. genres:multi,year:bucket10,5..23:flag (names or 0-based indices)' },
      SEED, DETERMINISTIC,
    ],
    create: (f) =>
      new LightFmRecommender(given({
        loss: f.loss, factors: f.factors, learningRate: f['learning-rate'], epochs: f.epochs, learningSchedule: f['learning-schedule'],
        maxSampled: f['max-sampled'], itemAlpha: f['item-alpha'], userAlpha: f['user-alpha'], alphaDecay: f['alpha-decay'], seed: f.seed, threads: deterministic(f) ? undefined : f.threads, deterministic: deterministic(f),
      })).withFeatures({
        userFeatures: typeof f['user-features'] === 'string' ? featureFile('user-features', f['user-features'], f['user-feature-columns'] as string | undefined) : undefined,
        itemFeatures: typeof f['item-features'] === 'string' ? featureFile('item-features', f['item-features'], f['item-feature-columns'] as string | undefined) : undefined,
      }),
  },
  itemknn: {
    summary: 'item-item nearest neighbours: cosine, BM25 or TF-IDF weighted co-occurrence (as implicit)',
    flags: [
      { name: 'similarity', type: 'enum', values: ['cosine', 'bm25', 'tfidf', 'plain'], help: 'itemknn: item weighting (default cosine)' },
      { name: 'neighbors', type: 'int', min: 0, help: 'itemknn: neighbours kept per item, itself included (default 20); ease: weights kept per column (default 0: all); rp3beta: weights kept per item (default 100)' },
      { name: 'k1', type: 'number', min: 0, help: 'itemknn: BM25 K1 (default 1.2)' },
      { name: 'b', type: 'number', min: 0, help: 'itemknn: BM25 B in [0, 1] (default 0.75)' },
    ],
    create: (f) => new ItemKnnRecommender(given({ similarity: f.similarity, neighbors: f.neighbors, k1: f.k1, b: f.b })),
  },
};

// Sampled-softmax negatives: gru, two-tower and the autoencoder's sampled output (issue 23)
const NEGATIVES: FlagSpec = { name: 'negatives', type: 'int', min: 0, help: "gru/two-tower/autoencoder: sampled-softmax negatives per batch (defaults: 256, autoencoder 2000)" };
const SAMPLER: FlagSpec = { name: 'sampler', type: 'enum', values: ['popularity', 'log-uniform', 'uniform'], help: 'gru/two-tower/autoencoder: negative sampler, logQ-corrected (default popularity)' };

// Sequence and retrieval models (issue 9): flags shared by gru and two-tower
const RETRIEVAL_FLAGS: readonly FlagSpec[] = [
  FACTORS, LEARNING_RATE, EPOCHS, SEED,
  { name: 'max-seq-len', type: 'int', min: 1, help: 'gru/two-tower: most recent items a user embedding reads (default 50)' },
  NEGATIVES, SAMPLER,
  { name: 'batch-size', type: 'int', min: 1, help: 'gru/two-tower: rows per mini-batch (defaults: gru 32, two-tower 256)' },
];
const retrievalOptions = (f: FlagValues) => ({
  factors: f.factors, learningRate: f['learning-rate'], epochs: f.epochs, seed: f.seed, maxSeqLen: f['max-seq-len'], negatives: f.negatives,
  sampler: f.sampler, batchSize: f['batch-size'],
});
const GRU_MODELS: Readonly<Record<string, CliModel>> = {
  gru: {
    summary: "GRU sequence model (RNN4Rec-style): a user is the GRU state over their recent items; sampled softmax",
    flags: [...RETRIEVAL_FLAGS, { name: 'target', type: 'enum', values: ['heldout', 'next'], help: 'gru: objective, held-out items (default) or next item' }],
    create: (f) => new GruRecommender(given({ ...retrievalOptions(f), target: f.target })),
  },
  'two-tower': {
    summary: 'two-tower retrieval (YouTubeRetrieval-style): mean of recent item embeddings → dense tower; sampled softmax',
    flags: [
      ...RETRIEVAL_FLAGS,
      { name: 'hidden', type: 'string', meta: 'SIZES', help: "two-tower: hidden layer sizes, comma-separated (default '128'; '' for none)" },
      { name: 'history', type: 'enum', values: ['all', 'before'], help: "two-tower: training history, the user's other items (default) or the items before the target" },
      { name: 'user-features', type: 'string', meta: 'PATH', help: 'lightfm/two-tower: TSV `id feature [weight]` of user features (two-tower: names only)' },
    ],
    create: (f) => {
      const model = new TwoTowerRecommender(given({
        ...retrievalOptions(f), history: f.history,
        hidden: typeof f.hidden === 'string' ? f.hidden.split(',').filter((v) => v.trim()).map(Number) : undefined,
      }));
      const path = f['user-features'];
      if (typeof path !== 'string') return model;
      const read = featureFile('user-features', path);
      return model.withUserFeatures(async (users) => {
        const records = await read(users);
        return new Map(Array.from(records.rows, (r) => [r.id, Array.from(r.features, (x) => String(Array.isArray(x) ? x[0] : x))]));
      });
    },
  },
};
Object.assign(CLI_MODELS, GRU_MODELS);

// Neural models (issue 9, engineer A): Recoder's autoencoder and sampled-batch MF, hashed-id MF
const NEURAL_FLAGS: readonly FlagSpec[] = [
  FACTORS, LEARNING_RATE, EPOCHS, SEED,
  { name: 'batch-size', type: 'int', min: 1, help: 'gru/two-tower/autoencoder/sampled-mf/hashed-mf: rows per mini-batch (defaults: gru 32, two-tower 256, others 500)' },
  { name: 'loss', type: 'enum', values: ['multinomial', 'bce', 'mse', 'auto', 'warp', 'bpr', 'logistic', 'warp-kos'], help: 'lightfm: warp (default), bpr, logistic, warp-kos; sampled-mf/hashed-mf: multinomial (default), bce, mse; autoencoder: the same or auto (default: mse with the sampled output, else multinomial)' },
  { name: 'optimizer', type: 'enum', values: ['adam', 'sgd', 'adagrad', 'rmsprop'], help: 'autoencoder/sampled-mf/hashed-mf: optimizer (default adam)' },
  { name: 'weight-decay', type: 'number', min: 0, help: 'autoencoder/sampled-mf/hashed-mf: L2 weight decay (default 0)' },
  { name: 'sampling-users', type: 'int', min: 0, help: "autoencoder/sampled-mf/hashed-mf: Recoder's num_sampling_users, extra users whose items join each batch's targets (default 0)" },
  { name: 'confidence', type: 'number', min: 0, help: 'autoencoder/sampled-mf/hashed-mf: mse loss confidence, positives weigh 1 + confidence (default 0)' },
];
const neuralOptions = (f: FlagValues) => ({
  learningRate: f['learning-rate'], epochs: f.epochs, seed: f.seed, batchSize: f['batch-size'], loss: f.loss, optimizer: f.optimizer,
  weightDecay: f['weight-decay'], samplingRows: f['sampling-users'], confidence: f.confidence,
});
const NEURAL_MODELS: Readonly<Record<string, CliModel>> = {
  autoencoder: {
    summary: "Recoder's DynamicAutoencoder (Mult-DAE's multinomial loss; past 20,000 items ALS's weighted squared error on a sampled output)",
    flags: [
      ...NEURAL_FLAGS,
      { name: 'hidden', type: 'string', meta: 'SIZES', help: "two-tower/autoencoder: hidden layer sizes, comma-separated (defaults: two-tower '128', autoencoder '200')" },
      { name: 'activation', type: 'enum', values: ['tanh', 'relu', 'sigmoid', 'selu', 'none'], help: 'autoencoder: hidden activation (default tanh)' },
      { name: 'input-dropout', type: 'number', min: 0, help: 'autoencoder: dropout on the input items (default 0.5)' },
      { name: 'dropout', type: 'number', min: 0, help: 'autoencoder: dropout on the code layer (default 0)' },
      { name: 'tied', type: 'boolean', help: 'autoencoder: output layer shares the input embedding table' },
      { name: 'item-based', type: 'boolean', help: "autoencoder: rows are items (their users in, users out) instead of users" },
      { name: 'output', type: 'enum', values: ['auto', 'batch', 'sampled', 'full'], help: "autoencoder: output columns a step trains: Recoder's batch set, own items + sampled negatives, or all (default auto: sampled above 20,000 items)" },
      NEGATIVES, SAMPLER,
    ],
    create: (f) => new AutoencoderRecommender(given({
      ...neuralOptions(f), activation: f.activation, inputDropout: f['input-dropout'], dropout: f.dropout, tied: f.tied === true ? true : undefined,
      mode: f['item-based'] === true ? 'item' : undefined, output: f.output, negatives: f.negatives, sampler: f.sampler,
      hiddenLayers: typeof f.hidden === 'string' ? f.hidden.split(',').filter((v) => v.trim()).map(Number) : undefined,
    })),
  },
  'sampled-mf': {
    summary: "matrix factorisation trained on Recoder's sampled mini-batches and losses",
    flags: NEURAL_FLAGS,
    create: (f) => new SampledMfRecommender(given({ ...neuralOptions(f), factors: f.factors })),
  },
  'hashed-mf': {
    summary: 'matrix factorisation over hashed user and item ids (fixed-size tables; collisions reported)',
    flags: [
      ...NEURAL_FLAGS,
      { name: 'user-buckets', type: 'int', min: 1, help: 'hashed-mf: rows of the user table (default 65536)' },
      { name: 'item-buckets', type: 'int', min: 1, help: 'hashed-mf: rows of the item table (default 65536)' },
      { name: 'hash', type: 'enum', values: ['murmur3', 'modulo'], help: 'hashed-mf: id hash (default murmur3)' },
    ],
    create: (f) => new HashedMfRecommender(given({
      ...neuralOptions(f), factors: f.factors, userBuckets: f['user-buckets'], itemBuckets: f['item-buckets'], hash: f.hash,
    })),
  },
};
Object.assign(CLI_MODELS, NEURAL_MODELS);

// Closed-form and graph item models, and the closed-form ∞-AE (issue 19)
const LAMBDA: FlagSpec = { name: 'lambda', type: 'number', min: 0, help: 'ease: L2 penalty λ (default 500); infinite-ae: ridge penalty (default 10)' };
const ITEM_NORMALIZATION: FlagSpec = {
  name: 'item-normalization', type: 'number', min: 0,
  help: 'ease: Gram normalised as D^-α G D^-α, α in [0, 1] (Shen et al. 2021; default 0); infinite-ae: item columns scaled by popularity^-α (default 0)',
};
Object.assign(CLI_MODELS, {
  ease: {
    summary: 'EASE: closed-form item-item weights B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹ (Steck 2019)',
    flags: [
      LAMBDA,
      { name: 'diagonal-penalty', type: 'number', min: 0, help: 'ease: extra penalty ρ·popularity on each item\'s own weight (Steck 2020; default 0)' },
      { name: 'user-normalization', type: 'number', min: 0, help: 'ease: users weigh |I_u|^-β in the Gram matrix (Shen et al. 2021; default 0)' },
      ITEM_NORMALIZATION,
      { name: 'session-window', type: 'number', min: 0, help: 'ease: pairs of a user\'s items count max(0, 1 - |Δt|/w) in the Gram matrix, w in the timestamps\' unit (e.g. 3600 s; default 0: off; needs timestamps)' },
    ],
    create: (f) =>
      new EaseRecommender(given({
        lambda: f.lambda, diagonalPenalty: f['diagonal-penalty'], userNormalization: f['user-normalization'], itemNormalization: f['item-normalization'], neighbors: f.neighbors,
        sessionWindow: f['session-window'],
      })),
  },
  rp3beta: {
    summary: 'RP3beta: 3-step random-walk item-item weights with a popularity penalty (Paudel et al. 2017)',
    flags: [
      { name: 'alpha', type: 'number', min: 0, help: 'als: confidence 1 + alpha·weight (default 1); rp3beta: exponent on the walk probabilities (default 1)' },
      { name: 'beta', type: 'number', min: 0, help: 'rp3beta: popularity penalty, weights divided by popularity^beta (default 0.5)' },
      { name: 'no-normalize', type: 'boolean', help: 'rp3beta: keep raw walk weights instead of rows summing to 1' },
    ],
    create: (f) => new Rp3BetaRecommender(given({ alpha: f.alpha, beta: f.beta, neighbors: f.neighbors, normalize: f['no-normalize'] === true ? false : undefined })),
  },
  'infinite-ae': {
    summary: '∞-AE: an infinitely wide autoencoder in closed form, kernel ridge regression over users with its NTK (Sachdeva et al. 2022)',
    flags: [LAMBDA, ITEM_NORMALIZATION],
    create: (f) => new InfiniteAeRecommender(given({ lambda: f.lambda, itemNormalization: f['item-normalization'] })),
  },
} satisfies Record<string, CliModel>);

export const MODEL_NAMES = Object.keys(CLI_MODELS);

/** Kernel flags shared by fit and eval. */
export const BACKEND_FLAGS: readonly FlagSpec[] = [
  { name: 'threads', type: 'int', min: 1, help: 'worker threads for training and scoring (default: every core)' },
  { name: 'backend', type: 'enum', values: ['auto', 'wasm', 'js'], help: "kernels: 'auto' (default), 'wasm' (SIMD) or 'js' (reference)" },
];

/** Start the kernel backend the flags ask for (before any model is fitted). */
export async function initFromFlags(flags: FlagValues): Promise<void> {
  await init({ threads: flags.threads as number | undefined, backend: (flags.backend as 'auto' | 'wasm' | 'js' | undefined) ?? 'auto' });
}

/** Flags of every family (deduplicated by name), for fit/eval's flag lists. */
export function modelFlags(): FlagSpec[] {
  const seen = new Map<string, FlagSpec>();
  for (const f of BACKEND_FLAGS) seen.set(f.name, f);
  for (const m of Object.values(CLI_MODELS)) for (const f of m.flags) if (!seen.has(f.name)) seen.set(f.name, f);
  return [...seen.values()];
}

/** The model's epoch count for s/epoch (1 for one-pass models such as popularity). */
export function epochsOf(model: Recommender): number {
  const p = model.params as Record<string, unknown>;
  for (const k of ['epochs', 'iterations']) if (typeof p[k] === 'number' && (p[k] as number) > 0) return p[k] as number;
  return 1;
}
