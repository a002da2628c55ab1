// LightFM-family hybrid model (issue 5): loss gradients, optimizer steps, WARP sampling, Wasm == reference epochs,
// and the model's LightFM-compatible behaviour (predict, predictRank, features, fold-in, save/load).
import {
  init, getBackend, LightFmRecommender, Interactions, Vocabulary, InvalidArgumentError, NotSupportedError,
  DimensionMismatchError, AbortError, saveModel, loadModel, buildFeatures, type HybridParams, type HybridData,
  type HybridSettings, type HybridLoss, type Csr,
} from 'recwise';
import {
  exampleGradients, exampleLoss, updateElement, hybridEpochRef, xorshift32, predictFromRepr, type HybridTrace,
} from 'recwise/testing';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, rng, throws } from './assert.ts';

const SETTINGS: HybridSettings = {
  loss: 'warp', adadelta: false, learningRate: 0.05, rho: 0.95, epsilon: 1e-6, itemAlpha: 0, userAlpha: 0, maxSampled: 10, k: 2, n: 5,
};

function table(n: number, r: () => number, scale: number, accum: number) {
  return { weights: Float32Array.from({ length: n }, () => r() * scale), accum: new Float32Array(n).fill(accum), momentum: new Float32Array(n) };
}

/** Feature CSR: identity, plus (hybrid) a shared feature per row, each weight ½. */
function features(n: number, shared: number, hybrid: boolean): HybridData['userFeatures'] & { cols: number } {
  const indptr = new Int32Array(n + 1), indices: number[] = [], data: number[] = [];
  for (let i = 0; i < n; i++) {
    indices.push(i);
    data.push(hybrid ? 0.5 : 1);
    if (hybrid) {
      indices.push(n + (i % shared));
      data.push(0.5);
    }
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), cols: n + (hybrid ? shared : 0) };
}

/** A small random training problem for the kernels. */
function problem(loss: HybridLoss, adadelta: boolean, hybrid: boolean, seed: number) {
  const r = rng(seed);
  const nU = 17, nI = 23, d = 6;
  const uf = features(nU, 3, hybrid), itf = features(nI, 4, hybrid);
  const users: number[] = [], items: number[] = [];
  const pindptr = new Int32Array(nU + 1);
  const pind: number[] = [];
  for (let u = 0; u < nU; u++) {
    const s = new Set<number>();
    for (let j = 0; j < 6; j++) s.add(Math.floor(((r() + 1) / 2) * nI));
    for (const i of [...s].sort((a, b) => a - b)) {
      users.push(u);
      items.push(i);
      pind.push(i);
    }
    pindptr[u + 1] = pind.length;
  }
  const acc = adadelta ? 0 : 1;
  const params: HybridParams = {
    factors: d,
    userEmbeddings: table(uf.cols * d, r, 0.15, acc), userBiases: table(uf.cols, r, 0.1, acc),
    itemEmbeddings: table(itf.cols * d, r, 0.15, acc), itemBiases: table(itf.cols, r, 0.1, acc),
  };
  const data: HybridData = {
    userFeatures: uf, itemFeatures: itf, positives: { indptr: pindptr, indices: Int32Array.from(pind) },
    users: Int32Array.from(users), items: Int32Array.from(items),
    labels: Float32Array.from(users, (_, e) => (loss === 'logistic' && e % 4 === 0 ? 0 : 1)),
    weights: Float32Array.from(users, (_, e) => (loss === 'warp-kos' ? 1 : 1 + (e % 3) / 2)),
  };
  const settings: HybridSettings = { ...SETTINGS, loss, adadelta, itemAlpha: 0.01, userAlpha: 0.02 };
  const n = users.length;
  const order = Int32Array.from({ length: n }, (_, i) => (i * 11) % n);
  return { params, data, settings, order };
}

