// API parity with implicit, LightFM and LibRecommender (issue 17): each case names the peer behaviour it mirrors.
import {
  AlsRecommender, BprRecommender, LmfRecommender, LightFmRecommender, ItemKnnRecommender, PopularityRecommender,
  FILTERED_SCORE, Interactions, InvalidArgumentError, DimensionMismatchError, TrainingDivergedError, NotFittedError,
  buildFeatures, saveModel, loadModel, DatasetBuilder, NotSupportedError, UnknownUserError, UnknownItemError, init,
  getBackend, type Recommender, type Id, type Recommendation, type HybridParams, type HybridData, type HybridSettings,
} from 'recwise';
import { importImplicit, exportNpz } from 'recwise/interop';
import {
  AutoencoderRecommender, SampledMfRecommender, HashedMfRecommender, GruRecommender, TwoTowerRecommender,
} from 'recwise/nn';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';
import { checkerboard } from './fixtures.ts';

const ids = (list: readonly Recommendation[]): Id[] => list.map((r) => r.item);

/** The models whose batch used to drop (factor models) or reject (item-kNN) per-user histories. */
const families: readonly (readonly [string, () => Recommender])[] = [
  ['als', () => new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10, solver: 'cholesky' })],
  ['bpr', () => new BprRecommender({ factors: 8, learningRate: 0.05, iterations: 300 })],
  ['lmf', () => new LmfRecommender({ factors: 8, iterations: 30 })],
  ['lightfm', () => new LightFmRecommender({ factors: 8, epochs: 40, threads: 1, learningRate: 0.1 })],
  ['itemknn', () => new ItemKnnRecommender({ similarity: 'cosine', neighbors: 20 })],
];

for (const [name, make] of families) {
  // implicit: model.recommend(userids, user_items[userids], recalculate_user=True) folds each row's history in
  test(`parity/${name}: recommendBatch honours per-user userItems (users 0 and 10 swapped get each other's lists)`, async () => {
    const data = checkerboard();
    const model = await make().fit(data);
    const history = (u: number) => Array.from(data.itemsOf(u), (i) => data.items.idAt(i));
    const batch = await model.recommendBatch(['u0', 'u10', 'u1'], { k: 3, userItems: [history(10), history(0), null] });
    equal(batch.length, 3);
    // the group-B history gives u0 group B's missing item first (i10), and vice versa; u1 stays as trained
    equal(batch[0][0].item, 'i10', 'u0 with u10 history');
    equal(batch[1][0].item, 'i0', 'u10 with u0 history');
    deepEqual(batch[2], model.recommend('u1', { k: 3 }), 'u1 as trained');
    deepEqual(batch[0], model.recommend('u0', { k: 3, userItems: history(10) }), 'batch row equals single fold-in');
    deepEqual(batch[1], model.recommend('u10', { k: 3, userItems: history(0) }));
    for (const r of batch[0]) ok(!history(10).includes(r.item), 'the given history is filtered as seen');
  });
}

test('parity/batch: userItems must align with users; entries are arrays or null', async () => {
  const model = await new PopularityRecommender().fit(checkerboard());
  await rejects(model.recommendBatch(['u0', 'u1'], { userItems: [['i1']] }), InvalidArgumentError, { field: 'userItems' });
  await rejects(model.recommendBatch(['u0'], { userItems: ['i1' as never] }), InvalidArgumentError, { field: 'userItems[0]' });
  // an unknown user with a history is folded in instead of failing the batch
  const lists = await model.recommendBatch(['new', 'u0'], { k: 2, userItems: [['i0'], undefined] });
  ok(!ids(lists[0]).includes('i0'));
});

