/**
 * The figures behind the evaluation report (issue 20), as plain JSON: the protocol metrics of each model
 * (src/eval/evaluate.ts), how hits spread over users, where recommendations fall on the popularity curve, and a few
 * users' histories beside their top-k. {@link renderReport} draws them; the CLI prints them with --json.
 */
import { AbortError, evaluate, Interactions, InvalidArgumentError, METRIC_NAMES, Recommender } from './lib.ts';
import type { MetricDefinition, MetricName } from '../eval/metrics.ts';
import type { Id } from '../data/vocabulary.ts';
import type { LongRunOptions } from '../models/progress.ts';
import type { EpochPoint } from './curves.ts';

/** A model in a report: the fitted model, a display name and, if it was fitted with curves, its per-epoch points. */
export interface ReportModel {
  readonly model: Recommender;
  /** Display name (default the model's kind; repeated kinds get #2, #3). */
  readonly name?: string;
  /** From {@link fitWithCurves}. */
  readonly curve?: readonly EpochPoint[];
  /** Seconds the fit took, shown beside the metrics. */
  readonly fitSeconds?: number;
}

/** Input of {@link reportData} and {@link report}. */
export interface ReportInput extends LongRunOptions {
  /** Fitted models, compared on the same test split. */
  readonly models: readonly (Recommender | ReportModel)[];
  /** The held-out interactions every model is evaluated on. */
  readonly test: Interactions;
  /**
   * The training interactions (default: the first model's training index). Item popularity is counted here, and
   * the example users' histories come from it.
   */
  readonly train?: Interactions;
  /** Cut-off of the metrics and of the recommendation lists (default 10). */
  readonly k?: number;
  /** Metric definitions (default 'standard', the anchors' protocol). */
  readonly definition?: MetricDefinition;
  /** Example users shown with their history and top-k (default 3). */
  readonly examples?: number;
  /** Heading of the page (default 'recwise evaluation report'). */
  readonly title?: string;
  /** Display name of an item (e.g. a film title; default the id). */
  readonly itemLabel?: (item: Id) => string;
  /** Free-form lines shown under the title (data set, command line). */
  readonly notes?: readonly string[];
}

/** Per-model figures of {@link ReportData}. */
export interface ReportModelData {
  readonly name: string;
  readonly kind: string;
  readonly params: Record<string, unknown>;
  readonly fitSeconds?: number;
  /** Means over test users, by metric name (src/eval/metrics.ts). */
  readonly metrics: Partial<Record<MetricName, number>>;
  /** users[h] = test users with exactly h hits in their top k (h = 0..k). users[0] got nothing right. */
  readonly hits: number[];
  /** Test users with no hit in their top k. */
  readonly zeroHitUsers: number;
  /** Share of recommendation slots falling in each item-popularity decile (decile 1 = the most popular 10%). */
  readonly popularityDeciles: number[];
  /** Cumulative share of recommendation slots over items sorted by popularity, at {@link ReportData.longTailX}. */
  readonly longTail: number[];
  /** Distinct recommended items / catalogue size. */
  readonly coverage: number;
  /** Per-epoch points (empty for models without epochs, or fitted without curves). */
  readonly curve: readonly EpochPoint[];
}

/** One example user of {@link ReportData}. */
export interface ReportExample {
  readonly user: Id;
  readonly trainItems: number;
  /** Up to 20 training items. */
  readonly history: { item: Id; label: string }[];
  readonly heldOut: { item: Id; label: string }[];
  readonly recommendations: { model: string; items: { item: Id; label: string; score: number; hit: boolean }[] }[];
}

/** Everything the report shows, JSON-serialisable. */
export interface ReportData {
  readonly title: string;
  readonly notes: readonly string[];
  readonly k: number;
  readonly definition: MetricDefinition;
  readonly dataset: { users: number; items: number; trainRows: number; testRows: number; testUsers: number; droppedTestRows: number };
  readonly metricNames: readonly MetricName[];
  readonly models: readonly ReportModelData[];
  /** Share of training interactions in each item-popularity decile (the reference for the models' deciles). */
  readonly trainPopularityDeciles: number[];
  /** x positions (share of the catalogue, most popular first) of every long-tail curve. */
  readonly longTailX: number[];
  /** Cumulative share of training interactions at longTailX. */
  readonly trainLongTail: number[];
  readonly examples: readonly ReportExample[];
}

