/**
 * The fit-memory formulas of the model families (see src/models/fit-memory.ts for what each estimate counts), each
 * registered by its model's module with `registerFitMemory` (issue 18), so an app that bundles only some models (or
 * only loads them) ships only their formulas.
 */
import type { FitMemoryEstimate, FitMemoryFormula } from './fit-memory.ts';

/** The kernels' cache line: per-thread state blocks are whole lines (src/kernels/wasm/backend.ts LINE). */
const LINE = 128;
const f32 = (n: number) => Math.ceil((n * 4) / 16) * 16;

type Params = Record<string, unknown>;
type Estimator = FitMemoryFormula['estimate'];

const num = (params: Params, key: string, fallback: number) => (typeof params[key] === 'number' ? (params[key] as number) : fallback);

function estimate(phases: Record<string, number>[], js: number, largest: number[]): FitMemoryEstimate {
  let wasm = 0;
  let parts: Record<string, number> = {};
  for (const phase of phases) {
    const total = Object.values(phase).reduce((a, b) => a + b, 0);
    if (total > wasm) {
      wasm = total;
      parts = phase;
    }
  }
  return { wasm, js, largestArray: Math.max(...largest), parts };
}

/** A weighted CSR uploaded to Wasm: indptr, indices, values (src/kernels/wasm/backend.ts sparseMatrix). */
const sparse = (rows: number, nnz: number) => f32(rows + 1) + 2 * f32(nnz);

/** ALS (src/models/factorization/als.ts): X and Y resident, the confidences in both orientations, Gram and per-thread solver scratch. */
const alsEstimate: Estimator = (s, p, threads) => {
  const d = num(p, 'factors', 100);
  const X = f32(s.users * d);
  const Y = f32(s.items * d);
  const cg = p.solver !== 'cholesky';
  const scratch = threads * Math.ceil(((cg ? 3 * d : d * d + d) * 4) / LINE) * LINE;
  return estimate(
    [{ userFactors: X, itemFactors: Y, byUser: sparse(s.users, s.interactions), byItem: sparse(s.items, s.interactions), gram: 2 * f32(d * d), scratch: scratch + LINE }],
    // the item-major CSR (built on the JS heap and kept by the Interactions), two confidence copies, initial and
    // final factors
    2 * f32(s.interactions) + f32(s.items + 1) + 2 * f32(s.interactions) + 2 * (X + Y),
    [s.interactions * 4, X, Y],
  );
};

/** BPR (src/models/factorization/bpr.ts): X and Y with a bias column, the user-major CSR and each entry's row for sampling. */
const bprEstimate: Estimator = (s, p, threads) => {
  const cols = num(p, 'factors', 100) + 1;
  const X = f32(s.users * cols);
  const Y = f32(s.items * cols);
  return estimate(
    [{ userFactors: X, itemFactors: Y, byUser: sparse(s.users, s.interactions), rowOfEntry: f32(s.interactions), state: threads * LINE + LINE }],
    2 * (X + Y) + f32(s.items) + f32(s.interactions),
    [s.interactions * 4, X, Y],
  );
};

/** Item-kNN (src/models/neighbourhood/itemknn.ts): both weighted CSRs, k neighbours per item, per-thread dense accumulators. */
const itemknnEstimate: Estimator = (s, p, threads) => {
  const k = Math.min(num(p, 'neighbors', 20), Math.max(1, s.items));
  const top = 2 * f32(s.items * k) + f32(s.items);
  return estimate(
    [{ byItem: sparse(s.items, s.interactions), byUser: sparse(s.users, s.interactions), neighbours: top, scratch: threads * 2 * f32(s.items) + 16 }],
    // weighted values (user-major), the item-major copy, idf and item norms, the top-k result and its CSR
    3 * f32(s.interactions) + f32(s.items + 1) + 8 * (s.users + s.items) + 2 * top,
    [s.interactions * 4, s.items * k * 4],
  );
};

