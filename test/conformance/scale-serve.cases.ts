// Large-catalogue serving and evaluation (issue 23): the norm-ordered pruned top-k (assembly/pruned.ts) and the
// fused score-and-rank evaluation kernel (rankMetricsScored, assembly/metrics.ts) must give exactly what the plain
// paths give — the same ids and the same score bits — on every runtime.
import { init, getBackend, evaluate, AlsRecommender, Interactions, Vocabulary, type Backend, type CsrArrays } from 'recwise';
import { FixedScores } from './metrics.cases.ts';
import { test } from './harness.ts';
import { deepEqual, equal, ok, rng } from './assert.ts';

async function backendOf(name: 'js' | 'wasm', threads?: number): Promise<Backend> {
  await init({ backend: name, threads });
  return getBackend();
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

/**
 * Item rows whose norms spread like a factor model's (most rows small, a few large: what the pruned scan needs to
 * stop early), in rows × dim. `integer`: small integers, so every dot product is exact in f32 and f64 and ties abound.
 */
function spreadRows(rows: number, dim: number, seed: number, integer: boolean): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const scale = i % 37 === 0 ? 8 : i % 5 === 0 ? 3 : 1;
    for (let j = 0; j < dim; j++) out[i * dim + j] = integer ? Math.round(r() * scale) : (r() * scale) / Math.sqrt(dim);
  }
  return out;
}

/** Seen rows for `n` users: user u has every (7 + u)-th item from u, and user 1 every item but 5 (fewer than k left). */
function seenRows(n: number, nItems: number): CsrArrays {
  const indptr = [0];
  const indices: number[] = [];
  for (let u = 0; u < n; u++) {
    if (u === 1) for (let i = 0; i < nItems; i++) if (i % (nItems >> 2) !== 3) indices.push(i);
    if (u !== 1) for (let i = u % 7; i < nItems; i += 7 + u) indices.push(i);
    indptr.push(indices.length);
  }
  return { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices) };
}

/** The plain scan on the same backend: score block, seen items to -Infinity, top-k. */
function plainTopk(b: Backend, queries: Float32Array, n: number, items: ReturnType<Backend['matrix']>, seen: CsrArrays, k: number) {
  const scores = b.scoreBlock(queries, n, items);
  for (let u = 0; u < n; u++) for (let e = seen.indptr[u]; e < seen.indptr[u + 1]; e++) scores[u * items.rows + seen.indices[e]] = -Infinity;
  return b.topk(scores, n, items.rows, k);
}

test('scale-serve/wasm: pruned top-k over a large catalogue equals the plain scan bit for bit (masks, ties, tail rows, NaN and zero queries)', async () => {
  for (const [nItems, dim, integer] of [[1203, 8, true], [2051, 64, false], [1500, 5, false]] as const) {
    const b = await backendOf('wasm', 2);
    const items = b.matrix(spreadRows(nItems, dim, nItems, integer), nItems, dim);
    const nQ = 23;
    const queries = spreadRows(nQ, dim, dim + 1, integer);
    queries.fill(0, 2 * dim, 3 * dim); // a zero query: every score ties at 0
    queries[3 * dim] = NaN; // a NaN query: every score NaN, nothing returned
    const seen = seenRows(nQ, nItems);
    for (const k of [1, 10, 50]) {
      const want = plainTopk(b, queries, nQ, items, seen, k);
      const mask = { rows: b.sparseRows(seen), firstRow: 0 };
      const got = await b.recommendBlockParallel(queries, nQ, items, k, mask);
      const where = `${nItems} × ${dim}, k ${k}`;
      deepEqual(got.counts, want.counts, `counts ${where}`);
      deepEqual(got.indices, want.indices, `ids ${where}`);
      deepEqual(bits(got.scores), bits(want.scores), `score bits ${where}`);
      for (let q = 0; q < nQ; q++) {
        const one = b.recommendBlock(queries.subarray(q * dim, (q + 1) * dim), 1, items, k, { rows: mask.rows, firstRow: q });
        deepEqual(one.indices, want.indices.subarray(q * k, (q + 1) * k), `single query ${q}, ${where}`);
        deepEqual(bits(one.scores), bits(want.scores.subarray(q * k, (q + 1) * k)), `single query ${q} scores, ${where}`);
      }
      equal(got.counts[3], 0, 'a NaN query returns nothing');
      ok(got.counts[1] <= 5, 'a user who has seen all but a few items gets only those');
    }
  }
});

test('scale-serve: pruned top-k with integer factors equals the reference exactly (js and wasm, 1 and 2 threads)', async () => {
  const nItems = 1301, dim = 8, nQ = 17, k = 12;
  const itemData = spreadRows(nItems, dim, 5, true);
  const queries = spreadRows(nQ, dim, 6, true);
  const seen = seenRows(nQ, nItems);
  const ref = await backendOf('js');
  const want = ref.recommendBlock(queries, nQ, ref.matrix(itemData, nItems, dim), k, { rows: ref.sparseRows(seen), firstRow: 0 });
  for (const threads of [1, 2]) {
    const b = await backendOf('wasm', threads);
    const got = await b.recommendBlockParallel(queries, nQ, b.matrix(itemData, nItems, dim), k, { rows: b.sparseRows(seen), firstRow: 0 });
    deepEqual(got.indices, want.indices, `ids, ${threads} threads`);
    deepEqual(got.scores, want.scores, `scores, ${threads} threads`);
  }
});

