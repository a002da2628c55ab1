// Item-item kNN: the Wasm sparse-product kernels against the TS reference, the similarity matrix against a dense
// brute force of implicit's formulas, and the model's implicit-compatible behaviour.
import {
  init, getBackend, ItemKnnRecommender, Interactions, Vocabulary, InvalidArgumentError, UnknownItemError, AbortError,
  encodeModelState, loadModel, type Backend, type Csr, type ItemSimilarity, type Id,
} from 'recwise';
import { test } from './harness.ts';
import { describeRecommender } from './recommender-contract.ts';
import { close, deepEqual, equal, ok, rejects, rng, throws } from './assert.ts';

async function backend(name: 'js' | 'wasm'): Promise<Backend> {
  await init({ backend: name });
  return getBackend();
}

/** Random CSR (rows × cols), about `perRow` distinct sorted columns per row, weights in [0.5, 3) (some negative). */
function randomCsr(rows: number, cols: number, perRow: number, seed: number, negatives = false): Csr {
  const r = rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < rows; u++) {
    const set = new Set<number>();
    const n = Math.floor(((r() + 1) / 2) * perRow);
    while (set.size < Math.min(n, cols)) set.add(Math.floor(((r() + 1) / 2) * cols));
    for (const i of [...set].sort((a, b) => a - b)) {
      indices.push(i);
      const w = 0.5 + ((r() + 1) / 2) * 2.5;
      data.push(negatives && r() > 0.7 ? -w : w);
    }
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), rows, cols };
}

function transpose(m: Csr): Csr {
  const rows: number[][] = Array.from({ length: m.cols }, () => []);
  const vals: number[][] = Array.from({ length: m.cols }, () => []);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      rows[m.indices[p]].push(r);
      vals[m.indices[p]].push(m.data[p]);
    }
  }
  const indptr = new Int32Array(m.cols + 1);
  for (let c = 0; c < m.cols; c++) indptr[c + 1] = indptr[c] + rows[c].length;
  return { indptr, indices: Int32Array.from(rows.flat()), data: Float32Array.from(vals.flat()), rows: m.cols, cols: m.rows };
}

/** Interactions from per-user lists of [item, weight] (ids are the indices). */
function interactions(rows: [number, number][][], nItems: number): Interactions {
  const users = Vocabulary.from(rows.map((_, u) => u));
  const items = Vocabulary.from(Array.from({ length: nItems }, (_, i) => i));
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u] + r.length));
  const sorted = rows.map((r) => [...r].sort((a, b) => a[0] - b[0]));
  return new Interactions(users, items, {
    indptr, indices: Int32Array.from(sorted.flat().map((e) => e[0])), data: Float32Array.from(sorted.flat().map((e) => e[1])), rows: rows.length, cols: nItems,
  });
}

function randomInteractions(nUsers: number, nItems: number, perUser: number, seed: number, binary = false): Interactions {
  const m = randomCsr(nUsers, nItems, perUser, seed);
  const rows: [number, number][][] = [];
  for (let u = 0; u < nUsers; u++) {
    const r: [number, number][] = [];
    for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) r.push([m.indices[p], binary ? 1 : Math.round(m.data[p])]);
    rows.push(r);
  }
  return interactions(rows, nItems);
}

for (const [rows, mid, cols, perRow, label] of [
  [40, 30, 25, 12, 'dense rows'], [60, 80, 500, 3, 'sparse rows'], [700, 400, 300, 40, 'threaded'], [5, 4, 6, 0, 'empty rows'],
] as const) {
  test(`itemknn/wasm: productTopk and productRecommend equal the reference (${label})`, async () => {
    const js = await backend('js');
    const wasm = await backend('wasm');
    const a = randomCsr(rows, mid, perRow, rows + cols, true);
    const b = randomCsr(mid, cols, perRow, rows * 3 + 1, true);
    for (const k of [0, 1, 7, cols + 3]) {
      const tj = await js.productTopk(a, b, k);
      const tw = await wasm.productTopk(a, b, k);
      deepEqual(tw.counts, tj.counts, `productTopk counts k ${k}`);
      deepEqual(tw.indices, tj.indices, `productTopk indices k ${k}`);
      deepEqual(tw.scores, tj.scores, `productTopk scores k ${k}`);
    }
    // productRecommend needs a square right operand (a user's items index b's rows).
    const sq = randomCsr(cols, cols, perRow + 1, 99, true);
    const hist = randomCsr(rows, cols, perRow, 7);
    for (const excludeOwn of [true, false]) {
      const rj = await js.productRecommend(hist, sq, 10, excludeOwn);
      const rw = await wasm.productRecommend(hist, sq, 10, excludeOwn);
      deepEqual(rw.counts, rj.counts, 'productRecommend counts');
      deepEqual(rw.indices, rj.indices, 'productRecommend indices');
      deepEqual(rw.scores, rj.scores, 'productRecommend scores');
    }
  });
}

