/**
 * Offline evaluation of any {@link Recommender}: score users in blocks (`model.scoreUsers`), exclude their train
 * items, rank, and compute P@k, R@k, NDCG@k, MAP@k, MRR, AUC and coverage exactly as ../shared/bench/anchors.md
 * §Protocol defines them, or as implicit, LightFM or Recoder do (src/eval/metrics.ts). The ranking and the
 * O(nItems) counting run in the backend's `rankMetrics` kernel (Wasm after `init()`); memory stays bounded at one
 * block of `batchSize × nItems` scores. Factor models score and rank each user in one pass over the threads
 * (`rankMetricsScored`, issue 23) and hold no score block at all.
 */
import { InvalidArgumentError } from '../errors.ts';
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import type { InteractionRecord } from '../data/dataset.ts';
import { Interactions, checkInteractionsArgument } from '../data/interactions.ts';
import type { Id } from '../data/vocabulary.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import type { Backend, Csr, CsrArrays } from '../kernels/types.ts';
import type { LongRunOptions } from '../models/progress.ts';
import { checkAborted, yieldToEventLoop } from '../models/progress.ts';
import type { Recommender } from '../models/recommender.ts';
import { FactorRecommender } from '../models/factorization/factor.ts';
import {
  METRIC_DEFINITIONS, METRIC_NAMES, USER_METRIC_NAMES, metricDefinitions, metricFormula,
  type MetricDefinition, type MetricName, type UserMetricName, type UserRankFacts,
} from './metrics.ts';
import { useKernels } from '../kernels/family.ts';
import { METRICS_KERNELS } from '../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(METRICS_KERNELS);

/** Options of {@link evaluate}; `M` is the metrics asked for (all by default), which types the result's `means`. */
export interface EvaluateOptions<M extends MetricName = MetricName> extends LongRunOptions {
  /** Cut-off of the top-k metrics (default 10). */
  k?: number;
  /** Whose metric definitions to use (default `'standard'`, the anchors' protocol); see src/eval/metrics.ts. */
  definition?: MetricDefinition;
  /** Which metrics to report (default all). The result's `means` and `perUser` have exactly these keys. */
  metrics?: readonly M[];
  /**
   * Users scored per block (default 256; lowered so a block holds at most 2^24 scores). Factor models rank each user
   * while scoring it and hold no score block: their default is 2048.
   */
  batchSize?: number;
}

/** Test data for {@link evaluate}: test interactions, or test plus the train interactions to exclude. */
export type EvaluationData = Interactions | { train?: Interactions; test: Interactions };

/** Result of {@link evaluate}, typed by the metrics asked for: `means.ndcg` is a `number`, not `number | undefined`. */
export interface EvaluationResult<M extends MetricName = MetricName> {
  readonly k: number;
  readonly definition: MetricDefinition;
  /** For each metric, the definition its formula comes from ('standard' where the chosen library has none). */
  readonly definitions: Readonly<Record<MetricName, MetricDefinition>>;
  /** Evaluated users (every user with at least one test row), in the model's index order. */
  readonly users: Id[];
  /** Per-user values aligned with `users`. */
  readonly perUser: Readonly<Record<Extract<M, UserMetricName>, Float64Array>>;
  /**
   * Means over evaluated users. Exceptions: implicit's precision is micro-averaged (Σ hits / Σ min(k, |T|));
   * coverage = distinct items in any evaluated user's top k / number of items.
   */
  readonly means: Readonly<Record<M, number>>;
  /** Number of evaluated users. */
  readonly testUsers: number;
  /** Test (user, item) pairs evaluated. */
  readonly testRows: number;
  /** Test rows dropped because their user or item does not occur in the model's training data (protocol). */
  readonly droppedTestRows: number;
  /**
   * Test pairs that are also train pairs, removed from T (they can never be recommended with train items excluded;
   * implicit and LightFM would keep them as unreachable positives). 0 on the shared splits.
   */
  readonly trainOverlapRows: number;
}

