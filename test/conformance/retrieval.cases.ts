// Embedding indexes (issue 8): exact search against a brute-force reference, HNSW recall against exact search,
// determinism, Wasm == TS reference, save/load, MIPS augmentation, factor-model kNN API, typed errors.
import {
  init, getBackend, encodeModelState, decodeModelState, AlsRecommender, InvalidArgumentError, DimensionMismatchError,
  UnknownItemError, UnknownUserError, ModelFileError, type Backend, type Id,
} from 'recwise';
import {
  ExactIndex, HnswIndex, CachedIndex, saveIndex, loadIndex, addIndexToState, indexFromState, KnnNotInitializedError,
  type Neighbor, type EmbeddingIndex,
} from 'recwise/retrieval';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, throws, rng } from './assert.ts';
import { checkerboard } from './fixtures.ts';

function randomVectors(n: number, d: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * d }, () => r());
}

/** Factor-like vectors: 40 cluster centres, points spread around them with varied norms. */
function clusteredVectors(n: number, d: number, seed: number): Float32Array {
  const r = rng(seed);
  const centres = Float32Array.from({ length: 40 * d }, () => r());
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(((r() + 1) / 2) * 40) % 40;
    const scale = 0.5 + (r() + 1) / 2;
    for (let j = 0; j < d; j++) out[i * d + j] = scale * (centres[c * d + j] + 0.25 * r());
  }
  return out;
}

/** Brute force in float64: the spec of exact search (score descending, ties to the lower index). */
function bruteForce(vectors: Float32Array, d: number, q: ArrayLike<number>, k: number, metric: 'cosine' | 'inner-product', skip?: number): { i: number; s: number }[] {
  const n = vectors.length / d;
  let qn = 0;
  for (let j = 0; j < d; j++) qn += q[j] * q[j];
  qn = Math.sqrt(qn) || 1;
  const all: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    let dot = 0, norm = 0;
    for (let j = 0; j < d; j++) {
      dot += vectors[i * d + j] * q[j];
      norm += vectors[i * d + j] ** 2;
    }
    all.push({ i, s: metric === 'cosine' ? dot / ((Math.sqrt(norm) || 1) * qn) : dot });
  }
  all.sort((a, b) => b.s - a.s || a.i - b.i);
  return all.slice(0, k);
}

/** Same neighbours as the reference: scores within tol rank by rank, ids equal wherever the ranking is not a near-tie. */
function sameNeighbors(got: Neighbor[], want: { i: number; s: number }[], ids: Id[], tol = 1e-5): void {
  equal(got.length, want.length, 'result count');
  close(got.map((g) => g.score), want.map((w) => w.s), tol, 'scores');
  for (let j = 0; j < want.length; j++) {
    const tied = (j > 0 && want[j - 1].s - want[j].s < tol) || (j + 1 < want.length && want[j].s - want[j + 1].s < tol);
    if (!tied) equal(got[j].id, ids[want[j].i], `rank ${j}`);
  }
}

function recallAt10(approx: Neighbor[][], exact: Neighbor[][]): number {
  let hit = 0, total = 0;
  approx.forEach((a, q) => {
    const want = new Set(exact[q].map((e) => e.id));
    hit += a.filter((x) => want.has(x.id)).length;
    total += want.size;
  });
  return hit / total;
}

/** A backend object without the Wasm kernel hook: indexes fall back to the TS reference on their own buffer. */
async function referenceBackend(): Promise<Backend> {
  await init();
  return { ...(await getBackend()), kernels: undefined };
}