test('itemknn/kernel: a·b top-k matches a dense product; zero entries are not kept, ties go to the lower column', async () => {
  for (const name of ['js', 'wasm'] as const) {
    const be = await backend(name);
    // a = [[1, 1, 0], [0, 0, 0], [1, -1, 0]], b = [[1, 2], [1, 2], [5, 5]]: rows (2, 4), (0, 0), (0, 0)
    const a: Csr = { indptr: Int32Array.of(0, 2, 2, 4), indices: Int32Array.of(0, 1, 0, 1), data: Float32Array.of(1, 1, 1, -1), rows: 3, cols: 3 };
    const b: Csr = { indptr: Int32Array.of(0, 2, 4, 6), indices: Int32Array.of(0, 1, 0, 1, 0, 1), data: Float32Array.of(1, 2, 1, 2, 5, 5), rows: 3, cols: 2 };
    const t = await be.productTopk(a, b, 2);
    deepEqual(t.counts, [2, 0, 0], name);
    deepEqual(t.indices.subarray(0, 2), [1, 0], name);
    deepEqual(t.scores.subarray(0, 2), [4, 2], name);
    const tie: Csr = { indptr: Int32Array.of(0, 2), indices: Int32Array.of(0, 1), data: Float32Array.of(3, 3), rows: 1, cols: 2 };
    const one: Csr = { indptr: Int32Array.of(0, 1), indices: Int32Array.of(0), data: Float32Array.of(1), rows: 1, cols: 1 };
    const r = await be.productTopk(transpose(tie), one, 1);
    deepEqual([...r.indices], [0, 0], `${name}: a lone entry per row`);
    await rejects(be.productTopk(a, { ...b, rows: 2, indptr: Int32Array.of(0, 2, 4) , indices: b.indices.subarray(0, 4), data: b.data.subarray(0, 4) }, 2), Error);
  }
});

/** implicit's weightings as dense f64 matrices (nearest_neighbours.py, 0.7), then S = WᵀW and top-K per item. */
function bruteForce(data: Interactions, similarity: ItemSimilarity, K: number, k1 = 1.2, b = 0.75): Map<number, number>[] {
  const nU = data.nUsers, nI = data.nItems;
  const C = Array.from({ length: nU }, () => new Float64Array(nI));
  for (let u = 0; u < nU; u++) data.itemsOf(u).forEach((i, p) => (C[u][i] = data.weightsOf(u)[p]));
  const nnzU = C.map((row) => row.filter((c) => c !== 0).length);
  const idf = nnzU.map((n) => Math.log(nI / (1 + n)));
  const W = C.map((row) => Float64Array.from(row));
  if (similarity === 'tfidf') for (let u = 0; u < nU; u++) for (let i = 0; i < nI; i++) W[u][i] = Math.sqrt(C[u][i]) * idf[u];
  if (similarity === 'bm25') {
    const pop = Array.from({ length: nI }, (_, i) => C.reduce((s, row) => s + row[i], 0));
    const avg = pop.reduce((s, x) => s + x, 0) / nI;
    for (let u = 0; u < nU; u++) {
      for (let i = 0; i < nI; i++) {
        const c = C[u][i];
        W[u][i] = c === 0 ? 0 : ((c * (k1 + 1)) / (k1 * (1 - b + (b * pop[i]) / avg) + c)) * idf[u];
      }
    }
  }
  if (similarity === 'cosine' || similarity === 'tfidf') {
    for (let i = 0; i < nI; i++) {
      const norm = Math.sqrt(W.reduce((s, row) => s + row[i] * row[i], 0));
      for (let u = 0; u < nU; u++) W[u][i] = norm > 0 ? W[u][i] / norm : 0;
    }
  }
  const out: Map<number, number>[] = [];
  for (let i = 0; i < nI; i++) {
    const row: [number, number][] = [];
    for (let j = 0; j < nI; j++) {
      let s = 0, touched = false;
      for (let u = 0; u < nU; u++) {
        if (C[u][i] !== 0 && C[u][j] !== 0) {
          s += W[u][i] * W[u][j];
          touched = true;
        }
      }
      if (touched && s !== 0) row.push([j, s]);
    }
    row.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    out.push(new Map(row.slice(0, K)));
  }
  return out;
}