/** Long-tail curve resolution: 1% of the catalogue, fine enough for the steep head where popularity bias shows. */
const LONG_TAIL_STEPS = 100;

/** Items ranked by training popularity (users per item, descending; ties to the lower index). */
function popularityOrder(train: Interactions): { rankOf: Int32Array; counts: Int32Array } {
  const counts = new Int32Array(train.nItems);
  for (const i of train.byUser.indices) counts[i]++;
  const order = Array.from({ length: train.nItems }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const rankOf = new Int32Array(train.nItems);
  order.forEach((item, r) => (rankOf[item] = r));
  return { rankOf, counts: Int32Array.from(order, (i) => counts[i]) };
}

/** Shares per decile and cumulative shares at the long-tail x positions, from a count per popularity rank. */
function shares(perRank: ArrayLike<number>, n: number): { deciles: number[]; longTail: number[] } {
  let total = 0;
  for (let r = 0; r < n; r++) total += perRank[r];
  const deciles = new Array<number>(10).fill(0);
  for (let r = 0; r < n; r++) deciles[Math.min(9, Math.floor((r * 10) / n))] += perRank[r];
  const longTail: number[] = [0];
  let cum = 0, r = 0;
  for (let s = 1; s <= LONG_TAIL_STEPS; s++) {
    const end = Math.round((s * n) / LONG_TAIL_STEPS);
    for (; r < end; r++) cum += perRank[r];
    longTail.push(total ? cum / total : 0);
  }
  return { deciles: deciles.map((d) => (total ? d / total : 0)), longTail };
}

function names(models: readonly ReportModel[]): string[] {
  const seen = new Map<string, number>();
  return models.map((m) => {
    const base = m.name ?? m.model.kind;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

/**
 * Compute the report's figures: evaluate each model on `test` (the anchors' protocol), recommend top-k for every
 * test user, and place the recommendations on the training popularity curve.
 *
 * @example
 * ```ts
 * import { reportData } from 'recwise/report';
 * const data = await reportData({ models: [popularity, als], train, test, k: 10 });
 * data.models[1].zeroHitUsers; // test users ALS gets nothing right for
 * ```
 */
export async function reportData(input: ReportInput): Promise<ReportData> {
  const models: ReportModel[] = (input.models ?? []).map((m) => (m instanceof Recommender ? { model: m } : m));
  if (!Array.isArray(input.models) || models.length === 0) throw new InvalidArgumentError('models', input.models, 'a non-empty array of fitted models');
  for (const [i, m] of models.entries()) {
    if (!(m?.model instanceof Recommender) || !m.model.fitted) throw new InvalidArgumentError(`models[${i}]`, m?.model, 'a fitted Recommender', 'fit or load the model first.');
  }
  if (!(input.test instanceof Interactions)) throw new InvalidArgumentError('test', input.test, 'Interactions');
  if (input.train !== undefined && !(input.train instanceof Interactions)) throw new InvalidArgumentError('train', input.train, 'Interactions');
  const k = input.k ?? 10;
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidArgumentError('k', k, 'an integer >= 1');
  const nExamples = input.examples ?? 3;
  if (!(Number.isInteger(nExamples) && nExamples >= 0)) throw new InvalidArgumentError('examples', nExamples, 'an integer >= 0');
  const definition = input.definition ?? 'standard';
  const label = input.itemLabel ?? ((id: Id) => String(id));
  const modelNames = names(models);

  // Popularity is counted in the first model's index space; models trained on other vocabularies are mapped by id.
  const ref = models[0].model.trainingIndex;
  const train = input.train ?? new Interactions(ref.users, ref.items, ref.seen);
  const { rankOf } = popularityOrder(train);
  const nItems = train.nItems;
  const trainPerRank = new Float64Array(nItems);
  for (const i of train.byUser.indices) trainPerRank[rankOf[i]]++;
  const trainShares = shares(trainPerRank, nItems);

  const out: ReportModelData[] = [];
  // Only the evaluated users are kept per model (for picking examples), not their lists: memory stays O(users).
  const evaluated: Set<Id>[] = [];
  let dataset: ReportData['dataset'] | undefined;
  for (const [j, m] of models.entries()) {
    if (input.signal?.aborted) throw new AbortError('report');
    const r = await evaluate(m.model, { test: input.test }, { k, definition, signal: input.signal, onProgress: input.onProgress });
    dataset ??= { users: train.nUsers, items: nItems, trainRows: train.nnz, testRows: r.testRows, testUsers: r.testUsers, droppedTestRows: r.droppedTestRows };
    const lists = await m.model.recommendBatch(r.users, { k });
    // Hits against the user's test items: recommendations exclude train items, so this counts the same T evaluate does.
    const hits = new Array<number>(k + 1).fill(0);
    const perRank = new Float64Array(nItems);
    const distinct = new Set<Id>();
    r.users.forEach((user, u) => {
      const tu = input.test.userIndex(user);
      const truth = new Set<Id>();
      if (tu !== undefined) for (const i of input.test.itemsOf(tu)) truth.add(input.test.items.idAt(i));
      let h = 0;
      for (const rec of lists[u]) {
        if (truth.has(rec.item)) h++;
        distinct.add(rec.item);
        const ti = train.itemIndex(rec.item);
        if (ti !== undefined) perRank[rankOf[ti]]++;
      }
      hits[h]++;
    });
    evaluated.push(new Set(r.users));
    const s = shares(perRank, nItems);
    out.push({
      name: modelNames[j],
      kind: m.model.kind,
      params: m.model.params,
      fitSeconds: m.fitSeconds,
      metrics: r.means,
      hits,
      zeroHitUsers: hits[0],
      popularityDeciles: s.deciles,
      longTail: s.longTail,
      coverage: distinct.size / nItems,
      curve: m.curve ?? [],
    });
  }

  // Example users: spread evenly over the test users that every model knows, deterministic.
  const testUsers: Id[] = [];
  for (let u = 0; u < input.test.nUsers; u++) {
    const id = input.test.users.idAt(u);
    if (input.test.itemsOf(u).length && evaluated.every((users) => users.has(id))) testUsers.push(id);
  }
  const examples: ReportExample[] = [];
  const n = Math.min(nExamples, testUsers.length);
  for (let e = 0; e < n; e++) {
    const user = testUsers[Math.floor(((e + 0.5) * testUsers.length) / n)];
    const tu = train.userIndex(user);
    const history = tu === undefined ? [] : Array.from(train.itemsOf(tu), (i) => train.items.idAt(i));
    const heldOut = Array.from(input.test.itemsOf(input.test.userIndex(user)!), (i) => input.test.items.idAt(i));
    const truth = new Set(heldOut);
    const recommendations: ReportExample['recommendations'] = [];
    for (const [j, m] of models.entries()) {
      // the same call as the histograms' lists, so an example shows exactly what was counted
      const [list] = await m.model.recommendBatch([user], { k });
      recommendations.push({ model: modelNames[j], items: list.map((r) => ({ item: r.item, label: label(r.item), score: r.score, hit: truth.has(r.item) })) });
    }
    examples.push({
      user,
      trainItems: history.length,
      history: history.slice(0, 20).map((item) => ({ item, label: label(item) })),
      heldOut: heldOut.map((item) => ({ item, label: label(item) })),
      recommendations,
    });
  }
  return {
    title: input.title ?? 'recwise evaluation report',
    notes: input.notes ?? [],
    k,
    definition,
    dataset: dataset!,
    metricNames: METRIC_NAMES.filter((name) => out.some((m) => m.metrics[name] !== undefined)),
    models: out,
    trainPopularityDeciles: trainShares.deciles,
    longTailX: Array.from({ length: LONG_TAIL_STEPS + 1 }, (_, s) => s / LONG_TAIL_STEPS),
    trainLongTail: trainShares.longTail,
    examples,
  };
}