for (const loss of ['logistic', 'bpr', 'warp', 'warp-kos'] as const) {
  test(`lightfm/wasm: one-thread epochs equal the reference (${loss})`, async () => {
    for (const [adadelta, hybrid, alphaDecay] of [
      [false, false, 'updated'], [false, true, 'updated'], [true, false, 'updated'], [true, true, 'updated'], [false, true, 'lightfm'], [true, true, 'lightfm'],
    ] as const) {
      const p0 = problem(loss, adadelta, hybrid, 5);
      const { params, data, order } = p0;
      const settings = { ...p0.settings, alphaDecay };
      const out: { stats: { updates: number; sampled: number; loss: number }[]; p: HybridParams }[] = [];
      for (const name of ['js', 'wasm'] as const) {
        await init({ backend: name, threads: 1 });
        const session = (await getBackend()).hybridSession(params, data, settings);
        const stats = [await session.epoch(order, Uint32Array.of(2024)), await session.epoch(order, Uint32Array.of(77))];
        out.push({ stats, p: session.read() });
        session.dispose();
      }
      const what = `${loss} ${adadelta ? 'adadelta' : 'adagrad'} ${hybrid ? 'hybrid' : 'identity'} ${alphaDecay}`;
      for (let e = 0; e < 2; e++) {
        equal(out[1].stats[e].updates, out[0].stats[e].updates, `${what}: updates`);
        equal(out[1].stats[e].sampled, out[0].stats[e].sampled, `${what}: sampled`);
        close(out[1].stats[e].loss, out[0].stats[e].loss, 1e-3 * (1 + Math.abs(out[0].stats[e].loss)), `${what}: loss`);
      }
      ok(out[0].stats[0].updates > 0, 'the epoch trained');
      for (const k of ['userEmbeddings', 'userBiases', 'itemEmbeddings', 'itemBiases'] as const) {
        for (const f of ['weights', 'accum', 'momentum'] as const) {
          // relative: adagrad accumulators grow large
          const a = out[1].p[k][f], b = out[0].p[k][f];
          close(Array.from(a, (v, i) => v / (1 + Math.abs(b[i]))), Array.from(b, (v) => v / (1 + Math.abs(v))), 2e-5, `${what}: ${k}.${f}`);
        }
      }
      ok(out[0].p.itemEmbeddings.weights.some((v, i) => v !== params.itemEmbeddings.weights[i]), 'parameters changed');
    }
  });
}

test('lightfm/wasm: epochs on every thread train the shared parameters (Hogwild)', async () => {
  const { threads } = await init();
  const { params, data, settings, order } = problem('warp', false, false, 9);
  const session = (await getBackend()).hybridSession(params, data, settings);
  const stats = await session.epoch(order, Uint32Array.from({ length: threads }, (_, t) => 100 + t));
  ok(stats.updates > 0 && stats.sampled >= stats.updates, `updates ${stats.updates}, sampled ${stats.sampled}`);
  const p = session.read();
  session.dispose();
  ok(p.itemEmbeddings.weights.every(Number.isFinite) && p.itemEmbeddings.weights.some((v, i) => v !== params.itemEmbeddings.weights[i]));
  // logistic makes exactly one update per example: the threads' chunks cover the order once, with no gap or overlap
  const lg = problem('logistic', false, true, 4);
  const long = Int32Array.from({ length: 20 * lg.order.length }, (_, i) => lg.order[i % lg.order.length]);
  const s2 = (await getBackend()).hybridSession(lg.params, lg.data, lg.settings);
  for (let e = 0; e < 3; e++) equal((await s2.epoch(long, Uint32Array.from({ length: threads }, (_, t) => 7 + t))).updates, long.length, `epoch ${e}`);
  s2.dispose();
});

/** Central differences of exampleLoss with respect to one representation. */
function numericGradient(f: (x: Float64Array) => number, x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  const h = 1e-6;
  for (let j = 0; j < x.length; j++) {
    const a = x.slice(), b = x.slice();
    a[j] += h;
    b[j] -= h;
    g[j] = (f(a) - f(b)) / (2 * h);
  }
  return g;
}

