// Recoder's recommenders and the retrieve → score → rerank pipeline (issue 8, part B): dedupe and stage counts,
// seen items never returned, include/exclude, per-category caps, MMR (λ = 1 is the scorer's order, λ < 1 is more
// diverse), SimilarityRecommender against its formula, InferenceRecommender against fold-in, LightFM embeddings.
import {
  init, AlsRecommender, LightFmRecommender, PopularityRecommender, Interactions, Vocabulary, InvalidArgumentError,
  UnknownItemError, AbortError, type Id,
} from 'recwise';
import {
  ExactIndex, SimilarityRecommender, InferenceRecommender, createPipeline, candidates, knnCandidates,
  itemNeighborCandidates, popularCandidates, trainingHistory, modelScorer, mmr, businessRules, type Candidate,
} from 'recwise/retrieval';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, rng, throws } from './assert.ts';

/** 40 users × 48 items in 4 categories of 12; each user mostly in one category, a few items elsewhere. */
function clustered(): Interactions {
  const r = rng(7);
  const users = Vocabulary.from(Array.from({ length: 40 }, (_, u) => `u${u}`));
  const items = Vocabulary.from(Array.from({ length: 48 }, (_, i) => `i${i}`));
  const indptr = [0];
  const indices: number[] = [];
  for (let u = 0; u < 40; u++) {
    const cat = u % 4;
    const row = new Set<number>();
    for (let i = 0; i < 12; i++) if (r() > -0.2) row.add(cat * 12 + i);
    for (let x = 0; x < 2; x++) row.add(Math.floor(((r() + 1) / 2) * 48) % 48);
    const sorted = [...row].sort((a, b) => a - b);
    indices.push(...sorted);
    indptr.push(indices.length);
  }
  const csr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: 40, cols: 48 };
  return new Interactions(users, items, csr);
}
const categoryOf = (item: Id) => `c${Math.floor(Number(String(item).slice(1)) / 12)}`;

async function fixture() {
  await init();
  const data = clustered();
  const als = await new AlsRecommender({ factors: 8, regularization: 0.1, iterations: 8, alpha: 5 }).fit(data);
  const emb = als.itemEmbeddings();
  const index = await ExactIndex.build(emb.ids, emb.vectors, emb.dim, { metric: 'cosine' });
  const popularity = await new PopularityRecommender().fit(data);
  return { data, als, emb, index, popularity };
}

const fixed = (name: string, list: [Id, number][]) => candidates(name, () => list.map(([item, score]) => ({ item, score })));

test('pipeline: dedupe keeps the best source score and every source; stage counts', async () => {
  const pipeline = createPipeline({
    generators: [fixed('a', [['x1', 0.9], ['x2', 0.5], ['x3', 0.1]]), fixed('b', [['x2', 0.8], ['x4', 0.7], ['x2', 0.2]])],
  });
  const { items, stats } = await pipeline.run({ history: ['x3'], k: 2 });
  deepEqual(stats, [
    { stage: 'a', kept: 3 }, { stage: 'b', kept: 3 }, { stage: 'dedupe', kept: 4 }, { stage: 'filter', kept: 3 }, { stage: 'score', kept: 3 }, { stage: 'top-k', kept: 2 },
  ]);
  deepEqual(items.map((c) => c.item), ['x1', 'x2']);
  equal(items[1].score, 0.8);
  deepEqual(items[1].sources, ['a', 'b']);
  deepEqual(items[1].sourceScores, { a: 0.5, b: 0.8 });
  // a scorer replaces the score; non-finite scores are dropped and counted
  const scored = await createPipeline({
    generators: [fixed('a', [['x1', 0.9], ['x2', 0.5], ['x5', 0.4]])],
    scorer: (_c, ids) => ids.map((id) => (id === 'x5' ? -Infinity : id === 'x2' ? 2 : 1)),
    rerankers: [businessRules({ exclude: ['x1'] })],
  }).run({ k: 5 });
  deepEqual(scored.items.map((c) => [c.item, c.score]), [['x2', 2]]);
  deepEqual(scored.stats.map((s) => s.kept), [3, 3, 3, 2, 1, 1]);
  deepEqual(scored.stats.map((s) => s.stage), ['a', 'dedupe', 'filter', 'score', 'rules', 'top-k']);
});

