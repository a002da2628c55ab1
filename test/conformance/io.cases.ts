// Model files (issue 4): round trips, byte-identical output on every runtime, f16 storage, profiles, every
// rejection path with its typed error, and a fuzz run of mutated files that may only produce typed errors.
import {
  init, saveModel, loadModel, readModelState, encodeModelState, decodeModelState, MODEL_FORMAT_VERSION,
  Recommender, Interactions, Vocabulary, registerModelKind, AlsRecommender, InvalidArgumentError, ModelFileError,
  IncompatibleModelFileError, RecwiseError, AbortError,
  type ModelState, type TensorArray, type Backend, type Id, type Progress,
} from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';
import { prng, resign } from './model-bytes.ts';

// ---- a tiny test-only model family --------------------------------------------------------------------------

/** Scores every item by its training count plus a bias; carries fake optimizer state for the resumable profile. */
class ConstantRecommender extends Recommender {
  readonly kind = 'test-constant';
  scores: Float32Array = new Float32Array(0);
  moments: Float64Array = new Float64Array(0);
  epochs = 0;
  constructor(readonly bias = 0.5) {
    super();
  }
  get params(): Record<string, unknown> {
    return { bias: this.bias, label: 'test', nested: { list: [1, 'two', null, true] } };
  }
  protected async fitIndexed(data: Interactions): Promise<void> {
    this.scores = new Float32Array(data.nItems).fill(this.bias);
    for (const i of data.byUser.indices) this.scores[i] += 1;
    this.moments = Float64Array.from(this.scores, (s) => s / 3);
    this.epochs = 3;
  }
  scoreUsers(users: Int32Array): Float32Array {
    const n = this.scores.length;
    const out = new Float32Array(users.length * n);
    for (let r = 0; r < users.length; r++) out.set(this.scores, r * n);
    return out;
  }
  protected exportTensors() {
    return { tensors: { itemScores: this.scores } as Record<string, TensorArray>, shapes: { itemScores: [this.scores.length] } };
  }
  protected override exportTraining(): ModelState['training'] {
    return { tensors: { moments: this.moments }, shapes: { moments: [this.moments.length] }, counters: { epochs: this.epochs } };
  }
  static fromState(state: ModelState, backend: Backend): ConstantRecommender {
    const m = new ConstantRecommender(Number(state.params.bias));
    const index = ConstantRecommender.indexFromState(state);
    const s = state.tensors.itemScores;
    if (!(s instanceof Float32Array) || s.length !== index.items.size) {
      throw new InvalidArgumentError('tensors.itemScores', s, `a Float32Array of ${index.items.size} scores`);
    }
    m.scores = s;
    m.restore(index, backend);
    return m;
  }
}
registerModelKind('test-constant', (state, backend) => ConstantRecommender.fromState(state, backend));

const USERS: Id[] = ['ann', 'bob', 7, 'cy'];
const ITEMS: Id[] = [10, 20, 'x', 30, '10'];

function interactions(): Interactions {
  const users = Vocabulary.from(USERS);
  const items = Vocabulary.from(ITEMS);
  // ann: 10, x · bob: 20, x, 30 · 7: x · cy: 10, '10'
  const indptr = Int32Array.of(0, 2, 5, 6, 8);
  const indices = Int32Array.of(0, 2, 1, 2, 3, 2, 0, 4);
  const data = Float32Array.of(1, 2, 1, 1, 3, 1, 1, 5);
  return new Interactions(users, items, { indptr, indices, data, rows: 4, cols: 5 });
}

async function fitted(): Promise<ConstantRecommender> {
  return new ConstantRecommender(0.25).fit(interactions());
}

