// Type-level checks of the public API (issue 15), compiled by test/unit/api-types.test.ts (and `npm run typecheck`).
// Each `@ts-expect-error` must be an error; every other line must type-check. Never run.
import { AlsRecommender, BprRecommender, evaluate, loadModel, type EvaluationResult, type Interactions, type Recommender } from 'recwise';

export async function typedResults(model: Recommender, test: Interactions): Promise<number[]> {
  // default metrics: every mean is a number, not number | undefined
  const all = await evaluate(model, test);
  const precision: number = all.means.precision;
  const coverage: number = all.means.coverage;
  const ndcgPerUser: Float64Array = all.perUser.ndcg;

  // the metrics asked for type the result: exactly those keys
  const some = await evaluate(model, test, { metrics: ['ndcg', 'auc', 'coverage'] });
  const ndcg: number = some.means.ndcg;
  const auc: number = some.means.auc;
  const aucPerUser: Float64Array = some.perUser.auc;
  // @ts-expect-error precision was not asked for
  const notAsked: number = some.means.precision;
  // @ts-expect-error coverage has no per-user values
  void some.perUser.coverage;
  // @ts-expect-error not a metric
  await evaluate(model, test, { metrics: ['precison'] });
  const typed: EvaluationResult<'ndcg' | 'auc' | 'coverage'> = some;
  void [ndcgPerUser, aucPerUser, typed, notAsked];
  return [precision, coverage, ndcg, auc];
}

export async function typedLoading(bytes: Uint8Array): Promise<void> {
  // Model.load and loadModel(source, Model) return the concrete class: its own methods need no cast
  const als: AlsRecommender = await AlsRecommender.load(bytes);
  als.explain('alice', 'matrix');
  const bpr: BprRecommender = await loadModel(bytes, BprRecommender);
  void bpr.options.learningRate;
  const any: Recommender = await loadModel(bytes);
  // @ts-expect-error the untyped loader returns the base contract
  any.explain('alice', 'matrix');
  // @ts-expect-error a BprRecommender is not an AlsRecommender
  const wrong: AlsRecommender = await BprRecommender.load(bytes);
  void wrong;
}

export function unknownOptionsAreTypeErrors(): void {
  // @ts-expect-error misspelt option (also a runtime UnknownOptionError)
  new AlsRecommender({ factor: 8 });
}
