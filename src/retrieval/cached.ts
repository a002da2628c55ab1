/**
 * A memoising LRU cache in front of any {@link EmbeddingIndex} (Recoder's CachedEmbeddingsIndex): repeated
 * searches — the same user vector, the same item's neighbours — are answered from memory. Adding items clears it.
 */
import type { Id } from '../data/vocabulary.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { EmbeddingIndex, Neighbor, SearchOptions } from './types.ts';

/**
 * @example
 * ```ts
 * const cached = new CachedIndex(await HnswIndex.build(ids, vectors, dim), { capacity: 10_000 });
 * cached.search('item-1', 10);   // computed
 * cached.search('item-1', 10);   // from the cache
 * ```
 */
export class CachedIndex implements EmbeddingIndex {
  readonly capacity: number;
  private cache = new Map<string, Neighbor[]>();
  /** Cache hits and misses since creation. */
  hits = 0;
  misses = 0;

  constructor(readonly inner: EmbeddingIndex, options: { capacity?: number } = {}) {
    const capacity = options.capacity ?? 1024;
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new InvalidArgumentError('capacity', capacity, 'an integer >= 1');
    this.capacity = capacity;
  }

  get metric() {
    return this.inner.metric;
  }
  get dim(): number {
    return this.inner.dim;
  }
  get size(): number {
    return this.inner.size;
  }
  has(id: Id): boolean {
    return this.inner.has(id);
  }

  private static optionsKey(k: number, options: SearchOptions): string {
    const exclude = options.exclude ? [...options.exclude].map((id) => `${typeof id}:${id}`).sort().join('\u0001') : '';
    return `${k}|${options.ef ?? ''}|${exclude}`;
  }

  private memo(key: string, compute: () => Neighbor[]): Neighbor[] {
    const hit = this.cache.get(key);
    if (hit) {
      this.hits++;
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used last
      return hit.slice();
    }
    this.misses++;
    const value = compute();
    this.cache.set(key, value);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return value.slice();
  }

  searchVector(vector: ArrayLike<number>, k: number, options: SearchOptions = {}): Neighbor[] {
    // The key holds the exact float32 bits, so only bit-identical queries share an entry.
    const bits = new Uint32Array(Float32Array.from(vector).buffer);
    return this.memo(`v|${CachedIndex.optionsKey(k, options)}|${bits.join(',')}`, () => this.inner.searchVector(vector, k, options));
  }

  search(id: Id, k: number, options: SearchOptions = {}): Neighbor[] {
    return this.memo(`i|${CachedIndex.optionsKey(k, options)}|${typeof id}:${id}`, () => this.inner.search(id, k, options));
  }

  vector(id: Id): Float32Array {
    return this.inner.vector(id);
  }

  similarity(a: Id, b: Id): number {
    return this.inner.similarity(a, b);
  }

  searchVectors(vectors: Float32Array, n: number, k: number, options: Omit<SearchOptions, 'exclude'> = {}): Promise<Neighbor[][]> {
    return this.inner.searchVectors(vectors, n, k, options);
  }

  async addItems(ids: readonly Id[], vectors: Float32Array): Promise<void> {
    this.cache.clear();
    await this.inner.addItems(ids, vectors);
  }

  /** Forget every cached answer. */
  clear(): void {
    this.cache.clear();
  }

  dispose(): void {
    this.cache.clear();
    this.inner.dispose();
  }
}