test('lightfm/gradients: each loss matches finite differences of its objective', () => {
  const r = rng(11);
  const d = 5;
  const vec = () => Float64Array.from({ length: d + 1 }, () => r() * 0.8);
  for (const loss of ['logistic', 'bpr', 'warp'] as const) {
    for (const label of loss === 'logistic' ? [1, 0] : [1]) {
      const u = vec(), p = vec(), n = vec();
      const weight = 1.5;
      const sp = predictFromRepr(u, p, d), sn = predictFromRepr(u, n, d);
      // the scalar LightFM multiplies the gradient by, as the epoch computes it
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      const rankWeight = Math.log(Math.floor(99 / 3));
      const scale = loss === 'logistic' ? weight * (sig(sp) - label) : loss === 'bpr' ? weight * (1 - sig(sp - sn)) : rankWeight;
      if (loss === 'warp') ok(1 - sp + sn > 0.05, 'hinge active at this point');
      const g = exampleGradients(loss, u, p, loss === 'logistic' ? undefined : n, d, scale);
      const L = (uu: Float64Array, pp: Float64Array, nn: Float64Array) => exampleLoss(loss, uu, pp, nn, d, label, weight, rankWeight);
      // components: exact; biases: the user bias in pairwise losses is LightFM's extra (it cancels in p − n)
      close(g.positive.subarray(0, d + 1), numericGradient((x) => L(u, x, n), p), 1e-5, `${loss} positive`);
      close(g.user.subarray(0, d), numericGradient((x) => L(x, p, n), u).subarray(0, d), 1e-5, `${loss} user`);
      if (loss === 'logistic') close(g.user[d], numericGradient((x) => L(x, p, n), u)[d], 1e-5, 'logistic user bias');
      else close(g.negative, numericGradient((x) => L(u, p, x), n), 1e-5, `${loss} negative`);
    }
  }
});

test('lightfm/optimizers: adagrad and adadelta steps equal hand-computed values', () => {
  const s: HybridSettings = { ...SETTINGS, learningRate: 0.1, rho: 0.9, epsilon: 1e-6 };
  const t = { weights: Float32Array.of(0.5), accum: Float32Array.of(1), momentum: Float32Array.of(0) };
  // adagrad: η = 0.1/√1, w = 0.5 − 0.1·0.2 = 0.48, G = 1 + 0.04
  close(updateElement(t, 0, 0.2, s, 0), 0.1, 1e-9, 'eta 1');
  close(t.weights[0], 0.48, 1e-7);
  close(t.accum[0], 1.04, 1e-7);
  // second step: η = 0.1/√1.04, then L2 decay w /= 1 + α·η
  const eta = 0.1 / Math.sqrt(1.04);
  updateElement(t, 0, -0.3, s, 0.5);
  close(t.weights[0], (0.48 + eta * 0.3) / (1 + 0.5 * eta), 1e-6);
  close(t.accum[0], 1.04 + 0.09, 1e-6);
  // adadelta from zero state: G = 0.1·0.04, η = √ε/√(G+ε), Δ = η·0.2, M = 0.1·Δ²
  const a = { weights: Float32Array.of(0.5), accum: Float32Array.of(0), momentum: Float32Array.of(0) };
  const sa = { ...s, adadelta: true };
  updateElement(a, 0, 0.2, sa, 0);
  const G = 0.1 * 0.04, e1 = Math.sqrt(1e-6) / Math.sqrt(G + 1e-6), D = e1 * 0.2;
  close(a.accum[0], G, 1e-9);
  close(a.weights[0], 0.5 - D, 1e-7);
  close(a.momentum[0], 0.1 * D * D, 1e-12);
});