/** Result of {@link alignTestData}. */
export interface AlignedTestData {
  /** The test interactions in the model's vocabularies (rows = the model's users, columns = its items). */
  readonly test: Interactions;
  /** Rows whose user or item is unknown to the model. */
  readonly droppedRows: number;
}

function modelIndex(model: Recommender) {
  if (!model.fitted) throw new InvalidArgumentError('model', model.kind, 'a fitted or loaded model', 'call fit() or load the model before evaluating it.');
  return model.trainingIndex;
}

function build(backend: Backend, rows: number[], cols: number[], nRows: number, nCols: number): Csr {
  return backend.csrFromCoo(Int32Array.from(rows), Int32Array.from(cols), new Float32Array(rows.length).fill(1), nRows, nCols, 'max');
}

/**
 * Map test interactions (or records) into the model's index space, as the protocol requires: rows whose user or
 * item never occurs in the model's training data are dropped and counted. Repeated pairs count once.
 *
 * @example
 * ```ts
 * const { test, droppedRows } = await alignTestData(model, testInteractions);
 * ```
 */
export async function alignTestData(model: Recommender, data: Interactions | readonly InteractionRecord[]): Promise<AlignedTestData> {
  const idx = modelIndex(model);
  await ensureInit();
  const backend = await getBackend();
  if (data instanceof Interactions && data.users === idx.users && data.items === idx.items) return { test: data, droppedRows: 0 };
  const rows: number[] = [];
  const cols: number[] = [];
  let dropped = 0;
  if (data instanceof Interactions) {
    const itemMap = Int32Array.from(data.items.ids(), (id) => idx.items.indexOf(id) ?? -1);
    for (let u = 0; u < data.nUsers; u++) {
      const tu = idx.users.indexOf(data.users.idAt(u));
      for (const i of data.itemsOf(u)) {
        const ti = itemMap[i];
        if (tu === undefined || ti < 0) dropped++;
        else {
          rows.push(tu);
          cols.push(ti);
        }
      }
    }
  } else if (Array.isArray(data)) {
    for (const r of data) {
      const tu = idx.users.indexOf(r.user);
      const ti = idx.items.indexOf(r.item);
      if (tu === undefined || ti === undefined) dropped++;
      else {
        rows.push(tu);
        cols.push(ti);
      }
    }
  } else {
    throw new InvalidArgumentError('test', data, 'Interactions or an array of { user, item } records');
  }
  const csr = build(backend, rows, cols, idx.users.size, idx.items.size);
  return { test: new Interactions(idx.users, idx.items, csr), droppedRows: dropped };
}

/** test minus train, per row (both sorted); returns the remaining CSR and how many pairs were removed. */
function withoutTrain(test: CsrArrays, train: CsrArrays, nRows: number): { csr: CsrArrays; removed: number } {
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(test.indices.length);
  let n = 0;
  for (let u = 0; u < nRows; u++) {
    let t = train.indptr[u];
    const tEnd = train.indptr[u + 1];
    for (let e = test.indptr[u]; e < test.indptr[u + 1]; e++) {
      const i = test.indices[e];
      while (t < tEnd && train.indices[t] < i) t++;
      if (!(t < tEnd && train.indices[t] === i)) indices[n++] = i;
    }
    indptr[u + 1] = n;
  }
  return { csr: { indptr, indices: indices.subarray(0, n) }, removed: test.indices.length - n };
}

/** Rows `users` of a CSR as a block-local CSR (offsets from 0). */
function blockRows(csr: CsrArrays, users: Int32Array): CsrArrays {
  const indptr = new Int32Array(users.length + 1);
  for (let r = 0; r < users.length; r++) indptr[r + 1] = indptr[r] + csr.indptr[users[r] + 1] - csr.indptr[users[r]];
  const indices = new Int32Array(indptr[users.length]);
  for (let r = 0; r < users.length; r++) indices.set(csr.indices.subarray(csr.indptr[users[r]], csr.indptr[users[r] + 1]), indptr[r]);
  return { indptr, indices };
}

