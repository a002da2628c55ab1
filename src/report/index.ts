/**
 * `recwise/report`: the evaluation report (issue 20). Kept out of the default entry so apps that only train and
 * recommend do not carry it (CONTRIBUTING.md "Size budget").
 *
 * @module recwise/report
 */
import '../entry/setup.ts';
import { reportData, type ReportInput } from './data.ts';
import { renderReport } from './render.ts';

export { reportData, renderReport };
export type { ReportInput, ReportModel, ReportData, ReportModelData, ReportExample } from './data.ts';
export { fitWithCurves, CURVE_METRICS, TRAINING_FIGURES } from './curves.ts';
export type { EpochPoint, FitWithCurvesOptions, CurveMetric, TrainingFigure } from './curves.ts';

/**
 * Evaluate fitted models on a test split and return the report as one self-contained HTML page (inline styles and
 * SVG, no script, nothing fetched): model comparison, metric-by-epoch curves, per-user hits, popularity bias and
 * coverage, example users. The same figures: {@link reportData}.
 *
 * @example
 * ```ts
 * import { AlsRecommender, PopularityRecommender } from 'recwise';
 * import { fitWithCurves, report } from 'recwise/report';
 * const als = await fitWithCurves(new AlsRecommender({ factors: 32 }), train, { validation });
 * const popularity = await new PopularityRecommender().fit(train);
 * const html = await report({ models: [popularity, als], train, test, k: 10 });
 * await Deno.writeTextFile('report.html', html); // or new Blob([html], { type: 'text/html' }) in a browser
 * ```
 */
export async function report(input: ReportInput): Promise<string> {
  return renderReport(await reportData(input));
}
