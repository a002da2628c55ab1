/**
 * What a model is made of, as the file format (src/io) stores it: its own module so the model base class
 * (recommender.ts) and the kind registry (registry.ts) both use it without importing each other (issue 18).
 */
import type { Id } from '../data/vocabulary.ts';

/** Typed arrays a model file can hold. */
export type TensorArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * Everything needed to rebuild a model: what the file format (src/io) stores. `tensors` are the learned arrays
 * (e.g. `itemFactors`), `shapes` their dimensions; `training` holds optimizer state and counters, present only in
 * the resumable profile.
 */
export interface ModelState {
  kind: string;
  params: Record<string, unknown>;
  users: Id[];
  items: Id[];
  /** Each user's training items (users × items CSR), for filterSeen after loading. */
  seen: { indptr: Int32Array; indices: Int32Array; data: Float32Array };
  tensors: Record<string, TensorArray>;
  shapes: Record<string, number[]>;
  training?: { tensors: Record<string, TensorArray>; shapes: Record<string, number[]>; counters: Record<string, number> };
}
