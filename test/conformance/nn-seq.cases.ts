// Sequence layers (issue 9): GRU (wasm kernel vs reference, finite differences), mean/sum pooling, sampled softmax
// with logQ correction and its samplers. Finite differences: central, ε = 1e-3 on f32 values, loss in f64; an entry
// passes when |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric|.
import {
  init, getBackend, InvalidArgumentError, UnknownUserError, Interactions, Vocabulary, saveModel, loadModel,
  type Backend,
} from 'recwise';
import {
  Gru, poolForward, poolBackward, SampledSoftmax, createSampler, GruRecommender, TwoTowerRecommender,
} from 'recwise/nn';
import { gruForwardRef } from 'recwise/testing';
import { test } from './harness.ts';
import { close, equal, ok, rng, throws } from './assert.ts';

const EPS = 1e-3;

/** Central differences of `loss` w.r.t. every entry of `value`, compared with `analytic`. */
function fdCheck(name: string, value: Float32Array, analytic: ArrayLike<number>, loss: () => number, maxEntries = 60): void {
  const stride = Math.max(1, Math.floor(value.length / maxEntries));
  for (let i = 0; i < value.length; i += stride) {
    const v = value[i];
    value[i] = v + EPS;
    const hi = value[i];
    const lp = loss();
    value[i] = v - EPS;
    const lo = value[i];
    const lm = loss();
    value[i] = v;
    const numeric = (lp - lm) / (hi - lo);
    const diff = Math.abs(analytic[i] - numeric);
    if (!(diff <= 2e-3 + 2e-2 * Math.abs(numeric))) throw new Error(`${name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
  }
}

function randArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}

async function backends(): Promise<[Backend, Backend]> {
  await init({ backend: 'js' });
  const js = await getBackend();
  await init({ backend: 'wasm', threads: 1 });
  return [js, await getBackend()];
}

// T=4 steps, B=3 rows: row 0 full, row 1 left-padded, row 2 with a hole and trailing padding.
const T = 4, B = 3;
const MASK = Uint8Array.of(1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0);

test('nn-seq/gru: wasm forward and backward equal the reference (masks, h0, E=5 H=6 and E=8 H=8)', async () => {
  const [js, wasm] = await backends();
  for (const [E, H] of [[5, 6], [8, 8]]) {
    const a = new Gru('g', E, H, { seed: 3, backend: js });
    const b = new Gru('g', E, H, { seed: 3, backend: wasm });
    const x = randArray(T * B * E, 11);
    const h0 = randArray(B * H, 12, 0.5);
    const sa = a.forward(x, MASK, T, B, h0), sb = b.forward(x, MASK, T, B, h0);
    close(sb.hs, sa.hs, 2e-6, 'hs');
    close(sb.cache, sa.cache, 2e-6, 'cache');
    const dhs = randArray(T * B * H, 13);
    const ga = a.backward(sa, dhs), gb = b.backward(sb, dhs);
    close(gb.dx, ga.dx, 1e-5, 'dx');
    close(gb.dh0, ga.dh0, 1e-5, 'dh0');
    for (const k of ['W', 'U', 'bx', 'bh'] as const) close(b[k].grad, a[k].grad, 1e-5, k);
    // padding steps carry the state unchanged: row 1 (t = 0 is padding) and row 2's last step
    close(sa.hs.subarray(1 * H, 2 * H), h0.subarray(1 * H, 2 * H), 0, 'carried h0');
    close(sa.hs.subarray((3 * B + 2) * H, (3 * B + 3) * H), sa.hs.subarray((2 * B + 2) * H, (2 * B + 3) * H), 0, 'carried state');
    // without h0, the first step starts from zeros
    close(b.forward(x, MASK, T, B).hs, gruForwardRef({ inputs: E, hidden: H, W: a.W.value, U: a.U.value, bx: a.bx.value, bh: a.bh.value }, x, MASK, T, B).hs, 2e-6, 'no h0');
  }
});

test('nn-seq/gru: backward matches finite differences (W, U, bx, bh, x, h0; every step weighted)', async () => {
  for (const backend of await backends()) {
    const E = 4, H = 5;
    const g = new Gru('g', E, H, { seed: 7, backend });
    const x = randArray(T * B * E, 21);
    const h0 = randArray(B * H, 22, 0.5);
    const c = randArray(T * B * H, 23); // loss = Σ c ⊙ hs
    const loss = () => {
      const hs = g.forward(x, MASK, T, B, h0).hs;
      let s = 0;
      for (let i = 0; i < hs.length; i++) s += c[i] * hs[i];
      return s;
    };
    for (const p of g.params) p.grad.fill(0);
    const { dx, dh0 } = g.backward(g.forward(x, MASK, T, B, h0), c);
    for (const p of g.params) fdCheck(`${backend.name} ${p.name}`, p.value, p.grad.slice(), loss);
    fdCheck(`${backend.name} x`, x, dx, loss);
    fdCheck(`${backend.name} h0`, h0, dh0, loss);
    // masked steps get no input gradient
    for (const t of [0]) for (let e = 0; e < E; e++) equal(dx[(t * B + 1) * E + e], 0, 'padded step dx');
  }
});

test('nn-seq/gru: last() is the state after each row\'s last real item; bad shapes are typed errors', async () => {
  const [js] = await backends();
  const g = new Gru('g', 3, 4, { seed: 1, backend: js });
  const x = randArray(T * B * 3, 31);
  const s = g.forward(x, MASK, T, B);
  close(g.last(s).subarray(2 * 4, 3 * 4), s.hs.subarray((2 * B + 2) * 4, (2 * B + 3) * 4), 0);
  throws(() => g.forward(x.subarray(1), MASK, T, B), InvalidArgumentError, { field: 'x' });
  throws(() => g.forward(x, MASK.subarray(1), T, B), InvalidArgumentError, { field: 'mask' });
});

test('nn-seq/pooling: mean and sum forward, backward matches finite differences (empty segment included)', () => {
  const dim = 3;
  const offsets = Int32Array.of(0, 2, 2, 5);
  const v = randArray(5 * dim, 41);
  const mean = poolForward(v, offsets, dim, 'mean');
  close(mean.subarray(0, 3), [(v[0] + v[3]) / 2, (v[1] + v[4]) / 2, (v[2] + v[5]) / 2], 1e-6);
  close(mean.subarray(3, 6), [0, 0, 0], 0, 'empty segment pools to zeros');
  for (const mode of ['mean', 'sum'] as const) {
    const c = randArray(3 * dim, 42);
    const loss = () => poolForward(v, offsets, dim, mode).reduce((s, y, i) => s + y * c[i], 0);
    fdCheck(`pool ${mode}`, v, poolBackward(c, offsets, dim, mode), loss);
  }
  close(poolForward(v, offsets, dim, 'sum').subarray(6, 9), [v[6] + v[9] + v[12], v[7] + v[10] + v[13], v[8] + v[11] + v[14]], 1e-6);
  throws(() => poolForward(v, Int32Array.of(0, 4), dim, 'mean'), InvalidArgumentError, { field: 'offsets' });
  throws(() => poolForward(v, offsets, dim, 'max' as 'sum'), InvalidArgumentError, { field: 'mode' });
});

function param(name: string, rows: number, cols: number, seed: number, sparse: boolean) {
  const value = randArray(rows * cols, seed, 0.5);
  return { name, rows, cols, value, grad: new Float32Array(rows * cols), sparse, touched: new Set<number>() };
}

test('nn-seq/sampled-softmax: gradients match finite differences (logQ correction, bias, accidental hit), both backends', async () => {
  for (const backend of await backends()) {
    const n = 4, dim = 5, nItems = 9;
    const users = randArray(n * dim, 51);
    const items = param('items', nItems, dim, 52, true);
    const bias = param('bias', nItems, 1, 53, true);
    const positives = Int32Array.of(1, 4, 4, 7);
    const negatives = Int32Array.of(0, 4, 2, 8, 2); // 4 is an accidental hit for rows 1 and 2; 2 repeats
    const sampler = createSampler('log-uniform', [5, 3, 9, 1, 7, 0, 2, 2, 4]);
    const layer = new SampledSoftmax(backend);
    const input = { users, dim, positives, negatives, items, bias, sampler };
    const loss = () => layer.forward(input);
    loss();
    const dUsers = layer.backward();
    ok([...items.touched].sort().join() === '0,1,2,4,7,8', `touched rows ${[...items.touched]}`);
    fdCheck(`${backend.name} users`, users, dUsers, loss);
    fdCheck(`${backend.name} items`, items.value, items.grad.slice(), loss);
    fdCheck(`${backend.name} bias`, bias.value, bias.grad.slice(), loss);
    // the loss by hand for row 0 equals the layer's with one row
    const one = { ...input, users: users.subarray(0, dim), positives: positives.subarray(0, 1) };
    const dot = (i: number) => { let s = bias.value[i]; for (let d = 0; d < dim; d++) s += users[d] * items.value[i * dim + d]; return s - Math.log(negatives.length * sampler.prob(i)); };
    const logits = [dot(1), ...Array.from(negatives, dot)];
    const max = Math.max(...logits);
    close(layer.forward(one), Math.log(logits.reduce((s, o) => s + Math.exp(o - max), 0)) + max - logits[0], 1e-5, 'row 0 by hand');
  }
});

test('nn-seq/samplers: probabilities sum to 1 and match draw frequencies; log-uniform follows popularity ranks', () => {
  const counts = [50, 0, 10, 200, 5, 5, 1, 30];
  const r = rng(61);
  const next = () => (r() + 1) / 2;
  for (const kind of ['log-uniform', 'popularity', 'uniform'] as const) {
    const s = createSampler(kind, counts);
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += s.prob(i);
    close(total, 1, 1e-9, `${kind} sums to 1`);
    const draws = s.sample(40000, next);
    const freq = new Float64Array(counts.length);
    for (const d of draws) freq[d] += 1 / draws.length;
    for (let i = 0; i < counts.length; i++) close(freq[i], s.prob(i), 0.012, `${kind} item ${i}`);
  }
  const lu = createSampler('log-uniform', counts);
  ok(lu.prob(3) > lu.prob(0) && lu.prob(0) > lu.prob(7) && lu.prob(4) > lu.prob(5), 'rank order: most popular first, ties to the lower index');
  throws(() => createSampler('zipf' as 'uniform', counts), InvalidArgumentError, { field: 'sampler' });
});

// ── Models: GRU (RNN4Rec-style) and two-tower (YouTubeRetrieval-style) ──

/** Two taste groups: users 0–9 see items 0–9, users 10–19 items 10–19, each in a user-specific time order. */
function groups(): Interactions {
  const users = Vocabulary.from(Array.from({ length: 20 }, (_, u) => `u${u}`), 'users');
  const items = Vocabulary.from(Array.from({ length: 20 }, (_, i) => `i${i}`), 'items');
  const indptr = new Int32Array(21);
  const indices: number[] = [];
  const ts: number[] = [];
  for (let u = 0; u < 20; u++) {
    const base = u < 10 ? 0 : 10;
    const own = Array.from({ length: 8 }, (_, k) => base + ((u + 3 * k) % 10)).filter((v, k, a) => a.indexOf(v) === k);
    const sorted = own.slice().sort((a, b) => a - b);
    indices.push(...sorted);
    ts.push(...sorted.map((i) => own.indexOf(i)));
    indptr[u + 1] = indices.length;
  }
  const byUser = { indptr, indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: 20, cols: 20 };
  return new Interactions(users, items, byUser, Float64Array.from(ts));
}

const FEATURES = Object.fromEntries(Array.from({ length: 20 }, (_, u) => [`u${u}`, [u < 10 ? 'group:A' : 'group:B']]));
const group = (id: unknown) => (Number(String(id).slice(1)) < 10 ? 'A' : 'B');

for (const kind of ['gru', 'two-tower'] as const) {
  const make = (epochs: number) => kind === 'gru'
    ? new GruRecommender({ factors: 8, maxSeqLen: 4, epochs, negatives: 10, learningRate: 0.02, batchSize: 8, seed: 5 })
    : new TwoTowerRecommender({ factors: 8, hidden: [16], maxSeqLen: 4, epochs, negatives: 10, learningRate: 0.02, batchSize: 16, seed: 5 });
  const fitOpts = kind === 'gru' ? {} : { userFeatures: FEATURES };

  test(`nn-seq/${kind}: learns the taste groups; dynUserEmbedding of a cold user's sequence recommends from their group`, async () => {
    await init({ backend: 'wasm', threads: 1 });
    const data = groups();
    const m = await make(30).fit(data);
    for (const u of ['u1', 'u14']) {
      const top = m.recommend(u, { k: 1 });
      ok(top.every((r) => group(r.item) === group(u)), `${u}: ${JSON.stringify(top)}`);
    }
    // own training sequence → the trained embedding (tolerance 1e-5: the same encoder over the same items)
    for (const u of ['u0', 'u13']) close(m.dynUserEmbedding(u), m.getUserEmbedding(u), 1e-5, `${u} dyn vs trained`);
    // the same user's training sequence passed explicitly, as item ids in time order
    const uIdx = 13;
    const own = Array.from(data.itemsOf(uIdx)).map((i, k) => ({ i, t: data.timestamps![data.byUser.indptr[uIdx] + k] })).sort((a, b) => a.t - b.t).map((e) => `i${e.i}`);
    close(m.dynUserEmbedding('somebody-new', { seq: own, userFeats: kind === 'gru' ? undefined : ['group:B'] }), m.getUserEmbedding('u13'), 1e-5, 'explicit own sequence');
    // a user never seen in training, from items of group B
    const v = m.dynUserEmbedding('newcomer', { seq: ['i11', 'i14', 'i17'] });
    const scores = m.scoreVector(v);
    const ranked = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
    const best = ranked.filter((i) => ![11, 14, 17].includes(i)).slice(0, 2);
    ok(best.every((i) => i >= 10), `cold user top unseen items ${best}`);
    // fold-in through recommend's userItems uses the same encoder
    ok(m.recommend('newcomer', { userItems: ['i11', 'i14', 'i17'], k: 2 }).every((r) => group(r.item) === 'B'));
    // kNN search with the dynamic embedding: exact inner-product search equals scoring every item
    await m.initKnn({ approximate: false, simType: 'inner-product' });
    const knn = m.knnIndexes!.items.searchVector(v, 3).map((n) => n.id);
    equal(knn.join(), ranked.slice(0, 3).map((i) => `i${i}`).join(), 'kNN top-3 = scored top-3');
    throws(() => m.dynUserEmbedding('stranger'), UnknownUserError);
  });

  test(`nn-seq/${kind}: save → load keeps recommendations and dynUserEmbedding; resume equals an uninterrupted run`, async () => {
    await init({ backend: 'wasm', threads: 1 });
    const data = groups();
    const full = await make(6).fit(data, fitOpts);
    const half = await make(3).fit(data, fitOpts);
    const bytes = await saveModel(half, undefined, { profile: 'resumable' });
    const checkpoint = await loadModel(bytes);
    equal(checkpoint.kind, kind);
    const resumed = await make(6).fit(data, { ...fitOpts, resumeFrom: checkpoint });
    equal(resumed.epochsTrained, 6);
    close(resumed.userFactors, full.userFactors, 0, 'user factors after resume');
    close(resumed.itemFactors, full.itemFactors, 0, 'item factors after resume');
    const loaded = (await loadModel(await saveModel(full))) as typeof full;
    equal(JSON.stringify(loaded.recommend('u3', { k: 5 })), JSON.stringify(full.recommend('u3', { k: 5 })));
    close(loaded.dynUserEmbedding('x', { seq: ['i2', 'i4'] }), full.dynUserEmbedding('x', { seq: ['i2', 'i4'] }), 0);
    // an inference-profile file has no optimizer state to resume from
    const inference = await loadModel(await saveModel(half));
    let error: unknown;
    await make(6).fit(data, { ...fitOpts, resumeFrom: inference }).catch((e) => (error = e));
    ok(error instanceof InvalidArgumentError && error.field === 'resumeFrom.training', `resume from inference file: ${error}`);
  });
}

