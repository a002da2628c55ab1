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

const kinds = new Map<string, ModelFactory>();

/** Register how to rebuild a model kind from its state. */
export function registerModelKind(kind: string, factory: ModelFactory): void {
  kinds.set(kind, factory);
}

export function modelFactory(kind: string): ModelFactory {
  const f = kinds.get(kind);
  if (!f) throw new InvalidArgumentError('kind', kind, `a registered model kind (${[...kinds.keys()].join(', ') || 'none'})`, 'load the file with a recwise version that has this model family.');
  return f;
}

export function registeredModelKinds(): string[] {
  return [...kinds.keys()];
}

/** How `Recommender.load` reads a file: set by src/io/model.ts (the io layer sits above the models). */
export type ModelLoader = (source: unknown, model: abstract new (...args: never[]) => Recommender, options: unknown) => Promise<Recommender>;

let loader: ModelLoader | undefined;

export function registerModelLoader(f: ModelLoader): void {
  loader = f;
}

export function modelLoader(): ModelLoader {
  if (!loader) throw new InvalidArgumentError('loadModel', undefined, 'the model file loader', "import recwise's package entry (it registers the loader).");
  return loader;
}
