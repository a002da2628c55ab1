/**
 * Saving and loading models: the Recommender-level API over the pure format functions (format.ts). Saving returns
 * the bytes and, given a path, writes them atomically (temp file + rename, src/runtime/files.ts), so a reader never
 * sees a half-written model. Loading accepts every source kind and rebuilds the model through the model registry.
 */
import { InvalidArgumentError, ModelFileError, RecwiseError } from '../errors.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import { detectCapabilities } from '../runtime/capabilities.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { Recommender } from '../models/recommender.ts';
import { isConfigurationState, modelConstructor, modelFactory, registeredModelKinds } from '../models/registry.ts';
import { checkAborted, type LongRunOptions } from '../models/progress.ts';
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
export interface LoadOptions extends LongRunOptions {}

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
  const bytes = await sourceBytes(source, options);
  checkAborted(options.signal, 'loading a model');
  const state = decodeModelState(bytes);
  options.onProgress?.({ phase: 'decode', done: bytes.length, total: bytes.length });
  return state;
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
export async function loadModel(source: ModelSource, options: LoadOptions = {}): Promise<Recommender> {
  const state = await readModelState(source, options);
  const kinds = registeredModelKinds();
  if (!kinds.includes(state.kind)) {
    throw new ModelFileError('MODEL_FILE_KIND', 'kind', state.kind, `unknown model kind (this build knows ${kinds.join(', ') || 'none'})`, 'load it with a recwise version that has this model family, or import the module that registers it.');
  }
  await ensureInit();
  const backend = await getBackend();
  checkAborted(options.signal, 'loading a model');
  try {
    const create = isConfigurationState(state) ? modelConstructor(state.kind) : undefined;
    const model = create ? create(state.params) : modelFactory(state.kind)(state, backend);
    options.onProgress?.({ phase: 'build', done: 1, total: 1 });
    return model;
  } catch (e) {
    // The file passed the format checks but the model family rejects its contents (e.g. tensor shapes).
    if (e instanceof ModelFileError) throw e;
    const inner = e instanceof RecwiseError ? e : undefined;
    throw new ModelFileError('MODEL_FILE_INVALID', inner?.field ? `state.${inner.field}` : 'state', inner?.value ?? state.kind, `the ${state.kind} model rejected the file's contents: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
  }
}
