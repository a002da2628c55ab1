/**
 * LightFM models → recwise LightFmRecommender. LightFM keeps four arrays (`item_embeddings`, `item_biases`,
 * `user_embeddings`, `user_biases`, one row per *feature*) and predicts
 * score(u, i) = (f_u·E_user)·(f_i·E_item) + f_u·b_user + f_i·b_item, with f_u, f_i the user's and item's feature
 * rows. Those rows come from LightFM's `Dataset`: the id and feature maps of `dataset.mapping()` plus each entity's
 * features, given here as JSON. As `Dataset.build_user_features` does by default, each row holds the entity's own
 * identity feature (when the map has one) and its named features, normalised to sum 1 (`normalize: false` keeps raw
 * weights). Without a mapping, features are the identity and ids the row numbers.
 */
import { InteropError } from '../errors.ts';
import type { Id } from '../data/vocabulary.ts';
import type { ModelState } from '../models/registry.ts';
import { LightFmRecommender } from '../models/factorization/lightfm.ts';
import type { NdArray } from './npy.ts';
import { parseNpy } from './npy.ts';
import { readNpz, type InteropSource } from './npz.ts';
import { buildModel } from './implicit.ts';
import { interopBytes, seenCsr, type SeenRecord } from './source.ts';
import type { Interactions } from '../data/interactions.ts';

/** One side of a LightFM Dataset mapping. Feature lists are names (weight 1) or `{name: weight}`. */
export interface LightFmSideMapping {
  /** id → row (LightFM's user_id_map / item_id_map). */
  idMap: Record<string, number>;
  /** feature name → column (user_feature_map / item_feature_map). */
  featureMap: Record<string, number>;
  /** Each entity's features as passed to build_user_features / build_item_features. */
  features?: Record<string, readonly string[] | Record<string, number>>;
}

/**
 * LightFM's `Dataset.mapping()` and features as JSON: `{ user_id_map, user_feature_map, item_id_map,
 * item_feature_map, user_features?, item_features?, normalize? }` (snake case as in Python; ids are JSON keys).
 */
export interface LightFmMapping {
  user_id_map: Record<string, number>;
  user_feature_map: Record<string, number>;
  item_id_map: Record<string, number>;
  item_feature_map: Record<string, number>;
  user_features?: Record<string, readonly string[] | Record<string, number>>;
  item_features?: Record<string, readonly string[] | Record<string, number>>;
  /** Rows normalised to sum 1, as build_*_features(normalize=True) (default true). */
  normalize?: boolean;
}

/** Options of {@link importLightFm}. */
export interface ImportLightFmOptions {
  /** Dataset mapping and features (an object, or its JSON text / bytes). */
  mapping?: LightFmMapping | string | Uint8Array;
  /** Training interactions, so recommend() filters seen items. */
  seen?: Interactions | readonly SeenRecord[];
  /** Name used in errors for byte sources (default 'lightfm.npz'). */
  name?: string;
}

/** Where LightFM arrays come from: one .npz with the four keys, or each array as its own .npy (bytes or path). */
export type LightFmSource = InteropSource | Record<'item_embeddings' | 'item_biases' | 'user_embeddings' | 'user_biases', InteropSource>;

const KEYS = ['user_embeddings', 'user_biases', 'item_embeddings', 'item_biases'] as const;

const toF32 = (a: NdArray, file: string, key: string): Float32Array => {
  if (Array.isArray(a.data) || a.dtype === 'b1') throw new InteropError('NPY_DTYPE', file, key, a.dtype, 'expected floating-point values');
  return a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as Float64Array);
};

/** Numeric-looking JSON keys become numbers, as LightFM ids usually are ints (json.dump turns them into strings). */
const idFromKey = (k: string): Id => (/^-?\d+$/.test(k) && Number.isSafeInteger(Number(k)) ? Number(k) : k);

interface Side {
  ids: Id[];
  matrix: { indptr: Int32Array; indices: Int32Array; data: Float32Array };
  packed: { cols: number; identity: boolean; identityPrefix: number; keys: string[]; names: (Id | null)[] };
}

