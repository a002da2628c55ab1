/**
 * Saving and loading models: the Recommender-level API over the pure format functions (format.ts). Saving returns
 * the bytes and, given a path, writes them atomically (temp file + rename, src/runtime/files.ts), so a reader never
 * sees a half-written model. Loading accepts every source kind and rebuilds the model through the model registry.
 */
import { InvalidArgumentError, ModelFileError, RecwiseError, UnknownOptionError } from '../errors.ts';
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import { VERSION } from '../version.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import { detectCapabilities } from '../runtime/capabilities.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { Recommender, registerModelLoader } from '../models/recommender.ts';
import { isConfigurationState, modelConstructor, modelFactory, modelKindImport, modelLayout, registeredModelKinds } from '../models/registry.ts';
import { checkAborted, yieldToEventLoop, type LongRunOptions } from '../models/progress.ts';
import { checkFinite, checkLayout, checkScoreBound, checkScoreRange, DEFAULT_LOAD_BUDGET, layoutFor } from './layout.ts';
import { decodeModelState, encodeModelState, type DecodedModelState } from './format.ts';
import type { EncodeOptions } from './payload.ts';
import { sourceBytes, type ModelSource } from './source.ts';

/** Options of {@link saveModel}. */
export interface SaveOptions extends Omit<EncodeOptions, 'runtime' | 'profile'> {
  /** `'inference'` (default): what recommend() needs. `'resumable'`: optimizer state too, to continue training. */
  profile?: 'inference' | 'resumable';
  /** Record the runtime that wrote the file: `true` for the detected one, or a name. Omitted by default. */
  runtime?: boolean | string;
}

/** Options of {@link loadModel} and {@link readModelState}. */
export interface LoadOptions extends LongRunOptions {
  /**
   * Memory budget of one load in bytes (default {@link DEFAULT_LOAD_BUDGET}, 2 GiB): the file's decoded tensors plus
   * everything its params make the model allocate. A file over it is refused with `MODEL_FILE_BUDGET` before
   * anything sized by its params is allocated. Raise it for trusted, very large models.
   */
  maxBytes?: number;
}

function loadBudget(options: LoadOptions): number {
  const b = options.maxBytes ?? DEFAULT_LOAD_BUDGET;
  if (!(typeof b === 'number' && b > 0 && Number.isSafeInteger(b))) throw new InvalidArgumentError('maxBytes', b, 'a positive integer number of bytes', 'e.g. { maxBytes: 4 * 1024 ** 3 } for 4 GiB.');
  return b;
}

const SAVE_KEYS = optionKeys<SaveOptions>({ profile: true, precision: true, createdAt: true, runtime: true });
const LOAD_KEYS = optionKeys<LoadOptions>({ onProgress: true, signal: true, maxBytes: true });

/**
 * Save a model. Returns the file's bytes; with a `destination` path (Node, Deno, Bun) also writes them atomically:
 * to a temporary file beside it, then renamed over it. An unfitted model saves its configuration (hyperparameters)
 * and loads back unfitted (implicit lets save() run before fit(): a way to share hyperparameters).
 *
 * @example
 * ```ts
 * const bytes = await saveModel(model);                                  // anywhere: bytes to upload or store
 * await saveModel(model, 'model.recwise', { precision: 'f16' });        // half-size file, factors rounded to f16
 * await saveModel(model, 'model.recwise', { profile: 'resumable' });    // keep optimizer state for more training
 * ```
 */
export async function saveModel(model: Recommender, destination?: string, options: SaveOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  if (!(model instanceof Recommender)) throw new InvalidArgumentError('model', model, 'a recwise model (a Recommender)');
  checkOptionKeys('saveModel options', options, SAVE_KEYS);
  if (destination !== undefined && (typeof destination !== 'string' || !destination)) {
    throw new InvalidArgumentError('destination', destination, 'a file path', 'pass a path, or omit it to get only the bytes.');
  }
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, "an object such as { precision: 'f16' }");
  const profile = options.profile ?? 'inference';
  if (profile !== 'inference' && profile !== 'resumable') throw new InvalidArgumentError('profile', profile, "'inference' or 'resumable'");
  const runtime = options.runtime === true ? (await detectCapabilities()).runtime : options.runtime === false ? undefined : options.runtime;
  const bytes = encodeModelState(model.toState(profile), { ...options, profile, runtime });
  if (destination !== undefined) await writeFileAtomic(destination, bytes);
  return bytes;
}