test('lightfm/optimizers: a logistic step in every backend equals the hand-computed update', async () => {
  // one user, two items, identity features, d = 2: w_i ← w_i − η·s·u with s = σ(pred) − y, η = lr/√1
  const d = 2;
  const tab = (v: number[], acc = 1) => ({ weights: Float32Array.from(v), accum: new Float32Array(v.length).fill(acc), momentum: new Float32Array(v.length) });
  const params: HybridParams = { factors: d, userEmbeddings: tab([0.3, -0.2]), userBiases: tab([0.1]), itemEmbeddings: tab([0.5, 0.4, -0.1, 0.2]), itemBiases: tab([0, 0.05]) };
  const one = (n: number) => ({ indptr: Int32Array.from({ length: n + 1 }, (_, i) => i), indices: Int32Array.from({ length: n }, (_, i) => i), data: new Float32Array(n).fill(1) });
  const data: HybridData = {
    userFeatures: one(1), itemFeatures: one(2), positives: { indptr: Int32Array.of(0, 1), indices: Int32Array.of(1) },
    users: Int32Array.of(0), items: Int32Array.of(1), labels: Float32Array.of(1), weights: Float32Array.of(2),
  };
  const pred = 0.3 * -0.1 + -0.2 * 0.2 + 0.1 + 0.05;
  const sc = 2 * (1 / (1 + Math.exp(-pred)) - 1);
  const lr = 0.05;
  for (const name of ['js', 'wasm'] as const) {
    await init({ backend: name, threads: 1 });
    const session = (await getBackend()).hybridSession(params, data, { ...SETTINGS, loss: 'logistic', learningRate: lr });
    await session.epoch(Int32Array.of(0), Uint32Array.of(1));
    const p = session.read();
    session.dispose();
    close(p.itemEmbeddings.weights, [0.5, 0.4, -0.1 - lr * sc * 0.3, 0.2 - lr * sc * -0.2], 1e-6, `${name} item`);
    close(p.itemBiases.weights, [0, 0.05 - lr * sc], 1e-6, `${name} item bias`);
    close(p.userEmbeddings.weights, [0.3 - lr * sc * -0.1, -0.2 - lr * sc * 0.2], 1e-6, `${name} user`);
    close(p.itemEmbeddings.accum, [1, 1, 1 + (sc * 0.3) ** 2, 1 + (sc * 0.2) ** 2], 1e-6, `${name} adagrad state`);
  }
});

test('lightfm/warp: sampling stops at the first violating negative and weights by log ⌊(n − 1)/sampled⌋', () => {
  // user e = [1, 0]; positive item 0 scores 5; items 1..9 are also positives; items ≥ 10 score 0 except those
  // in `violators`, which score 4.5 (> 5 − 1).
  const nI = 60, d = 2;
  const violators = new Set([17, 23, 41, 55]);
  const itemW = new Float32Array(nI * d);
  itemW[0] = 5;
  for (const v of violators) itemW[v * d] = 4.5;
  const tab = (w: Float32Array) => ({ weights: w, accum: new Float32Array(w.length).fill(1), momentum: new Float32Array(w.length) });
  const ident = (n: number) => ({ indptr: Int32Array.from({ length: n + 1 }, (_, i) => i), indices: Int32Array.from({ length: n }, (_, i) => i), data: new Float32Array(n).fill(1) });
  const positives = Int32Array.from({ length: 10 }, (_, i) => i);
  for (const maxSampled of [50, 2]) {
    const params: HybridParams = { factors: d, userEmbeddings: tab(Float32Array.of(1, 0)), userBiases: tab(new Float32Array(1)), itemEmbeddings: tab(itemW.slice()), itemBiases: tab(new Float32Array(nI)) };
    const data: HybridData = {
      userFeatures: ident(1), itemFeatures: ident(nI), positives: { indptr: Int32Array.of(0, 10), indices: positives },
      users: Int32Array.of(0), items: Int32Array.of(0), labels: Float32Array.of(1), weights: Float32Array.of(1),
    };
    // replay the stream: skip positives, count scored negatives until a violator
    const replay = Uint32Array.of(4242);
    let expected = 0;
    let violated = false;
    while (expected < maxSampled) {
      const neg = xorshift32(replay) % nI;
      if (neg < 10) continue;
      expected++;
      if (violators.has(neg)) {
        violated = true;
        break;
      }
    }
    const traces: HybridTrace[] = [];
    const stats = { updates: 0, sampled: 0, loss: 0 };
    hybridEpochRef(params, data, { ...SETTINGS, maxSampled }, Int32Array.of(0), 0, 1, Uint32Array.of(4242), stats, (t) => traces.push(t));
    equal(stats.sampled, expected, `max_sampled ${maxSampled}: negatives drawn`);
    if (violated) {
      equal(traces.length, 1);
      ok(violators.has(traces[0].negative), 'the update uses the violating negative');
      equal(traces[0].sampled, expected);
      close(traces[0].scale, Math.min(10, Math.log(Math.floor((nI - 1) / expected))), 1e-12, 'rank-estimate weight');
    } else {
      equal(traces.length, 0, 'no violator within max_sampled: no update');
      deepEqual(Array.from(params.itemEmbeddings.weights), Array.from(itemW), 'parameters untouched');
    }
    ok(maxSampled === 2 || violated, 'the long run finds a violator');
  }
});