function similarityRows(model: ItemKnnRecommender): Map<number, number>[] {
  const s = model.similarity;
  return Array.from({ length: s.rows }, (_, i) => {
    const m = new Map<number, number>();
    for (let q = s.indptr[i]; q < s.indptr[i + 1]; q++) m.set(s.indices[q], s.data[q]);
    return m;
  });
}

for (const similarity of ['plain', 'cosine', 'bm25', 'tfidf'] as const) {
  test(`itemknn/fit: ${similarity} similarity equals a dense brute force of implicit's formulas (K truncation included)`, async () => {
    await init();
    const data = randomInteractions(30, 18, 8, 11);
    for (const K of [18, 5, 1]) {
      const model = await new ItemKnnRecommender({ similarity, neighbors: K }).fit(data);
      const want = bruteForce(data, similarity, K);
      const got = similarityRows(model);
      for (let i = 0; i < want.length; i++) {
        ok(got[i].size <= K, `row ${i} keeps at most K`);
        // Near-ties may swap at the K boundary between f32 and f64; compare the kept scores and the shared entries.
        close([...got[i].values()], [...want[i].values()], 1e-5, `${similarity} row ${i} K ${K} scores`);
        for (const [j, s] of got[i]) if (want[i].has(j)) close(s, want[i].get(j)!, 1e-5, `${similarity} S[${i},${j}]`);
      }
    }
  });
}

test('itemknn/fit: hand-computed plain and cosine similarities of a 3 × 3 fixture', async () => {
  await init();
  // u0: i0 i1 · u1: i0 i1 i2 · u2: i2  → co-occurrence [[2, 2, 1], [2, 2, 1], [1, 1, 2]], every item norm √2
  const data = interactions([[[0, 1], [1, 1]], [[0, 1], [1, 1], [2, 1]], [[2, 1]]], 3);
  const plain = await new ItemKnnRecommender({ similarity: 'plain', neighbors: 2 }).fit(data);
  deepEqual(plain.similarItems(0).map((r) => [r.item, r.score]), [[0, 2], [1, 2]]); // tie → lower index first
  deepEqual(plain.similarItems(2).map((r) => [r.item, r.score]), [[2, 2], [0, 1]]);
  const cosine = await new ItemKnnRecommender({ similarity: 'cosine', neighbors: 3 }).fit(data);
  const row = cosine.similarItems(2);
  deepEqual(row.map((r) => r.item), [2, 0, 1]);
  close(row.map((r) => r.score), [1, 0.5, 0.5], 1e-6);
  // recommend for u2 (item 2): scores = S[2] = (0.5, 0.5, -) → item 0 then 1
  deepEqual(cosine.recommend(2, { k: 5 }).map((r) => r.item), [0, 1]);
  close(cosine.score(2, [0, 1]), [0.5, 0.5], 1e-6);
});

/** Two taste groups of 5 items; user u of a group has every item of the group but one (item u). */
function checkerboard(): Interactions {
  const rows: [number, number][][] = [];
  for (let u = 0; u < 10; u++) {
    const base = u < 5 ? 0 : 5;
    const r: [number, number][] = [];
    for (let i = base; i < base + 5; i++) if (i !== u) r.push([i, 1]);
    rows.push(r);
  }
  return interactions(rows, 10);
}

for (const similarity of ['plain', 'cosine', 'bm25', 'tfidf'] as const) {
  test(`itemknn/checkerboard (${similarity}): each user's missing group item comes first`, async () => {
    await init();
    const model = await new ItemKnnRecommender({ similarity, neighbors: 10 }).fit(checkerboard());
    for (let u = 0; u < 10; u++) {
      const top = model.recommend(u, { k: 3 });
      equal(top[0].item, u, `user ${u}`);
      ok(top[0].score > 0 && top[1].score === 0, 'other-group items never co-occur');
    }
    const batch = await model.recommendBatch(Array.from({ length: 10 }, (_, u) => u), { k: 3 });
    deepEqual(batch, Array.from({ length: 10 }, (_, u) => model.recommend(u, { k: 3 })), 'batch equals single');
  });
}

// The common Recommender contract (recommender-contract.ts): binary checkerboard, so fold-in of a user's items gives
// exactly that user's list.
describeRecommender('itemknn', {
  makeModel: () => new ItemKnnRecommender({ similarity: 'bm25', neighbors: 6 }),
  fixture: checkerboard,
  top1: Array.from({ length: 10 }, (_, u) => [u, u] as const),
  foldIn: 'same',
});

