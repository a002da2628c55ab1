/**
 * ModelState ↔ the msgpack payload object (the schema of a model file), with every check the loader makes on
 * untrusted input. Checks are written once as functions that return a problem (or undefined), so the writer reports
 * a bad state as InvalidArgumentError and the reader reports a bad file as ModelFileError, from the same rules.
 *
 * Payload (a msgpack map, keys sorted):
 * - `kind`: model family (string, 1–128 chars), the key of the model registry.
 * - `profile`: `'inference'` or `'resumable'` (must agree with header flag bit 0).
 * - `params`: hyperparameters, JSON-like values only (nil, bool, number, string, array, map; depth ≤ 32).
 * - `created`: `{ library, at?, runtime? }`: recwise version that wrote it; ISO time and runtime only when asked for,
 *   so the same model gives the same bytes on every runtime by default.
 * - `users`, `items`: the id vocabularies in index order, as an `i32` or `f64` tensor when every id is a number
 *   (int32 ids use i32), otherwise as a msgpack array of strings and numbers (types kept: 1 and "1" differ).
 * - `seen`: `{ indptr: i32[users+1], indices: i32[nnz], data?: f32[nnz] }`, the users × items CSR of training
 *   items (indptr starts at 0, never decreases, ends at nnz; indices in [0, items), ascending within a row);
 *   `data` is left out when every weight is 1.
 * - `tensors`: `{ name: { dtype, shape, data } }`, data little-endian bytes (`bin`); dtype f32, f16 (float tensors
 *   saved with precision 'f16'; loaded as f32), f64, i32, u32 or u8; byte length = shape product × width.
 * - `training` (resumable only, optional): `{ tensors, counters }`, optimizer state at full precision and finite
 *   number counters.
 * Readers ignore keys they do not know; a change that older readers would misread bumps the format version.
 */
import type { Id } from '../data/vocabulary.ts';
import type { ModelState, TensorArray } from '../models/registry.ts';
import { InvalidArgumentError, ModelFileError } from '../errors.ts';
import { decodeTensor, dtypeOf, encodeTensor, MAX_ELEMENTS, type StoredTensor } from './tensors.ts';

/** What a file says about itself besides the state. */
export interface ModelFileInfo {
  readonly formatVersion: number;
  readonly profile: 'inference' | 'resumable';
  /** recwise version that wrote the file. */
  readonly library: string;
  /** ISO 8601 time, when the writer recorded one. */
  readonly createdAt?: string;
  /** Runtime name, when the writer recorded one. */
  readonly runtime?: string;
  /** Whether some tensors were stored as f16 (their values are rounded). */
  readonly f16: boolean;
}

/** Options of encoding a state. */
export interface EncodeOptions {
  /** `'inference'` drops training state; `'resumable'` keeps it. Default: resumable when the state has training state. */
  profile?: 'inference' | 'resumable';
  /** Storage of float32 model tensors (not vocabularies, seen items or training state). Default `'f32'`. */
  precision?: 'f32' | 'f16' | 'int8';
  /** Record a creation time (omitted by default, so saving is byte-for-byte reproducible). */
  createdAt?: Date | string;
  /** Record the runtime that wrote the file (omitted by default, for the same reason). */
  runtime?: string;
}

const MAX_PARAM_DEPTH = 32;
const MAX_NAME = 128;

