/**
 * Where a served model comes from, loaded lazily and once per isolate: edge runtimes (workerd, Deno Deploy) start a
 * fresh isolate on demand, so the model is read on the first request that needs it and kept for the isolate's life.
 */
import { InvalidArgumentError, ModelFileError } from '../errors.ts';
import { loadModel, type LoadOptions } from '../io/model.ts';
import type { ModelSource } from '../io/source.ts';
import { Recommender } from '../models/recommender.ts';

/**
 * A key-value store such as a Cloudflare Workers KV namespace: `get(key, 'arrayBuffer')` answers the stored bytes or
 * null. Stores that ignore the second argument may answer an ArrayBuffer or Uint8Array.
 */
export interface KeyValueStore {
  get(key: string, type?: 'arrayBuffer'): Promise<ArrayBuffer | Uint8Array | null>;
}

/** A model file kept in a {@link KeyValueStore} under `key`. */
export interface KeyValueSource {
  readonly kv: KeyValueStore;
  readonly key: string;
}

/** Anything a served model can be made from. */
export type ServedModelSource = Recommender | ModelSource | KeyValueSource | (() => Promise<Recommender | ModelSource> | Recommender | ModelSource);

function isKeyValueSource(s: unknown): s is KeyValueSource {
  return typeof s === 'object' && s !== null && 'kv' in s && 'key' in s && typeof (s as KeyValueSource).kv?.get === 'function';
}

async function resolve(source: ServedModelSource, options: LoadOptions): Promise<Recommender> {
  if (source instanceof Recommender) return source;
  if (typeof source === 'function') return resolve(await source(), options);
  if (isKeyValueSource(source)) {
    if (typeof source.key !== 'string') throw new InvalidArgumentError('key', source.key, 'a string key');
    const bytes = await source.kv.get(source.key, 'arrayBuffer');
    if (bytes === null || bytes === undefined) {
      throw new ModelFileError('MODEL_NOT_FOUND', 'key', source.key, 'the key-value store has no model under this key', 'store the bytes of saveModel(model) under this key first.');
    }
    return loadModel(bytes, options);
  }
  return loadModel(source as ModelSource, options);
}

/**
 * A function that loads the model on its first call and answers the same model afterwards. A failed load is not
 * remembered: the next call tries again (a model file being uploaded, a store briefly unreachable).
 *
 * @example
 * ```ts
 * const model = lazyModel(new URL('./model.recwise', import.meta.url));   // or bytes, a Response, { kv, key }
 * export default { fetch: createHandler(model) };
 * ```
 */
export function lazyModel(source: ServedModelSource, options: LoadOptions = {}): () => Promise<Recommender> {
  let pending: Promise<Recommender> | undefined;
  return () => {
    pending ??= resolve(source, options).catch((e) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}
