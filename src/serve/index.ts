// Serving a model over HTTP with the Fetch API (see README.md). Re-exports only.
export { createHandler } from './handler.ts';
export type { HandlerOptions, RecwiseHandler, RecommendResponse } from './handler.ts';
export { lazyModel } from './model-source.ts';
export type { KeyValueStore, KeyValueSource, ServedModelSource } from './model-source.ts';
export type { CorsOptions } from './http.ts';