// implicit ≥ 0.5: recommend(userid, user_items, N=len(items), items=items) ranks exactly the given ids; filtered
// (already liked) ones are not dropped but come back last with score -finfo(float32).max
test('parity/rank: ranks exactly the list, seen items last with FILTERED_SCORE (implicit recommend(items=))', async () => {
  const data = checkerboard();
  const model = await new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10 }).fit(data);
  const list = ['i12', 'i0', 'i3', 'i15', 'i1'];
  const ranked = model.rank('u0', list);
  equal(ranked.length, list.length, 'all of the list, nothing dropped');
  deepEqual(ids(ranked).slice().sort(), list.slice().sort());
  equal(ranked[0].item, 'i0', 'the unseen group item first');
  // u0 has seen i1 and i3 (group A minus i0): they come last, in item order, with implicit's filtered score
  deepEqual(ids(ranked).slice(3), ['i1', 'i3']);
  equal(ranked[3].score, FILTERED_SCORE);
  equal(FILTERED_SCORE, -3.4028234663852886e38);
  const unfiltered = model.rank('u0', list, { filterSeen: false });
  const scores = model.score('u0', list);
  deepEqual(unfiltered.map((r) => r.score), scores.slice().sort((a, b) => b - a), 'without filterSeen: every item by its score');
  // recommend({ include }) is a top-k over candidates that drops seen items; rank keeps them
  deepEqual(ids(model.recommend('u0', { include: list, k: 10 })), ids(ranked).slice(0, 3));
  throws(() => model.rank('u0', ['i0', 'nope']), UnknownItemError, { field: 'items' });
  throws(() => model.rank('stranger', list), UnknownUserError);
});

// LibRecommender: recommend_user(new_user, n_rec, cold_start='popular' | 'average')
test("parity/coldStart: 'popular' ranks by training interactions, 'average' uses the mean user embedding", async () => {
  const data = checkerboard();
  // make i5 and i6 the most popular items: add them to group-B users
  const rows = Array.from({ length: 20 }, (_, u) => Array.from(data.itemsOf(u)));
  for (let u = 10; u < 13; u++) rows[u].push(5, 6);
  const indptr = Int32Array.from([0, ...rows.map((r, u) => rows.slice(0, u + 1).reduce((s, x) => s + x.length, 0))]);
  const indices = Int32Array.from(rows.flatMap((r) => r.slice().sort((a, b) => a - b)));
  const skewed = new Interactions(data.users, data.items, { indptr, indices, data: new Float32Array(indices.length).fill(1), rows: 20, cols: 20 });
  const als = await new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10 }).fit(skewed);
  throws(() => als.recommend('stranger'), UnknownUserError);
  const popular = als.recommend('stranger', { k: 2, coldStart: 'popular' });
  deepEqual(ids(popular), ['i5', 'i6']);
  equal(popular[0].score, 12, 'score = training interaction count (9 group-A users + 3 added)');
  const average = als.recommend('stranger', { k: 5, coldStart: 'average' });
  const d = als.factorCount;
  const mean = new Float32Array(d);
  for (let u = 0; u < 20; u++) for (let j = 0; j < d; j++) mean[j] += als.userFactors[u * d + j] / 20;
  const expected = als.scoreVector(mean);
  const best = Array.from(expected.keys()).sort((a, b) => expected[b] - expected[a] || a - b).slice(0, 5);
  deepEqual(ids(average), best.map((i) => `i${i}`));
  // per user inside a batch: known users as trained, the unknown one by the strategy
  const batch = await als.recommendBatch(['u0', 'stranger', 'u10'], { k: 2, coldStart: 'popular' });
  deepEqual(batch[0], als.recommend('u0', { k: 2 }));
  deepEqual(batch[1], popular);
  deepEqual(batch[2], als.recommend('u10', { k: 2 }));
  await rejects(als.recommendBatch(['u0', 'stranger'], { k: 2 }), UnknownUserError);
  // item-kNN has no user embeddings to average
  const knn = await new ItemKnnRecommender({ neighbors: 5 }).fit(skewed);
  throws(() => knn.recommend('stranger', { coldStart: 'average' }), NotSupportedError);
  deepEqual(ids(knn.recommend('stranger', { k: 2, coldStart: 'popular' })), ['i5', 'i6']);
  throws(() => als.recommend('stranger', { coldStart: 'mean' as never }), InvalidArgumentError, { field: 'coldStart' });
  deepEqual(ids(als.rank('stranger', ['i0', 'i6', 'i5'], { coldStart: 'popular' })), ['i5', 'i6', 'i0']);
});