const ids = (n: number, prefix = 'i'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

for (const metric of ['cosine', 'inner-product'] as const) {
  test(`retrieval: exact ${metric} search equals brute force (single, parallel, batch, exclude)`, async () => {
    await init();
    const n = 3000, d = 24;
    const v = clusteredVectors(n, d, 11);
    const names = ids(n);
    const index = await ExactIndex.build(names, v, d, { metric });
    const r = rng(5);
    const queries = Float32Array.from({ length: 20 * d }, () => r());
    const batch = await index.searchVectors(queries, 20, 10);
    for (let q = 0; q < 20; q++) {
      const qv = queries.subarray(q * d, (q + 1) * d);
      const want = bruteForce(v, d, qv, 10, metric);
      sameNeighbors(index.searchVector(qv, 10), want, names);
      sameNeighbors(await index.searchVectorParallel(qv, 10), want, names);
      sameNeighbors(batch[q], want, names);
    }
    // search by id leaves the id out; exclude removes ids and still returns k
    const byId = index.search('i7', 5);
    sameNeighbors(byId, bruteForce(v, d, v.subarray(7 * d, 8 * d), 5, metric, 7), names);
    const top = index.searchVector(queries.subarray(0, d), 5);
    const without = index.searchVector(queries.subarray(0, d), 5, { exclude: [top[0].id, top[2].id] });
    equal(without.length, 5);
    ok(!without.some((x) => x.id === top[0].id || x.id === top[2].id), 'excluded ids never returned');
    deepEqual(without.slice(0, 3).map((x) => x.id), [top[1].id, top[3].id, top[4].id]);
    index.dispose();
  });
}

test('retrieval: exact index addItems extends the catalogue; k larger than size returns everything', async () => {
  await init();
  const d = 8;
  const v = randomVectors(50, d, 3);
  const index = await ExactIndex.build(ids(30), v.slice(0, 30 * d), d, { metric: 'inner-product' });
  await index.addItems(ids(20, 'n'), v.slice(30 * d));
  equal(index.size, 50);
  const all = [...ids(30), ...ids(20, 'n')];
  const q = v.subarray(0, d);
  sameNeighbors(index.searchVector(q, 10), bruteForce(v, d, q, 10, 'inner-product'), all);
  equal(index.searchVector(q, 100).length, 50);
  equal(index.searchVector(q, 0).length, 0);
  await rejects(index.addItems(['i3'], v.slice(0, d)), InvalidArgumentError, { field: 'ids' });
});

test('retrieval: exact search over 8-bit codes + bound equals the f32 scan bit for bit (ties, odd dims, norms, subnormals, zero query)', async () => {
  // From 2048 rows the Wasm index reads codes first and re-scores only rows its error bound cannot rule out
  // (assembly/exact.ts). The backend's recommendBlock is the plain f32 scan: ids and scores must match exactly.
  await init();
  const backend = await getBackend();
  const r = rng(17);
  const fixtures: [string, number, number, (i: number, j: number) => number, Float32Array[]][] = [
    ['random, dim 13, n % 4 = 3', 5003, 13, () => r(), []],
    ['ternary rows (many ties)', 4099, 64, () => Math.round(r() * 1.4), [Float32Array.from({ length: 64 }, () => Math.round(r()))]],
    ['repeated rows', 4000, 8, (i, j) => (((i % 50) * 7 + j * 3) % 11) - 5, []],
    ['norms 1e-3 .. 1e3', 3000, 32, (i) => r() * 10 ** ((i % 7) - 3), []],
    ['zero and one-hot queries', 3000, 16, () => r(), [new Float32Array(16), Float32Array.from({ length: 16 }, (_, j) => (j === 3 ? 1 : 0))]],
    ['half the rows subnormal', 3000, 16, (i) => r() * (i % 2 ? 1e-39 : 1), []],
    ['every row subnormal', 2500, 8, () => r() * 1e-41, []],
  ];
  for (const [label, n, d, gen, extra] of fixtures) {
    const v = Float32Array.from({ length: n * d }, (_, t) => gen(Math.floor(t / d), t % d));
    const names = ids(n);
    const index = await ExactIndex.build(names, v, d, { metric: 'inner-product' });
    const matrix = backend.matrix(v, n, d);
    const queries = [...Array.from({ length: 6 }, () => Float32Array.from({ length: d }, () => r())), ...extra];
    for (const q of queries) {
      for (const k of [1, 10, 100, 1500]) {
        const top = backend.recommendBlock(q, 1, matrix, k);
        const want = Array.from({ length: top.counts[0] }, (_, j) => ({ id: names[top.indices[j]], score: top.scores[j] }));
        deepEqual(index.searchVector(q, k), want, `${label}, k ${k}`);
      }
    }
    deepEqual((await index.searchVectors(Float32Array.from(queries.flatMap((q) => [...q])), queries.length, 10)).map((x) => x.map((y) => y.id)),
      queries.map((q) => index.searchVector(q, 10).map((y) => y.id)), `${label}: batch`);
    matrix.dispose();
    index.dispose();
  }
});

for (const [name, make] of [['random', randomVectors], ['clustered', clusteredVectors]] as const) {
  for (const metric of ['cosine', 'inner-product'] as const) {
    test(`retrieval: HNSW recall@10 >= 0.95 at default settings (${name} 5000 x 32, ${metric})`, async () => {
      await init();
      const n = 5000, d = 32;
      const v = make(n, d, 21);
      const names = ids(n);
      const hnsw = await HnswIndex.build(names, v, d, { metric });
      const exact = await ExactIndex.build(names, v, d, { metric });
      const nq = 200;
      const queries = make(nq, d, 99);
      const approx = await hnsw.searchVectors(queries, nq, 10);
      const truth = await exact.searchVectors(queries, nq, 10);
      const recall = recallAt10(approx, truth);
      ok(recall >= 0.95, `recall@10 ${recall.toFixed(4)} < 0.95`);
      // one-at-a-time search gives the batch's answers
      for (let q = 0; q < 10; q++) deepEqual(hnsw.searchVector(queries.subarray(q * d, (q + 1) * d), 10), approx[q]);
      // scores are the metric's exact values for the ids returned
      for (const nb of approx[0].slice(0, 3)) {
        const want = bruteForce(v, d, queries.subarray(0, d), n, metric).find((w) => names[w.i] === nb.id)!;
        close(nb.score, want.s, 1e-4);
      }
      hnsw.dispose();
      exact.dispose();
    });
  }
}

test('retrieval: HNSW is deterministic with a seed; another seed builds another graph', async () => {
  await init();
  const n = 1500, d = 16;
  const v = randomVectors(n, d, 8);
  const a = await HnswIndex.build(ids(n), v, d, { seed: 7, M: 8, efConstruction: 64 });
  const b = await HnswIndex.build(ids(n), v, d, { seed: 7, M: 8, efConstruction: 64 });
  const c = await HnswIndex.build(ids(n), v, d, { seed: 8, M: 8, efConstruction: 64 });
  const ta = a.toTensors(), tb = b.toTensors(), tc = c.toTensors();
  deepEqual(Array.from(ta.tensors.links0), Array.from(tb.tensors.links0));
  deepEqual(Array.from(ta.tensors.upperLinks), Array.from(tb.tensors.upperLinks));
  deepEqual(ta.params, tb.params);
  ok(Array.from(ta.tensors.levels).some((l, i) => l !== tc.tensors.levels[i]), 'a different seed draws different levels');
  for (const x of [a, b, c]) x.dispose();
});

for (const metric of ['cosine', 'inner-product'] as const) {
  test(`retrieval: HNSW Wasm kernel builds the TS reference's graph bit for bit (${metric})`, async () => {
    await init();
    const n = 600, d = 20; // 20: exercises the 16-float and 4-float steps of the dot product
    const v = clusteredVectors(n, d, 4);
    const wasm = await HnswIndex.build(ids(n), v, d, { metric, M: 6, efConstruction: 40, seed: 3 });
    const ref = await HnswIndex.build(ids(n), v, d, { metric, M: 6, efConstruction: 40, seed: 3, backend: await referenceBackend() });
    const a = wasm.toTensors(), b = ref.toTensors();
    deepEqual(a.params, b.params);
    for (const key of ['vectors', 'levels', 'links0', 'upperOffsets', 'upperLinks'] as const) {
      deepEqual(Array.from(a.tensors[key]), Array.from(b.tensors[key]), key);
    }
    const q = randomVectors(1, d, 77);
    deepEqual(wasm.searchVector(q, 10, { ef: 30 }), ref.searchVector(q, 10, { ef: 30 }));
    wasm.dispose();
    ref.dispose();
  });
}

test('retrieval: HNSW save/load (standalone file and inside a model state) gives equal results', async () => {
  await init();
  const n = 1200, d = 12;
  const v = clusteredVectors(n, d, 31);
  const names: Id[] = Array.from({ length: n }, (_, i) => (i % 2 ? `s${i}` : i));
  const index = await HnswIndex.build(names, v, d, { metric: 'inner-product', M: 8, seed: 5 });
  const queries = randomVectors(20, d, 6);
  const before = await index.searchVectors(queries, 20, 10);
  const bytes = await saveIndex(index);
  const loaded = await loadIndex(bytes);
  deepEqual(await loaded.searchVectors(queries, 20, 10), before);
  equal(loaded.size, n);
  deepEqual(loaded.search(names[3], 5), index.search(names[3], 5));
  // inside another state: the tensors travel under a prefix
  const state = addIndexToState({ kind: 'x', params: {}, users: [], items: [], seen: { indptr: new Int32Array(1), indices: new Int32Array(0), data: new Float32Array(0) }, tensors: {}, shapes: {} }, index, 'itemIndex');
  const again = await indexFromState(decodeModelState(encodeModelState(state)), 'itemIndex');
  deepEqual(await again.searchVectors(queries, 20, 10), before);
  // adding after a load continues the same level sequence as adding to the original
  const extra = randomVectors(50, d, 9);
  await index.addItems(ids(50, 'x'), extra);
  await loaded.addItems(ids(50, 'x'), extra);
  deepEqual(Array.from(loaded.toTensors().tensors.links0), Array.from(index.toTensors().tensors.links0));
  // a link pointing outside the graph is refused before any search can follow it
  const bad = index.toTensors();
  bad.tensors.links0[1] = n + 500;
  await rejects(HnswIndex.fromTensors(bad.ids, bad.params, bad.tensors), InvalidArgumentError);
  const corrupt = addIndexToState(state, { toTensors: () => bad } as unknown as HnswIndex, 'broken');
  await rejects(indexFromState(corrupt, 'broken'), ModelFileError);
  for (const x of [index, loaded, again]) x.dispose();
});

test('retrieval: MIPS augmentation: HNSW inner-product search finds the largest dot products, not the closest angles', async () => {
  await init();
  const d = 8, n = 2000;
  const v = randomVectors(n, d, 12);
  // a few long vectors: the inner-product winners for most queries, though not the cosine winners
  for (let i = 0; i < 10; i++) for (let j = 0; j < d; j++) v[i * d + j] *= 6;
  const names = ids(n);
  const ip = await HnswIndex.build(names, v, d, { metric: 'inner-product' });
  const cos = await HnswIndex.build(names, v, d, { metric: 'cosine' });
  const queries = randomVectors(50, d, 13);
  let agree = 0, cosAgree = 0;
  for (let q = 0; q < 50; q++) {
    const qv = queries.subarray(q * d, (q + 1) * d);
    const want = bruteForce(v, d, qv, 1, 'inner-product')[0];
    const got = ip.searchVector(qv, 1)[0];
    if (got.id === names[want.i]) agree++;
    if (cos.searchVector(qv, 1)[0].id === names[want.i]) cosAgree++;
    close(got.score, bruteForce(v, d, qv, n, 'inner-product').find((w) => names[w.i] === got.id)!.s, 1e-4);
  }
  ok(agree >= 49, `inner-product top-1 matched ${agree}/50`);
  ok(cosAgree < agree, 'cosine search answers a different question');
  // every stored row has the same norm (the largest), the raw vector comes back unchanged
  const t = ip.toTensors();
  const stride = t.tensors.vectors.length / n;
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < stride; j++) s += t.tensors.vectors[i * stride + j] ** 2;
    close(Math.sqrt(s), t.params.maxNorm, 1e-3 * t.params.maxNorm);
    let raw = 0;
    for (let j = 0; j < d; j++) raw += v[i * d + j] ** 2;
    maxNorm = Math.max(maxNorm, Math.sqrt(raw));
  }
  close(t.params.maxNorm, maxNorm, 1e-5 * maxNorm);
  close(ip.vector('i3'), v.subarray(3 * d, 4 * d), 0);
  // a longer row added later re-augments everything (rebuild), and is then found
  const long = Float32Array.from({ length: d }, (_, j) => (j === 0 ? 100 : 0));
  await ip.addItems(['long'], long);
  equal(ip.searchVector(Float32Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0.1)), 1)[0].id, 'long');
  ip.dispose();
  cos.dispose();
});