/** Users 0–7 like items 0–5 (group A), users 8–15 items 6–11 (group B); each user misses two items of the group. */
function checkerboard(): Interactions {
  const users = Vocabulary.from(Array.from({ length: 16 }, (_, u) => `u${u}`));
  const items = Vocabulary.from(Array.from({ length: 12 }, (_, i) => `i${i}`));
  const rows: number[][] = [];
  for (let u = 0; u < 16; u++) {
    const base = u < 8 ? 0 : 6;
    rows.push([0, 1, 2, 3, 4, 5].filter((j) => j !== u % 6 && j !== (u + 1) % 6).map((j) => base + j));
  }
  const indptr = new Int32Array(17);
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u] + r.length));
  const indices = Int32Array.from(rows.flat());
  const csr: Csr = { indptr, indices, data: new Float32Array(indices.length).fill(1), rows: 16, cols: 12 };
  return new Interactions(users, items, csr);
}

for (const loss of ['warp', 'bpr', 'logistic', 'warp-kos'] as const) {
  test(`lightfm/model: checkerboard top-1 is an unseen item of the user's group (${loss})`, async () => {
    await init();
    const model = await new LightFmRecommender({ loss, factors: 8, epochs: loss === 'logistic' ? 60 : 40, threads: 1, learningRate: 0.1, k: 2, n: 4 }).fit(checkerboard());
    let right = 0;
    for (let u = 0; u < 16; u++) {
      const top = model.recommend(`u${u}`, { k: 1 })[0];
      const i = Number(String(top.item).slice(1));
      if ((u < 8) === (i < 6)) right++;
    }
    // logistic with positives only learns popularity (as in LightFM's benchmark), so it needs only beat chance
    ok(loss === 'logistic' ? right >= 8 : right >= 15, `${right}/16 users got an item of their group`);
  });
}

test('lightfm/model: predict equals recommend scores, predictRank equals a brute-force ranking', async () => {
  await init();
  const data = checkerboard();
  const model = await new LightFmRecommender({ factors: 6, epochs: 10, threads: 1 }).fit(data);
  const items = data.items.ids();
  for (const user of ['u0', 'u9']) {
    const scores = model.predict(user, items);
    const recs = model.recommend(user, { k: 12, filterSeen: false });
    for (const r of recs) close(r.score, scores[items.indexOf(r.item)], 1e-5, 'recommend score == predict');
    const seen = new Set(data.itemsOf(data.users.indexOf(user)!));
    for (const filterSeen of [false, true]) {
      const ranks = model.predictRank(user, items, { filterSeen });
      const brute = items.map((_, i) => scores.filter((s, j) => j !== i && !(filterSeen && seen.has(j)) && s >= scores[i]).length);
      deepEqual(ranks, brute, `filterSeen ${filterSeen}`);
    }
  }
  // LightFM's predict: <user repr, item repr> + biases, from the published representations
  const u = model.userRepresentations(), it = model.itemRepresentations();
  let dot = u.biases[3] + it.biases[5];
  for (let j = 0; j < 6; j++) dot += u.embeddings[3 * 6 + j] * it.embeddings[5 * 6 + j];
  close(model.predict('u3', ['i5'])[0], dot, 1e-5, 'representations');
});

