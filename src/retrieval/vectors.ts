/** Argument checks and vector transforms shared by the indexes. */
import type { Id } from '../data/vocabulary.ts';
import { DimensionMismatchError, InvalidArgumentError } from '../errors.ts';
import type { Metric } from './types.ts';

export function checkMetric(metric: unknown): Metric {
  if (metric !== 'cosine' && metric !== 'inner-product') throw new InvalidArgumentError('metric', metric, "'cosine' or 'inner-product'");
  return metric;
}

export function checkK(k: unknown, field = 'k'): number {
  if (!(typeof k === 'number' && Number.isInteger(k) && k >= 0)) throw new InvalidArgumentError(field, k, 'an integer >= 0');
  return k;
}

export function checkPositiveInt(value: unknown, field: string, min = 1): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) throw new InvalidArgumentError(field, value, `an integer >= ${min}`);
  return value;
}

/** A query as Float32Array of length `dim`, finite values only. */
export function queryVector(vector: ArrayLike<number>, dim: number, field = 'vector'): Float32Array {
  if (vector === null || typeof vector !== 'object' || typeof (vector as ArrayLike<number>).length !== 'number') {
    throw new InvalidArgumentError(field, vector, `an array or Float32Array of ${dim} numbers`);
  }
  if (vector.length !== dim) throw new DimensionMismatchError(field, vector.length, dim, `pass vectors of the index's dimension (${dim}).`);
  const out = vector instanceof Float32Array ? vector : Float32Array.from(vector);
  for (let j = 0; j < dim; j++) if (!Number.isFinite(out[j])) throw new InvalidArgumentError(`${field}[${j}]`, out[j], 'a finite number');
  return out;
}

/** Check `n` row-major rows of `dim` finite floats. */
export function checkRows(vectors: unknown, n: number, dim: number, field = 'vectors'): Float32Array {
  if (!(vectors instanceof Float32Array)) throw new InvalidArgumentError(field, vectors, `a Float32Array of ${n} × ${dim} values`);
  if (vectors.length !== n * dim) throw new DimensionMismatchError(field, vectors.length, n * dim, `pass ${n} rows of ${dim} values, row-major.`);
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) throw new InvalidArgumentError(`${field}[${i}]`, vectors[i], 'a finite number');
  }
  return vectors;
}

/** Check new ids: each valid, unique, and not already stored. */
export function checkNewIds(ids: unknown, has: (id: Id) => boolean): readonly Id[] {
  if (!Array.isArray(ids)) throw new InvalidArgumentError('ids', ids, 'an array of string or number ids');
  const seen = new Set<Id>();
  for (const id of ids) {
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) throw new InvalidArgumentError('ids', id, 'a string or a finite number');
    if (seen.has(id) || has(id)) throw new InvalidArgumentError('ids', id, 'an id not already in the index', 'ids must be unique; remove duplicates before adding.');
    seen.add(id);
  }
  return ids;
}

/** Dot product of two stored vectors in float64: cosine for unit rows, the inner product otherwise. */
export function storedSimilarity(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** Euclidean norm of row r. */
export function rowNorm(m: Float32Array, r: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += m[r * dim + j] * m[r * dim + j];
  return Math.sqrt(s);
}

/**
 * Write row `r` of `src` (dim floats) into `dst` at `offset` as stored by an index with row stride `stride`:
 * cosine → scaled to unit length (zero rows stay zero); inner product with `maxNorm` → the MIPS augmentation of
 * Bachrach et al. 2014 (implicit's augment_inner_product_matrix): x ↦ [x, √(maxNorm² − ‖x‖²)], so every stored
 * row has norm maxNorm and the query [q, 0] has <q', x'> = <q, x>: the inner-product order is the cosine (and
 * Euclidean) order of the augmented rows. The HNSW graph leaves the column out of its own similarities (raw inner
 * products navigate better; see assembly/hnsw.ts). Padding up to `stride` is zero.
 */
export function storeRow(src: Float32Array, r: number, dim: number, metric: Metric, maxNorm: number, dst: Float32Array, offset: number, stride: number): void {
  const norm = rowNorm(src, r, dim);
  const scale = metric === 'cosine' && norm > 0 ? 1 / norm : 1;
  for (let j = 0; j < dim; j++) dst[offset + j] = src[r * dim + j] * scale;
  for (let j = dim; j < stride; j++) dst[offset + j] = 0;
  if (metric === 'inner-product' && maxNorm > 0) dst[offset + dim] = Math.sqrt(Math.max(0, maxNorm * maxNorm - norm * norm));
}

/** The query as stored-side search expects it: normalised for cosine, [q, 0] for inner product, zero-padded. */
export function storeQuery(q: Float32Array, dim: number, metric: Metric, dst: Float32Array, offset: number, stride: number): void {
  storeRow(q, 0, dim, metric, 0, dst, offset, stride);
}