// LightFM: predict(user_ids, item_ids) scores pairs (a scalar user id is broadcast)
test('parity/lightfm: predict over pairs equals the per-user scores', async () => {
  const data = checkerboard();
  const model = await new LightFmRecommender({ factors: 6, epochs: 5, threads: 1 }).fit(data);
  const users = ['u0', 'u3', 'u15', 'u0'], items = ['i4', 'i12', 'i0', 'i19'];
  const pairs = model.predict(users, items);
  users.forEach((u, j) => close(pairs[j], model.predict(u, [items[j]])[0], 1e-5, `${u}·${items[j]}`));
  throws(() => model.predict(['u0'], ['i0', 'i1']), DimensionMismatchError, { field: 'users.length' });
  throws(() => model.predict(['nobody'], ['i0']), UnknownUserError);
});

// LightFM: predict_rank(test, train_interactions=train, check_intersections=True)
test('parity/lightfm: predictRank(test, { train }) ranks every test pair, train items skipped, overlap rejected', async () => {
  const data = checkerboard();
  const model = await new LightFmRecommender({ factors: 6, epochs: 5, threads: 1 }).fit(data);
  // test: each user's one missing item, plus one item of the other group
  const indptr = new Int32Array(21), cols: number[] = [];
  for (let u = 0; u < 20; u++) {
    const own = (u < 10 ? 0 : 10) + (u % 10), other = (u < 10 ? 10 : 0) + (u % 10);
    cols.push(...[own, other].sort((a, b) => a - b));
    indptr[u + 1] = cols.length;
  }
  const test = new Interactions(data.users, data.items, { indptr, indices: Int32Array.from(cols), data: new Float32Array(cols.length).fill(1), rows: 20, cols: 20 });
  const ranks = model.predictRank(test, { train: data });
  deepEqual(Array.from(ranks.indptr), Array.from(indptr));
  for (let u = 0; u < 20; u++) {
    const items = Array.from(test.itemsOf(u), (i) => `i${i}`);
    deepEqual(Array.from(ranks.data.subarray(indptr[u], indptr[u + 1])), model.predictRank(`u${u}`, items, { filterSeen: true }), `u${u}`);
  }
  // without train nothing is skipped
  equal(model.predictRank(test).data[0], model.predictRank('u0', ['i0'])[0]);
  throws(() => model.predictRank(data, { train: data }), InvalidArgumentError, { field: 'train' });
  ok(model.predictRank(data, { train: data, checkIntersections: false }).data.length === data.nnz);
});