/** A small state exercising every dtype, with int32 user ids and non-integer (f64) item ids. */
function everyDtypeState(): ModelState {
  return {
    kind: 'test-state',
    params: { factors: 2, rate: 0.05, name: 'every dtype', flags: [true, false], nested: { a: null } },
    users: [3, -1, 2147483647],
    items: [0.5, 2, -7.25, 1e300],
    seen: { indptr: Int32Array.of(0, 2, 2, 3), indices: Int32Array.of(0, 3, 1), data: Float32Array.of(1, 0.5, 4) },
    tensors: {
      itemFactors: Float32Array.of(0.1, -0.2, 0.3, -0.4, 1e-30, 3e38, -0, 5),
      f64: Float64Array.of(Math.PI, -Math.E, 1e-300, Number.MAX_VALUE),
      i32: Int32Array.of(-2147483648, 0, 2147483647),
      u32: Uint32Array.of(0, 1, 4294967295),
      u8: Uint8Array.of(0, 127, 255, 1, 2, 3),
      empty: new Float32Array(0),
    },
    shapes: { itemFactors: [4, 2], f64: [2, 2], i32: [3], u32: [1, 3], u8: [2, 1, 3], empty: [0, 5] },
    training: {
      tensors: { velocity: Float32Array.of(1.5, -2.5), step: Int32Array.of(9) },
      shapes: { velocity: [2], step: [1] },
      counters: { epochs: 12, loss: 0.125 },
    },
  };
}