/**
 * Read and check a model file without building the model: kind, params, vocabularies, tensors and what the file
 * says about itself (`state.file`).
 *
 * @example
 * ```ts
 * const state = await readModelState('model.recwise');
 * console.log(state.kind, state.items.length, state.file.library);
 * ```
 */
export async function readModelState(source: ModelSource, options: LoadOptions = {}): Promise<DecodedModelState> {
  checkOptionKeys('readModelState options', options, LOAD_KEYS);
  const budget = loadBudget(options);
  const bytes = await sourceBytes(source, options);
  await yieldToEventLoop(); // decoding is one synchronous step: let a serving process answer what is waiting first
  checkAborted(options.signal, 'loading a model');
  if (bytes.length > budget) {
    throw new ModelFileError('MODEL_FILE_BUDGET', 'payloadLength', bytes.length, `the file is larger than the load budget of ${budget} bytes (maxBytes)`, 'pass a larger { maxBytes } if the file is trusted.');
  }
  const state = decodeModelState(bytes);
  options.onProgress?.({ phase: 'decode', done: bytes.length, total: bytes.length });
  return state;
}

/** A model class: `AlsRecommender`, `BprRecommender`, … (anything `new`-able that builds a Recommender). */
export type ModelClass<T extends Recommender> = abstract new (...args: never[]) => T;

/** Whether version `a` (x.y.z) is newer than `b`; pre-release tags are ignored. */
function newerVersion(a: string, b: string): boolean {
  const parts = (v: string) => v.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const pa = parts(a), pb = parts(b);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
}

/**
 * Run `use` (a kind's layout function or its factory) on a decoded state whose params the model family knows (issue
 * 15): a file written by this version or an older one can hold keys that were ignored when the model trained (before
 * option keys were checked, `new AlsRecommender({ factor: 8 })` saved `factor`); the tensors describe the model fully,
 * so such keys are dropped and the model loads (and re-saves clean). A file from a newer recwise may hold a setting
 * this version does not have and cannot honour, so it is refused rather than run with another meaning.
 */
function withKnownParams<T>(state: DecodedModelState, use: (s: DecodedModelState) => T): { state: DecodedModelState; result: T } {
  const params: Record<string, unknown> = { ...state.params };
  for (let attempt = 0; ; attempt++) {
    const known = { ...state, params: { ...params } };
    try {
      return { state: known, result: use(known) };
    } catch (e) {
      if (!(e instanceof UnknownOptionError) || !e.field || !(e.field in params) || attempt > 64) throw e;
      if (newerVersion(state.file.library, VERSION)) {
        throw new ModelFileError(
          'MODEL_FILE_PARAMS', `params.${e.field}`, params[e.field],
          `the file was written by recwise ${state.file.library}, whose ${state.kind} option \`${e.field}\` this version (${VERSION}) does not have`,
          `upgrade recwise to ${state.file.library} or later to load this file.`,
        );
      }
      delete params[e.field];
    }
  }
}

/**
 * Load a model saved by {@link saveModel} from bytes, a path (Node, Deno, Bun), a URL, a Response or a
 * ReadableStream. Rejects damaged, truncated or foreign files with {@link ModelFileError}, files of an unknown
 * format version with {@link IncompatibleModelFileError}. The model runs on the backend `init()` selected.
 *
 * @example
 * ```ts
 * const model = await loadModel('model.recwise');                        // Node, Deno, Bun
 * const model2 = await loadModel(await fetch('/models/model.recwise'));  // browsers, edge
 * model.recommend('alice', { k: 5 });
 * ```
 */
export async function loadModel(source: ModelSource, options?: LoadOptions): Promise<Recommender>;
/**
 * Load a model file as a given class: the file's kind must be that class's (else {@link ModelFileError} with code
 * `MODEL_FILE_KIND` names both), and the result is typed as that class. Same as `AlsRecommender.load(source)`.
 *
 * @example
 * ```ts
 * const als = await loadModel('model.recwise', AlsRecommender); // AlsRecommender: als.explain(...) type-checks
 * ```
 */
