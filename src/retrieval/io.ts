/**
 * Saving an HNSW graph: as tensors inside any model file (next to the factors it indexes), or as a file of its own
 * in the same container (src/io, kind 'hnsw-index': the ids as the item vocabulary, the arrays as tensors, the
 * parameters as params). Loading checks every link before the kernel may follow it (HnswIndex.fromTensors).
 */
import type { Id } from '../data/vocabulary.ts';
import { ModelFileError } from '../errors.ts';
import { encodeModelState } from '../io/format.ts';
import { readModelState, type LoadOptions } from '../io/model.ts';
import type { ModelSource } from '../io/source.ts';
import type { Backend } from '../kernels/types.ts';
import type { ModelState } from '../models/registry.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { HnswIndex, type HnswParams, type HnswTensors } from './hnsw.ts';

/** Model-file kind of a standalone index file. */
export const HNSW_INDEX_KIND = 'hnsw-index';
const NAMES = ['vectors', 'levels', 'links0', 'upperOffsets', 'upperLinks'] as const;

/**
 * Add an index's arrays to a model state under `prefix`: tensors `<prefix>.vectors`, `<prefix>.levels`,
 * `<prefix>.links0`, `<prefix>.upperOffsets`, `<prefix>.upperLinks`, and `params[prefix]` (parameters, entry point
 * and the index's ids).
 *
 * @example
 * ```ts
 * const state = addIndexToState(model.toState(), index, 'itemIndex');
 * const bytes = encodeModelState(state);  // loadModel() still loads the model; indexFromState() the index
 * ```
 */
export function addIndexToState(state: ModelState, index: HnswIndex, prefix = 'hnsw'): ModelState {
  const { ids, params, tensors } = index.toTensors();
  const shapes: Record<string, number[]> = {};
  const t: Record<string, HnswTensors[keyof HnswTensors]> = {};
  for (const name of NAMES) {
    t[`${prefix}.${name}`] = tensors[name];
    shapes[`${prefix}.${name}`] = [tensors[name].length];
  }
  return {
    ...state,
    params: { ...state.params, [prefix]: { ...params, ids } },
    tensors: { ...state.tensors, ...t },
    shapes: { ...state.shapes, ...shapes },
  };
}

/** Rebuild the index stored by {@link addIndexToState} (from a decoded model state). */
export async function indexFromState(state: ModelState, prefix = 'hnsw', backend?: Backend): Promise<HnswIndex> {
  const meta = state.params[prefix] as (HnswParams & { ids?: Id[] }) | undefined;
  if (!meta || typeof meta !== 'object') throw new ModelFileError('MODEL_FILE_INVALID', `params.${prefix}`, meta, 'the file holds no HNSW index under this name');
  const tensors = {} as Record<string, unknown>;
  for (const name of NAMES) tensors[name] = state.tensors[`${prefix}.${name}`];
  const ids = Array.isArray(meta.ids) ? meta.ids : state.items;
  try {
    return await HnswIndex.fromTensors(ids, meta, tensors as unknown as HnswTensors, backend);
  } catch (e) {
    const err = e as { field?: string; value?: unknown; message?: string };
    throw new ModelFileError('MODEL_FILE_INVALID', err.field ?? prefix, err.value, `the HNSW index is not valid: ${err.message ?? String(e)}`);
  }
}

/**
 * A standalone index file (same container as model files). With a path (Node, Deno, Bun) the bytes are also
 * written atomically.
 *
 * @example
 * ```ts
 * const bytes = await saveIndex(index);                 // store or upload
 * const again = await loadIndex(bytes);                 // or a path, URL, Response, stream
 * ```
 */
export async function saveIndex(index: HnswIndex, destination?: string): Promise<Uint8Array<ArrayBuffer>> {
  const empty: ModelState = {
    kind: HNSW_INDEX_KIND, params: {}, users: [], items: [],
    seen: { indptr: new Int32Array(1), indices: new Int32Array(0), data: new Float32Array(0) }, tensors: {}, shapes: {},
  };
  const state = addIndexToState(empty, index, 'hnsw');
  const bytes = encodeModelState(state);
  if (destination !== undefined) await writeFileAtomic(destination, bytes);
  return bytes;
}

/** Load a file written by {@link saveIndex}. */
export async function loadIndex(source: ModelSource, options: LoadOptions & { backend?: Backend } = {}): Promise<HnswIndex> {
  const state = await readModelState(source, options);
  if (state.kind !== HNSW_INDEX_KIND) throw new ModelFileError('MODEL_FILE_KIND', 'kind', state.kind, `expected an index file (kind '${HNSW_INDEX_KIND}')`, 'load model files with loadModel() and indexFromState().');
  return indexFromState(state, 'hnsw', options.backend);
}
