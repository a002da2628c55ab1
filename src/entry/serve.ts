/**
 * `recwise/serve`: a Fetch handler answering recommendation requests (Workers, Deno, Bun, Node via its HTTP adapter)
 * and lazily loaded models.
 *
 * @module recwise/serve
 */
import './setup.ts';

// Serving
export { createHandler, lazyModel } from '../serve/index.ts';
export type { HandlerOptions, RecwiseHandler, RecommendResponse, KeyValueStore, KeyValueSource, ServedModelSource, CorsOptions } from '../serve/index.ts';