const EVALUATE_KEYS = optionKeys<EvaluateOptions>({ k: true, definition: true, metrics: true, batchSize: true, onProgress: true, signal: true });

function checkOptions(options: EvaluateOptions): { k: number; definition: MetricDefinition; metrics: readonly MetricName[]; batchSize: number } {
  checkOptionKeys('evaluate options', options, EVALUATE_KEYS);
  const k = options.k ?? 10;
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidArgumentError('k', k, 'an integer >= 1');
  const definition = options.definition ?? 'standard';
  if (!METRIC_DEFINITIONS.includes(definition)) throw new InvalidArgumentError('definition', definition, METRIC_DEFINITIONS.map((d) => `'${d}'`).join(', '));
  const metrics = options.metrics ?? METRIC_NAMES;
  if (!Array.isArray(metrics) || metrics.length === 0) throw new InvalidArgumentError('metrics', metrics, `a non-empty array of ${METRIC_NAMES.join(', ')}`);
  for (const m of metrics) if (!METRIC_NAMES.includes(m)) throw new InvalidArgumentError('metrics', m, `one of ${METRIC_NAMES.join(', ')}`);
  const batchSize = options.batchSize ?? 256;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new InvalidArgumentError('batchSize', batchSize, 'an integer >= 1');
  return { k, definition, metrics, batchSize };
}

/** Most scores held at once (64 MiB of f32). */
const MAX_BLOCK_SCORES = 1 << 24;
/** Users per block when the model ranks without a score block (FactorRecommender.rankUsers): bounded work per await. */
const FUSED_BLOCK = 2048;

/**
 * Evaluate a fitted model on held-out interactions.
 *
 * Protocol (anchors.md): every user with at least one test row is evaluated; the user's train items are scored
 * −∞; items are ranked by score descending, ties to the lower item index; each metric is the mean over evaluated
 * users. Test rows whose user or item the model never saw are dropped and counted; test pairs that are also
 * train pairs are removed and counted.
 *
 * @example
 * ```ts
 * import { evaluate, PopularityRecommender, readInteractions } from 'recwise';
 * const { interactions: train } = await readInteractions('train.tsv', { binary: true, sortIds: true });
 * const { interactions: test } = await readInteractions('test.tsv', { binary: true });
 * const model = await new PopularityRecommender().fit(train);
 * const r = await evaluate(model, test, { k: 10 });
 * r.means.precision; r.perUser.ndcg; // Float64Array aligned with r.users
 * await evaluate(model, test, { definition: 'lightfm' }); // LightFM's precision_at_k, auc_score, …
 * ```
 */