test('lightfm/model: save → load gives identical predictions, and resumable files keep training state', async () => {
  await init();
  const model = await new LightFmRecommender({ factors: 5, epochs: 5, threads: 1, loss: 'bpr' }).fit(checkerboard());
  const loaded = await loadModel(await saveModel(model));
  ok(loaded instanceof LightFmRecommender);
  const items = checkerboard().items.ids();
  for (const u of ['u1', 'u12']) {
    deepEqual((loaded as LightFmRecommender).predict(u, items), model.predict(u, items), u);
    deepEqual(loaded.recommend(u, { k: 4 }), model.recommend(u, { k: 4 }), `${u} recommend`);
  }
  const resumable = (await loadModel(await saveModel(model, undefined, { profile: 'resumable' }))) as LightFmRecommender;
  await resumable.fitPartial(checkerboard(), { epochs: 2 });
  await model.fitPartial(checkerboard(), { epochs: 2 });
  close(resumable.predict('u1', items), model.predict('u1', items), 1e-5, 'resumed training continues identically');
});

test('lightfm/model: fold-in ranks a held-out user\'s held-out items above random', async () => {
  await init();
  // 40 users in 4 taste groups of 10 items; user 0 of group 2 is held out of training
  const r = rng(3);
  const users = new Vocabulary(), items = Vocabulary.from(Array.from({ length: 40 }, (_, i) => i));
  const rows: number[][] = [];
  for (let u = 1; u < 40; u++) {
    users.add(u);
    const g = u % 4;
    rows.push(Array.from({ length: 10 }, (_, j) => g * 10 + j).filter(() => r() < 0.5));
  }
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, u) => (indptr[u + 1] = indptr[u] + row.length));
  const indices = Int32Array.from(rows.flat());
  const data = new Interactions(users, items, { indptr, indices, data: new Float32Array(indices.length).fill(1), rows: rows.length, cols: 40 });
  const model = await new LightFmRecommender({ factors: 8, epochs: 30, threads: 1 }).fit(data);
  const known = [0, 1, 2, 3, 4].map((j) => 20 + j), held = [5, 6, 7, 8, 9].map((j) => 20 + j);
  const recs = model.recommend('anyone', { userItems: known, k: 40 });
  const rank = new Map(recs.map((x, i) => [x.item, i]));
  ok(known.every((i) => !rank.has(i)), 'history items are filtered');
  const mean = held.reduce((s, i) => s + rank.get(i)!, 0) / held.length;
  ok(mean < 10, `held-out items' mean rank ${mean} among 35 (random ≈ 17)`);
  const v = model.foldIn({ items: known });
  equal(v.length, 8 + 2);
  equal(v[9], 1, 'augmented with 1 for the item bias');
});