export async function loadModel<T extends Recommender>(source: ModelSource, model: ModelClass<T>, options?: LoadOptions): Promise<T>;
export async function loadModel<T extends Recommender>(source: ModelSource, modelOrOptions?: ModelClass<T> | LoadOptions, maybeOptions: LoadOptions = {}): Promise<Recommender> {
  const cls = typeof modelOrOptions === 'function' && (modelOrOptions as unknown) !== Recommender ? modelOrOptions : undefined;
  const options = typeof modelOrOptions === 'function' ? maybeOptions : (modelOrOptions ?? {});
  if (cls && !(cls.prototype instanceof Recommender)) throw new InvalidArgumentError('model', cls.name, 'a model class such as AlsRecommender');
  checkOptionKeys('loadModel options', options, LOAD_KEYS);
  const state = await readModelState(source, options);
  if (cls) {
    const expected = new (cls as unknown as new () => Recommender)().kind;
    if (state.kind !== expected) {
      throw new ModelFileError('MODEL_FILE_KIND', 'kind', state.kind, `expected a '${expected}' model, the file holds a '${state.kind}' model`, `load it with loadModel(source) (any kind) or with the class of kind '${state.kind}'.`);
    }
  }
  const kinds = registeredModelKinds();
  if (!kinds.includes(state.kind)) {
    const entry = modelKindImport(state.kind);
    if (entry) throw new ModelFileError('MODEL_FILE_KIND', 'kind', state.kind, `the '${state.kind}' model family is not loaded (loaded: ${kinds.join(', ') || 'none'})`, `add \`${entry};\` and load the file with that class, e.g. loadModel(source, ${/\{ (\w+) \}/.exec(entry)![1]}) (a bundler keeps only the model families an app imports).`);
    throw new ModelFileError('MODEL_FILE_KIND', 'kind', state.kind, `unknown model kind (this build knows ${kinds.join(', ') || 'none'})`, 'load it with a recwise version that has this model family, or import the module that registers it.');
  }
  // An unfitted model's configuration (issue 17): hyperparameters only, nothing sized by them is allocated.
  const create = isConfigurationState(state) ? modelConstructor(state.kind) : undefined;
  if (create) return withKnownParams(state, (s) => create(s.params)).result;
  // Everything the params imply is checked before the factory allocates or builds anything (src/io/layout.ts).
  const layoutOf = modelLayout(state.kind);
  const { state: known, result: layout } = withKnownParams(state, (s) => layoutOf && layoutFor(s.kind, layoutOf, s));
  if (layout) checkLayout(known, layout, loadBudget(options));
  await yieldToEventLoop();
  await checkFinite(known);
  if (layout) checkScoreBound(layout);
  await ensureInit();
  const backend = await getBackend();
  checkAborted(options.signal, 'loading a model');
  try {
    const model = withKnownParams(known, (s) => modelFactory(s.kind)(s, backend)).result;
    const factors = factorTables(model);
    if (factors) await checkScoreRange(known, factors, factors.factorCount);
    options.onProgress?.({ phase: 'build', done: 1, total: 1 });
    return model;
  } catch (e) {
    // The file passed the format checks but the model family rejects its contents (e.g. tensor shapes).
    if (e instanceof ModelFileError) throw e;
    const inner = e instanceof RecwiseError ? e : undefined;
    throw new ModelFileError('MODEL_FILE_INVALID', inner?.field ? `state.${inner.field}` : 'state', inner?.value ?? state.kind, `the ${state.kind} model rejected the file's contents: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
  }
}

/**
 * A factor model's tables (models/factorization/factor.ts), recognised by shape: `instanceof FactorRecommender` here would pull the
 * factor base class, and the kNN search it offers, into every application that loads any model file (issue 18).
 */
function factorTables(model: Recommender): { userFactors: Float32Array; itemFactors: Float32Array; factorCount: number } | undefined {
  const m = model as unknown as { userFactors?: unknown; itemFactors?: unknown; factorCount?: unknown };
  if (m.userFactors instanceof Float32Array && m.itemFactors instanceof Float32Array && typeof m.factorCount === 'number') {
    return { userFactors: m.userFactors, itemFactors: m.itemFactors, factorCount: m.factorCount };
  }
  return undefined;
}

registerModelLoader((source, model, options) => loadModel(source as ModelSource, model as ModelClass<Recommender>, options as LoadOptions));
