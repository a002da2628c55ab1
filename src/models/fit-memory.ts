/**
 * What a fit needs in memory, estimated from the data's shape and the model's settings before anything is allocated
 * (issue 23: a 50M-interaction fit must fail at once with the numbers, not after minutes with a RangeError deep in a
 * kernel). Each estimate follows the allocations the fit makes, phase by phase:
 *
 * - `wasm`: the peak of the kernels' linear memory (src/kernels/wasm: factor matrices, the CSR in each orientation
 *   the fit uploads, per-thread scratch and transient buffers).
 *   This is the limit that bites: one module's memory stops at the kernels' declared maximum (2 GiB; Wasm32 itself
 *   at 4 GiB), whatever the machine has.
 * - `js`: the peak of typed arrays on the JS heap (input copies, initial factors, the returned tables).
 * - `largestArray`: the longest single typed array in bytes (V8 refuses typed arrays over 2³² elements).
 *
 * Sizes are of the shape of the data, so an estimate holds for any data of that shape; the data itself (the
 * Interactions' user-major CSR) exists already and is not counted. Bytes, rounded up to the allocator's alignment.
 */
import { InvalidArgumentError, MemoryLimitError } from '../errors.ts';
import type { Backend } from '../kernels/types.ts';
import { detectCapabilities } from '../runtime/capabilities.ts';

/** The data's shape: what the estimates depend on. */
export interface FitShape {
  users: number;
  items: number;
  /** Stored (user, item) entries. */
  interactions: number;
}

/** Bytes a fit needs at its peak (see the module comment for what each part counts). */
export interface FitMemoryEstimate {
  /** Peak bytes of Wasm linear memory the fit allocates (0 for models that train on the JS heap only). */
  wasm: number;
  /** Peak bytes of JS typed arrays the fit allocates besides the input. */
  js: number;
  /** The largest single typed array, in bytes. */
  largestArray: number;
  /** Named parts of the Wasm peak (for the error message and the bench's table). */
  parts: Record<string, number>;
}

/** An edge isolate's memory (Cloudflare Workers, Vercel Edge): the whole budget there. */
export const EDGE_ISOLATE_BYTES = 128 * 2 ** 20;
/** The longest typed array V8 creates (2³² elements of 1 byte; Float32Array: 2³² elements), in bytes for f32. */
const TYPED_ARRAY_MAX_ELEMENTS = 2 ** 32;
/** The kernels' cache line: per-thread state blocks are whole lines (src/kernels/wasm/backend.ts LINE). */
const LINE = 128;
const f32 = (n: number) => Math.ceil((n * 4) / 16) * 16;

type Params = Record<string, unknown>;
type Estimator = (shape: FitShape, params: Params, threads: number) => FitMemoryEstimate;

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

