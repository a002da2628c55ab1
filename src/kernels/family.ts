/**
 * Kernel families (issue 18): a backend is its core (resident matrices, scoring, top-k, CSR building) plus the kernels
 * of the model families the application loaded. A module that needs a family's kernels calls `useKernels(FAMILY)`
 * once when it loads (src/kernels/families.ts lists them), so an app that bundles only PopularityRecommender ships no
 * ALS, SGD, LightFM, kNN, SPD, metrics or neural kernels: neither their Wasm wrappers and validators nor their TS
 * references.
 *
 * A family loaded after a backend started (a model module imported later) reaches that backend too: its methods are
 * getters on one prototype per backend kind, and each backend builds a family's methods on first use, from its own
 * context (the Wasm heap, exports and thread pool). A method whose family is not loaded throws a typed error that
 * names the import that brings it.
 */
import { BackendUnavailableError } from '../errors.ts';
import type { Backend } from './types.ts';
import type { NnKernels } from './reference/nn.ts';
import type { WasmKernelContext } from './wasm/backend.ts';

/** The backend kinds whose methods come in families (`webgpu` wraps a `wasm` backend and delegates to it). */
type KernelKind = 'js' | 'wasm';

/**
 * Kernels a family may add beyond the public {@link Backend} contract: EASE's dense scoring needs the embedding bag
 * alone, not all of `nn` (the neural stack's kernels). Its users cast the backend to `Backend & InternalKernels`.
 */
export interface InternalKernels {
  /** {@link NnKernels.embeddingBag}. */
  embeddingBag: NnKernels['embeddingBag'];
}

/** The backend methods that come in families (src/kernels/families.ts); the rest is every backend's core. */
export type FamilyMethod =
  | 'gram' | 'alsSolve' | 'bprEpoch' | 'lmfEpoch' | 'hybridSession' | 'rankMetrics' | 'rankMetricsScored'
  | 'productTopk' | 'productRecommend' | 'sparseGram' | 'spdInverse' | 'gruForward' | 'gruBackward' | 'nn' | 'embeddingBag';

type FamilyBackend = Backend & InternalKernels;

/** What a backend kind implements itself. */
export type BackendCore = Omit<Backend, Exclude<FamilyMethod, 'embeddingBag'>>;

/** One family of backend methods, implemented for each kernel kind. */
export interface KernelFamily<K extends FamilyMethod = FamilyMethod> {
  /** The methods it adds (the getters defined before any backend builds them). */
  readonly methods: readonly K[];
  readonly js: () => Pick<FamilyBackend, K>;
  readonly wasm: (context: WasmKernelContext) => Pick<FamilyBackend, K>;
}

const PARTS = Symbol('recwise.kernelParts');
const CONTEXT = Symbol('recwise.kernelContext');

interface Assembled {
  [PARTS]: Map<KernelFamily<any>, Record<string, unknown>>;
  [CONTEXT]: unknown;
}

/** What to import for each family method (named by the error a backend throws when it is missing). */
const BROUGHT_BY: Record<Exclude<FamilyMethod, 'nn'>, string> = {
  gram: 'AlsRecommender', alsSolve: 'AlsRecommender', bprEpoch: 'BprRecommender', lmfEpoch: 'LmfRecommender',
  hybridSession: 'LightFmRecommender', rankMetrics: 'evaluate', rankMetricsScored: 'evaluate',
  productTopk: 'ItemKnnRecommender', productRecommend: 'ItemKnnRecommender', sparseGram: 'EaseRecommender', spdInverse: 'EaseRecommender',
  gruForward: "GruRecommender from 'recwise/nn'", gruBackward: "GruRecommender from 'recwise/nn'", embeddingBag: 'EaseRecommender',
};

function prototypeFor(kind: KernelKind): object {
  const proto = {};
  for (const [name, brings] of Object.entries(BROUGHT_BY)) {
    Object.defineProperty(proto, name, {
      configurable: true,
      value() {
        throw new BackendUnavailableError(kind, `its ${name} kernel is not loaded in this application`, `import ${brings} (it brings the kernels it uses).`);
      },
    });
  }
  return proto;
}

const prototypes: Record<KernelKind, object> = { js: prototypeFor('js'), wasm: prototypeFor('wasm') };
const loaded = new Set<KernelFamily<any>>();

/**
 * Add a family's kernels to every backend, started or not (idempotent). Called at the top of the modules that use
 * them, so bundling such a module brings its kernels and nothing else does.
 */
export function useKernels(...families: KernelFamily<any>[]): void {
  for (const family of families) {
    if (loaded.has(family)) continue;
    loaded.add(family);
    for (const kind of ['js', 'wasm'] as const) {
      for (const name of family.methods) {
        Object.defineProperty(prototypes[kind], name, {
          configurable: true,
          get(this: Assembled) {
            let part = this[PARTS].get(family);
            if (!part) this[PARTS].set(family, (part = kind === 'js' ? family.js() : family.wasm(this[CONTEXT] as WasmKernelContext)));
            return part[name];
          },
        });
      }
    }
  }
}

/** A backend of `kind` from its core methods: the loaded families' methods are inherited, built per backend on use. */
export function assembleBackend(kind: KernelKind, core: BackendCore, context?: WasmKernelContext): Backend {
  return Object.assign(Object.create(prototypes[kind]), core, { [PARTS]: new Map(), [CONTEXT]: context }) as Backend;
}