test('retrieval: CachedIndex memoises searches and forgets them after addItems', async () => {
  await init();
  const d = 6;
  const v = randomVectors(300, d, 2);
  const cached = new CachedIndex(await ExactIndex.build(ids(300), v, d), { capacity: 2 });
  const first = cached.search('i1', 5);
  deepEqual(cached.search('i1', 5), first);
  equal(cached.hits, 1);
  cached.searchVector(v.subarray(0, d), 3);
  cached.searchVector(v.subarray(d, 2 * d), 3); // evicts the oldest (i1)
  cached.search('i1', 5);
  equal(cached.misses, 4);
  await cached.addItems(['near'], v.slice(d, 2 * d)); // a copy of i1's vector
  equal(cached.search('i1', 1)[0].id, 'near');
  throws(() => new CachedIndex(cached, { capacity: 0 }), InvalidArgumentError);
});

test('retrieval: vector and similarity (Recoder get_embedding / get_similarity) agree with search on every index', async () => {
  await init();
  const d = 12;
  const v = clusteredVectors(400, d, 9);
  const names = ids(400);
  for (const metric of ['cosine', 'inner-product'] as const) {
    const indexes: EmbeddingIndex[] = [await ExactIndex.build(names, v, d, { metric }), await HnswIndex.build(names, v, d, { metric, seed: 3 })];
    indexes.push(new CachedIndex(indexes[0]));
    for (const index of indexes) {
      const want = bruteForce(v, d, v.subarray(5 * d, 6 * d), 5, metric, 5);
      close([index.similarity('i5', names[want[0].i]), index.similarity(names[want[0].i], 'i5')], [want[0].s, want[0].s], 1e-5, `${metric} similarity`);
      for (const nb of index.search('i5', 5)) close(index.similarity('i5', nb.id), nb.score, 1e-4, `${metric} score of ${nb.id}`);
      const stored = index.vector('i7');
      equal(stored.length, d);
      if (metric === 'inner-product') close([...stored], [...v.subarray(7 * d, 8 * d)], 1e-6, 'inner-product vectors are stored as given');
      else close(Math.hypot(...stored), 1, 1e-5, 'cosine vectors are unit length');
      throws(() => index.similarity('i5', 'nope'), InvalidArgumentError);
    }
    indexes[0].dispose();
    indexes[1].dispose();
  }
});