export async function evaluate<M extends MetricName = MetricName>(model: Recommender, data: EvaluationData, options: EvaluateOptions<M> = {}): Promise<EvaluationResult<M>> {
  const { k, definition, metrics, batchSize } = checkOptions(options);
  const idx = modelIndex(model);
  await ensureInit();
  const backend = await getBackend();
  const testData = data instanceof Interactions ? data : data?.test;
  if (!(testData instanceof Interactions)) {
    if (data instanceof Object && !('test' in data)) checkInteractionsArgument(data, 'evaluate');
    throw new InvalidArgumentError('test', testData, 'Interactions (or { train, test } of Interactions)');
  }
  const aligned = await alignTestData(model, testData);
  let train: CsrArrays = idx.seen;
  if (!(data instanceof Interactions) && data.train) {
    if (!(data.train instanceof Interactions)) throw new InvalidArgumentError('train', data.train, 'Interactions');
    train = (await alignTestData(model, data.train)).test.byUser;
  }
  const nUsers = idx.users.size;
  const nItems = idx.items.size;
  const { csr: test, removed } = withoutTrain(aligned.test.byUser, train, nUsers);

  const evalUsers: number[] = [];
  for (let u = 0; u < nUsers; u++) if (test.indptr[u + 1] > test.indptr[u]) evalUsers.push(u);
  if (evalUsers.length === 0) {
    const known = aligned.test.nnz;
    if (known > 0 && removed === known) {
      // Every test pair the model knows is a train pair (e.g. evaluate(model, train)): nothing is left to rank.
      throw new InvalidArgumentError('test', `${testData.nnz} rows`, 'test pairs that are not train pairs', `pass held-out interactions: all ${known} test pairs are training pairs of the model (test = train?), and train items are excluded from the ranking. Split first (randomSplit, leaveKOut) and evaluate on the split's test.`);
    }
    throw new InvalidArgumentError('test', `${testData.nnz} rows`, 'at least one test row whose user and item occur in training', `check that train and test use the same ids (all ${aligned.droppedRows} test rows have a user or item the model never saw; numeric and string ids differ: 1 is not "1").`);
  }

  const userMetrics = USER_METRIC_NAMES.filter((m) => metrics.includes(m));
  const formulas = userMetrics.map((m) => metricFormula(definition, m));
  const perUser: Partial<Record<UserMetricName, Float64Array>> = {};
  for (const m of userMetrics) perUser[m] = new Float64Array(evalUsers.length);
  const covered = new Uint8Array(nItems);
  let hitSum = 0, minSum = 0;

  // Factor models score and rank in one kernel pass per user (no score block is held), so their blocks can be larger.
  const fused = model instanceof FactorRecommender && options.batchSize === undefined;
  const block = fused ? FUSED_BLOCK : Math.max(1, Math.min(batchSize, Math.floor(MAX_BLOCK_SCORES / Math.max(1, nItems))));
  let lastYield = Date.now();
  for (let b = 0; b < evalUsers.length; b += block) {
    checkAborted(options.signal, 'evaluate');
    const users = Int32Array.from(evalUsers.slice(b, b + block));
    const trainRows = blockRows(train, users);
    const testRows = blockRows(test, users);
    const ranked = model instanceof FactorRecommender ? model.rankUsers(users, trainRows, testRows, k) : undefined;
    const rm = ranked ? await ranked : backend.rankMetrics(model.scoreUsers(users), users.length, nItems, trainRows, testRows, k);
    for (let r = 0; r < users.length; r++) {
      const t0 = testRows.indptr[r], t1 = testRows.indptr[r + 1];
      const hits = rm.hits.subarray(r * k, (r + 1) * k);
      const facts: UserRankFacts = {
        k, hits, nTest: t1 - t0, nItems, negatives: rm.negatives[r], aucPairs: rm.aucPairs[r], above: rm.above[r], ranks: rm.ranks.subarray(t0, t1),
      };
      for (let m = 0; m < userMetrics.length; m++) perUser[userMetrics[m]]![b + r] = formulas[m](facts);
      for (let i = 0; i < rm.counts[r]; i++) covered[rm.indices[r * k + i]] = 1;
      for (let i = 0; i < k; i++) hitSum += hits[i];
      minSum += Math.min(k, t1 - t0);
    }
    options.onProgress?.({ phase: 'evaluate', done: Math.min(evalUsers.length, b + block), total: evalUsers.length });
    if (Date.now() - lastYield > 20) {
      await yieldToEventLoop();
      lastYield = Date.now();
    }
  }

  const means: Partial<Record<MetricName, number>> = {};
  for (const m of userMetrics) {
    const v = perUser[m]!;
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i];
    means[m] = s / v.length;
  }
  // implicit reports precision micro-averaged: Σ hits / Σ min(k, |T|) (evaluation.pyx, ranking_metrics_at_k).
  if (definition === 'implicit' && means.precision !== undefined) means.precision = hitSum / minSum;
  if (metrics.includes('coverage')) {
    let c = 0;
    for (let i = 0; i < nItems; i++) c += covered[i];
    means.coverage = c / nItems;
  }
  return {
    k,
    definition,
    definitions: metricDefinitions(definition),
    users: evalUsers.map((u) => idx.users.idAt(u)),
    perUser: perUser as Record<Extract<M, UserMetricName>, Float64Array>,
    means: means as Record<M, number>,
    testUsers: evalUsers.length,
    testRows: test.indices.length,
    droppedTestRows: aligned.droppedRows,
    trainOverlapRows: removed,
  };
}