/** JSON-like value with object keys sorted (files store map keys sorted). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

function sameState(actual: ModelState, expected: ModelState, what: string): void {
  equal(actual.kind, expected.kind, `${what}: kind`);
  deepEqual(canonical(actual.params), canonical(expected.params), `${what}: params`);
  deepEqual(actual.users, expected.users, `${what}: users`);
  deepEqual(actual.items, expected.items, `${what}: items`);
  actual.users.forEach((u, i) => equal(typeof u, typeof expected.users[i], `${what}: type of user ${i}`));
  actual.items.forEach((u, i) => equal(typeof u, typeof expected.items[i], `${what}: type of item ${i}`));
  for (const k of ['indptr', 'indices', 'data'] as const) {
    equal(actual.seen[k].constructor, expected.seen[k].constructor, `${what}: seen.${k} type`);
    deepEqual(actual.seen[k], expected.seen[k], `${what}: seen.${k}`);
  }
  const names = (s: ModelState) => Object.keys(s.tensors).sort();
  deepEqual(names(actual), names(expected), `${what}: tensor names`);
  for (const name of names(expected)) {
    const a = actual.tensors[name];
    const e = expected.tensors[name];
    equal(a.constructor, e.constructor, `${what}: ${name} type`);
    equal(a.length, e.length, `${what}: ${name} length`);
    for (let i = 0; i < e.length; i++) ok(Object.is(a[i], e[i]), `${what}: ${name}[${i}] ${a[i]} vs ${e[i]}`);
    deepEqual(actual.shapes[name], expected.shapes[name] ?? [e.length], `${what}: ${name} shape`);
  }
}

// ---- helpers to edit files as an attacker would ---------------------------------------------------------------

function indexOfBytes(hay: Uint8Array, needle: ArrayLike<number>, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const le32 = (a: Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function expectFileError(bytes: Uint8Array, code: string, field?: string | RegExp): ModelFileError {
  try {
    decodeModelState(bytes);
  } catch (e) {
    ok(e instanceof ModelFileError, `expected ModelFileError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    equal(e.code, code, `code (${e.message})`);
    if (typeof field === 'string') equal(e.field, field, 'field');
    else if (field) ok(field.test(String(e.field)), `field ${e.field} matches ${field}`);
    ok(e.fix && e.fix.length > 10, 'the error says how to fix it');
    return e;
  }
  throw new Error(`expected ModelFileError ${code}, but the file loaded`);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- round trips ------------------------------------------------------------------------------------------------

test('io/format: a state with every dtype, int32 and f64 ids and training state round-trips exactly', () => {
  const state = everyDtypeState();
  const bytes = encodeModelState(state);
  const back = decodeModelState(bytes);
  sameState(back, state, 'every dtype');
  equal(back.file.formatVersion, MODEL_FORMAT_VERSION);
  equal(back.file.profile, 'resumable');
  equal(back.file.f16, false);
  deepEqual(canonical(back.training!.counters), canonical(state.training!.counters), 'counters');
  deepEqual(canonical(back.training!.shapes), canonical(state.training!.shapes), 'training shapes');
  equal(back.training!.tensors.step.constructor, Int32Array);
  deepEqual(back.training!.tensors.velocity, state.training!.tensors.velocity);
  // the prelude as specified: magic, version, flags (resumable), header length, payload length
  deepEqual(Array.from(bytes.subarray(0, 8)), Array.from(utf8('RECWISE\0')), 'magic');
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  equal(v.getUint16(8, true), MODEL_FORMAT_VERSION, 'version field');
  equal(v.getUint16(10, true), 1, 'flags: resumable');
  equal(v.getUint32(12, true), 32, 'header length');
  equal(v.getUint32(16, true), bytes.length - 32, 'payload length');
  // tensors are stored as raw little-endian bytes, not number arrays
  ok(indexOfBytes(bytes, le32(state.tensors.itemFactors as Float32Array)) > 32, 'f32 tensor bytes appear verbatim');
});

test('io/format: string, number and mixed ids keep their types (1 and "1" stay different)', () => {
  const state: ModelState = {
    kind: 'ids', params: {}, users: ['1', 1, 'Zoë', '', 2.5], items: ['a', 'b'],
    seen: { indptr: Int32Array.of(0, 0, 0, 1, 1, 2), indices: Int32Array.of(1, 0), data: Float32Array.of(1, 1) },
    tensors: {}, shapes: {},
  };
  const bytes = encodeModelState(state);
  const back = decodeModelState(bytes);
  sameState(back, state, 'mixed ids');
  const weighted = encodeModelState({ ...state, seen: { ...state.seen, data: Float32Array.of(1, 2) } });
  ok(weighted.length >= bytes.length + 8 + 10, 'unit weights are left out of the file');
  deepEqual(decodeModelState(weighted).seen.data, [1, 2]);
  equal(typeof back.users[0], 'string');
  equal(typeof back.users[1], 'number');
});

test('io/format: the same state gives identical bytes, and a fixed state has a fixed SHA-256 on every runtime', async () => {
  const a = encodeModelState(everyDtypeState());
  const reordered = everyDtypeState();
  reordered.params = { nested: { a: null }, flags: [true, false], name: 'every dtype', rate: 0.05, factors: 2 };
  const b = encodeModelState(reordered);
  deepEqual(b, a, 'key order does not change the bytes');
  const fixed: ModelState = {
    kind: 'fixed', params: { k: 3, w: 0.5 }, users: [1, 2], items: ['a', 'b', 'c'],
    seen: { indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1), data: Float32Array.of(1, 1, 2) },
    tensors: { itemFactors: Float32Array.of(1, 2, 3, 4, 5, 6) }, shapes: { itemFactors: [3, 2] },
  };
  const bytes = encodeModelState(fixed);
  // Golden digest, computed once on Node; Deno, Bun, Chromium and workerd must produce the same file.
  equal(await sha256Hex(bytes), FIXED_STATE_SHA256, 'SHA-256 of the fixed state');
  // creation time and runtime only when asked for
  const stamped = decodeModelState(encodeModelState(fixed, { createdAt: '2024-05-01T12:00:00Z', runtime: 'test' }));
  equal(stamped.file.createdAt, '2024-05-01T12:00:00.000Z');
  equal(stamped.file.runtime, 'test');
  equal(decodeModelState(bytes).file.createdAt, undefined);
});
const FIXED_STATE_SHA256 = '53e47b02d4d3762e91b8d8fe6fab5c3b2f470c6037789ca70b843c050937fa63';

test('io/format: f16 storage rounds to nearest even and keeps ±0, ±Infinity, NaN and subnormals', () => {
  const cases: [number, number][] = [
    [0, 0], [-0, -0], [1, 1], [-2, -2], [0.5, 0.5], [65504, 65504], // exactly representable
    [65519.99, 65504], [65520, Infinity], [-1e6, -Infinity], [Infinity, Infinity], [-Infinity, -Infinity],
    [2 ** -14, 2 ** -14], // smallest normal
    [2 ** -24, 2 ** -24], [1023 * 2 ** -24, 1023 * 2 ** -24], // smallest and largest subnormal
    [2 ** -25, 0], [-(2 ** -25), -0], [3 * 2 ** -25, 2 * 2 ** -24], [2 ** -25 * 1.0001, 2 ** -24], [1e-10, 0], // ties to even
    [1 + 2 ** -11, 1], [1 + 3 * 2 ** -11, 1 + 2 ** -9], [1 + 2 ** -11 + 2 ** -20, 1 + 2 ** -10],
    [0.1, 0.0999755859375], [-3.14159, -3.140625], [1023.75, 1024], [2049, 2048], [2051, 2052],
  ];
  const values = Float32Array.from(cases, (c) => c[0]);
  const withNaN = Float32Array.from([...values, NaN]);
  const state: ModelState = {
    kind: 'f16', params: {}, users: [], items: [],
    seen: { indptr: Int32Array.of(0), indices: new Int32Array(0), data: new Float32Array(0) },
    tensors: { itemFactors: new Float32Array(0), values: withNaN, exact: Float64Array.of(0.1) },
    shapes: { itemFactors: [0, 4] },
  };
  const back = decodeModelState(encodeModelState(state, { precision: 'f16' }));
  equal(back.file.f16, true);
  const v = back.tensors.values;
  equal(v.constructor, Float32Array, 'f16 tensors load as Float32Array');
  cases.forEach(([x, want], i) => ok(Object.is(v[i], want), `f16(${x}) = ${v[i]}, expected ${want}`));
  ok(Number.isNaN(v[cases.length]), 'NaN stays NaN');
  equal(back.tensors.exact[0], 0.1, 'f64 tensors are not rounded');
  // random values: relative error at most 2^-11 (half an f16 ulp) in the normal range
  let seed = 1;
  const r = Float32Array.from({ length: 4096 }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 200);
  const rs = decodeModelState(encodeModelState({ ...state, tensors: { r } }, { precision: 'f16' })).tensors.r;
  for (let i = 0; i < r.length; i++) {
    if (Math.abs(r[i]) >= 2 ** -14) ok(Math.abs(rs[i] - r[i]) <= Math.abs(r[i]) * 2 ** -11, `f16 of ${r[i]}: ${rs[i]}`);
  }
  const f32Size = encodeModelState({ ...state, tensors: { r } }).length;
  const f16Size = encodeModelState({ ...state, tensors: { r } }, { precision: 'f16' }).length;
  ok(f16Size < f32Size * 0.55, `f16 file ${f16Size} B is about half of f32 ${f32Size} B`);
});

test('io/model: save → load gives the same recommendations, in the user\'s own ids', async () => {
  const model = await fitted();
  const bytes = await saveModel(model);
  const loaded = await loadModel(bytes);
  ok(loaded instanceof ConstantRecommender, 'rebuilt through the registry');
  equal(loaded.kind, 'test-constant');
  deepEqual(loaded.userIds, USERS);
  deepEqual(loaded.itemIds, ITEMS);
  for (const u of USERS) deepEqual(loaded.recommend(u, { k: 3 }), model.recommend(u, { k: 3 }), `user ${String(u)}`);
  // filterSeen survives the trip: ann saw 10 and 'x'
  ok(!loaded.recommend('ann', { k: 5 }).some((r) => r.item === 10 || r.item === 'x'), 'seen items filtered');
  equal(loaded.recommend('ann', { k: 5 }).length, 3);
  deepEqual(canonical((loaded as ConstantRecommender).params), canonical(model.params));
});

test('io/model: an ALS model round-trips: same recommendations, same bytes when saved again, f16 close', async () => {
  const als = await new AlsRecommender({ factors: 4, iterations: 3, seed: 7 }).fit(interactions());
  const bytes = await saveModel(als);
  const loaded = await loadModel(bytes);
  ok(loaded instanceof AlsRecommender);
  for (const u of USERS) deepEqual(loaded.recommend(u, { k: 3 }), als.recommend(u, { k: 3 }), `user ${String(u)}`);
  deepEqual(await saveModel(loaded), bytes, 'save(load(file)) gives the same file');
  const half = await loadModel(await saveModel(als, undefined, { precision: 'f16' }));
  for (const u of USERS) close(half.score(u, ITEMS), als.score(u, ITEMS), 2e-2, `f16 scores of ${String(u)}`);
});

test('io/model: inference drops training state, resumable keeps it', async () => {
  const model = await fitted();
  const inference = await readModelState(await saveModel(model));
  equal(inference.file.profile, 'inference');
  equal(inference.training, undefined);
  const resumable = await readModelState(await saveModel(model, undefined, { profile: 'resumable' }));
  equal(resumable.file.profile, 'resumable');
  deepEqual(resumable.training!.counters, { epochs: 3 });
  deepEqual(resumable.training!.tensors.moments, model.moments);
  equal(resumable.training!.tensors.moments.constructor, Float64Array);
  const f16 = await readModelState(await saveModel(model, undefined, { precision: 'f16', profile: 'resumable' }));
  deepEqual(f16.training!.tensors.moments, model.moments, 'training state is never rounded to f16');
  close(f16.tensors.itemScores, model.scores, 1e-3, 'f16 scores');
  await rejects(saveModel(model, undefined, { profile: 'everything' as 'inference' }), InvalidArgumentError, { field: 'profile' });
  await rejects(saveModel(model, undefined, { precision: 'f8' as 'f16' }), InvalidArgumentError, { field: 'precision' });
  // an unfitted model saves its configuration only (issue 17; parity.cases.ts loads such files back)
  const config = await readModelState(await saveModel(new ConstantRecommender(0.25)));
  deepEqual([config.users, config.items, Object.keys(config.tensors), config.params.bias], [[], [], [], 0.25]);
});

test('io/model: loads from ArrayBuffer, Response, a chunked ReadableStream and (where there is one) a path', async () => {
  const model = await fitted();
  const bytes = await saveModel(model);
  const want = model.recommend('bob', { k: 2 });
  const copy = bytes.slice();
  deepEqual((await loadModel(copy.buffer)).recommend('bob', { k: 2 }), want, 'ArrayBuffer');
  deepEqual((await loadModel(new Response(bytes.slice()))).recommend('bob', { k: 2 }), want, 'Response');
  const chunked = (b: Uint8Array, size: number) => new ReadableStream<Uint8Array>({
    start(c) {
      for (let o = 0; o < b.length; o += size) c.enqueue(b.slice(o, o + size));
      c.close();
    },
  });
  const progress: Progress[] = [];
  const fromStream = await loadModel(chunked(bytes, 7), { onProgress: (p) => progress.push(p) });
  deepEqual(fromStream.recommend('bob', { k: 2 }), want, 'stream');
  const reads = progress.filter((p) => p.phase === 'read');
  ok(reads.length > 10, 'read progress per chunk');
  equal(reads[reads.length - 1].done, bytes.length);
  equal(reads[reads.length - 1].total, bytes.length, 'total known from the header');
  ok(progress.some((p) => p.phase === 'build'), 'build phase reported');
  // a stream that is not a model file is rejected after its first bytes
  await rejects(loadModel(chunked(utf8('<!doctype html><html>not found</html>'), 4)), ModelFileError, { code: 'MODEL_FILE_MAGIC' });
  await rejects(loadModel(new Response('nope', { status: 404 })), ModelFileError, { code: 'MODEL_FILE_FETCH' });
  const ac = new AbortController();
  ac.abort();
  await rejects(loadModel(chunked(bytes, 7), { signal: ac.signal }), AbortError);
  await rejects(loadModel(42 as unknown as Uint8Array), InvalidArgumentError, { field: 'source' });
  const { capabilities } = await init();
  if (capabilities.fileSystem) {
    const path = 'build/conformance-io.recwise';
    const written = await saveModel(model, path);
    deepEqual(written, bytes, 'the returned bytes are what was written');
    deepEqual((await loadModel(path)).recommend('bob', { k: 2 }), want, 'path');
    await rejects(loadModel('build/no-such-model.recwise'), Error);
  } else {
    await rejects(loadModel('model.recwise'), RecwiseError, { code: 'BACKEND_UNAVAILABLE' });
  }
});

// ---- rejections -------------------------------------------------------------------------------------------------

test('io/reject: truncated files, at every part of the file', async () => {
  const bytes = encodeModelState(everyDtypeState());
  for (const n of [0, 3, 8, 9, 10, 20, 31, 32, 33, 100, bytes.length - 1]) {
    const e = expectFileError(bytes.slice(0, n), 'MODEL_FILE_TRUNCATED');
    ok(/truncated/.test(e.message), e.message);
  }
  await rejects(loadModel(bytes.slice(0, bytes.length - 5)), ModelFileError, { code: 'MODEL_FILE_TRUNCATED', field: 'payloadLength' });
});

test('io/reject: wrong magic and trailing bytes', () => {
  const bytes = encodeModelState(everyDtypeState());
  const wrong = bytes.slice();
  wrong[3] = 0x58;
  expectFileError(wrong, 'MODEL_FILE_MAGIC', 'magic');
  expectFileError(utf8('PK\u0003\u0004 a zip file'), 'MODEL_FILE_MAGIC');
  expectFileError(utf8('RE'), 'MODEL_FILE_TRUNCATED');
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  expectFileError(longer, 'MODEL_FILE_TRAILING', 'payloadLength');
  throws(() => decodeModelState('RECWISE' as unknown as Uint8Array), InvalidArgumentError);
});

test('io/reject: unknown format versions, with the file version, the supported range and the fix', () => {
  const bytes = encodeModelState(everyDtypeState());
  for (const version of [0, MODEL_FORMAT_VERSION + 1, 65535]) {
    const f = bytes.slice();
    new DataView(f.buffer).setUint16(8, version, true);
    try {
      decodeModelState(resign(f));
      throw new Error('loaded');
    } catch (e) {
      ok(e instanceof IncompatibleModelFileError, String(e));
      ok(e instanceof ModelFileError && e instanceof RecwiseError);
      equal(e.code, 'MODEL_FILE_VERSION');
      equal(e.fileVersion, version);
      deepEqual(e.supported, [MODEL_FORMAT_VERSION, MODEL_FORMAT_VERSION]);
      ok(version > MODEL_FORMAT_VERSION ? /upgrade recwise/.test(e.fix!) : /re-save/.test(e.fix!), e.fix);
    }
  }
  // the version is checked before anything else in the header, even with only 10 bytes
  const head = bytes.slice(0, 10);
  new DataView(head.buffer).setUint16(8, 9, true);
  expectFileError(head, 'MODEL_FILE_VERSION', 'formatVersion');
});

test('io/reject: wrong checksums of header and payload', () => {
  const bytes = encodeModelState(everyDtypeState());
  const payloadFlip = bytes.slice();
  payloadFlip[bytes.length - 3] ^= 0x10;
  expectFileError(payloadFlip, 'MODEL_FILE_CHECKSUM', 'payloadChecksum');
  const headerFlip = bytes.slice();
  headerFlip[10] ^= 0x02; // flags
  expectFileError(headerFlip, 'MODEL_FILE_CHECKSUM', 'headerChecksum');
  // a valid header checksum over unknown flag bits or another header length is still refused
  const flags = bytes.slice();
  flags[11] = 0x80;
  expectFileError(resign(flags), 'MODEL_FILE_INVALID', 'flags');
  const hlen = bytes.slice();
  hlen[12] = 64;
  expectFileError(resign(hlen), 'MODEL_FILE_INVALID', 'headerLength');
});

test('io/reject: a declared length larger than the buffer, before anything is allocated', () => {
  const bytes = encodeModelState(everyDtypeState());
  for (const [lo, hi] of [[bytes.length, 0], [0xffffffff, 0], [0, 0x1fffff], [0, 0x000fffff]]) {
    const f = bytes.slice();
    const v = new DataView(f.buffer);
    v.setUint32(16, lo, true);
    v.setUint32(20, hi, true);
    expectFileError(resign(f), 'MODEL_FILE_TRUNCATED', 'payloadLength');
  }
  const f = bytes.slice();
  new DataView(f.buffer).setUint32(20, 0xffffffff, true); // beyond 2^53
  expectFileError(resign(f), 'MODEL_FILE_INVALID', 'payloadLength');
});

test('io/reject: tensor shape, dtype and vocabulary mismatches inside a well-formed file', async () => {
  const state: ModelState = {
    kind: 'test-constant', params: {}, users: [1, 2], items: ['a', 'b', 'c'],
    seen: { indptr: Int32Array.of(0, 1, 3), indices: Int32Array.of(2, 0, 1), data: Float32Array.of(1, 1, 2) },
    tensors: { itemFactors: Float32Array.of(1, 2, 3, 4, 5, 6), itemScores: Float32Array.of(7, 8, 9) },
    shapes: { itemFactors: [3, 2], itemScores: [3] },
  };
  const bytes = encodeModelState(state);
  const shapeKey = indexOfBytes(bytes, utf8('shape'));
  ok(shapeKey > 0);
  // tensors are written in sorted key order: itemFactors comes first with shape [3, 2] = 0x92 0x03 0x02
  const at = indexOfBytes(bytes, [0x92, 0x03, 0x02], shapeKey);
  ok(at > 0, 'found the shape of itemFactors');
  const product = bytes.slice();
  product[at + 1] = 4; // [4, 2]: 8 elements declared, 6 stored
  expectFileError(resign(product), 'MODEL_FILE_INVALID', 'tensors.itemFactors.data');
  const vocab = bytes.slice();
  vocab[at + 1] = 2;
  vocab[at + 2] = 3; // [2, 3]: 6 elements, but 3 items
  expectFileError(resign(vocab), 'MODEL_FILE_INVALID', 'tensors.itemFactors.shape');
  const dtype = bytes.slice();
  const f32 = indexOfBytes(dtype, utf8('f32'), 32);
  dtype[f32 + 1] = 0x37; // 'f72'
  expectFileError(resign(dtype), 'MODEL_FILE_INVALID', /dtype$/);
  const seenType = bytes.slice();
  const i32 = indexOfBytes(seenType, utf8('i32'), 32);
  seenType[i32] = 0x75; // 'u32': indices must be i32
  expectFileError(resign(seenType), 'MODEL_FILE_INVALID', /^seen\./);
  // a model family's own check (itemScores must have one score per item) becomes a ModelFileError too
  const wrongScores = { ...state, tensors: { itemScores: Float32Array.of(1, 2) }, shapes: {} };
  await rejects(loadModel(encodeModelState(wrongScores)), ModelFileError, { code: 'MODEL_FILE_INVALID', field: 'state.tensors.itemScores' });
  await rejects(loadModel(encodeModelState({ ...state, kind: 'no-such-kind' })), ModelFileError, { code: 'MODEL_FILE_KIND' });
  // and the writer refuses the same mistakes up front
  throws(() => encodeModelState({ ...state, shapes: { itemFactors: [4, 2] } }), InvalidArgumentError);
  throws(() => encodeModelState({ ...state, shapes: { itemFactors: [2, 3] } }), InvalidArgumentError);
  throws(() => encodeModelState({ ...state, users: [1, 1] }), InvalidArgumentError);
  throws(() => encodeModelState({ ...state, params: { f: () => 1 } }), InvalidArgumentError);
});

test('io/reject: broken seen-items CSR (indptr not monotone, indices out of range or unsorted, duplicate ids)', () => {
  const state: ModelState = {
    kind: 'csr', params: {}, users: [1, 2, 3], items: [10, 11, 12, 13],
    seen: { indptr: Int32Array.of(0, 2, 3, 5), indices: Int32Array.of(1, 3, 0, 2, 3), data: Float32Array.of(1, 2, 3, 4, 5) },
    tensors: {}, shapes: {},
  };
  const bytes = encodeModelState(state);
  const edit = (needle: Int32Array, replace: Int32Array) => {
    const f = bytes.slice();
    const at = indexOfBytes(f, le32(needle));
    ok(at > 0, 'found the array');
    f.set(le32(replace), at);
    return resign(f);
  };
  expectFileError(edit(state.seen.indptr, Int32Array.of(0, 3, 2, 5)), 'MODEL_FILE_INVALID', 'seen.indptr');
  expectFileError(edit(state.seen.indptr, Int32Array.of(1, 2, 3, 5)), 'MODEL_FILE_INVALID', 'seen.indptr');
  expectFileError(edit(state.seen.indptr, Int32Array.of(0, 2, 3, 4)), 'MODEL_FILE_INVALID', 'seen.indptr');
  expectFileError(edit(state.seen.indices, Int32Array.of(1, 4, 0, 2, 3)), 'MODEL_FILE_INVALID', 'seen.indices');
  expectFileError(edit(state.seen.indices, Int32Array.of(1, 3, 0, 2, -1)), 'MODEL_FILE_INVALID', 'seen.indices');
  expectFileError(edit(state.seen.indices, Int32Array.of(3, 1, 0, 2, 3)), 'MODEL_FILE_INVALID', 'seen.indices');
  expectFileError(edit(Int32Array.of(1, 2, 3), Int32Array.of(1, 2, 1)), 'MODEL_FILE_INVALID', 'users');
  throws(() => encodeModelState({ ...state, seen: { ...state.seen, indptr: Int32Array.of(0, 3, 2, 5) } }), InvalidArgumentError, { field: 'state.seen.indptr' });
});

test('io/reject: a payload that is not MessagePack, or not a map, behind valid checksums', () => {
  const bytes = encodeModelState(everyDtypeState());
  const garbage = bytes.slice();
  garbage.fill(0xc1, 32); // 0xc1 is "never used" in MessagePack
  expectFileError(resign(garbage), 'MODEL_FILE_PAYLOAD', 'payload');
  const notMap = bytes.slice(0, 33);
  notMap[32] = 0x07; // the number 7
  new DataView(notMap.buffer).setUint32(16, 1, true);
  expectFileError(resign(notMap), 'MODEL_FILE_INVALID', 'payload');
  // a msgpack array header claiming 2^32−1 elements is refused by the decoder limits, not allocated
  const huge = new Uint8Array(32 + 5);
  huge.set(bytes.subarray(0, 32));
  huge.set([0xdd, 0xff, 0xff, 0xff, 0xff], 32);
  new DataView(huge.buffer).setUint32(16, 5, true);
  expectFileError(resign(huge), 'MODEL_FILE_PAYLOAD', 'payload');
});

// ---- fuzz ------------------------------------------------------------------------------------------------------

test('io/fuzz: 3000 mutated files give only typed errors (no crash, no hang), half of them past the checksum', async () => {
  const model = await fitted();
  const seeds = [
    await saveModel(model),
    await saveModel(model, undefined, { profile: 'resumable', precision: 'f16' }),
    encodeModelState(everyDtypeState()),
  ];
  const rand = prng(20240501);
  const int = (n: number) => Math.floor(rand() * n);
  const codes = new Map<string, number>();
  let loaded = 0;
  const N = 3000;
  for (let iter = 0; iter < N; iter++) {
    const base = seeds[iter % seeds.length];
    let f: Uint8Array = base.slice();
    const kind = int(6);
    const edits = 1 + int(4);
    for (let e = 0; e < edits; e++) {
      if (kind === 0 || (kind === 5 && e % 2 === 0)) f[int(f.length)] ^= 1 << int(8); // bit flip
      else if (kind === 1) f = f.slice(0, int(f.length)); // truncation
      else if (kind === 2) { // byte insertion
        const at = int(f.length + 1);
        const g = new Uint8Array(f.length + 1);
        g.set(f.subarray(0, at));
        g[at] = int(256);
        g.set(f.subarray(at), at + 1);
        f = g;
      } else if (kind === 3 && f.length >= 32) { // length-field edits
        const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
        const choices = [0, 1, f.length - 32 + int(3) - 1, int(2 ** 32), 0xffffffff];
        v.setUint32(16, choices[int(choices.length)], true);
        if (int(4) === 0) v.setUint32(20, int(2 ** 22), true);
      } else if (f.length > 32) { // random byte in the payload (type bytes and lengths live there)
        f[32 + int(f.length - 32)] = int(256);
      }
      if (f.length === 0) break;
    }
    if (iter % 2 === 0) f = resign(f);
    try {
      decodeModelState(f);
      // a mutation can leave a valid file (e.g. a flipped float bit): then building the model must also be safe
      try {
        await loadModel(f);
        loaded++;
      } catch (e) {
        if (!(e instanceof RecwiseError)) throw new Error(`loadModel threw an untyped ${(e as Error)?.name}: ${(e as Error)?.message} (iteration ${iter})`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    } catch (e) {
      if (!(e instanceof RecwiseError)) throw new Error(`decodeModelState threw an untyped ${(e as Error)?.name}: ${(e as Error)?.message} (iteration ${iter})`);
      ok(e instanceof ModelFileError, `${e.name} from bytes`);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
  }
  const count = (c: string) => codes.get(c) ?? 0;
  const total = [...codes.values()].reduce((a, b) => a + b, 0) + loaded;
  equal(total, N, 'every file was accounted for');
  ok(count('MODEL_FILE_CHECKSUM') > 100, `checksum errors: ${count('MODEL_FILE_CHECKSUM')}`);
  ok(count('MODEL_FILE_TRUNCATED') > 100, `truncation errors: ${count('MODEL_FILE_TRUNCATED')}`);
  // with checksums recomputed, mutations reach the decoder and the schema checks
  ok(count('MODEL_FILE_INVALID') + count('MODEL_FILE_PAYLOAD') > 300, `payload-level errors: ${JSON.stringify([...codes])}`);
});