function buildSide(side: 'user' | 'item', rows: number, cols: number, m: LightFmSideMapping | undefined, normalize: boolean, file: string): Side {
  if (!m) {
    if (rows !== cols) throw new InteropError('LIGHTFM_MAPPING', file, `${side}_embeddings`, cols, `${cols} ${side} feature rows: without a mapping the features must be the identity`, `pass the Dataset mapping (${side}_id_map, ${side}_feature_map) as JSON.`);
    const indptr = Int32Array.from({ length: rows + 1 }, (_, i) => i);
    const indices = Int32Array.from({ length: rows }, (_, i) => i);
    return { ids: Array.from({ length: rows }, (_, i) => i), matrix: { indptr, indices, data: new Float32Array(rows).fill(1) }, packed: { cols, identity: true, identityPrefix: cols, keys: [], names: [] } };
  }
  const nIds = Object.keys(m.idMap).length;
  const ids = new Array<Id>(nIds);
  for (const [k, r] of Object.entries(m.idMap)) {
    if (!(Number.isInteger(r) && r >= 0 && r < nIds) || ids[r] !== undefined) throw new InteropError('LIGHTFM_MAPPING', file, `${side}_id_map`, r, `rows must be 0…${nIds - 1}, each once`);
    ids[r] = idFromKey(k);
  }
  const names = new Array<string | undefined>(cols);
  for (const [k, c] of Object.entries(m.featureMap)) {
    if (!(Number.isInteger(c) && c >= 0 && c < cols) || names[c] !== undefined) {
      throw new InteropError('RANK_MISMATCH', file, `${side}_feature_map`, c, `columns must be 0…${cols - 1} (the ${side} embeddings have ${cols} rows), each once`);
    }
    names[c] = k;
  }
  if (Object.keys(m.featureMap).length !== cols) throw new InteropError('RANK_MISMATCH', file, `${side}_feature_map`, Object.keys(m.featureMap).length, `the ${side} embeddings have ${cols} feature rows`);
  const rowsOut: Map<number, number>[] = [];
  for (let r = 0; r < nIds; r++) {
    const row = new Map<number, number>();
    const own = m.featureMap[String(ids[r])];
    if (own !== undefined) row.set(own, 1);
    const f = m.features?.[String(ids[r])];
    const pairs: [string, number][] = Array.isArray(f) ? f.map((n) => [n, 1]) : Object.entries((f as Record<string, number>) ?? {});
    for (const [n, w] of pairs) {
      const c = m.featureMap[n];
      if (c === undefined) throw new InteropError('LIGHTFM_MAPPING', file, `${side}_features.${ids[r]}`, n, `feature not in ${side}_feature_map`);
      row.set(c, (row.get(c) ?? 0) + w);
    }
    if (normalize) {
      let s = 0;
      for (const w of row.values()) s += w;
      if (s > 0) for (const [c, w] of row) row.set(c, w / s);
    }
    rowsOut.push(row);
  }
  const indptr = new Int32Array(nIds + 1);
  rowsOut.forEach((row, r) => (indptr[r + 1] = indptr[r] + row.size));
  const indices = new Int32Array(indptr[nIds]);
  const data = new Float32Array(indptr[nIds]);
  rowsOut.forEach((row, r) => {
    [...row.keys()].sort((a, b) => a - b).forEach((c, j) => {
      indices[indptr[r] + j] = c;
      data[indptr[r] + j] = row.get(c)!;
    });
  });
  // leading columns that are the entities' own identity features, as LightFM's Dataset lays them out
  let prefix = 0;
  while (prefix < cols && prefix < nIds && names[prefix] === String(ids[prefix])) prefix++;
  const identity = prefix === cols && cols === nIds && indices.every((c, j) => c === j) && indptr.every((p, r) => p === r);
  const nameKey = (n: Id) => `n:${typeof n}:${n}`;
  const rest = names.slice(prefix).map((n) => idFromKey(n!));
  return {
    ids,
    matrix: { indptr, indices, data },
    packed: { cols, identity, identityPrefix: prefix, keys: rest.map(nameKey), names: rest },
  };
}

async function readArrays(source: LightFmSource, name: string): Promise<{ arrays: Record<string, NdArray>; file: string }> {
  if (typeof source === 'string' || source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const { bytes, name: file } = await interopBytes(source, name);
    return { arrays: await readNpz(bytes, file, { owned: typeof source === 'string' }), file };
  }
  const arrays: Record<string, NdArray> = {};
  for (const k of KEYS) {
    if (!(k in source)) throw new InteropError('LIGHTFM_MISSING', name, k, Object.keys(source), `no ${k} array`);
    const { bytes, name: file } = await interopBytes(source[k], `${k}.npy`);
    arrays[k] = parseNpy(bytes, file, { owned: typeof source[k] === 'string' });
  }
  return { arrays, file: name };
}

