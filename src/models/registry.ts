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

/**
 * A tensor that a state's params and vocabularies imply (issue 22): the loader checks the file carries exactly this
 * many elements, and that the whole load fits its memory budget, before the factory allocates or builds anything.
 */
export interface ImpliedTensor {
  /** The shape the params imply; only the element count is compared (files may store a table flat). */
  readonly shape: readonly number[];
  /** The parameter(s) or vocabulary that imply it, named in errors, e.g. `'params.hiddenLayers'`. */
  readonly from: string;
  /** Element type: `'float'` (default; f32, f16 or q8 in the file) or `'int'` (i32). */
  readonly type?: 'float' | 'int';
  /** Optimizer state in `training.tensors`: checked when present, may be absent. */
  readonly training?: boolean;
}

/** Tensors forming a CSR matrix: indptr starts at 0, never decreases, ends at nnz; indices in [0, cols). */
export interface ImpliedCsr {
  readonly indptr: string;
  readonly indices: string;
  readonly data?: string;
  readonly rows: number;
  readonly cols: number;
}

/** What a model kind's factory will build from a state, declared so src/io can check it centrally first. */
export interface ModelLayout {
  readonly tensors: Readonly<Record<string, ImpliedTensor>>;
  readonly csr?: readonly ImpliedCsr[];
  /** Allocations beyond the file's tensors (gradients, derived tables), in 4-byte elements, by cause. */
  readonly derived?: readonly { readonly elements: number; readonly from: string }[];
  /**
   * An upper bound of |score| from the file's (checked) tensors, and the tensor that drives it: a file whose
   * finite values could still overflow float32 scores is refused (factor models are bounded centrally, on their
   * user and item rows).
   */
  readonly scoreBound?: () => { readonly bound: number; readonly from: string };
}

/**
 * Computes a kind's layout from an untrusted state without allocating anything sized by it. Throws (typically the
 * model constructor's InvalidArgumentError) for params the family does not accept.
 */
export type LayoutOf = (state: ModelState) => ModelLayout;

const kinds = new Map<string, ModelFactory>();
const layouts = new Map<string, LayoutOf>();
const constructors = new Map<string, ModelConstructor>();

/**
 * Register how to rebuild a model kind from its state; `layout`: which tensors its params imply (for loading
 * untrusted files safely, issue 22); `create`: how to build an unfitted model from saved params (issue 17).
 */
export function registerModelKind(kind: string, factory: ModelFactory, more: { layout?: LayoutOf; create?: ModelConstructor } = {}): void {
  kinds.set(kind, factory);
  if (more.layout) layouts.set(kind, more.layout);
  else layouts.delete(kind);
  if (more.create) constructors.set(kind, more.create);
  else constructors.delete(kind);
}

/** The layout function of a kind, when it declared one. */
export function modelLayout(kind: string): LayoutOf | undefined {
  return layouts.get(kind);
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