// LightFM: get_item_representations(features) and predict(..., item_features=…) for rows built after training; rows
// with no feature are allowed and represent as zero (LightFM trains them: nothing to update)
test('parity/lightfm: representations and predictions for new feature rows; empty feature rows allowed', async () => {
  const data = checkerboard();
  const itemFeatures = await buildFeatures(data.items, data.items.ids().map((id, i) => ({ id, features: [i < 10 ? 'genre:a' : 'genre:b'] })));
  // users: no identity features; u0..u4 have none at all
  const userFeatures = { matrix: { indptr: Int32Array.from({ length: 21 }, (_, u) => Math.max(0, u - 5)), indices: Int32Array.from({ length: 15 }, (_, j) => (j + 5 < 10 ? 0 : 1)), data: new Float32Array(15).fill(1), rows: 20, cols: 2 }, names: ['group:a', 'group:b'] };
  const model = await new LightFmRecommender({ factors: 6, epochs: 10, threads: 1 }).fit(data, { itemFeatures, userFeatures });
  const ur = model.userRepresentations();
  deepEqual(Array.from(ur.embeddings.subarray(0, 6)), [0, 0, 0, 0, 0, 0], 'an empty row has a zero representation');
  equal(ur.biases[0], 0);
  close(model.predict('u0', ['i3'])[0], model.itemRepresentations().biases[3], 1e-6, 'a featureless user scores the item bias');
  // a new item described only by genre:b (column nItems + 1), and an item with no feature
  const cols = itemFeatures.matrix.cols;
  const fresh = { matrix: { indptr: Int32Array.of(0, 1, 1), indices: Int32Array.of(20 + 1), data: Float32Array.of(1), rows: 2, cols } };
  const rep = model.itemRepresentations(fresh);
  equal(rep.biases.length, 2);
  deepEqual(Array.from(rep.embeddings.subarray(6)), [0, 0, 0, 0, 0, 0]);
  const scores = model.predict(['u12', 'u12'], [0, 1], { itemFeatures: fresh });
  let dot = ur.biases[12] + rep.biases[0];
  for (let j = 0; j < 6; j++) dot += ur.embeddings[12 * 6 + j] * rep.embeddings[j];
  close(scores[0], dot, 1e-5, 'predict with item feature rows');
  close(scores[1], ur.biases[12], 1e-6);
  throws(() => model.itemRepresentations({ matrix: { ...fresh.matrix, cols: 3 } }), DimensionMismatchError);
  throws(() => model.predict(['u12'], ['i0'], { itemFeatures: fresh }), InvalidArgumentError, { field: 'items' });
});

// LightFM: two fit_partial(epochs=1) calls leave the model exactly where fit(epochs=2) does (one thread)
test('parity/lightfm: two 1-epoch fitPartial calls equal one 2-epoch fit bit for bit', async () => {
  for (const loss of ['warp', 'bpr', 'logistic', 'warp-kos'] as const) {
    const data = checkerboard();
    const opts = { loss, factors: 6, threads: 1, itemAlpha: 1e-3, userAlpha: 1e-3 };
    const stepwise = new LightFmRecommender(opts);
    await stepwise.fitPartial(data, { epochs: 1 });
    await stepwise.fitPartial(data, { epochs: 1 });
    const once = await new LightFmRecommender(opts).fit(data, { epochs: 2 });
    deepEqual(Array.from(stepwise.userFactors), Array.from(once.userFactors), `${loss}: user factors`);
    deepEqual(Array.from(stepwise.itemFactors), Array.from(once.itemFactors), `${loss}: item factors`);
  }
});

