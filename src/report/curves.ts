/**
 * Metric-by-epoch curves (issue 20): fit a model while recording, after every epoch, the training figures it
 * reports (loss, BPR's train AUC) and, given a validation split, the protocol's top-k metrics on it. Validation
 * runs in the awaited `onEpoch` hook of fit (src/models/recommender.ts FitOptions), during which ALS, BPR, LMF and
 * LightFM score with that epoch's parameters; models that do not publish them mid-fit (the neural ones on a first
 * fit) get their training figures only.
 */
import { evaluate, InvalidArgumentError } from './lib.ts';
import type { EvaluateOptions } from '../eval/evaluate.ts';
import type { MetricDefinition } from '../eval/metrics.ts';
import type { Interactions } from '../data/interactions.ts';
import type { EpochReport, FitOptions, Recommender } from '../models/recommender.ts';
import type { LongRunOptions } from '../models/progress.ts';

/** Validation metrics recorded per epoch. */
export const CURVE_METRICS = ['precision', 'recall', 'ndcg', 'map'] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

/** Training figures models report per epoch (in progress `info` or the epoch report). */
export const TRAINING_FIGURES = ['loss', 'trainAuc'] as const;
export type TrainingFigure = (typeof TRAINING_FIGURES)[number];

/** One epoch of a curve. */
export interface EpochPoint {
  /** 1-based epoch. */
  readonly epoch: number;
  /** Mean training loss, for models that define one (LightFM, the neural models). */
  loss?: number;
  /** BPR's share of correctly ordered sampled pairs. */
  trainAuc?: number;
  /** Top-k metrics on the validation split after this epoch (when one was given and the model supports it). */
  validation?: Partial<Record<CurveMetric, number>>;
}

/** Options of {@link fitWithCurves}. */
export interface FitWithCurvesOptions extends LongRunOptions {
  /** Held-out interactions evaluated after every epoch (never the test split: that would tune on it). */
  validation?: Interactions;
  /** Cut-off of the validation metrics (default 10). */
  k?: number;
  /** Metric definitions (default 'standard', the anchors' protocol). */
  definition?: MetricDefinition;
  /** Further fit options (e.g. LightFM's features); their own `onEpoch` still runs, first. */
  fit?: FitOptions & Record<string, unknown>;
}

/**
 * Fit `model` on `train` and return it with its per-epoch curve, and the seconds spent evaluating the validation
 * split (part of the call's time, not of training). Models without epochs (popularity, item kNN) give an empty
 * curve.
 *
 * @example
 * ```ts
 * import { fitWithCurves } from 'recwise/report';
 * const { curve } = await fitWithCurves(new BprRecommender({ iterations: 30 }), train, { validation, k: 10 });
 * curve.map((p) => p.validation?.ndcg); // NDCG@10 after each epoch
 * ```
 */
export async function fitWithCurves<M extends Recommender>(
  model: M, train: Interactions, options: FitWithCurvesOptions = {},
): Promise<{ model: M; curve: EpochPoint[]; validationSeconds: number }> {
  const { validation, fit = {} } = options;
  const evalOptions: EvaluateOptions = { k: options.k ?? 10, definition: options.definition ?? 'standard', metrics: [...CURVE_METRICS], signal: options.signal };
  const points = new Map<number, EpochPoint>();
  const point = (epoch: number) => {
    let p = points.get(epoch);
    if (!p) points.set(epoch, (p = { epoch }));
    return p;
  };
  let epochs = false;
  let validationSeconds = 0;
  const onProgress: FitOptions['onProgress'] = (p) => {
    fit.onProgress?.(p);
    options.onProgress?.(p);
    if (p.phase !== 'fit' || !p.info) return;
    for (const f of TRAINING_FIGURES) if (typeof p.info[f] === 'number') point(p.done)[f] = p.info[f];
  };
  const onEpoch = async (report: EpochReport) => {
    epochs = true;
    await fit.onEpoch?.(report);
    const p = point(report.epoch);
    if (typeof report.loss === 'number') p.loss = report.loss;
    // Only a model whose training index is this fit's data scores with this epoch's parameters.
    if (validation && model.fitted && model.trainingIndex.users === train.users) {
      const t0 = performance.now();
      const r = await evaluate(model, validation, evalOptions);
      validationSeconds += (performance.now() - t0) / 1000;
      p.validation = Object.fromEntries(CURVE_METRICS.map((m) => [m, r.means[m]!]));
    }
  };
  if (validation !== undefined && typeof validation?.nnz !== 'number') throw new InvalidArgumentError('validation', validation, 'Interactions');
  await model.fit(train, { ...fit, signal: options.signal ?? fit.signal, onProgress, onEpoch });
  // Models whose epochs report through progress only (no onEpoch) still give their training figures.
  const curve = [...points.values()].sort((a, b) => a.epoch - b.epoch);
  return { model, curve: epochs || curve.length > 1 ? curve : [], validationSeconds };
}
