/**
 * The shape of a benchmark case module (test/bench/cases/*.ts), read by test/bench/run.mjs.
 *
 * A module exports `cases: BenchCase[]`. `run()` returns named figures (seconds, rows/s, metrics…). The harness
 * prints them next to the anchors' figures (../shared/bench/anchors.md) and writes everything to
 * bench-results/<timestamp>.json.
 *
 * Figures are matched to anchor columns by name: either the anchors' own column header ('P@10', 'fit s', …) or one
 * of the aliases in run.mjs (precision, recall, recallMin, ndcg, map, auc, mrr, coverage, fitSeconds, epochSeconds,
 * top10AllSeconds, singleUserMicros, similarAllSeconds).
 */
export interface BenchCase {
  /** Unique name; `npm run bench -- NAME` runs the cases whose names start with NAME. */
  name: string;
  run: () => Promise<Record<string, number>>;
  /**
   * Which anchor row to compare with. Default: inferred from the name `<model>-<dataset>` where `<dataset>` is a
   * `### heading` of anchors.md (e.g. 'popularity-ml-1m' → row 'popularity' of '### ml-1m').
   */
  anchor?: { dataset: string; model: string };
  /** Reference figures that are not in the anchors' tables (e.g. issue targets), by figure name. */
  anchors?: Record<string, number>;
  /** Name of a case measured in the same run that this one is compared with (ratios of figures with equal names). */
  baseline?: string;
}