test('pipeline: seen items never returned; request include/exclude honoured; model scorer and generators', async () => {
  const { als, index, popularity, data } = await fixture();
  const pipeline = createPipeline({
    generators: [
      knnCandidates({ index, k: 30, vector: (c) => (c.user !== undefined && als.trainingIndex.users.indexOf(c.user) !== undefined ? als.getUserEmbedding(c.user) : undefined) }),
      itemNeighborCandidates({ index, recent: 3, perItem: 10 }),
      popularCandidates({ model: popularity, k: 20 }),
    ],
    scorer: modelScorer(als),
    history: trainingHistory(als),
  });
  for (const user of data.users.ids()) {
    const seen = new Set(trainingHistory(als)(user));
    const { items, stats } = await pipeline.run({ user, k: 10 });
    ok(items.length === 10, `10 items for ${user}`);
    for (const c of items) ok(!seen.has(c.item), `seen item ${c.item} returned for ${user}`);
    equal(stats[2].kept, 0, 'popular only for cold users');
    // scores are the model's
    close(items.map((c) => c.score), als.score(user, items.map((c) => c.item)), 1e-6);
    const exclude = items.slice(0, 3).map((c) => c.item);
    const again = await pipeline.run({ user, k: 10, exclude });
    for (const c of again.items) ok(!exclude.includes(c.item), 'excluded item returned');
    const include = items.slice(2, 6).map((c) => c.item).concat(['i0', 'nope']);
    const only = await pipeline.run({ user, k: 10, include });
    ok(only.items.length >= 4 && only.items.every((c) => include.includes(c.item) && !seen.has(c.item)), 'include');
  }
  // a cold user: popularity, fold-in scores of an explicit history
  const cold = await pipeline.run({ user: 'visitor', k: 5 });
  deepEqual(cold.items.map((c) => c.item), popularity.recommend('u0', { k: 5, filterSeen: false }).map((r) => r.item));
  const visit = await pipeline.run({ user: 'visitor', history: ['i0', 'i1'], k: 5 });
  ok(visit.items.every((c) => c.item !== 'i0' && c.item !== 'i1'), 'history filtered');
  const fold = als.recommend('x', { userItems: ['i0', 'i1'], k: 48 });
  for (const c of visit.items) close(c.score, fold.find((f) => f.item === c.item)!.score, 1e-5);
});

test('pipeline: per-category caps hold', async () => {
  const { als, index } = await fixture();
  const gen = knnCandidates({ index, k: 48, vector: (c) => als.getUserEmbedding(c.user!) });
  const plain = createPipeline({ generators: [gen], scorer: modelScorer(als), history: trainingHistory(als) });
  const capped = createPipeline({ generators: [gen], scorer: modelScorer(als), history: trainingHistory(als), rerankers: [businessRules({ category: categoryOf, maxPerCategory: 2 })] });
  const perCat = (items: readonly Candidate[]) => Math.max(...[...items.reduce((m, c) => m.set(categoryOf(c.item), (m.get(categoryOf(c.item)) ?? 0) + 1), new Map<string, number>()).values()]);
  let exceeded = 0;
  for (const user of ['u0', 'u1', 'u2', 'u3', 'u5', 'u6']) {
    if (perCat((await plain.run({ user, k: 6 })).items) > 2) exceeded++;
    const { items } = await capped.run({ user, k: 6 });
    ok(perCat(items) <= 2, `cap for ${user}`);
    equal(items.length, 6);
  }
  ok(exceeded > 0, 'the fixture must need the cap');
  const perCategory = businessRules({ category: categoryOf, maxPerCategory: { c0: 0, default: 1 } });
  const out = await perCategory.rerank({ history: [], k: 10 }, ['i0', 'i1', 'i13', 'i14', 'i30'].map((item, r) => ({ item, score: -r, sources: [], sourceScores: {} })));
  deepEqual(out.map((c) => c.item), ['i13', 'i30']);
  throws(() => businessRules({ maxPerCategory: 2 }), InvalidArgumentError, { field: 'category' });
  throws(() => businessRules({ category: categoryOf, maxPerCategory: -1 }), InvalidArgumentError, { field: 'maxPerCategory' });
});