/** LightFM (src/kernels/wasm/lightfm.ts): packed [weights|accumulators(|momentum)] tables, identity features, examples. */
const lightfmEstimate: Estimator = (s, p, threads) => {
  const d = num(p, 'factors', 10);
  const dp = (d + 1 + 3) & ~3;
  const parts = p.learningSchedule === 'adadelta' ? 3 : 2;
  const table = (rows: number) => f32(rows * parts * dp);
  const identity = (rows: number) => f32(rows + 1) + 2 * f32(rows);
  const n = num(p, 'n', 10);
  return estimate(
    [{
      userTables: table(s.users), itemTables: table(s.items),
      features: identity(s.users) + identity(s.items),
      // positives (indptr, indices), then users, items, labels, weights per example, and the epoch's order
      examples: f32(s.users + 1) + 6 * f32(s.interactions),
      scratch: threads * (Math.ceil((6 * dp * 4 + 2 * n * 4) / LINE) * LINE + 2 * LINE) + 3 * LINE,
    }],
    // initial tables (weights, accumulators, biases), identity features, users/weights/order per example, read-back
    2 * (table(s.users) + table(s.items)) + identity(s.users) + identity(s.items) + 3 * f32(s.interactions),
    [s.interactions * 4, s.users * parts * dp * 4, s.items * parts * dp * 4],
  );
};

/**
 * Autoencoder (src/models/neural/autoencoder.ts): the sparse input and output tables (cols × width, each with a gradient and
 * the optimizer's state) live on the JS heap; a batch's logits, gradient and targets are batch × target set, at most
 * batch × cols; the kernels get the input table, a gradient and the batch's products per step.
 */
const autoencoderEstimate: Estimator = (s, p) => {
  const h = Array.isArray(p.hiddenLayers) && typeof p.hiddenLayers[0] === 'number' ? (p.hiddenLayers as number[]) : [200];
  const rows = p.mode === 'item' ? s.items : s.users;
  const cols = p.mode === 'item' ? s.users : s.items;
  const batch = Math.min(num(p, 'batchSize', 500), Math.max(1, rows));
  const opt = p.optimizer === 'adam' || p.optimizer === undefined ? 2 : p.optimizer === 'sgd' && !num(p, 'momentum', 0) ? 0 : 1;
  const tables = (p.tied ? 1 : 2) * f32(cols * h[0]) * (2 + opt) + f32(cols) * (2 + opt);
  let dense = 0;
  for (let l = 1; l < h.length; l++) dense += 2 * f32(h[l - 1] * h[l]) * (2 + opt);
  // The target set: the batch's columns plus sampled rows' and columns (sampleBatch). A typical batch, not the worst
  // case (every column): heavy-tailed rows are counted twice over.
  const mean = s.interactions / Math.max(1, rows);
  const targets = Math.min(cols, Math.ceil(2 * (batch + num(p, 'samplingRows', 0)) * mean + num(p, 'samplingColumns', 0)));
  const perBatch = 3 * f32(batch * targets) + 3 * f32(targets * h[0]) + 6 * f32(batch * Math.max(...h));
  const wasm = { table: f32(cols * h[0]), gradient: f32(cols * h[0]), products: f32(batch * targets) + f32(targets * h[0]) + f32(batch * h[0]) };
  return estimate([wasm], tables + dense + perBatch + (p.mode === 'item' ? 3 * f32(s.interactions) : 0), [cols * h[0] * 4, batch * targets * 4]);
};

export const ALS_FIT_MEMORY: FitMemoryFormula = {
  estimate: alsEstimate,
  alternatives: 'fewer factors, a k-core filter (drop users and items with few interactions), or train in Spark and importSpark() the factors',
};

export const BPR_FIT_MEMORY: FitMemoryFormula = {
  estimate: bprEstimate,
  alternatives: 'fewer factors, a k-core filter, or HashedMfRecommender (fixed-size tables)',
};

export const ITEMKNN_FIT_MEMORY: FitMemoryFormula = {
  estimate: itemknnEstimate,
  alternatives: 'fewer neighbors, a k-core filter, or RP3beta',
};

export const LIGHTFM_FIT_MEMORY: FitMemoryFormula = {
  estimate: lightfmEstimate,
  alternatives: 'fewer factors, a k-core filter, or HashedMfRecommender (fixed-size tables)',
};

export const AUTOENCODER_FIT_MEMORY: FitMemoryFormula = {
  estimate: autoencoderEstimate,
  alternatives: "fewer or narrower hiddenLayers, a smaller batchSize, mode 'item' when users are fewer than items, or ALS",
};
