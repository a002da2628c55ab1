/**
 * implicit (github.com/benfred/implicit) models ↔ recwise. implicit's `model.save(path)` is `np.savez` of
 * `user_factors`, `item_factors` and its hyperparameters as 0-d arrays (ALS: alpha, use_cg, cg_steps…; BPR:
 * learning_rate, verify_negative_samples; LMF: learning_rate, neg_prop). The factor layouts match recwise's own:
 * ALS plain; BPR one extra column (item bias; the user's column is 1); LMF two (user [.., 1, b_u], item [.., b_i, 1]),
 * so scores are the full-row dot product in both libraries. implicit files hold no ids and no training data: ids come
 * from the caller (or are row numbers) and seen items from the caller's interactions.
 */
import { InteropError } from '../errors.ts';
import type { Id } from '../data/vocabulary.ts';
import type { Interactions } from '../data/interactions.ts';
import { ensureInit, getBackend } from '../kernels/registry.ts';
import { modelFactory, type ModelState } from '../models/registry.ts';
import { FactorRecommender } from '../models/factorization/factor.ts';
import { AlsRecommender } from '../models/factorization/als.ts';
import { BprRecommender } from '../models/factorization/bpr.ts';
import { LmfRecommender } from '../models/factorization/lmf.ts';
import type { NdArray } from './npy.ts';
import { readNpz, writeNpz, type InteropSource } from './npz.ts';
import type { NpyValue } from './npy.ts';
import { idArrayOf, idsForRows, interopBytes, seenCsr, type SeenRecord } from './source.ts';

/** The implicit model families recwise reads and writes. */
export type ImplicitKind = 'als' | 'bpr' | 'lmf';

/** Options of {@link importImplicit}. */
export interface ImportImplicitOptions {
  /** Model family; inferred from the saved hyperparameters (and factor columns) when left out. */
  kind?: ImplicitKind;
  /** User ids in row order (default: ids stored by {@link exportNpz}, else the row numbers 0…n−1). */
  users?: readonly Id[];
  /** Item ids in row order (default: as for users). */
  items?: readonly Id[];
  /** Training interactions, so recommend() filters seen items (implicit's files do not carry them). */
  seen?: Interactions | readonly SeenRecord[];
  /** Name used in errors when the source is bytes (default 'model.npz'). */
  name?: string;
}

/** The imported model: one of recwise's implicit-family recommenders. */
export type ImplicitModel = AlsRecommender | BprRecommender | LmfRecommender;

/** A 0-d (or 1-element) numeric or bool array as a JS value. */
function scalar(a: NdArray | undefined): number | boolean | string | undefined {
  if (!a || a.shape.reduce((x, y) => x * y, 1) !== 1) return undefined;
  const v = a.data[0];
  if (a.dtype === 'b1') return v === 1;
  return v as number | string;
}

const num = (a: NdArray | undefined) => {
  const v = scalar(a);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

function inferKind(arrays: Record<string, NdArray>, cols: number, file: string): ImplicitKind {
  if ('neg_prop' in arrays) return 'lmf';
  if ('verify_negative_samples' in arrays) return 'bpr';
  if ('alpha' in arrays || 'cg_steps' in arrays || 'use_cg' in arrays) return 'als';
  const factors = num(arrays.factors);
  if (factors === cols) return 'als';
  if (factors === cols - 1) return 'bpr';
  if (factors === cols - 2) return 'lmf';
  throw new InteropError('IMPLICIT_KIND', file, 'kind', Object.keys(arrays), 'cannot tell ALS, BPR or LMF apart from the saved settings', "pass { kind: 'als' | 'bpr' | 'lmf' } (CLI: --kind).");
}

/** Factor matrix as f32 rows × cols, checked. */
function factorMatrix(arrays: Record<string, NdArray>, key: string, file: string): { data: Float32Array; rows: number; cols: number } {
  const a = arrays[key];
  if (!a) throw new InteropError('IMPLICIT_MISSING', file, key, Object.keys(arrays), `no ${key} array (an implicit model saved with model.save() has user_factors and item_factors)`);
  if (a.shape.length !== 2) throw new InteropError('IMPLICIT_SHAPE', file, key, a.shape, 'expected a 2-d array (rows × factors)');
  if (Array.isArray(a.data) || a.dtype === 'b1') throw new InteropError('NPY_DTYPE', file, key, a.dtype, 'factors must be floating point');
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as Float64Array);
  return { data, rows: a.shape[0], cols: a.shape[1] };
}