test('lightfm/features: hybrid fit, similar features, explain and fit-partial growth', async () => {
  await init();
  const data = checkerboard();
  const itemRows = data.items.ids().map((id, i) => ({ id, features: [i < 6 ? 'genre:a' : 'genre:b', `year:${i % 3}`] }));
  const itemFeatures = await buildFeatures(data.items, itemRows);
  const model = await new LightFmRecommender({ factors: 6, epochs: 30, threads: 1, learningRate: 0.1 }).fit(data, { itemFeatures });
  const sim = model.similarFeatures('genre:a', { k: 3 });
  equal(sim[0].feature, 'genre:a');
  close(sim[0].score, 1, 1e-5);
  ok(sim.every((s) => typeof s.feature === 'string'), 'only named features');
  throws(() => model.similarFeatures('genre:zzz'), InvalidArgumentError, { field: 'feature' });
  const ex = model.explain('u0', 'i0');
  close(ex.score, model.predict('u0', ['i0'])[0], 1e-5, 'explained score');
  close(ex.userFeatures.reduce((s, f) => s + f.score, 0) + ex.bias, ex.score, 1e-4, 'user-feature shares + biases = score');
  close(ex.itemFeatures.reduce((s, f) => s + f.score, 0) + ex.bias, ex.score, 1e-4, 'item-feature shares + biases = score');
  ok(ex.similarHistory.length > 0 && ex.similarHistory.every((h) => data.itemsOf(0).includes(data.items.indexOf(h.item)!)));
  // a model file keeps the feature columns, their names and keys
  const reloaded = (await loadModel(await saveModel(model))) as LightFmRecommender;
  deepEqual(reloaded.predict('u5', data.items.ids()), model.predict('u5', data.items.ids()), 'hybrid save → load');
  deepEqual(reloaded.similarFeatures('genre:a', { k: 3 }), model.similarFeatures('genre:a', { k: 3 }), 'feature names survive');
  ok(JSON.stringify(model.params).length < 400, 'params stay small (hyperparameters only)');
  // records ({ rows }) and withFeatures give the same model as the built matrix
  const viaRecords = await new LightFmRecommender({ factors: 6, epochs: 30, threads: 1, learningRate: 0.1 }).fit(data, { itemFeatures: { rows: itemRows } });
  deepEqual(viaRecords.predict('u3', data.items.ids()), model.predict('u3', data.items.ids()), 'records');
  const viaDefault = await new LightFmRecommender({ factors: 6, epochs: 30, threads: 1, learningRate: 0.1 }).withFeatures({ itemFeatures: async () => ({ rows: itemRows }) }).fit(data);
  deepEqual(viaDefault.predict('u3', data.items.ids()), model.predict('u3', data.items.ids()), 'withFeatures loader');
  const before = model.similarFeatures('genre:a', { k: 3 });
  // a new user and a new item joining the same vocabularies
  data.users.add('newbie');
  data.items.add('i12');
  const indptr = Int32Array.from([...data.byUser.indptr, data.byUser.indptr[16] + 2]);
  const indices = Int32Array.from([...data.byUser.indices, 0, 12]);
  const grown = new Interactions(data.users, data.items, { indptr, indices, data: new Float32Array(indices.length).fill(1), rows: 17, cols: 13 });
  const more = await buildFeatures(grown.items, [...itemRows, { id: 'i12', features: ['genre:a', 'year:new'] }], { features: itemFeatures.featureVocabulary, growFeatures: true });
  await model.fitPartial(grown, { epochs: 0, itemFeatures: more });
  // named features keep their columns although buildFeatures shifted them by the new item's identity column
  deepEqual(model.similarFeatures('genre:a', { k: 3 }), before, 'feature embeddings realigned by name');
  await model.fitPartial(grown, { epochs: 2, itemFeatures: more });
  equal(model.itemRepresentations().biases.length, 13);
  equal(model.similarFeatures('year:new', { k: 1 })[0].feature, 'year:new', 'new feature added');
  equal(model.userRepresentations().biases.length, 17);
  ok(model.recommend('newbie', { k: 3 }).every((x) => x.item !== 'i0' && x.item !== 'i12'), 'new user\'s items are seen');
});

