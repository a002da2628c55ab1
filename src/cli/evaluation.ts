/**
 * The CLI's bridge to src/eval: runs `evaluate()` and keeps the eight means the `--json` contract names (issue 4):
 * precision, recall, recallMin, ndcg, map, mrr, auc, coverage (definitions: ../shared/bench/anchors.md §Protocol,
 * or a library's own with --definition).
 */
import type { Recommender } from '../models/recommender.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Progress } from '../models/progress.ts';
import { evaluate } from '../eval/evaluate.ts';
import { METRIC_DEFINITIONS, type MetricDefinition } from '../eval/metrics.ts';

export const DEFINITIONS: readonly MetricDefinition[] = METRIC_DEFINITIONS;
export type Definition = MetricDefinition;

export const METRIC_KEYS = ['precision', 'recall', 'recallMin', 'ndcg', 'map', 'mrr', 'auc', 'coverage'] as const;
export type CliMetrics = Record<(typeof METRIC_KEYS)[number], number>;

/** Table labels, the anchors' column names with K in place of the cut-off. */
export const METRIC_LABELS: Record<(typeof METRIC_KEYS)[number], string> = {
  precision: 'P@K',
  recall: 'R@K',
  recallMin: 'R@K (min-denom)',
  ndcg: 'NDCG@K',
  map: 'MAP@K',
  mrr: 'MRR',
  auc: 'AUC',
  coverage: 'coverage',
};

export async function runEvaluation(
  model: Recommender,
  test: Interactions,
  options: { k: number; definition: Definition; onProgress?: (p: Progress) => void; train?: Interactions },
): Promise<CliMetrics> {
  // The items excluded per user are the model's own training items (what it was fitted on), as the protocol says, or
  // those of `train` when given (a saved model evaluated against a train file).
  const result = await evaluate(model, options.train ? { train: options.train, test } : test, { k: options.k, definition: options.definition, onProgress: options.onProgress });
  const means = result.means as Record<string, number>;
  const out = {} as CliMetrics;
  for (const key of METRIC_KEYS) out[key] = means[key] ?? NaN;
  return out;
}