/** Ids stored by {@link exportNpz} (`recwise_user_ids` / `recwise_item_ids`), if present. */
function storedIds(a: NdArray | undefined): Id[] | undefined {
  if (!a) return undefined;
  return idArrayOf(a.data as ArrayLike<Id>);
}

/** Build a model of `kind` from a state through the model registry (the loader's path). */
export async function buildModel<T>(state: ModelState): Promise<T> {
  await ensureInit();
  const backend = await getBackend();
  return modelFactory(state.kind)(state, backend) as T;
}

/**
 * Import a model saved by implicit (`model.save('model.npz')`, i.e. np.savez): ALS, BPR or LMF, f32/f64/f16
 * factors, stored or compressed archives. Recommendations equal implicit's (full-row dot products); with `seen`,
 * training items are filtered as implicit does with `filter_already_liked_items`.
 *
 * @example
 * ```ts
 * import { importImplicit } from 'recwise/interop';
 * const model = await importImplicit('als.npz', { users: userIds, items: itemIds });
 * model.recommend(userIds[0], { k: 10 });
 * ```
 */
export async function importImplicit(source: InteropSource, options: ImportImplicitOptions = {}): Promise<ImplicitModel> {
  const { bytes, name: file } = await interopBytes(source, options.name ?? 'model.npz');
  // a file read here is ours: its arrays are views of it, not a second copy (issue 23)
  const arrays = await readNpz(bytes, file, { owned: typeof source === 'string' });
  const U = factorMatrix(arrays, 'user_factors', file);
  const V = factorMatrix(arrays, 'item_factors', file);
  if (U.cols !== V.cols) {
    throw new InteropError('RANK_MISMATCH', file, 'item_factors.shape[1]', V.cols, `user_factors has ${U.cols} columns, item_factors ${V.cols}: the factor ranks differ`);
  }
  const kind = options.kind ?? inferKind(arrays, U.cols, file);
  if (kind !== 'als' && kind !== 'bpr' && kind !== 'lmf') throw new InteropError('IMPLICIT_KIND', file, 'kind', kind, "expected 'als', 'bpr' or 'lmf'");
  const extra = kind === 'bpr' ? 1 : kind === 'lmf' ? 2 : 0;
  if (U.cols - extra < 1) throw new InteropError('IMPLICIT_SHAPE', file, 'user_factors.shape[1]', U.cols, `a ${kind.toUpperCase()} model needs at least ${extra + 1} factor columns`);
  const factors = U.cols - extra;
  const saved = num(arrays.factors);
  if (saved !== undefined && saved !== factors) {
    throw new InteropError('RANK_MISMATCH', file, 'factors', saved, `the saved factors setting does not match ${U.cols} ${kind.toUpperCase()} factor columns (expected ${factors}${extra ? ` + ${extra} bias column${extra > 1 ? 's' : ''}` : ''})`, "check the model kind (pass { kind }), or re-save the model.");
  }
  const users = idsForRows(options.users ?? storedIds(arrays.recwise_user_ids), U.rows, file, 'users', !options.users);
  const items = idsForRows(options.items ?? storedIds(arrays.recwise_item_ids), V.rows, file, 'items', !options.items);
  const seed = num(arrays.random_state);
  const params: Record<string, unknown> = { factors };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) params[key] = value;
  };
  set('regularization', num(arrays.regularization));
  set('iterations', num(arrays.iterations));
  if (seed !== undefined && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff) params.seed = seed;
  if (kind === 'als') {
    set('alpha', num(arrays.alpha));
    // implicit >= 0.5 (the versions with save()) scales the matrix by alpha: c = alpha·w, not 1 + alpha·w
    if (params.alpha !== undefined) params.confidence = scalar(arrays.recwise_confidence) === 'one-plus-alpha' ? 'one-plus-alpha' : 'alpha';
    set('cgSteps', num(arrays.cg_steps));
    const useCg = scalar(arrays.use_cg);
    if (typeof useCg === 'boolean') params.solver = useCg ? 'cg' : 'cholesky';
  } else {
    set('learningRate', num(arrays.learning_rate));
    if (kind === 'bpr') {
      const v = scalar(arrays.verify_negative_samples);
      if (typeof v === 'boolean') params.verifyNegative = v;
    } else set('negativeProportion', num(arrays.neg_prop));
  }
  const state: ModelState = {
    kind,
    params,
    users,
    items,
    seen: seenCsr(users, items, options.seen, file),
    tensors: { userFactors: U.data, itemFactors: V.data },
    shapes: { userFactors: [U.rows, U.cols], itemFactors: [V.rows, V.cols] },
  };
  try {
    return await buildModel<ImplicitModel>(state);
  } catch (e) {
    if (e instanceof InteropError) throw e;
    throw new InteropError('IMPLICIT_PARAMS', file, 'params', params, `the ${kind} model rejected the saved settings: ${(e as Error).message}`, `pass { kind } if ${kind} is wrong.`);
  }
}

