/**
 * Metric formulas, per user, from the ranking facts that the `rankMetrics` kernel computes (hits per top-k slot,
 * test-item ranks, AUC pair counts). The O(nItems) work is in Wasm; these are O(k + |T|) per user.
 *
 * Notation (RecBole style): for one user, `R` = the top-k list after removing train items, ranked by score
 * descending with ties to the lower dense item index (../shared/bench/anchors.md §Protocol); `T` = the user's test
 * items; `hit_i` = 1 when R[i] ∈ T (i = 1..k, 1-based); `H` = Σ hit_i; `m = min(k, |T|)`; "negatives" = items in
 * neither the user's train items nor T.
 *
 * Definitions (option `definition`, design.md §4):
 * - `'standard'` — the anchors' protocol: per-user values, each mean over evaluated users.
 * - `'implicit'` — implicit 0.7's `ranking_metrics_at_k` (evaluation.pyx): micro-averaged precision, its "limited
 *   AUC@K"; NDCG and MAP coincide with standard.
 * - `'lightfm'` — LightFM's `evaluation.py` (precision_at_k, recall_at_k, auc_score, reciprocal_rank), all built on
 *   `predict_rank` with train items excluded: rank_p = #{non-train j ≠ p : s_j ≥ s_p} (ties pessimistic).
 * - `'recoder'` — Recoder's `metrics.py` (Recall with normalize=True, NDCG, AveragePrecision).
 * Metrics a library does not define use the standard formula; {@link metricDefinitions} says which applies.
 */

/** Metric names, as in results, the CLI's JSON and the benchmark tables. */
export type MetricName = 'precision' | 'recall' | 'recallMin' | 'ndcg' | 'map' | 'mrr' | 'auc' | 'coverage';

/** Per-user metrics (coverage is a property of the whole set of lists). */
export type UserMetricName = Exclude<MetricName, 'coverage'>;

/** Whose definitions to use: the anchors' (`standard`) or a library's, to reproduce its numbers. */
export type MetricDefinition = 'standard' | 'implicit' | 'lightfm' | 'recoder';

export const METRIC_NAMES: readonly MetricName[] = ['precision', 'recall', 'recallMin', 'ndcg', 'map', 'mrr', 'auc', 'coverage'];
export const USER_METRIC_NAMES: readonly UserMetricName[] = ['precision', 'recall', 'recallMin', 'ndcg', 'map', 'mrr', 'auc'];
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = ['standard', 'implicit', 'lightfm', 'recoder'];

/** What one user's metrics are computed from (one row of the kernel's output). */
export interface UserRankFacts {
  readonly k: number;
  /** hit flags of the k top slots (0 for empty slots). */
  readonly hits: ArrayLike<number>;
  /** |T|. */
  readonly nTest: number;
  /** Items in the catalogue. */
  readonly nItems: number;
  /** Number of negatives (items in neither train nor T). */
  readonly negatives: number;
  /** Σ_{p∈T, n negative} [s_p > s_n] + ½·[s_p = s_n]. */
  readonly aucPairs: number;
  /** Negatives ranked above the best test item (score desc, then lower index). */
  readonly above: number;
  /** LightFM ranks of the test items (#{non-train j ≠ p : s_j ≥ s_p}), ascending. */
  readonly ranks: ArrayLike<number>;
}

const log2 = (x: number) => Math.log(x) / Math.LN2;

function hitCount(hits: ArrayLike<number>, k: number): number {
  let h = 0;
  for (let i = 0; i < k; i++) h += hits[i] ? 1 : 0;
  return h;
}

/** Precision@k (standard, Cornac, RecBole, LibRecommender): `H / k`. */
export function precisionAtK(f: UserRankFacts): number {
  return hitCount(f.hits, f.k) / f.k;
}

/** Recall@k (standard, LightFM's formula on our ranking, Cornac): `H / |T|`. */
export function recallAtK(f: UserRankFacts): number {
  return hitCount(f.hits, f.k) / f.nTest;
}

/**
 * Recall@k with the min denominator (anchors' "R@10 (min-denom)", Recoder's Recall with normalize=True, and the
 * per-user value behind implicit's precision): `H / min(k, |T|)`.
 */
export function recallMinAtK(f: UserRankFacts): number {
  return hitCount(f.hits, f.k) / Math.min(f.k, f.nTest);
}

/**
 * NDCG@k with binary gains (standard, implicit, Recoder, RecBole):
 * `Σ_{i: hit_i} 1/log2(i+1)  /  Σ_{i=1..m} 1/log2(i+1)`, m = min(k, |T|) (IDCG over m positions; Recoder's
 * DCG(y, y, k) is the same sum).
 */
export function ndcgAtK(f: UserRankFacts): number {
  let dcg = 0;
  for (let i = 0; i < f.k; i++) if (f.hits[i]) dcg += 1 / log2(i + 2);
  let idcg = 0;
  const m = Math.min(f.k, f.nTest);
  for (let i = 0; i < m; i++) idcg += 1 / log2(i + 2);
  return dcg / idcg;
}

/**
 * MAP@k (standard, implicit, Recoder's AveragePrecision, RecBole): `Σ_{i: hit_i} (Σ_{j≤i} hit_j)/i  /  min(k, |T|)`.
 */
export function mapAtK(f: UserRankFacts): number {
  let ap = 0;
  let h = 0;
  for (let i = 0; i < f.k; i++) {
    if (f.hits[i]) {
      h++;
      ap += h / (i + 1);
    }
  }
  return ap / Math.min(f.k, f.nTest);
}