test('pipeline: MMR with lambda 1 keeps the scorer order; lambda < 1 is measurably more diverse', async () => {
  const { als, index, emb } = await fixture();
  const base = { generators: [knnCandidates({ index, k: 48, vector: (c) => als.getUserEmbedding(c.user!) })], scorer: modelScorer(als), history: trainingHistory(als) };
  const plain = createPipeline(base);
  const one = createPipeline({ ...base, rerankers: [mmr({ vectors: emb, lambda: 1 })] });
  const diverse = createPipeline({ ...base, rerankers: [mmr({ vectors: index, lambda: 0.3 })] });
  const unit = (id: Id) => als.getItemEmbedding(id);
  const similarity = (items: readonly Candidate[]) => {
    let s = 0, n = 0;
    for (let a = 0; a < items.length; a++) for (let b = a + 1; b < items.length; b++) {
      const x = unit(items[a].item), y = unit(items[b].item);
      let dot = 0, nx = 0, ny = 0;
      for (let j = 0; j < x.length; j++) { dot += x[j] * y[j]; nx += x[j] ** 2; ny += y[j] ** 2; }
      s += dot / Math.sqrt(nx * ny);
      n++;
    }
    return s / n;
  };
  let before = 0, after = 0;
  for (const user of als.userIds.slice(0, 12)) {
    const p = await plain.run({ user, k: 8 });
    const o = await one.run({ user, k: 8 });
    deepEqual(o.items.map((c) => c.item), p.items.map((c) => c.item), `λ=1 order for ${user}`);
    const d = await diverse.run({ user, k: 8 });
    equal(d.stats.find((s) => s.stage === 'mmr')!.kept, 8);
    before += similarity(p.items);
    after += similarity(d.items);
  }
  ok(after < before - 0.05, `mean intra-list cosine must drop: ${before / 12} → ${after / 12}`);
  throws(() => mmr({ vectors: emb, lambda: 1.5 }), InvalidArgumentError, { field: 'lambda' });
});

test('pipeline: typed errors and abort', async () => {
  throws(() => createPipeline({ generators: [] }), InvalidArgumentError, { field: 'generators' });
  throws(() => createPipeline({ generators: [fixed('a', []), fixed('a', [])] }), InvalidArgumentError, { field: 'generators.name' });
  const p = createPipeline({ generators: [fixed('a', [['x', 1]])] });
  await rejects(p.run({ k: -1 }), InvalidArgumentError, { field: 'k' });
  await rejects(p.run({ include: ['x'], exclude: ['y'] }), InvalidArgumentError, { field: 'include' });
  const ctrl = new AbortController();
  ctrl.abort();
  await rejects(p.run({ signal: ctrl.signal }), AbortError);
  throws(() => popularCandidates({}), InvalidArgumentError, { field: 'model' });
  throws(() => itemNeighborCandidates({}), InvalidArgumentError, { field: 'index' });
});