// LightFM's lazy L2 (_lightfm_fast: update_features scales an updated element by 1 + α·η, update() grows
// item_scale/user_scale by 1 + α·η_avg, regularize() divides every parameter at the end of the epoch)
test("parity/lightfm: alphaDecay 'lightfm' decays every parameter (LightFM's scaling trick), 'updated' only touched rows", async () => {
  const d = 2, lr = 0.05, itemAlpha = 0.5, userAlpha = 0.25;
  const tab = (v: number[]) => ({ weights: Float32Array.from(v), accum: new Float32Array(v.length).fill(1), momentum: new Float32Array(v.length) });
  const one = (n: number) => ({ indptr: Int32Array.from({ length: n + 1 }, (_, i) => i), indices: Int32Array.from({ length: n }, (_, i) => i), data: new Float32Array(n).fill(1) });
  const params: HybridParams = { factors: d, userEmbeddings: tab([0.3, -0.2]), userBiases: tab([0.1]), itemEmbeddings: tab([0.5, 0.4, -0.1, 0.2, 0.7, -0.6]), itemBiases: tab([0.3, 0.05, -0.2]) };
  const data: HybridData = {
    userFeatures: one(1), itemFeatures: one(3), positives: { indptr: Int32Array.of(0, 1), indices: Int32Array.of(1) },
    users: Int32Array.of(0), items: Int32Array.of(1), labels: Float32Array.of(1), weights: Float32Array.of(1),
  };
  const settings: HybridSettings = { loss: 'logistic', adadelta: false, learningRate: lr, rho: 0.95, epsilon: 1e-6, itemAlpha, userAlpha, maxSampled: 10, k: 1, n: 1 };
  const pred = 0.3 * -0.1 + -0.2 * 0.2 + 0.1 + 0.05;
  const g = 1 / (1 + Math.exp(-pred)) - 1;
  // adagrad from G = 1: every updated element has η = lr, so η_avg = lr and the scales are 1 + α·lr
  const itemScale = 1 + itemAlpha * lr, userScale = 1 + userAlpha * lr;
  for (const name of ['js', 'wasm'] as const) {
    await init({ backend: name, threads: 1 });
    for (const alphaDecay of ['lightfm', 'updated'] as const) {
      const session = (await getBackend()).hybridSession(params, data, { ...settings, alphaDecay });
      await session.epoch(Int32Array.of(0), Uint32Array.of(1));
      const p = session.read();
      session.dispose();
      const stepped = [-0.1 - lr * g * 0.3, 0.2 - lr * g * -0.2];
      if (alphaDecay === 'lightfm') {
        // untouched items 0 and 2 shrink by the item scale; the updated item is exempt this step ((1 + α·η) / scale = 1)
        close(p.itemEmbeddings.weights, [0.5 / itemScale, 0.4 / itemScale, ...stepped, 0.7 / itemScale, -0.6 / itemScale], 1e-6, `${name} lightfm items`);
        close(p.itemBiases.weights, [0.3 / itemScale, 0.05 - lr * g, -0.2 / itemScale], 1e-6, `${name} lightfm item biases`);
        close(p.userEmbeddings.weights, [0.3 - lr * g * -0.1, -0.2 - lr * g * 0.2], 1e-6, `${name} lightfm user`);
        void userScale;
      } else {
        close(p.itemEmbeddings.weights, [0.5, 0.4, ...stepped.map((w) => w / itemScale), 0.7, -0.6], 1e-6, `${name} updated items`);
        close(p.userEmbeddings.weights, [(0.3 - lr * g * -0.1) / userScale, (-0.2 - lr * g * 0.2) / userScale], 1e-6, `${name} updated user`);
      }
    }
  }
  // 400 steps at α·lr = 0.25 make the item scale 1.25^400 ≈ 7·10³⁸: it must be applied mid-epoch each time it passes
  // LightFM's MAX_REG_SCALE (10⁶), or the updated rows (×1.25 per step) overflow f32
  // Negative labels with very negative biases keep the gradients ≈ 0, so every
  // η stays lr: untouched rows end at w / 1.25^400, rows updated at every step stay put (each step's decay is undone
  // by their own 1 + α·η). The wasm kernel equals the reference throughout.
  const many = 400;
  const quiet: HybridParams = { ...params, userBiases: tab([-5]), itemBiases: tab([-5, -5, -5]) };
  const big: HybridData = { ...data, users: new Int32Array(many), items: new Int32Array(many).fill(1), labels: new Float32Array(many), weights: new Float32Array(many).fill(1) };
  const out: HybridParams[] = [];
  for (const name of ['js', 'wasm'] as const) {
    await init({ backend: name, threads: 1 });
    const session = (await getBackend()).hybridSession(quiet, big, { ...settings, itemAlpha: 5, userAlpha: 0, alphaDecay: 'lightfm' });
    await session.epoch(Int32Array.from({ length: many }, (_, i) => i), Uint32Array.of(1));
    out.push(session.read());
    session.dispose();
  }
  for (const [name, p] of [['js', out[0]], ['wasm', out[1]]] as const) {
    close(p.itemBiases.weights[0] / (-5 / 1.25 ** many), 1, 1e-3, `${name}: untouched item bias decayed by (1 + α·lr)^steps`);
    close(p.itemBiases.weights[1], -5, 1e-3, `${name}: the item updated at every step keeps its size`);
    close(p.userBiases.weights[0], -5, 1e-3, `${name}: userAlpha 0 leaves the user side alone`);
  }
  for (const k of ['userEmbeddings', 'itemEmbeddings', 'itemBiases'] as const) close(out[1][k].weights, out[0][k].weights, 1e-5, `wasm == reference after mid-epoch regularize: ${k}`);
  // on every thread (Hogwild, as LightFM's OpenMP loop): the scales grow by compare-and-swap and a mid-epoch regularize
  // runs alone (the other threads park), so every example's decay reaches the untouched rows exactly once. Many
  // untouched rows make each regularize long: with a try-lock the other thread kept training meanwhile, its scale
  // passed 10⁶ by far, W·scale overflowed f32 and the next regularize divided every row by a NaN scale (Chromium
  // showed it now and then with 3 items; 20 000 items show it on every runtime with threads).
  const wideItems = 20_000, wideExamples = 20_000;
  const wide: HybridParams = {
    ...quiet,
    itemEmbeddings: tab(Array.from({ length: wideItems * d }, (_, i) => 0.1 + (i % 7) / 10)), itemBiases: tab(new Array(wideItems).fill(-5)),
  };
  const wideData: HybridData = {
    ...data, itemFeatures: one(wideItems),
    // weight 0: every gradient is exactly 0, so each example is a pure (1 + α·lr) scaling step. Lost Hogwild writes
    // shrink the shared row 1, and with weight 1 its pred would leave the flat part of the sigmoid and train it to ∞.
    users: new Int32Array(wideExamples), items: new Int32Array(wideExamples).fill(1), labels: new Float32Array(wideExamples), weights: new Float32Array(wideExamples),
  };
  const { threads } = await init();
  const session = (await getBackend()).hybridSession(wide, wideData, { ...settings, itemAlpha: 5, userAlpha: 0, alphaDecay: 'lightfm' });
  for (let epoch = 0; epoch < 3; epoch++) {
    await session.epoch(Int32Array.from({ length: wideExamples }, (_, i) => i), Uint32Array.from({ length: threads }, (_, t) => 1 + t + epoch));
  }
  const shared = session.read();
  session.dispose();
  // untouched rows (every item but 1) are written only by regularize; the row every example updates races between
  // threads (Hogwild allows a lost write there, as in LightFM), so its value is not pinned
  const itemRow = (i: number) => [shared.itemBiases.weights[i], ...shared.itemEmbeddings.weights.subarray(i * d, (i + 1) * d)];
  const notDecayed = Array.from({ length: wideItems }, (_, i) => i).find((i) => i !== 1 && !itemRow(i).every((v) => Number.isFinite(v) && Math.abs(v) < 1e-30));
  ok(notDecayed === undefined, `${threads} threads: untouched item ${notDecayed} decayed (${notDecayed === undefined ? '' : itemRow(notDecayed)})`);
  ok(Number.isFinite(shared.itemBiases.weights[1]), `${threads} threads: the item every example updates stays finite (${shared.itemBiases.weights[1]})`);
  await init();
  throws(() => new LightFmRecommender({ alphaDecay: 'all' as never }), InvalidArgumentError, { field: 'alphaDecay' });
  equal(new LightFmRecommender().options.alphaDecay, 'lightfm', "LightFM's semantics by default");
});

