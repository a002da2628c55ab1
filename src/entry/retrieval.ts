/**
 * `recwise/retrieval`: embeddings, exact and HNSW nearest-neighbour indexes, Recoder's recommenders and the
 * candidate → rank → rerank pipeline.
 *
 * @module recwise/retrieval
 */
import './setup.ts';
import { registerKnnBuilder } from '../models/factorization/factor.ts';
import { KnnIndexes } from '../retrieval/knn.ts';

// FactorRecommender.initKnn builds its indexes with this entry's code (issue 18: apps that never search embeddings
// do not ship HNSW).
registerKnnBuilder((users, items, options, backend) => KnnIndexes.build(users, items, options, backend));

// Embeddings, nearest-neighbour search, pipeline
export { KnnNotInitializedError } from '../errors.ts';
export * from '../retrieval/index.ts';