test('recoder: SimilarityRecommender equals a brute-force computation of its formula (embedding and Aiolli modes)', async () => {
  const { data, index, emb } = await fixture();
  const vec = (id: Id) => emb.vectors.subarray(emb.ids.indexOf(id) * emb.dim, (emb.ids.indexOf(id) + 1) * emb.dim);
  const cos = (a: Float32Array, b: Float32Array) => {
    let dot = 0, na = 0, nb = 0;
    for (let j = 0; j < a.length; j++) { dot += a[j] * b[j]; na += a[j] ** 2; nb += b[j] ** 2; }
    return dot / Math.sqrt(na * nb);
  };
  const usersOf = (id: Id) => {
    const i = data.items.indexOf(id)!;
    const out = new Set<number>();
    for (let u = 0; u < data.nUsers; u++) if (data.itemsOf(u).includes(i)) out.add(u);
    return out;
  };
  const aiolli = (i: Id, j: Id, alpha: number) => {
    const a = usersOf(i), b = usersOf(j);
    const both = [...a].filter((u) => b.has(u)).length;
    return a.size && b.size ? both / (a.size ** alpha * b.size ** (1 - alpha)) : 0;
  };
  const history: Id[] = ['i0', 'i5', 'i13', 'i40'];
  const brute = (sim: (i: Id, j: Id) => number, q: number, neighbors: number) => {
    const pool = new Set<Id>();
    for (const j of history) for (const n of index.search(j, neighbors)) pool.add(n.id);
    for (const j of history) pool.delete(j);
    return [...pool].map((i) => ({ item: i, score: history.reduce((s: number, j) => s + sim(i, j) ** q, 0) })).sort((a, b) => b.score - a.score);
  };
  const e = new SimilarityRecommender(index, { neighbors: 6, q: 2 });
  const got = e.recommend(history, { k: 100 });
  const want = brute((i, j) => (cos(vec(i), vec(j)) + 1) / 2, 2, 6);
  equal(got.length, want.length, 'pool size');
  close(got.map((r) => r.score), want.map((w) => w.score), 1e-5);
  for (const r of got) close(r.score, want.find((w) => w.item === r.item)!.score, 1e-5, `score of ${r.item}`);
  const a = new SimilarityRecommender(index, { neighbors: 8, alpha: 0.8, q: 3, interactions: { matrix: data.byUser, items: data.items.ids() } });
  const gotA = a.recommend(history, { k: 5 });
  const wantA = brute((i, j) => aiolli(i, j, 0.8), 3, 8);
  close(gotA.map((r) => r.score), wantA.slice(0, 5).map((w) => w.score), 1e-9);
  for (const r of gotA) close(r.score, wantA.find((w) => w.item === r.item)!.score, 1e-9);
  ok(Math.abs(a.similarity('i0', 'i5') - a.similarity('i5', 'i0')) > 0 || usersOf('i0').size === usersOf('i5').size, 'asymmetric for α ≠ ½');
  // common options
  ok(gotA.every((r) => !history.includes(r.item)), 'history filtered');
  const ex = a.recommend(history, { k: 5, exclude: [gotA[0].item] });
  ok(!ex.some((r) => r.item === gotA[0].item), 'exclude');
  deepEqual(a.recommend(history, { include: ['i47', 'i1'], k: 5 }).map((r) => r.item).sort(), ['i1', 'i47'].filter((i) => a.score(history, [i])[0] > 0).sort());
  ok(a.recommend(history, { filterSeen: false, k: 100 }).some((r) => history.includes(r.item)), 'filterSeen false keeps history items');
  deepEqual(await a.recommendBatch([history, []], { k: 3 }), [a.recommend(history, { k: 3 }), []]);
  throws(() => new SimilarityRecommender(index, { alpha: 0.7 }), InvalidArgumentError, { field: 'alpha' });
  throws(() => new SimilarityRecommender(index, { q: 0 }), InvalidArgumentError, { field: 'q' });
  throws(() => a.recommend(history, { include: ['nope'] }), UnknownItemError);
  throws(() => a.recommend(history, { include: ['i1'], exclude: ['i2'] }), InvalidArgumentError, { field: 'include' });
});

