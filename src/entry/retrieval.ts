/**
 * `recwise/retrieval`: embeddings, exact and HNSW nearest-neighbour indexes, Recoder's recommenders and the
 * candidate → rank → rerank pipeline.
 *
 * @module recwise/retrieval
 */
import './setup.ts';

// Embeddings, nearest-neighbour search, pipeline
export { KnnNotInitializedError } from '../errors.ts';
export * from '../retrieval/index.ts';