// LightFM: fit_partial runs _check_finite after every epoch and raises ValueError("Not all estimated parameters are
// finite, your model may have diverged…") instead of returning a broken model
test('parity/lightfm: a diverged fit throws TrainingDivergedError naming the fix', async () => {
  await rejects(new LightFmRecommender({ loss: 'logistic', factors: 4, epochs: 3, threads: 1, learningRate: 1e30 }).fit(checkerboard()), TrainingDivergedError, /learning rate/);
  await rejects(new LightFmRecommender({ loss: 'bpr', factors: 4, epochs: 3, threads: 1, learningRate: 1e30, itemAlpha: 1, userAlpha: 1 }).fit(checkerboard()), TrainingDivergedError, /alphaDecay: 'updated'/);
});

// implicit: model.save() works before fit() (the file holds the hyperparameters); load gives an unfitted model
test('parity/io: saving an unfitted model saves its configuration; loading gives an unfitted model of the same settings', async () => {
  const makers: (() => Recommender)[] = [
    () => new AlsRecommender({ factors: 7, alpha: 3, confidence: 'alpha', iterations: 2 }),
    () => new BprRecommender({ factors: 5, iterations: 3 }),
    () => new LmfRecommender({ factors: 4, iterations: 2 }),
    () => new LightFmRecommender({ factors: 3, loss: 'bpr', itemAlpha: 1e-4, epochs: 2, threads: 1 }),
    () => new ItemKnnRecommender({ similarity: 'bm25', neighbors: 3 }),
    () => new PopularityRecommender(),
  ];
  for (const make of makers) {
    const model = make();
    const loaded = await loadModel(await saveModel(model));
    equal(loaded.kind, model.kind);
    equal(loaded.fitted, false, `${model.kind}: unfitted after load`);
    deepEqual(loaded.params, model.params, `${model.kind}: same settings`);
    throws(() => loaded.recommend('u0'), NotFittedError);
    // and it trains like a fresh model of those settings
    const data = checkerboard();
    await loaded.fit(data);
    const fresh = await make().fit(data);
    deepEqual(loaded.recommend('u0', { k: 3 }), fresh.recommend('u0', { k: 3 }), `${model.kind}: trains as the original would`);
  }
});