test('retrieval: typed errors for bad arguments', async () => {
  await init();
  const d = 4;
  const v = randomVectors(10, d, 1);
  await rejects(HnswIndex.build(ids(10), v, d, { metric: 'l2' as 'cosine' }), InvalidArgumentError, { field: 'metric' });
  await rejects(HnswIndex.build(ids(10), v, d, { M: 1 }), InvalidArgumentError, { field: 'M' });
  await rejects(HnswIndex.build(ids(10), v, 5), DimensionMismatchError, { field: 'vectors' });
  await rejects(HnswIndex.build(ids(9), v, d), DimensionMismatchError);
  await rejects(ExactIndex.build(['a', 'a'], v.slice(0, 2 * d), d), InvalidArgumentError, { field: 'ids' });
  const nan = v.slice();
  nan[5] = NaN;
  await rejects(ExactIndex.build(ids(10), nan, d), InvalidArgumentError, { field: 'vectors[5]' });
  const index = await HnswIndex.build(ids(10), v, d);
  throws(() => index.searchVector([1, 2, 3], 2), DimensionMismatchError, { field: 'vector' });
  throws(() => index.searchVector([1, 2, 3, 4], -1), InvalidArgumentError, { field: 'k' });
  throws(() => index.searchVector([1, 2, 3, 4], 2, { ef: 0 }), InvalidArgumentError, { field: 'ef' });
  throws(() => index.search('nope', 2), InvalidArgumentError, { field: 'id' });
  index.dispose();
  throws(() => index.searchVector([1, 2, 3, 4], 2), InvalidArgumentError);
});

