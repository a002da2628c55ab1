/**
 * Model kinds known to the loader. Each family registers how to rebuild itself from a {@link ModelState}, so one
 * `loadModel()` reads any model file.
 */
import type { Backend } from '../kernels/types.ts';
import type { ModelState } from './state.ts';
import type { Recommender } from './recommender.ts';
import { InvalidArgumentError } from '../errors.ts';

export type { ModelState, TensorArray } from './state.ts';

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

/**
 * Where each built-in kind's class is exported, named when a file's kind is not registered (issue 18): a model module
 * registers its kind when it loads, and a bundler drops the modules an application does not import.
 */
const KIND_IMPORTS: Readonly<Record<string, string>> = {
  als: "import { AlsRecommender } from 'recwise'",
  bpr: "import { BprRecommender } from 'recwise'",
  lmf: "import { LmfRecommender } from 'recwise'",
  lightfm: "import { LightFmRecommender } from 'recwise'",
  itemknn: "import { ItemKnnRecommender } from 'recwise'",
  ease: "import { EaseRecommender } from 'recwise'",
  rp3beta: "import { Rp3BetaRecommender } from 'recwise'",
  popularity: "import { PopularityRecommender } from 'recwise'",
  blend: "import { BlendRecommender } from 'recwise/tune'",
  autoencoder: "import { AutoencoderRecommender } from 'recwise/nn'",
  'sampled-mf': "import { SampledMfRecommender } from 'recwise/nn'",
  'hashed-mf': "import { HashedMfRecommender } from 'recwise/nn'",
  gru: "import { GruRecommender } from 'recwise/nn'",
  'two-tower': "import { TwoTowerRecommender } from 'recwise/nn'",
};

/** The import that registers a built-in kind (`import { GruRecommender } from 'recwise/nn'`), if it is one. */
export function modelKindImport(kind: string): string | undefined {
  return Object.hasOwn(KIND_IMPORTS, kind) ? KIND_IMPORTS[kind] : undefined;
}

export function registeredModelKinds(): string[] {
  return [...kinds.keys()];
}