test('recoder: InferenceRecommender equals the model fold-in', async () => {
  const { als, data } = await fixture();
  const rec = new InferenceRecommender(als);
  const history = ['i0', 'i3', 'i7', 'unknown'];
  deepEqual(rec.recommend(history, { k: 7 }), als.recommend('anyone', { userItems: history, k: 7 }));
  deepEqual(rec.recommend(history, { k: 7, exclude: ['i1'] }), als.recommend('anyone', { userItems: history, k: 7, exclude: ['i1'] }));
  const all = als.recommend('anyone', { userItems: history, k: 48, filterSeen: false });
  close(rec.score(history, ['i1', 'i20']), ['i1', 'i20'].map((i) => all.find((r) => r.item === i)!.score), 1e-6);
  deepEqual(await rec.recommendBatch([history, ['i12']], { k: 3 }), [rec.recommend(history, { k: 3 }), rec.recommend(['i12'], { k: 3 })]);
  ok(rec.recommend(['i12', 'i13'], { k: 5 }).every((r) => r.item !== 'i12' && r.item !== 'i13'));
  void data;
  throws(() => new InferenceRecommender(new AlsRecommender()), Error);
  throws(() => rec.recommend(history, { k: 1.5 }), InvalidArgumentError, { field: 'k' });
});

test('lightfm: embedding inner products equal predict; inner-product kNN ranks as recommend', async () => {
  await init();
  const data = clustered();
  const model = await new LightFmRecommender({ factors: 6, epochs: 3, threads: 1, loss: 'warp' }).fit(data);
  const users = model.userEmbeddings(), items = model.itemEmbeddings();
  equal(users.dim, 8);
  const reprs = model.userRepresentations();
  for (const user of ['u0', 'u7', 'u33']) {
    const u = model.getUserEmbedding(user);
    const ui = data.users.indexOf(user)!;
    close(u.subarray(0, 6), reprs.embeddings.subarray(ui * 6, ui * 6 + 6), 0);
    close(u[6], reprs.biases[ui], 0);
    const ids = ['i0', 'i11', 'i30', 'i47'];
    const dots = ids.map((id) => model.getItemEmbedding(id).reduce((s, x, j) => s + x * u[j], 0));
    close(dots, model.predict(user, ids), 1e-5);
  }
  await model.initKnn({ approximate: false, simType: 'inner-product' });
  const top = model.knnIndexes!.items.searchVector(model.getUserEmbedding('u3'), 10, { exclude: trainingHistory(model)('u3') });
  deepEqual(top.map((n) => n.id), model.recommend('u3', { k: 10 }).map((r) => r.item));
  void items;
  // cosine indexes hold the representations (no bias coordinates): searchKnnItems ranks as similarItems does
  await model.initKnn({ approximate: false, simType: 'cosine' });
  equal(model.knnIndexes!.items.dim, 6);
  for (const item of ['i0', 'i25']) {
    const knn = model.searchKnnItems(item, 5);
    const similar = model.similarItems(item, { k: 6 }).filter((r) => r.item !== item);
    deepEqual(knn.map((n) => n.id), similar.map((r) => r.item));
    close(knn.map((n) => n.score), similar.map((r) => r.score), 1e-5);
  }
  // InferenceRecommender runs LightFM's fold-in
  const rec = new InferenceRecommender(model);
  deepEqual(rec.recommend(['i1', 'i2', 'i3'], { k: 5 }), model.recommend('x', { userItems: ['i1', 'i2', 'i3'], k: 5 }));
});

test('retrieval: indexes from initKnn survive the first recommend (regression: the resident-factor cache disposed them)', async () => {
  await init();
  const als = await new AlsRecommender({ factors: 4, iterations: 3 }).fit(clustered());
  await als.initKnn({ approximate: false });
  als.recommend('u0', { k: 3 });
  await als.recommendBatch(['u1', 'u2'], { k: 3 });
  equal(als.searchKnnItems('i0', 3).length, 3);
  equal(als.knnIndexes!.items.searchVector(als.getUserEmbedding('u0'), 2).length, 2);
});
