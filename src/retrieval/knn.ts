/**
 * LibRecommender's embedding search on factor models: initKnn({ approximate, simType }) builds one index over the
 * user embeddings and one over the item embeddings (HNSW when approximate, else exact), then searchKnnUsers /
 * searchKnnItems answer "which users (items) are nearest to this one".
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import type { Id } from '../data/vocabulary.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { Backend } from '../kernels/types.ts';
import { ExactIndex } from './exact.ts';
import { HNSW_KEYS, HnswIndex, type HnswOptions } from './hnsw.ts';
import type { EmbeddingIndex, Metric } from './types.ts';

/** Options of initKnn (LibRecommender's init_knn). */
export interface KnnOptions {
  /** HNSW (true, default) or exact search (false). */
  approximate?: boolean;
  /** 'cosine' (default) or 'inner-product'. */
  simType?: Metric;
  /** HNSW settings (M, efConstruction, ef, seed). */
  hnsw?: Omit<HnswOptions, 'metric' | 'backend'>;
}

/** A model's embedding matrices with their ids. */
export interface Embeddings {
  ids: Id[];
  /** ids.length × dim, row-major. */
  vectors: Float32Array;
  dim: number;
}

/** The two indexes initKnn builds. */
export class KnnIndexes {
  private constructor(readonly users: EmbeddingIndex, readonly items: EmbeddingIndex, readonly approximate: boolean, readonly simType: Metric) {}

  static async build(users: Embeddings, items: Embeddings, options: KnnOptions, backend: Backend): Promise<KnnIndexes> {
    checkOptionKeys('initKnn options', options, optionKeys<KnnOptions>({ approximate: true, simType: true, hnsw: true }));
    checkOptionKeys('initKnn hnsw options', options.hnsw, HNSW_KEYS.filter((k) => k !== 'metric' && k !== 'backend'));
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, "an object such as { approximate: true, simType: 'cosine' }");
    const approximate = options.approximate ?? true;
    if (typeof approximate !== 'boolean') throw new InvalidArgumentError('approximate', approximate, 'true or false');
    const simType = options.simType ?? 'cosine';
    if (simType !== 'cosine' && simType !== 'inner-product') throw new InvalidArgumentError('simType', simType, "'cosine' or 'inner-product'");
    const make = (e: Embeddings): Promise<EmbeddingIndex> =>
      approximate
        ? HnswIndex.build(e.ids, e.vectors, e.dim, { ...options.hnsw, metric: simType, backend })
        : ExactIndex.build(e.ids, e.vectors, e.dim, { metric: simType, backend });
    const u = await make(users);
    try {
      return new KnnIndexes(u, await make(items), approximate, simType);
    } catch (e) {
      u.dispose();
      throw e;
    }
  }

  dispose(): void {
    this.users.dispose();
    this.items.dispose();
  }
}