test('scale-serve/wasm: a matrix rewritten after a top-k is ranked by its new rows', async () => {
  const b = await backendOf('wasm');
  const nItems = 2000, dim = 16;
  const items = b.matrix(spreadRows(nItems, dim, 7, false), nItems, dim);
  const q = spreadRows(1, dim, 8, false);
  b.recommendBlock(q, 1, items, 5); // builds the norm order of the first rows
  const next = spreadRows(nItems, dim, 9, false);
  next.set(q.map((v) => v * 100), 1234 * dim); // item 1234 now beats every other
  items.write(next);
  const top = b.recommendBlock(q, 1, items, 5);
  equal(top.indices[0], 1234);
  deepEqual(bits(top.scores), bits(b.topk(b.scoreBlock(q, 1, items), 1, nItems, 5).scores));
});

/** Train/test rows for `n` users drawn independently (so they may overlap), |test| from 0 to 24. */
function trainTest(n: number, nItems: number, seed: number): { train: CsrArrays; test: CsrArrays } {
  const r = rng(seed);
  const rows = (pick: (u: number) => number) => {
    const indptr = [0];
    const indices: number[] = [];
    for (let u = 0; u < n; u++) {
      const set = new Set<number>();
      const want = pick(u);
      while (set.size < want) set.add(Math.floor(((r() + 1) / 2) * nItems) % nItems);
      indices.push(...[...set].sort((a, b) => a - b));
      indptr.push(indices.length);
    }
    return { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices) };
  };
  return { train: rows((u) => (u * 13) % 40), test: rows((u) => (u * 7) % 25) };
}

test('scale-serve: rankMetricsScored equals rankMetrics of the scored block exactly (tiles, odd rows, overlap, NaN, 1 and 2 threads)', async () => {
  for (const [nItems, dim, nQ] of [[2503, 64, 37], [301, 5, 9], [1100, 17, 64]] as const) {
    const itemData = spreadRows(nItems, dim, nItems + dim, false);
    const queries = spreadRows(nQ, dim, nQ, false);
    queries[5 * dim] = NaN; // one user whose scores are all NaN
    const { train, test: t } = trainTest(nQ, nItems, nItems);
    for (const [name, threads] of [['wasm', 1], ['wasm', 2], ['js', 1]] as const) {
      const b = await backendOf(name, threads);
      const items = b.matrix(itemData, nItems, dim);
      const want = b.rankMetrics(b.scoreBlock(queries, nQ, items), nQ, nItems, train, t, 10);
      const got = await b.rankMetricsScored(queries, nQ, items, train, t, 10);
      for (const f of ['indices', 'counts', 'hits', 'ranks', 'negatives', 'aucPairs', 'above'] as const) {
        deepEqual(got[f], want[f], `${f}: ${nItems} × ${dim}, ${name} ${threads} threads`);
      }
      deepEqual(bits(got.scores), bits(want.scores), `top scores: ${nItems} × ${dim}, ${name}`);
    }
  }
});

test('scale-serve/wasm: rankMetrics counting for few test items equals the reference (ties with the best item, -Infinity, overlap)', async () => {
  // Scores on a coarse grid tie often, also with the best test item; train and test overlap; |test| 0–24 covers the
  // SIMD counting (1–16 test items) and the general loop (more).
  const nRows = 60, nCols = 203;
  const r = rng(41);
  const scores = Float32Array.from({ length: nRows * nCols }, () => {
    const x = r();
    return x > 0.98 ? NaN : x < -0.98 ? -Infinity : Math.round(x * 4) / 4;
  });
  const { train, test: t } = trainTest(nRows, nCols, 42);
  const js = await backendOf('js');
  const wasm = await backendOf('wasm');
  const want = js.rankMetrics(scores, nRows, nCols, train, t, 7);
  const got = wasm.rankMetrics(scores, nRows, nCols, train, t, 7);
  for (const f of ['indices', 'counts', 'hits', 'ranks', 'negatives', 'aucPairs', 'above'] as const) deepEqual(got[f], want[f], f);
});

test('scale-serve: evaluate of a factor model (fused score-and-rank) equals the generic path on its scores', async () => {
  await init({ backend: 'wasm' });
  const nU = 300, nI = 1100;
  const r = rng(3);
  const rows = (share: number) => Array.from({ length: nU }, (_, u) => {
    const out: number[] = [];
    for (let i = 0; i < nI; i++) if ((r() + 1) / 2 < share * (1 + ((u + i) % 3))) out.push(i);
    return out;
  });
  const csr = (rs: number[][]) => {
    const indptr = new Int32Array(nU + 1);
    rs.forEach((row, u) => (indptr[u + 1] = indptr[u] + row.length));
    return { indptr, indices: Int32Array.from(rs.flat()), data: new Float32Array(indptr[nU]).fill(1), rows: nU, cols: nI };
  };
  const users = Vocabulary.from(Array.from({ length: nU }, (_, u) => u));
  const items = Vocabulary.from(Array.from({ length: nI }, (_, i) => i));
  const train = new Interactions(users, items, csr(rows(0.01)));
  const held = new Interactions(users, items, csr(rows(0.004)));
  const als = await new AlsRecommender({ factors: 16, iterations: 3 }).fit(train);
  // The same scores through the generic path: a score block from scoreUsers, then the backend's rankMetrics.
  const generic = await new FixedScores(als.scoreUsers(Int32Array.from({ length: nU }, (_, u) => u))).fit(train);
  for (const definition of ['standard', 'lightfm'] as const) {
    const a = await evaluate(als, { train, test: held }, { k: 10, definition });
    const b = await evaluate(generic, { train, test: held }, { k: 10, definition });
    deepEqual(a.means, b.means, `means (${definition})`);
    for (const m of Object.keys(a.perUser) as (keyof typeof a.perUser)[]) deepEqual(a.perUser[m], b.perUser[m], `${m} per user (${definition})`);
  }
});
