/**
 * The only runtime imports of the report from the rest of recwise, all through the public API: the package's
 * `recwise/report` bundle (scripts/build.mjs) turns this file's import into `import … from 'recwise'`, so the report
 * shares the user's recwise instance (its kernels, `instanceof Recommender`) instead of carrying a second copy.
 */
export { evaluate, METRIC_NAMES, Interactions, Recommender, InvalidArgumentError, AbortError } from '../index.ts';