test('nn-seq/two-tower: a cold user with features only gets their group; options are validated', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const m = await new TwoTowerRecommender({ factors: 8, hidden: [16], maxSeqLen: 4, epochs: 30, negatives: 10, learningRate: 0.02, batchSize: 16, seed: 5 }).fit(groups(), { userFeatures: FEATURES });
  const scores = m.scoreVector(m.dynUserEmbedding('cold', { userFeats: ['group:A', 'unknown:feature'] }));
  const best = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, 3);
  ok(best.every((i) => i < 10), `features-only cold user top items ${best}`);
  throws(() => new TwoTowerRecommender({ hidden: [0] }), InvalidArgumentError, { field: 'hidden' });
  throws(() => new GruRecommender({ sampler: 'zipf' as 'uniform' }), InvalidArgumentError, { field: 'sampler' });
  throws(() => new GruRecommender({ maxSeqLen: 0 }), InvalidArgumentError, { field: 'maxSeqLen' });
});

test("nn-seq/gru: target 'next' learns the order of the sequences (each user steps +3 through their group's items)", async () => {
  await init({ backend: 'wasm', threads: 1 });
  const m = await new GruRecommender({ factors: 8, maxSeqLen: 4, epochs: 40, negatives: 10, learningRate: 0.02, batchSize: 8, seed: 5, target: 'next' }).fit(groups());
  // after …, 11, 14, 17 the next item of the +3 cycle over 10–19 is 10
  const scores = m.scoreVector(m.dynUserEmbedding('new', { seq: ['i11', 'i14', 'i17'] }));
  const best = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a])[0];
  equal(best, 10, 'next item');
  throws(() => new GruRecommender({ target: 'future' as 'next' }), InvalidArgumentError, { field: 'target' });
});