/** Ids as an .npy-able value: integers as i8/i4 data, anything else as strings. */
function idArray(ids: readonly Id[]): NpyValue {
  if (ids.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= -2147483648 && id <= 2147483647)) return { data: Int32Array.from(ids as number[]), shape: [ids.length] };
  if (ids.every((id) => typeof id === 'number')) return { data: Float64Array.from(ids as number[]), shape: [ids.length] };
  return { strings: ids.map(String) };
}

/** Options of {@link exportNpz}. */
export interface ExportNpzOptions {
  /** Store the id vocabularies as `recwise_user_ids` / `recwise_item_ids` (default true; implicit ignores them). */
  ids?: boolean;
}

/**
 * A recwise factor model as an .npz archive in implicit's `save()` layout: `user_factors`, `item_factors` (float32)
 * and the hyperparameters under implicit's names, so `np.load` reads it and implicit's `Model.load(path)` restores
 * it (ALS → AlternatingLeastSquares, BPR → BayesianPersonalizedRanking, LMF → LogisticMatrixFactorization). Other
 * factor models export their factors and `kind`. Seen items are not part of implicit's format.
 *
 * @example
 * ```ts
 * const bytes = exportNpz(als);                 // then in Python: np.load('als.npz')['item_factors']
 * await writeFileAtomic('als.npz', bytes);
 * ```
 */
export function exportNpz(model: FactorRecommender, options: ExportNpzOptions = {}): Uint8Array<ArrayBuffer> {
  if (!(model instanceof FactorRecommender)) throw new InteropError('EXPORT_KIND', 'export', 'model', (model as { kind?: string })?.kind, 'only factor models (ALS, BPR, LMF, …) export to .npz');
  const users = model.userIds;
  const items = model.itemIds;
  const cols = model.factorCount;
  const arrays: Record<string, NpyValue> = {
    user_factors: { data: model.userFactors, shape: [users.length, cols] },
    item_factors: { data: model.itemFactors, shape: [items.length, cols] },
  };
  const p = model.params as Record<string, number | boolean | string | undefined>;
  const put = (key: string, v: unknown) => {
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') arrays[key] = v;
  };
  // implicit keeps these as Python floats: write f8 even when the value is whole (np.savez(alpha=1.0) is '<f8')
  const putFloat = (key: string, v: unknown) => {
    if (typeof v === 'number') arrays[key] = { data: Float64Array.of(v), shape: [] };
  };
  if (model instanceof AlsRecommender || model instanceof BprRecommender || model instanceof LmfRecommender) {
    put('factors', p.factors);
    putFloat('regularization', p.regularization);
    put('iterations', p.iterations);
    put('dtype', 'float32');
    put('num_threads', 0);
    put('random_state', p.seed);
    put('calculate_training_loss', false);
    if (model instanceof AlsRecommender) {
      putFloat('alpha', p.alpha);
      // implicit reads alpha as c = alpha·w; a recwise 1 + alpha·w model says so, so that importing it back keeps it
      if (p.confidence !== 'alpha') put('recwise_confidence', 'one-plus-alpha');
      put('use_cg', p.solver === 'cg');
      put('cg_steps', p.cgSteps);
      put('use_native', true);
    } else {
      putFloat('learning_rate', p.learningRate);
      if (model instanceof BprRecommender) put('verify_negative_samples', p.verifyNegative);
      else put('neg_prop', p.negativeProportion);
    }
  } else {
    put('factors', cols);
    put('recwise_kind', model.kind);
  }
  if (options.ids ?? true) {
    arrays.recwise_user_ids = idArray(users);
    arrays.recwise_item_ids = idArray(items);
  }
  return writeNpz(arrays);
}