// implicit >= 0.5: AlternatingLeastSquares(alpha) fits alpha * user_items (c = α·w); recwise's default is c = 1 + α·w
test("parity/als: confidence 'alpha' is implicit >= 0.5's c = alpha·w, the default stays 1 + alpha·w", async () => {
  const data = checkerboard();
  const make = (o: object) => new AlsRecommender({ factors: 4, iterations: 3, solver: 'cholesky', regularization: 0.1, ...o }).fit(data);
  const implicitStyle = await make({ alpha: 5, confidence: 'alpha' });
  const ours = await make({ alpha: 5 });
  equal(ours.options.confidence, 'one-plus-alpha');
  // c = α·w with w = 1 is the same model as c = 1 + α'·w with α' = α − 1
  const shifted = await make({ alpha: 4 });
  deepEqual(Array.from(implicitStyle.userFactors), Array.from(shifted.userFactors), 'α·w = 1 + (α − 1)·w on binary data');
  ok(Array.from(ours.userFactors).some((v, i) => v !== implicitStyle.userFactors[i]), 'the same alpha means different models');
  throws(() => new AlsRecommender({ confidence: 'log' as never }), InvalidArgumentError, { field: 'confidence' });
  // implicit's .npz says alpha in its own meaning: importing carries confidence 'alpha'; a recwise export round-trips
  const back = await importImplicit(exportNpz(implicitStyle));
  equal((back as AlsRecommender).options.confidence, 'alpha');
  equal(((await importImplicit(exportNpz(ours))) as AlsRecommender).options.confidence, 'one-plus-alpha');
});

// LightFM: Dataset.build_interactions raises ValueError on an id missing from the mapping; recwise's builder drops
// and counts by default, and raises with unknownUsers / unknownItems: 'error' (the mode named in the error)
test("parity/data: unknown ids in a seeded DatasetBuilder: 'drop' counts them, 'error' raises naming the option", async () => {
  const train = checkerboard();
  const drop = new DatasetBuilder({ users: train.users, items: train.items });
  drop.add({ user: 'u0', item: 'i1' }).add({ user: 'nobody', item: 'i1' }).add({ user: 'u1', item: 'nothing' });
  await drop.build();
  deepEqual([drop.stats.droppedUnknownUser, drop.stats.droppedUnknownItem], [1, 1]);
  const strict = new DatasetBuilder({ users: train.users, items: train.items, unknownItems: 'error' });
  throws(() => strict.add({ user: 'u1', item: 'nothing' }), InvalidArgumentError, /unknownItems: 'drop'/);
});

