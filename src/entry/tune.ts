/**
 * `recwise/tune`: hyperparameter search (random search with successive halving over validation users, then a blend of
 * the best families), the search spaces it draws from, and the blends it builds (`BlendRecommender`). Its own entry
 * (issue 18) so apps that train or serve one chosen model do not ship the search; importing it registers the `blend`
 * model kind for `loadModel()`.
 *
 * @module recwise/tune
 */
import './setup.ts';

export { tune, BLEND_CANDIDATES, COMPLEMENT_CANDIDATES, DEFAULT_VALID_FRACTION } from '../tune/tune.ts';
export type { TuneOptions, TuneResult, TuneTrial, TuneMetric, TuneCandidate } from '../tune/tune.ts';
export { SEARCH_SPACES, DEFAULT_TUNE_MODELS, dataFacts } from '../tune/spaces.ts';
export type { SearchSpace, Random, DataFacts } from '../tune/spaces.ts';
export { BlendRecommender, normalizeScores, MAX_BLEND_MEMBERS } from '../models/blend.ts';
export type { BlendOptions, BlendMemberSpec, BlendNormalization } from '../models/blend.ts';