/** ALS (src/models/als.ts): X and Y resident, the confidences in both orientations, Gram and per-thread solver scratch. */
const als: Estimator = (s, p, threads) => {
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

/** BPR (src/models/bpr.ts): X and Y with a bias column, the user-major CSR and each entry's row for sampling. */
const bpr: Estimator = (s, p, threads) => {
  const cols = num(p, 'factors', 100) + 1;
  const X = f32(s.users * cols);
  const Y = f32(s.items * cols);
  return estimate(
    [{ userFactors: X, itemFactors: Y, byUser: sparse(s.users, s.interactions), rowOfEntry: f32(s.interactions), state: threads * LINE + LINE }],
    2 * (X + Y) + f32(s.items) + f32(s.interactions),
    [s.interactions * 4, X, Y],
  );
};

/** Item-kNN (src/models/itemknn.ts): both weighted CSRs, k neighbours per item, per-thread dense accumulators. */
const itemknn: Estimator = (s, p, threads) => {
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
const lightfm: Estimator = (s, p, threads) => {
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
 * Autoencoder (src/models/autoencoder.ts): the sparse input and output tables (cols × width, each with a gradient and
 * the optimizer's state) live on the JS heap; a batch's logits, gradient and targets are batch × target set, at most
 * batch × cols; the kernels get the input table, a gradient and the batch's products per step.
 */
const autoencoder: Estimator = (s, p) => {
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

const ESTIMATORS: Record<string, Estimator> = { als, bpr, itemknn, lightfm, autoencoder };

/** Model kinds whose fit memory is estimated (and checked before a fit). */
export const FIT_MEMORY_KINDS: readonly string[] = Object.keys(ESTIMATORS);

/**
 * Memory a fit of model `kind` with hyperparameters `params` (a model's `params`) needs on data of `shape`, on
 * `threads` kernel threads; undefined for kinds without an estimate.
 *
 * @example
 * ```ts
 * import { AlsRecommender, fitMemoryEstimate } from 'recwise';
 * const als = new AlsRecommender({ factors: 64 });
 * const need = fitMemoryEstimate(als.kind, als.params, { users: 1e6, items: 1e6, interactions: 50e6 });
 * console.log(need?.wasm / 2 ** 30, 'GiB of kernel memory');
 * ```
 */
export function fitMemoryEstimate(kind: string, params: Record<string, unknown>, shape: FitShape, threads = 1): FitMemoryEstimate | undefined {
  for (const key of ['users', 'items', 'interactions'] as const) {
    const v = shape[key];
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new InvalidArgumentError(`shape.${key}`, v, 'an integer >= 0');
  }
  return ESTIMATORS[kind]?.(shape, params, Math.max(1, threads));
}

/** The limits a fit on `backend` runs under, with their names: the kernel memory's maximum, an edge isolate's memory. */
export async function fitMemoryLimits(backend: Backend): Promise<{ wasm?: { bytes: number; used: number }; total?: number }> {
  const heap = backend.kernels?.heap;
  const caps = await detectCapabilities();
  const edge = caps.runtime === 'workerd' || caps.runtime === 'edge-light';
  return {
    wasm: heap ? { bytes: heap.limitBytes, used: heap.usedBytes } : undefined,
    total: edge ? EDGE_ISOLATE_BYTES : undefined,
  };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** What to do instead, per model kind (named in the error). */
const ALTERNATIVES: Record<string, string> = {
  als: 'fewer factors, a k-core filter (drop users and items with few interactions), or train in Spark and importSpark() the factors',
  bpr: 'fewer factors, a k-core filter, or HashedMfRecommender (fixed-size tables)',
  itemknn: 'fewer neighbors, a k-core filter, or RP3beta',
  lightfm: 'fewer factors, a k-core filter, or HashedMfRecommender (fixed-size tables)',
  autoencoder: "fewer or narrower hiddenLayers, a smaller batchSize, mode 'item' when users are fewer than items, or ALS",
};

/**
 * Refuse a fit that cannot fit in memory, before it allocates: MemoryLimitError names the estimate, the limit and the
 * alternatives. Kernel memory already held by other models (resident factors, indexes) counts against the limit.
 */
export async function checkFitMemory(kind: string, params: Record<string, unknown>, shape: FitShape, backend: Backend): Promise<FitMemoryEstimate | undefined> {
  const need = fitMemoryEstimate(kind, params, shape, backend.threads);
  if (!need) return undefined;
  const what = `A ${kind} fit on ${shape.users.toLocaleString('en-US')} users × ${shape.items.toLocaleString('en-US')} items (${shape.interactions.toLocaleString('en-US')} interactions)`;
  const fix = `${ALTERNATIVES[kind]}; dispose() models you no longer need. fitMemoryEstimate() gives the need for a shape.`;
  const limits = await fitMemoryLimits(backend);
  if (limits.total !== undefined && need.wasm + need.js > limits.total) throw new MemoryLimitError(what, need.wasm + need.js, limits.total, 'edge isolate memory', fix);
  if (limits.wasm && need.wasm > limits.wasm.bytes - limits.wasm.used) {
    const parts = Object.entries(need.parts).map(([k, v]) => `${k} ${mib(v)}`).join(', ');
    const held = limits.wasm.used > 0 ? `, of which ${mib(limits.wasm.used)} is held by other models` : '';
    throw new MemoryLimitError(`${what} (kernel memory: ${parts})`, need.wasm, limits.wasm.bytes - limits.wasm.used, `Wasm kernel memory maximum${held}`, fix);
  }
  if (need.largestArray > TYPED_ARRAY_MAX_ELEMENTS * 4) throw new MemoryLimitError(what, need.largestArray, TYPED_ARRAY_MAX_ELEMENTS * 4, 'largest typed array', fix);
  return need;
}

/**
 * The most interactions a `kind` fit can train on with `users` × `items` under `limitBytes` of kernel memory (the
 * largest n whose estimate fits; 0 when even the catalogue alone does not), e.g. for capacity planning.
 *
 * @example
 * ```ts
 * import { AlsRecommender, maxFitInteractions } from 'recwise';
 * const als = new AlsRecommender({ factors: 64 });
 * maxFitInteractions(als.kind, als.params, 1_000_000, 1_000_000, 2 ** 31, 2); // ≈ 102M with 2 GiB of kernel memory
 * ```
 */
export function maxFitInteractions(kind: string, params: Record<string, unknown>, users: number, items: number, limitBytes: number, threads = 1): number {
  const fits = (n: number) => {
    const e = fitMemoryEstimate(kind, params, { users, items, interactions: n }, threads)!;
    return e.wasm <= limitBytes && e.largestArray <= TYPED_ARRAY_MAX_ELEMENTS * 4;
  };
  if (!fits(0)) return 0;
  const cap = users * items;
  let lo = 0;
  let hi = 1;
  while (hi < cap && fits(hi)) hi = Math.min(cap, hi * 2);
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