// LightFM's fit_partial continues training; for the neural models (resumable training) two 1-epoch fitPartial calls
// end bit for bit where one 2-epoch fit ends (one thread)
test('parity/nn: fitPartial continues training; two 1-epoch calls equal one 2-epoch fit bit for bit', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const data = checkerboard();
  const makers: ((epochs: number) => Recommender & { fitPartial(d: Interactions, o?: { epochs?: number }): Promise<unknown> })[] = [
    (epochs) => new AutoencoderRecommender({ hiddenLayers: [6], epochs, batchSize: 7, learningRate: 0.01, seed: 5 }),
    (epochs) => new SampledMfRecommender({ factors: 4, epochs, batchSize: 7, samplingRows: 2, seed: 5 }),
    (epochs) => new HashedMfRecommender({ factors: 4, epochs, batchSize: 7, userBuckets: 16, itemBuckets: 16, seed: 5 }),
    (epochs) => new GruRecommender({ factors: 4, maxSeqLen: 4, epochs, negatives: 5, batchSize: 8, seed: 5 }),
    (epochs) => new TwoTowerRecommender({ factors: 4, hidden: [8], maxSeqLen: 4, epochs, negatives: 5, batchSize: 8, seed: 5 }),
  ];
  const all = Int32Array.from({ length: 20 }, (_, u) => u);
  for (const make of makers) {
    const stepwise = make(1);
    await stepwise.fitPartial(data, { epochs: 1 });
    const one = Array.from(stepwise.scoreUsers(all));
    await stepwise.fitPartial(data);
    const once = await make(2).fit(data);
    deepEqual(Array.from(stepwise.scoreUsers(all)), Array.from(once.scoreUsers(all)), `${once.kind}: 1 + 1 epochs = 2 epochs`);
    ok(one.join() !== Array.from(once.scoreUsers(all)).join(), `${once.kind}: the second call trained`);
    equal((stepwise.params as { epochs: number }).epochs, 2);
  }
  await init();
});

// implicit: similar_items(itemids) / similar_users(userids) take arrays; similar_items(…, react_users=…,
// recalculate_item=True) recomputes an item's factors from a user list (recalculate_item)
test('parity/similar: similarItemsBatch (every model with similarItems, item-kNN included) and similarUsersBatch equal the single calls; ALS recalculateItem', async () => {
  const data = checkerboard();
  for (const [, make] of families) {
    const model = await make().fit(data);
    const items = ['i3', 'i15', 'i0'];
    deepEqual(await model.similarItemsBatch(items, { k: 4 }), items.map((i) => model.similarItems(i, { k: 4 })), `${model.kind} items`);
    if ('similarUsersBatch' in model) {
      const m = model as unknown as { similarUsersBatch(u: Id[], o: { k: number }): Promise<Recommendation[][]>; similarUsers(u: Id, o: { k: number }): Recommendation[] };
      deepEqual(await m.similarUsersBatch(['u2', 'u12'], { k: 3 }), ['u2', 'u12'].map((u) => m.similarUsers(u, { k: 3 })), `${model.kind} users`);
    }
  }
  // recalculate_item from the users who have the item gives (about) its trained factors with an exact (Cholesky) fit
  const als = await new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10, solver: 'cholesky' }).fit(data);
  const holders = data.users.ids().filter((_, u) => Array.from(data.itemsOf(u)).includes(3));
  close(await als.recalculateItem(holders), als.getItemEmbedding('i3'), 1e-4, 'recalculateItem = the solve the last ALS half-step made');
  const wrong = await als.recalculateItem(data.users.ids().filter((_, u) => Array.from(data.itemsOf(u)).includes(13)));
  ok(Math.abs(wrong[0] - als.getItemEmbedding('i3')[0]) + Math.abs(wrong[1] - als.getItemEmbedding('i3')[1]) > 1e-3, 'another user list gives another vector');
});
