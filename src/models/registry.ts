/**
 * Model kinds known to the loader. Each family registers how to rebuild itself from a {@link ModelState}, so one
 * `loadModel()` reads any model file.
 */
import type { Id } from '../data/vocabulary.ts';
import type { Backend } from '../kernels/types.ts';
import type { Recommender } from './recommender.ts';
import { InvalidArgumentError } from '../errors.ts';

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

export type ModelFactory = (state: ModelState, backend: Backend) => Recommender;

/** Builds an unfitted model of a kind from its saved hyperparameters. */
export type ModelConstructor = (params: Record<string, unknown>) => Recommender;

const kinds = new Map<string, ModelFactory>();
const constructors = new Map<string, ModelConstructor>();

/** Register how to rebuild a model kind from its state, and how to build an unfitted one from its params. */
export function registerModelKind(kind: string, factory: ModelFactory, create?: ModelConstructor): void {
  kinds.set(kind, factory);
  if (create) constructors.set(kind, create);
}

/**
 * Whether a state is an unfitted model's configuration (implicit lets `save()` run before `fit()`; issue 17):
 * hyperparameters only, no ids and no learned arrays.
 */
export function isConfigurationState(state: ModelState): boolean {
  return state.users.length === 0 && state.items.length === 0 && Object.keys(state.tensors).length === 0 && !state.training;
}

/** The unfitted-model constructor of a kind, if it registered one. */
export function modelConstructor(kind: string): ModelConstructor | undefined {
  return constructors.get(kind);
}

export function modelFactory(kind: string): ModelFactory {
  const f = kinds.get(kind);
  if (!f) throw new InvalidArgumentError('kind', kind, `a registered model kind (${[...kinds.keys()].join(', ') || 'none'})`, 'load the file with a recwise version that has this model family.');
  return f;
}

export function registeredModelKinds(): string[] {
  return [...kinds.keys()];
}