export type Problem = { field: string; value: unknown; reason: string } | undefined;

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function paramsProblem(v: unknown, field: string, depth: number): Problem {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return undefined;
  if (typeof v === 'number') return undefined;
  if (depth >= MAX_PARAM_DEPTH) return { field, value: v, reason: `nested deeper than ${MAX_PARAM_DEPTH} levels` };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = paramsProblem(v[i], `${field}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const p = paramsProblem(x, `${field}.${k}`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  return { field, value: v, reason: 'only null, booleans, numbers, strings, arrays and plain objects may be stored' };
}

/** Field names of a CSR matrix's parts, for errors. */
export interface CsrNames { indptr: string; indices: string; data: string; row: string }

const SEEN_NAMES: CsrNames = { indptr: 'seen.indptr', indices: 'seen.indices', data: 'seen.data', row: 'user' };

/**
 * CSR invariants against the matrix size: indptr of rows + 1 entries, starting at 0, never decreasing, ending at the
 * number of entries; indices in [0, cols) (and strictly ascending within a row when `ascending`); data as long as
 * indices. The seen matrix by default; model families' own CSR tensors through src/io/layout.ts.
 */
export function csrProblem(
  indptr: ArrayLike<number>, indices: ArrayLike<number>, data: ArrayLike<number> | undefined, rows: number, cols: number,
  names: CsrNames = SEEN_NAMES, ascending = true,
): Problem {
  if (indptr.length !== rows + 1) return { field: names.indptr, value: indptr.length, reason: `length must be ${names.row}s + 1 = ${rows + 1}` };
  if (indptr[0] !== 0) return { field: names.indptr, value: indptr[0], reason: 'must start at 0' };
  for (let u = 0; u < rows; u++) {
    if (indptr[u + 1] < indptr[u]) return { field: names.indptr, value: indptr[u + 1], reason: `decreases at ${names.row} ${u}` };
  }
  if (indptr[rows] !== indices.length) return { field: names.indptr, value: indptr[rows], reason: `must end at the number of entries ${indices.length}` };
  if (data && data.length !== indices.length) return { field: names.data, value: data.length, reason: `length must equal ${names.indices} length ${indices.length}` };
  for (let u = 0; u < rows; u++) {
    let prev = -1;
    for (let j = indptr[u]; j < indptr[u + 1]; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < cols)) return { field: names.indices, value: i, reason: `index outside [0, ${cols}) in ${names.row} ${u}` };
      if (ascending && i <= prev) return { field: names.indices, value: i, reason: `not strictly ascending within ${names.row} ${u}` };
      prev = i;
    }
  }
  return undefined;
}

/** Tensors whose first axis is a vocabulary (the factor-model convention); other names are checked by the model. */
const VOCAB_AXIS: Readonly<Record<string, 'users' | 'items'>> = {
  userFactors: 'users', itemFactors: 'items', userBiases: 'users', itemBiases: 'items',
};

function vocabShapeProblem(name: string, shape: readonly number[], nUsers: number, nItems: number, prefix: string): Problem {
  const axis = Object.hasOwn(VOCAB_AXIS, name) ? VOCAB_AXIS[name] : undefined;
  if (!axis) return undefined;
  const want = axis === 'users' ? nUsers : nItems;
  if (shape[0] !== want) return { field: `${prefix}.${name}.shape`, value: shape, reason: `first dimension must be the number of ${axis} (${want})` };
  return undefined;
}

function shapeProblem(name: string, a: TensorArray, shape: unknown, prefix: string): Problem {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return { field: `${prefix}.${name}`, value: shape, reason: 'shape must be an array of non-negative integers' };
  }
  const n = shape.reduce((p: number, d: number) => p * d, 1);
  if (n !== a.length) return { field: `${prefix}.${name}`, value: shape, reason: `shape product ${n} differs from the array length ${a.length}` };
  return undefined;
}

function fail(p: Problem): void {
  if (p) throw new InvalidArgumentError(`state.${p.field}`, p.value, `a valid model state (${p.reason})`, 'pass a state from model.toState() or decodeModelState().');
}

function idsToPayload(ids: readonly Id[], field: string): StoredTensor | Id[] {
  if (!Array.isArray(ids)) fail({ field, value: ids, reason: 'must be an array of ids' });
  const seen = new Set<Id>();
  let allNumbers = true;
  let allInt32 = true;
  for (const id of ids) {
    if (typeof id === 'number') {
      if (!Number.isFinite(id)) fail({ field, value: id, reason: 'ids must be strings or finite numbers' });
      if (!(Number.isInteger(id) && id >= -0x80000000 && id <= 0x7fffffff) || Object.is(id, -0)) allInt32 = false;
    } else if (typeof id === 'string') allNumbers = allInt32 = false;
    else fail({ field, value: id, reason: 'ids must be strings or finite numbers' });
    if (seen.has(id)) fail({ field, value: id, reason: 'ids must be unique' });
    seen.add(id);
  }
  if (allNumbers && ids.length) {
    const a = allInt32 ? Int32Array.from(ids as number[]) : Float64Array.from(ids as number[]);
    return encodeTensor(a, [a.length], false);
  }
  return ids.slice();
}

function tensorsToPayload(tensors: Record<string, TensorArray>, shapes: Record<string, number[]>, f16: boolean, prefix: string, nUsers: number, nItems: number, int8 = false) {
  if (!isMap(tensors)) fail({ field: prefix, value: tensors, reason: 'must be an object of typed arrays' });
  const out: Record<string, StoredTensor> = {};
  for (const [name, a] of Object.entries(tensors)) {
    if (!name || name.length > MAX_NAME) fail({ field: prefix, value: name, reason: `tensor names must have 1–${MAX_NAME} characters` });
    if (!ArrayBuffer.isView(a) || !dtypeOf(a)) fail({ field: `${prefix}.${name}`, value: a, reason: 'must be a Float32Array, Float64Array, Int32Array, Uint32Array or Uint8Array' });
    const shape = shapes?.[name] ?? [a.length];
    fail(shapeProblem(name, a, shape, prefix));
    if (prefix === 'tensors') fail(vocabShapeProblem(name, shape, nUsers, nItems, prefix));
    out[name] = encodeTensor(a, shape.slice(), f16, int8);
  }
  return out;
}

/** Build the payload object of a state. Throws InvalidArgumentError for a state that would not load back. */
export function stateToPayload(state: ModelState, options: EncodeOptions, library: string): { payload: Record<string, unknown>; resumable: boolean; f16: boolean } {
  if (!isMap(state as unknown)) fail({ field: '', value: state, reason: 'must be an object' });
  if (typeof state.kind !== 'string' || !state.kind || state.kind.length > MAX_NAME) fail({ field: 'kind', value: state.kind, reason: `must be a string of 1–${MAX_NAME} characters` });
  const profile = options.profile ?? (state.training ? 'resumable' : 'inference');
  if (profile !== 'inference' && profile !== 'resumable') throw new InvalidArgumentError('profile', profile, "'inference' or 'resumable'");
  const precision = options.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'f16' && precision !== 'int8') throw new InvalidArgumentError('precision', precision, "'f32', 'f16' or 'int8'");
  const params = state.params ?? {};
  if (!isMap(params)) fail({ field: 'params', value: params, reason: 'must be a plain object' });
  fail(paramsProblem(params, 'params', 0));
  const users = idsToPayload(state.users, 'users');
  const items = idsToPayload(state.items, 'items');
  const { seen } = state;
  if (!seen || !(seen.indptr instanceof Int32Array) || !(seen.indices instanceof Int32Array) || !(seen.data instanceof Float32Array)) {
    fail({ field: 'seen', value: seen, reason: 'must be { indptr: Int32Array, indices: Int32Array, data: Float32Array }' });
  }
  fail(csrProblem(seen.indptr, seen.indices, seen.data, state.users.length, state.items.length));
  const f16 = precision === 'f16' && Object.values(state.tensors ?? {}).some((a) => a instanceof Float32Array);
  const created: Record<string, string> = { library };
  if (options.createdAt !== undefined) {
    const d = options.createdAt instanceof Date ? options.createdAt : new Date(options.createdAt);
    if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('createdAt', options.createdAt, 'a Date or an ISO 8601 date string');
    created.at = d.toISOString();
  }
  if (options.runtime !== undefined) {
    if (typeof options.runtime !== 'string' || options.runtime.length > MAX_NAME) throw new InvalidArgumentError('runtime', options.runtime, `a string of at most ${MAX_NAME} characters`);
    created.runtime = options.runtime;
  }
  const payload: Record<string, unknown> = {
    kind: state.kind,
    profile,
    params,
    created,
    users,
    items,
    seen: {
      indptr: encodeTensor(seen.indptr, [seen.indptr.length], false),
      indices: encodeTensor(seen.indices, [seen.indices.length], false),
      // binary feedback (every weight 1) is the common case: the weights are then left out (a third of the file)
      data: seen.data.every((w) => w === 1) ? undefined : encodeTensor(seen.data, [seen.data.length], false),
    },
    tensors: tensorsToPayload(state.tensors ?? {}, state.shapes ?? {}, precision === 'f16', 'tensors', state.users.length, state.items.length, precision === 'int8'),
  };
  if (profile === 'resumable' && state.training) {
    const t = state.training;
    const counters = t.counters ?? {};
    if (!isMap(counters)) fail({ field: 'training.counters', value: counters, reason: 'must be an object of numbers' });
    for (const [k, v] of Object.entries(counters)) if (typeof v !== 'number' || !Number.isFinite(v)) fail({ field: `training.counters.${k}`, value: v, reason: 'must be a finite number' });
    payload.training = { tensors: tensorsToPayload(t.tensors ?? {}, t.shapes ?? {}, false, 'training.tensors', 0, 0), counters: { ...counters } };
  }
  return { payload, resumable: profile === 'resumable', f16 };
}

// ---- reading ------------------------------------------------------------------------------------------------

function bad(field: string, value: unknown, reason: string): never {
  throw new ModelFileError('MODEL_FILE_INVALID', field, value, reason);
}

function check(p: Problem): void {
  if (p) bad(p.field, p.value, p.reason);
}

function mapField(obj: Record<string, unknown>, key: string, field: string, optional = false): Record<string, unknown> | undefined {
  const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
  if (v === undefined && optional) return undefined;
  if (!isMap(v)) bad(field, v, 'expected a map');
  return v;
}

function stringField(obj: Record<string, unknown>, key: string, field: string, optional = false): string | undefined {
  const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length > 1024) bad(field, v, 'expected a string');
  return v;
}

function payloadIds(v: unknown, field: string): Id[] {
  let ids: Id[];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const id = v[i];
      if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) bad(`${field}[${i}]`, id, 'ids must be strings or finite numbers');
    }
    ids = v as Id[];
  } else {
    const t = decodeTensor(v, field);
    if ((t.dtype !== 'i32' && t.dtype !== 'f64') || t.shape.length !== 1) bad(`${field}.dtype`, t.dtype, 'numeric ids must be a 1-D i32 or f64 tensor');
    for (let i = 0; i < t.array.length; i++) if (!Number.isFinite(t.array[i])) bad(`${field}[${i}]`, t.array[i], 'ids must be finite numbers');
    ids = Array.from(t.array);
  }
  const unique = new Set<Id>(ids);
  if (unique.size !== ids.length) {
    const s = new Set<Id>();
    for (const id of ids) {
      if (s.has(id)) bad(field, id, 'repeated id');
      s.add(id);
    }
  }
  return ids;
}

function seenTensor(seen: Record<string, unknown>, key: string, dtype: 'i32' | 'f32'): Int32Array | Float32Array {
  const t = decodeTensor(Object.hasOwn(seen, key) ? seen[key] : undefined, `seen.${key}`);
  if (t.dtype !== dtype || t.shape.length !== 1) bad(`seen.${key}.dtype`, t.dtype, `expected a 1-D ${dtype} tensor`);
  return t.array as Int32Array | Float32Array;
}

function payloadTensors(m: Record<string, unknown>, prefix: string, nUsers: number, nItems: number) {
  const tensors: Record<string, TensorArray> = {};
  const shapes: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(m)) {
    if (!name || name.length > MAX_NAME) bad(prefix, name, `tensor names must have 1–${MAX_NAME} characters`);
    const t = decodeTensor(v, `${prefix}.${name}`);
    if (prefix === 'tensors') check(vocabShapeProblem(name, t.shape, nUsers, nItems, prefix));
    tensors[name] = t.array;
    shapes[name] = t.shape;
  }
  return { tensors, shapes };
}

/** Check a decoded payload object against the schema and build the state. Throws ModelFileError. */
export function payloadToState(p: unknown, flags: { resumable: boolean; f16: boolean }, formatVersion: number): ModelState & { file: ModelFileInfo } {
  if (!isMap(p)) bad('payload', p, 'expected a map');
  const kind = stringField(p, 'kind', 'kind')!;
  if (!kind || kind.length > MAX_NAME) bad('kind', kind, `expected a string of 1–${MAX_NAME} characters`);
  const profile = stringField(p, 'profile', 'profile');
  if (profile !== 'inference' && profile !== 'resumable') bad('profile', profile, "expected 'inference' or 'resumable'");
  if ((profile === 'resumable') !== flags.resumable) bad('profile', profile, 'disagrees with the header flags');
  const params = mapField(p, 'params', 'params')!;
  check(paramsProblem(params, 'params', 0));
  const created = mapField(p, 'created', 'created')!;
  const library = stringField(created, 'library', 'created.library')!;
  const createdAt = stringField(created, 'at', 'created.at', true);
  const runtime = stringField(created, 'runtime', 'created.runtime', true);
  const users = payloadIds(Object.hasOwn(p, 'users') ? p.users : undefined, 'users');
  const items = payloadIds(Object.hasOwn(p, 'items') ? p.items : undefined, 'items');
  const seenMap = mapField(p, 'seen', 'seen')!;
  const indptr = seenTensor(seenMap, 'indptr', 'i32') as Int32Array;
  const indices = seenTensor(seenMap, 'indices', 'i32') as Int32Array;
  const data = Object.hasOwn(seenMap, 'data') ? (seenTensor(seenMap, 'data', 'f32') as Float32Array) : new Float32Array(indices.length).fill(1);
  check(csrProblem(indptr, indices, data, users.length, items.length));
  const { tensors, shapes } = payloadTensors(mapField(p, 'tensors', 'tensors')!, 'tensors', users.length, items.length);
  const anyF16 = Object.values(mapField(p, 'tensors', 'tensors')!).some((t) => isMap(t) && t.dtype === 'f16');
  if (anyF16 !== flags.f16) bad('flags', flags.f16 ? 'f16' : 'f32', 'the header f16 flag disagrees with the tensors');
  const state: ModelState & { file: ModelFileInfo } = {
    kind,
    params,
    users,
    items,
    seen: { indptr, indices, data },
    tensors,
    shapes,
    file: { formatVersion, profile, library, f16: anyF16, ...(createdAt !== undefined && { createdAt }), ...(runtime !== undefined && { runtime }) },
  };
  const training = mapField(p, 'training', 'training', true);
  if (training) {
    if (profile !== 'resumable') bad('training', 'present', "training state in an 'inference' file");
    const t = payloadTensors(mapField(training, 'tensors', 'training.tensors')!, 'training.tensors', 0, 0);
    const counters = mapField(training, 'counters', 'training.counters')!;
    for (const [k, v] of Object.entries(counters)) if (typeof v !== 'number' || !Number.isFinite(v)) bad(`training.counters.${k}`, v, 'expected a finite number');
    state.training = { tensors: t.tensors, shapes: t.shapes, counters: counters as Record<string, number> };
  }
  return state;
}

export { MAX_ELEMENTS };