test('itemknn/recommend: batch equals single, fold-in equals the known user, filters as implicit', async () => {
  await init();
  // Binary weights: a fold-in history of item ids weighs each item 1, as implicit's recommend with a 0/1 row does.
  const data = randomInteractions(60, 40, 12, 5, true);
  const model = await new ItemKnnRecommender({ similarity: 'bm25', neighbors: 8 }).fit(data);
  const users: Id[] = model.userIds;
  for (const options of [{ k: 5 }, { k: 50 }, { k: 5, filterSeen: false }, { k: 4, exclude: [1, 2, 3] }, { k: 3, include: [0, 5, 9, 13] }]) {
    const batch = await model.recommendBatch(users, options);
    deepEqual(batch, users.map((u) => model.recommend(u, options)), JSON.stringify(options));
  }
  for (const u of [0, 7, 33]) {
    const items = [...data.itemsOf(u)];
    deepEqual(model.recommend('newcomer', { k: 10, userItems: items }), model.recommend(u, { k: 10 }), `fold-in user ${u}`);
  }
  // every seen item filtered; k larger than the catalogue returns every other item
  const all = model.recommend(0, { k: 1000 });
  equal(all.length, 40 - data.itemsOf(0).length);
  ok(all.every((r) => !data.itemsOf(0).includes(r.item as number)));
  throws(() => model.similarItems('nope'), UnknownItemError);
  throws(() => model.similarItems(0, { k: -1 }), InvalidArgumentError, { field: 'k' });
  equal(model.similarItems(0, { k: 3 }).length, 3);
  equal(model.similarItems(0, { k: 100 }).length, model.similarity.indptr[1] - model.similarity.indptr[0]);
});

test('itemknn/io: save → load gives the same similarities and recommendations', async () => {
  await init();
  const data = randomInteractions(50, 30, 10, 8);
  const model = await new ItemKnnRecommender({ similarity: 'tfidf', neighbors: 6 }).fit(data);
  const loaded = await loadModel(encodeModelState(model.toState()));
  ok(loaded instanceof ItemKnnRecommender);
  deepEqual(loaded.params, model.params);
  deepEqual(loaded.similarity.indices, model.similarity.indices);
  deepEqual(loaded.similarity.data, model.similarity.data);
  for (const u of [0, 9, 49]) deepEqual(loaded.recommend(u, { k: 7 }), model.recommend(u, { k: 7 }), `user ${u}`);
  deepEqual(loaded.similarItems(3), model.similarItems(3));
  const state = model.toState();
  const be = await getBackend();
  throws(() => ItemKnnRecommender.fromState({ ...state, tensors: { ...state.tensors, similarityIndices: Int32Array.of(99) } }, be), InvalidArgumentError, { field: 'tensors' });
});

test('itemknn/options: bad options and weights are typed errors naming the field', async () => {
  throws(() => new ItemKnnRecommender({ similarity: 'jaccard' as never }), InvalidArgumentError, { field: 'similarity' });
  throws(() => new ItemKnnRecommender({ neighbors: 0 }), InvalidArgumentError, { field: 'neighbors' });
  throws(() => new ItemKnnRecommender({ neighbors: 2.5 }), InvalidArgumentError, { field: 'neighbors' });
  throws(() => new ItemKnnRecommender({ k1: -1 }), InvalidArgumentError, { field: 'k1' });
  throws(() => new ItemKnnRecommender({ b: 1.5 }), InvalidArgumentError, { field: 'b' });
  throws(() => new ItemKnnRecommender({ b: Number.NaN }), InvalidArgumentError, { field: 'b' });
  const negative = interactions([[[0, 1], [1, -2]], [[1, 1]]], 2);
  for (const similarity of ['bm25', 'tfidf'] as const) await rejects(new ItemKnnRecommender({ similarity }).fit(negative), InvalidArgumentError, { field: 'weights' });
  // cosine and plain accept negative weights (dislikes lower the similarity)
  const cos = await new ItemKnnRecommender({ similarity: 'plain' }).fit(negative);
  close(cos.similarItems(1).map((r) => r.score), [5, -2], 1e-6);
  const defaults = new ItemKnnRecommender();
  deepEqual(defaults.params, { similarity: 'cosine', neighbors: 20, k1: 1.2, b: 0.75 });
});

test('itemknn/fit: progress is reported and an aborted signal stops the fit', async () => {
  await init();
  const data = randomInteractions(20, 10, 5, 3);
  const seen: number[] = [];
  await new ItemKnnRecommender().fit(data, { onProgress: (p) => seen.push(p.done) });
  deepEqual(seen, [1, 2]);
  const controller = new AbortController();
  controller.abort();
  await rejects(new ItemKnnRecommender().fit(data, { signal: controller.signal }), AbortError);
});