/**
 * Reciprocal rank (standard): `1 / (1 + #negatives ranked above the best-scored test item)` in the order score
 * descending, then lower item index; not cut at k.
 */
export function reciprocalRank(f: UserRankFacts): number {
  return 1 / (1 + f.above);
}

/**
 * AUC (standard: LightFM's auc_score without its tie pessimism): over pairs (p ∈ T, n negative),
 * `Σ ([s_p > s_n] + ½·[s_p = s_n]) / (|T| · #negatives)`; 0.5 when there are no negatives.
 */
export function aucScore(f: UserRankFacts): number {
  return f.negatives > 0 ? f.aucPairs / (f.nTest * f.negatives) : 0.5;
}

/**
 * implicit's per-user precision term: `H / min(k, |T|)`. Its reported precision is micro-averaged,
 * `Σ_u H_u / Σ_u min(k, |T_u|)` (see {@link implicitPrecisionMean}), which is recall-like (implicit #412, #713).
 */
export function implicitPrecision(f: UserRankFacts): number {
  return recallMinAtK(f);
}

/** implicit's precision over users: `Σ_u H_u / Σ_u min(k, |T_u|)`. */
export function implicitPrecisionMean(facts: readonly { hits: number; nTest: number; k: number }[]): number {
  let num = 0, den = 0;
  for (const f of facts) {
    num += f.hits;
    den += Math.min(f.k, f.nTest);
  }
  return den > 0 ? num / den : 0;
}

/**
 * implicit's "limited AUC@K" (ranking_metrics_at_k): walking the k slots (empty slots count as misses),
 * `auc = Σ_{i: miss} (hits before i) + (H + |T|)/2 · (n_neg − misses)`, divided by `|T| · n_neg`, where
 * `n_neg = nItems − |T|` (train items are not subtracted) and misses = k − H. 0.5 when n_neg is 0.
 */
export function implicitAuc(f: UserRankFacts): number {
  const nNeg = f.nItems - f.nTest;
  if (nNeg <= 0) return 0.5;
  let auc = 0, hit = 0, miss = 0;
  for (let i = 0; i < f.k; i++) {
    if (f.hits[i]) hit++;
    else {
      miss++;
      auc += hit;
    }
  }
  auc += ((hit + f.nTest) / 2) * (nNeg - miss);
  return auc / (f.nTest * nNeg);
}

function lightfmHits(f: UserRankFacts): number {
  let h = 0;
  for (let i = 0; i < f.ranks.length; i++) if (f.ranks[i] < f.k) h++;
  return h;
}

/** LightFM's precision_at_k: `#{p ∈ T : rank_p < k} / k`, rank_p = #{non-train j ≠ p : s_j ≥ s_p} (ties pessimistic). */
export function lightfmPrecision(f: UserRankFacts): number {
  return lightfmHits(f) / f.k;
}

/** LightFM's recall_at_k: `#{p ∈ T : rank_p < k} / |T|`. */
export function lightfmRecall(f: UserRankFacts): number {
  return lightfmHits(f) / f.nTest;
}

/** LightFM's reciprocal_rank: `1 / (min_p rank_p + 1)`. */
export function lightfmReciprocalRank(f: UserRankFacts): number {
  return f.ranks.length ? 1 / (f.ranks[0] + 1) : 0;
}

/**
 * LightFM's auc_score (calculate_auc_from_rank): ranks sorted ascending r_(0) ≤ r_(1) ≤ …, then
 * `mean_i (1 − max(0, r_(i) − i) / n_neg)` with n_neg = nItems − |T| − |train_u| (= #negatives here, train and
 * test being disjoint after evaluate's alignment). 0.5 when there are no negatives (LightFM: degenerate user).
 */
export function lightfmAuc(f: UserRankFacts): number {
  if (f.negatives <= 0 || f.ranks.length === 0) return 0.5;
  let s = 0;
  for (let i = 0; i < f.ranks.length; i++) s += 1 - Math.max(0, f.ranks[i] - i) / f.negatives;
  return s / f.ranks.length;
}

type Formula = (f: UserRankFacts) => number;

const STANDARD: Record<UserMetricName, Formula> = {
  precision: precisionAtK,
  recall: recallAtK,
  recallMin: recallMinAtK,
  ndcg: ndcgAtK,
  map: mapAtK,
  mrr: reciprocalRank,
  auc: aucScore,
};

const OVERRIDES: Record<MetricDefinition, Partial<Record<UserMetricName, Formula>>> = {
  standard: {},
  // implicit: precision per user H/m (mean micro-averaged in evaluate), limited AUC@K; ndcg and map are the same sums.
  implicit: { precision: implicitPrecision, auc: implicitAuc, ndcg: ndcgAtK, map: mapAtK },
  lightfm: { precision: lightfmPrecision, recall: lightfmRecall, auc: lightfmAuc, mrr: lightfmReciprocalRank },
  // Recoder's Recall normalises by min(k, |T|); its NDCG and AveragePrecision equal the standard formulas.
  recoder: { recall: recallMinAtK, ndcg: ndcgAtK, map: mapAtK },
};

/** The formula used for `metric` under `definition`. */
export function metricFormula(definition: MetricDefinition, metric: UserMetricName): Formula {
  return OVERRIDES[definition][metric] ?? STANDARD[metric];
}

/** For each metric, whose definition applies under `definition` ('standard' where the library has none). */
export function metricDefinitions(definition: MetricDefinition): Record<MetricName, MetricDefinition> {
  const out = {} as Record<MetricName, MetricDefinition>;
  for (const m of METRIC_NAMES) out[m] = m !== 'coverage' && OVERRIDES[definition][m] ? definition : 'standard';
  return out;
}
