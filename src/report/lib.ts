/**
 * The only runtime imports of the report from the rest of recwise, all through the public API. The package ships
 * one module per source file (issue 18), so this is the same module the user's `recwise` import loads: one
 * instance of the kernels and of `Recommender` for `instanceof`.
 */
export { evaluate, METRIC_NAMES, Interactions, Recommender, InvalidArgumentError, AbortError } from '../index.ts';