test('retrieval: factor models expose embeddings and LibRecommender-style kNN search', async () => {
  await init();
  const data = checkerboard();
  const model = await new AlsRecommender({ factors: 8, iterations: 5, seed: 1 }).fit(data);
  const d = model.factorCount;
  close(model.getUserEmbedding('u3'), model.userFactors.subarray(3 * d, 4 * d), 0);
  close(model.getItemEmbedding('i12'), model.itemFactors.subarray(12 * d, 13 * d), 0);
  const items = model.itemEmbeddings();
  equal(items.ids.length, 20);
  equal(items.dim, d);
  close(items.vectors, model.itemFactors, 0);
  deepEqual(model.userEmbeddings().ids, data.users.ids());
  throws(() => model.getUserEmbedding('nobody'), UnknownUserError);
  throws(() => model.searchKnnItems('i1', 3), KnnNotInitializedError);
  await model.initKnn({ approximate: false, simType: 'cosine' });
  const exact = model.searchKnnItems('i1', 5);
  equal(exact.length, 5);
  ok(!exact.some((x) => x.id === 'i1'), 'the item itself is left out');
  // the planted groups: an item's nearest items are in its own group
  ok(exact.every((x) => Number(String(x.id).slice(1)) < 10), `neighbours of i1: ${exact.map((x) => x.id)}`);
  const similar = model.similarItems('i1', { k: 6 }).slice(1);
  deepEqual(exact.map((x) => x.id), similar.map((x) => x.item));
  await model.initKnn({ approximate: true, simType: 'cosine' });
  deepEqual(model.searchKnnItems('i1', 5).map((x) => x.id), exact.map((x) => x.id));
  const users = model.searchKnnUsers('u12', 4);
  ok(users.every((x) => Number(String(x.id).slice(1)) >= 10 && x.id !== 'u12'), `neighbours of u12: ${users.map((x) => x.id)}`);
  throws(() => model.searchKnnItems('i99', 3), UnknownItemError);
  await model.initKnn({ approximate: true, simType: 'inner-product' });
  equal(model.knnIndexes?.items.metric, 'inner-product');
  await rejects(model.initKnn({ simType: 'dot' as 'cosine' }), InvalidArgumentError, { field: 'simType' });
});
