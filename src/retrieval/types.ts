/**
 * The embedding-index contract (Recoder's EmbeddingsIndex: exact, approximate, cached), shared by
 * {@link ExactIndex}, {@link HnswIndex} and {@link CachedIndex}.
 */
import { optionKeys } from '../options-check.ts';
import type { Id } from '../data/vocabulary.ts';

/**
 * 'cosine': cosine of the angle (vectors are normalised on the way in); 'inner-product': the raw dot product
 * (maximum inner product search; HNSW answers it through the MIPS → cosine augmentation, see vectors.ts).
 */
export type Metric = 'cosine' | 'inner-product';

/** One search result: a stored id and its similarity to the query (larger is closer). */
export interface Neighbor {
  readonly id: Id;
  readonly score: number;
}

/** Per-query options of {@link EmbeddingIndex.searchVector}. */
export interface SearchOptions {
  /** Ids that must not be returned (k results are still returned when enough other ids exist). */
  readonly exclude?: Iterable<Id>;
  /** HNSW only: size of the dynamic candidate list (default: the index's ef). Ignored by exact search. */
  readonly ef?: number;
}

/** Every key of {@link SearchOptions}. */
export const SEARCH_KEYS = optionKeys<SearchOptions>({ exclude: true, ef: true });

/** A vector index over ids. Every implementation returns neighbours best first, ties to the earlier-added id. */
export interface EmbeddingIndex {
  readonly metric: Metric;
  /** Length of the vectors (as given, before normalisation or augmentation). */
  readonly dim: number;
  /** Number of stored ids. */
  readonly size: number;
  has(id: Id): boolean;
  /** The k stored ids most similar to `vector`. */
  searchVector(vector: ArrayLike<number>, k: number, options?: SearchOptions): Neighbor[];
  /** searchVector for `n` row-major query rows at once (split over the backend's threads where it has them). */
  searchVectors(vectors: Float32Array, n: number, k: number, options?: Omit<SearchOptions, 'exclude'>): Promise<Neighbor[][]>;
  /** The k stored ids most similar to the stored vector of `id`, `id` itself left out. */
  search(id: Id, k: number, options?: SearchOptions): Neighbor[];
  /** The stored vector of `id` (Recoder's get_embedding): unit length for cosine, as given for inner product. */
  vector(id: Id): Float32Array;
  /** Similarity of two stored ids under the index's metric, exactly (Recoder's get_similarity). */
  similarity(a: Id, b: Id): number;
  /** Add ids with their vectors (row-major, ids.length × dim); ids must be new. */
  addItems(ids: readonly Id[], vectors: Float32Array): Promise<void>;
  /** Release backend memory; the index must not be used afterwards. */
  dispose(): void;
}