test('lightfm/options: bad options and inputs are typed errors naming the field', async () => {
  throws(() => new LightFmRecommender({ loss: 'hinge' as 'warp' }), InvalidArgumentError, { field: 'loss' });
  throws(() => new LightFmRecommender({ factors: 0 }), InvalidArgumentError, { field: 'factors' });
  throws(() => new LightFmRecommender({ learningRate: -1 }), InvalidArgumentError, { field: 'learningRate' });
  throws(() => new LightFmRecommender({ rho: 1.5 }), InvalidArgumentError, { field: 'rho' });
  throws(() => new LightFmRecommender({ learningSchedule: 'sgd' as 'adagrad' }), InvalidArgumentError, { field: 'learningSchedule' });
  throws(() => new LightFmRecommender({ maxSampled: 0 }), InvalidArgumentError, { field: 'maxSampled' });
  throws(() => new LightFmRecommender({ itemAlpha: -0.1 }), InvalidArgumentError, { field: 'itemAlpha' });
  const data = checkerboard();
  await rejects(new LightFmRecommender({ loss: 'warp-kos', epochs: 1 }).fit(data, { sampleWeight: 'values' }), NotSupportedError);
  await rejects(new LightFmRecommender({ epochs: 1 }).fit(data, { sampleWeight: new Float32Array(3) }), DimensionMismatchError, { field: 'sampleWeight.length' });
  const bad = { matrix: { ...data.byUser, rows: 3 } };
  await rejects(new LightFmRecommender({ epochs: 1 }).fit(data, { userFeatures: bad }), DimensionMismatchError);
  throws(() => new LightFmRecommender({ epochs: 1.5 }), InvalidArgumentError, { field: 'epochs' });
  await rejects(new LightFmRecommender().fit(data, { epochs: -1 }), InvalidArgumentError, { field: 'epochs' });
});

test('lightfm/model: one thread with a seed is reproducible; sample weights change training', async () => {
  await init();
  const data = checkerboard();
  const a = await new LightFmRecommender({ factors: 4, epochs: 3, threads: 1, seed: 7 }).fit(data);
  const b = await new LightFmRecommender({ factors: 4, epochs: 3, threads: 1, seed: 7 }).fit(data);
  deepEqual(a.predict('u2', data.items.ids()), b.predict('u2', data.items.ids()));
  const w = await new LightFmRecommender({ factors: 4, epochs: 3, threads: 1, seed: 7 }).fit(data, { sampleWeight: new Float32Array(data.nnz).fill(2) });
  ok(w.predict('u2', ['i0'])[0] !== a.predict('u2', ['i0'])[0]);
  const progress: number[] = [];
  const epochs: number[] = [];
  await new LightFmRecommender({ factors: 4, epochs: 3, threads: 1 }).fit(data, { onProgress: (p) => progress.push(p.done), onEpoch: (e) => void epochs.push(e.epoch) });
  deepEqual(progress, [1, 2, 3]);
  deepEqual(epochs, [1, 2, 3]);
});

test('lightfm/model: similar items and users by cosine; a user from features alone; abort', async () => {
  await init();
  const data = checkerboard();
  // user features: each user's group, plus identity
  const userFeatures = await buildFeatures(data.users, data.users.ids().map((id, u) => ({ id, features: [u < 8 ? 'group:a' : 'group:b'] })));
  const model = await new LightFmRecommender({ factors: 6, epochs: 30, threads: 1, learningRate: 0.1 }).fit(data, { userFeatures });
  const items = model.similarItems('i2', { k: 3 });
  equal(items[0].item, 'i2');
  close(items[0].score, 1, 1e-5, 'an item is most similar to itself');
  ok(items.slice(1).every((r) => Number(String(r.item).slice(1)) < 6), `neighbours of i2 come from its group: ${items.map((r) => r.item)}`);
  const users = model.similarUsers('u9', { k: 3 });
  equal(users[0].item, 'u9');
  ok(users.slice(1).every((r) => Number(String(r.item).slice(1)) >= 8), 'neighbours of u9 come from its group');
  // a newcomer described only by a feature: their vector is that feature's embedding and bias (no steps without items)
  const v = model.foldIn({ features: ['group:b'] });
  const scores = model.scoreVector(v);
  const top = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a])[0];
  ok(top >= 6, `a group:b newcomer's best item is a group-b item (got i${top})`);
  throws(() => model.foldIn({ features: ['group:zzz'] }), InvalidArgumentError, { field: 'features' });
  const controller = new AbortController();
  controller.abort();
  await rejects(new LightFmRecommender({ epochs: 5 }).fit(data, { signal: controller.signal }), AbortError);
});