/**
 * Import a LightFM model from its four arrays (np.savez(path, item_embeddings=model.item_embeddings, …) or one
 * .npy per array) and its Dataset mapping. Predictions equal LightFM's `predict`.
 *
 * @example
 * ```ts
 * import { importLightFm } from 'recwise/interop';
 * const model = await importLightFm('lightfm.npz', { mapping: await (await fetch('/mapping.json')).text() });
 * model.recommend('alice', { k: 10 });
 * ```
 */
export async function importLightFm(source: LightFmSource, options: ImportLightFmOptions = {}): Promise<LightFmRecommender> {
  const { arrays, file } = await readArrays(source, options.name ?? 'lightfm.npz');
  for (const k of KEYS) if (!arrays[k]) throw new InteropError('LIGHTFM_MISSING', file, k, Object.keys(arrays), `no ${k} array (save model.${k})`);
  const ue = arrays.user_embeddings, ie = arrays.item_embeddings;
  if (ue.shape.length !== 2 || ie.shape.length !== 2) throw new InteropError('LIGHTFM_SHAPE', file, 'embeddings', [ue.shape, ie.shape], 'embeddings must be 2-d (features × components)');
  const d = ue.shape[1];
  if (ie.shape[1] !== d) throw new InteropError('RANK_MISMATCH', file, 'item_embeddings.shape[1]', ie.shape[1], `user_embeddings has ${d} components`);
  if (arrays.user_biases.data.length !== ue.shape[0]) throw new InteropError('RANK_MISMATCH', file, 'user_biases', arrays.user_biases.data.length, `one bias per user feature (${ue.shape[0]})`);
  if (arrays.item_biases.data.length !== ie.shape[0]) throw new InteropError('RANK_MISMATCH', file, 'item_biases', arrays.item_biases.data.length, `one bias per item feature (${ie.shape[0]})`);
  let mapping = options.mapping;
  if (typeof mapping === 'string' || mapping instanceof Uint8Array) {
    const text = typeof mapping === 'string' ? mapping : new TextDecoder().decode(mapping);
    try {
      mapping = JSON.parse(text) as LightFmMapping;
    } catch (e) {
      throw new InteropError('LIGHTFM_MAPPING', 'mapping', 'json', text.slice(0, 40), `not JSON (${(e as Error).message})`);
    }
  }
  const m = mapping as LightFmMapping | undefined;
  const normalize = m?.normalize ?? true;
  const user = buildSide('user', ue.shape[0], ue.shape[0], m && { idMap: m.user_id_map, featureMap: m.user_feature_map, features: m.user_features }, normalize, file);
  const item = buildSide('item', ie.shape[0], ie.shape[0], m && { idMap: m.item_id_map, featureMap: m.item_feature_map, features: m.item_features }, normalize, file);
  const tensors: ModelState['tensors'] = {
    userFeatureEmbeddings: toF32(ue, file, 'user_embeddings'),
    userFeatureBiases: toF32(arrays.user_biases, file, 'user_biases'),
    itemFeatureEmbeddings: toF32(ie, file, 'item_embeddings'),
    itemFeatureBiases: toF32(arrays.item_biases, file, 'item_biases'),
    userFeatureIndptr: user.matrix.indptr,
    userFeatureIndices: user.matrix.indices,
    userFeatureData: user.matrix.data,
    itemFeatureIndptr: item.matrix.indptr,
    itemFeatureIndices: item.matrix.indices,
    itemFeatureData: item.matrix.data,
  };
  const shapes: ModelState['shapes'] = {};
  for (const [k, v] of Object.entries(tensors)) shapes[k] = [v.length];
  shapes.userFeatureEmbeddings = [ue.shape[0], d];
  shapes.itemFeatureEmbeddings = [ie.shape[0], d];
  const state: ModelState = {
    kind: 'lightfm',
    params: { factors: d, features: { user: user.packed, item: item.packed } },
    users: user.ids,
    items: item.ids,
    seen: seenCsr(user.ids, item.ids, options.seen, file),
    tensors,
    shapes,
  };
  try {
    const model = await buildModel<LightFmRecommender>(state);
    if (!(model instanceof LightFmRecommender)) throw new Error('the lightfm model kind is registered to another class');
    return model;
  } catch (e) {
    if (e instanceof InteropError) throw e;
    throw new InteropError('LIGHTFM_INVALID', file, 'state', d, `the LightFM model rejected the arrays: ${(e as Error).message}`);
  }
}
