// Neural training core and models (issue 9, engineer A): optimizer steps against hand-computed values, finite-difference
// checks of every layer and loss (gradCheck: central differences, ε = 1e-2 on f32 values, loss in f64; an entry passes
// when |analytic − numeric| ≤ 1e-3 + 1e-2·max(|analytic|, |numeric|)), wasm kernels against the TS reference,
// Recoder's batch sampling, and the autoencoder / sampled MF / hashed MF models (quality on a planted fixture,
// fold-in, save/load, resume equals an uninterrupted run, hash collisions).
import {
  init, getBackend, Interactions, Vocabulary, saveModel, loadModel, InvalidArgumentError, type Backend,
} from 'recwise';
import {
  createOptimizer, createParam, Embedding, Dense, Dropout, Rng, gradCheck, weightedMse, bceWithLogits, multinomialNll,
  sampleBatch, denseTargets, AutoencoderRecommender, SampledMfRecommender, HashedMfRecommender, type NnActivation,
  type Param,
} from 'recwise/nn';
import { test } from './harness.ts';
import { close, equal, ok, rng, throws } from './assert.ts';
import { checkerboard } from './fixtures.ts';

/** The js backend and the one-thread wasm backend (the wasm one stays initialised). */
export async function backends(): Promise<[Backend, Backend]> {
  await init({ backend: 'js' });
  const js = await getBackend();
  await init({ backend: 'wasm', threads: 1 });
  return [js, await getBackend()];
}

function randArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
}

function param(name: string, values: number[], sparse = false, cols = values.length): Param {
  const p = createParam(name, values.length / cols, cols, { sparse });
  p.value.set(values);
  return p;
}

test('nn/optim: sgd with momentum, adam, adagrad and rmsprop steps equal hand-computed values', () => {
  const f = Math.fround;
  // sgd, lr 0.1, momentum 0.9, gradients 0.5 then 0.5: buf 0.5 → w 1 − 0.05 = 0.95; buf 0.9·0.5+0.5 = 0.95 → 0.95 − 0.095
  let w = param('w', [1]);
  const sgd = createOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.9 });
  w.grad[0] = 0.5; sgd.step([w]);
  equal(w.value[0], f(0.95));
  equal(w.grad[0], 0, 'the step zeroes the gradient');
  w.grad[0] = 0.5; sgd.step([w]);
  close(w.value[0], 0.855, 1e-6);
  // adam, lr 0.1: the first step moves by lr·sign(g) (m̂ = g, v̂ = g²); second step with g = −1 after g = 2:
  // m = 0.9·0.2 + 0.1·(−1) = 0.08, v = 0.999·0.004 + 0.001·1 = 0.004996, m̂ = 0.08/0.19, v̂ = 0.004996/0.001999
  w = param('w', [1]);
  const adam = createOptimizer({ kind: 'adam', learningRate: 0.1 });
  w.grad[0] = 2; adam.step([w]);
  close(w.value[0], 0.9, 1e-6);
  w.grad[0] = -1; adam.step([w]);
  const mh = 0.08 / (1 - 0.81), vh = 0.004996 / (1 - 0.998001);
  close(w.value[0], 0.9 - (0.1 * mh) / (Math.sqrt(vh) + 1e-8), 1e-6);
  // adagrad, lr 0.5: s = 4 → w = 1 − 0.5·2/2 = 0.5; s = 4 + 1 → w = 0.5 − 0.5·1/√5
  w = param('w', [1]);
  const ada = createOptimizer({ kind: 'adagrad', learningRate: 0.5 });
  w.grad[0] = 2; ada.step([w]);
  close(w.value[0], 0.5, 1e-7);
  w.grad[0] = 1; ada.step([w]);
  close(w.value[0], 0.5 - 0.5 / Math.sqrt(5), 1e-6);
  // rmsprop, lr 0.01, α 0.99: v = 0.01·4 = 0.04 → w = 1 − 0.01·2/0.2 = 0.9
  w = param('w', [1]);
  const rms = createOptimizer({ kind: 'rmsprop', learningRate: 0.01 });
  w.grad[0] = 2; rms.step([w]);
  close(w.value[0], 0.9, 1e-6);
  // weight decay adds λw to the gradient: sgd lr 0.1, λ 0.5, g 0 → w = 1 − 0.1·0.5
  w = param('w', [1]);
  const wd = createOptimizer({ kind: 'sgd', learningRate: 0.1, weightDecay: 0.5 });
  wd.step([w]);
  close(w.value[0], 0.95, 1e-7);
});

test('nn/optim: milestones multiply the learning rate by 0.1; sparse params update only touched rows (lazy Adam)', () => {
  const opt = createOptimizer({ kind: 'sgd', learningRate: 1, milestones: [2, 4] });
  const w = param('w', [0]);
  const lrs: number[] = [];
  for (let e = 0; e < 5; e++) {
    opt.setEpoch(e);
    const before = w.value[0];
    w.grad[0] = 1;
    opt.step([w]);
    lrs.push(before - w.value[0]);
  }
  close(lrs, [1, 1, 0.1, 0.1, 0.01], 1e-6);
  // a 3 × 2 embedding table: only row 1 has a gradient, rows 0 and 2 keep value and moments
  const t = param('t', [1, 1, 2, 2, 3, 3], true, 2);
  const adam = createOptimizer({ kind: 'adam', learningRate: 0.1 });
  t.grad[2] = 1; t.grad[3] = -1; t.touched.add(1);
  adam.step([t]);
  close(t.value, [1, 1, 1.9, 2.1, 3, 3], 1e-6);
  equal(t.touched.size, 0);
  // second step touches row 0 only: its bias correction uses the table's step count (2), as torch's SparseAdam
  t.grad[0] = 1; t.touched.add(0);
  adam.step([t]);
  const m = 0.1, v = 0.001, mh = m / (1 - 0.81), vh = v / (1 - 0.998001);
  close(t.value[0], 1 - (0.1 * mh) / (Math.sqrt(vh) + 1e-8), 1e-6);
  close(t.value.subarray(2), [1.9, 2.1, 3, 3], 1e-6);
  // state round trip: a restored optimizer continues identically
  const a = param('w', [1, 2]);
  const b = param('w', [1, 2]);
  const o1 = createOptimizer({ kind: 'rmsprop', learningRate: 0.01, momentum: 0.5 });
  a.grad.set([1, -2]); o1.step([a]);
  b.value.set(a.value);
  const o2 = createOptimizer({ kind: 'rmsprop', learningRate: 0.01, momentum: 0.5 });
  o2.importState(o1.exportState());
  a.grad.set([0.3, 0.4]); o1.step([a]);
  b.grad.set([0.3, 0.4]); o2.step([b]);
  equal(Array.from(a.value).join(), Array.from(b.value).join());
  throws(() => createOptimizer({ kind: 'adam', learningRate: -1 }), InvalidArgumentError, { field: 'optimizer.learningRate' });
  throws(() => createOptimizer({ kind: 'nadam' as 'adam', learningRate: 1 }), InvalidArgumentError, { field: 'optimizer.kind' });
});

test('nn/dense: backward matches finite differences for every activation, js and wasm kernels', async () => {
  const [js, wasm] = await backends();
  for (const backend of [js, wasm]) {
    for (const act of ['none', 'relu', 'tanh', 'sigmoid', 'selu'] as NnActivation[]) {
      const batch = 3, inputs = 5, outputs = 4;
      const layer = new Dense('d', inputs, outputs, act, { seed: 7, kernels: backend.nn });
      layer.bias.value.set(randArray(outputs, 3, 0.3));
      const x = { name: 'x', value: randArray(batch * inputs, 11), grad: new Float32Array(batch * inputs) };
      const w = randArray(batch * outputs, 5); // loss = Σ w ⊙ y
      const loss = () => {
        const y = layer.forward(x.value, batch);
        let s = 0;
        for (let i = 0; i < y.length; i++) s += w[i] * y[i];
        return s;
      };
      const r = gradCheck([layer.weight, layer.bias, x], loss, () => x.grad.set(layer.backward(w)));
      ok(r.ok, `${backend.name} ${act}: worst ${JSON.stringify(r.worst)} (ratio ${r.worstRatio})`);
      ok(r.checked === inputs * outputs + outputs + batch * inputs);
    }
  }
});

test('nn/embedding and dropout: gathers, scatter-adds into touched rows, and masks match finite differences', () => {
  const table = new Embedding('e', 6, 3, { seed: 2, scale: 0.5 });
  const ids = Int32Array.of(4, 1, 4);
  const w = randArray(9, 8);
  const loss = () => {
    const y = table.forward(ids);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += w[i] * Math.tanh(y[i]);
    return s;
  };
  const r = gradCheck([table.param], loss, () => {
    const y = table.forward(ids);
    table.backward(ids, Float32Array.from(y, (v, i) => w[i] * (1 - Math.tanh(v) ** 2)));
  });
  ok(r.ok, JSON.stringify(r.worst));
  equal([...table.param.touched].sort().join(), '1,4');
  throws(() => table.forward(Int32Array.of(6)), InvalidArgumentError);
  // dropout: inverted scaling keeps the expectation; the backward uses the forward's mask; inference is the identity
  const drop = new Dropout(0.5);
  const x = new Float32Array(20000).fill(1);
  const y = drop.forward(x, new Rng(3), true);
  let sum = 0, zeros = 0;
  for (const v of y) { sum += v; if (v === 0) zeros++; }
  close(sum / x.length, 1, 0.05);
  ok(zeros > 9000 && zeros < 11000, `zeros ${zeros}`);
  const dx = drop.backward(new Float32Array(20000).fill(3));
  for (let i = 0; i < 50; i++) equal(dx[i], y[i] * 3);
  equal(drop.forward(x, new Rng(3), false), x);
  throws(() => new Dropout(1), InvalidArgumentError, { field: 'dropout' });
});

test('nn/losses: weighted MSE, BCE with logits and multinomial NLL match finite differences (js and wasm)', async () => {
  const [js, wasm] = await backends();
  const rows = 3, cols = 5;
  const target = Float32Array.from({ length: rows * cols }, (_, i) => (i % 3 === 0 ? 1 : 0));
  for (const backend of [js, wasm]) {
    const z = { name: 'z', value: randArray(rows * cols, 4, 2), grad: new Float32Array(rows * cols) };
    const scratch = new Float32Array(rows * cols);
    const losses: [string, () => number, () => void][] = [
      ['mse', () => weightedMse(z.value, target, rows, cols, scratch, 3), () => weightedMse(z.value, target, rows, cols, z.grad, 3)],
      ['bce', () => bceWithLogits(z.value, target, rows, cols, scratch, backend.nn), () => bceWithLogits(z.value, target, rows, cols, z.grad, backend.nn)],
      ['multinomial', () => multinomialNll(z.value, target, rows, cols, scratch, backend.nn), () => multinomialNll(z.value, target, rows, cols, z.grad, backend.nn)],
    ];
    for (const [name, loss, backward] of losses) {
      const r = gradCheck([z], loss, backward);
      ok(r.ok, `${backend.name} ${name}: ${JSON.stringify(r.worst)}`);
    }
    // values: confidence weights the positives' squared error; multinomial of uniform logits is Σx·log(cols)/rows
    const g = new Float32Array(rows * cols);
    close(weightedMse(new Float32Array(rows * cols), target, rows, cols, g, 3), (5 * 4) / rows, 1e-6);
    close(multinomialNll(new Float32Array(rows * cols), target, rows, cols, g, backend.nn), (5 * Math.log(cols)) / rows, 1e-5);
  }
});

test('nn/kernels: wasm gemm (all transposes, accumulate), activations, softmax and embedding bag equal the TS reference; bag gradients', async () => {
  const [js, wasm] = await backends();
  for (const [m, k, n] of [[1, 1, 1], [5, 7, 9], [8, 16, 32], [13, 3, 17]]) {
    for (const tA of [false, true]) for (const tB of [false, true]) for (const acc of [false, true]) {
      const a = randArray(m * k, m + k), b = randArray(k * n, k + n), c1 = randArray(m * n, m * n), c2 = c1.slice();
      js.nn.gemm(a, b, c1, m, k, n, tA, tB, acc);
      wasm.nn.gemm(a, b, c2, m, k, n, tA, tB, acc);
      close(c2, c1, 1e-5, `gemm ${m}×${k}×${n} tA=${tA} tB=${tB} acc=${acc}`);
    }
  }
  const x = randArray(300, 9, 4);
  for (const act of ['none', 'relu', 'tanh', 'sigmoid', 'selu'] as NnActivation[]) {
    const y1 = new Float32Array(300), y2 = new Float32Array(300);
    js.nn.activate(x, y1, act);
    wasm.nn.activate(x, y2, act);
    close(y2, y1, 1e-6, act);
    const d1 = new Float32Array(300), d2 = new Float32Array(300);
    js.nn.activateBackward(y1, x, d1, act);
    wasm.nn.activateBackward(y1, x, d2, act);
    close(d2, d1, 1e-6, `${act} backward`);
  }
  const s1 = new Float32Array(300), s2 = new Float32Array(300);
  js.nn.softmaxRows(x, s1, 10, 30);
  wasm.nn.softmaxRows(x, s2, 10, 30);
  close(s2, s1, 1e-6);
  let rowSum = 0;
  for (let j = 0; j < 30; j++) rowSum += s2[j];
  close(rowSum, 1, 1e-5);
  // embedding bag (sparse rows × table, dim 7 for the SIMD tail) and its backward, repeated ids included
  const indptr = Int32Array.of(0, 3, 3, 6), ids = Int32Array.of(1, 4, 1, 0, 2, 3), w = Float32Array.of(0.5, -1, 2, 1, 0, 3);
  const table = randArray(5 * 7, 21), o1 = randArray(21, 2), o2 = o1.slice();
  js.nn.embeddingBag(indptr, ids, w, 3, table, 7, o1, true);
  wasm.nn.embeddingBag(indptr, ids, w, 3, table, 7, o2, true);
  close(o2, o1, 1e-6, 'embeddingBag');
  for (let j = 0; j < 7; j++) close(o1[j], randArray(21, 2)[j] + 2.5 * table[7 + j] - table[28 + j], 1e-5);
  const g1 = randArray(35, 4), g2 = g1.slice(), dOut = randArray(21, 6);
  js.nn.embeddingBagBackward(indptr, ids, w, 3, dOut, 7, g1);
  wasm.nn.embeddingBagBackward(indptr, ids, w, 3, dOut, 7, g2);
  close(g2, g1, 1e-6, 'embeddingBagBackward');
  // finite differences of Σ c ⊙ bag(table) w.r.t. the table
  for (const backend of [js, wasm]) {
    const t = { name: 'table', value: table.slice(), grad: new Float32Array(35) };
    const c = randArray(21, 9);
    const r = gradCheck([t], () => {
      const out = new Float32Array(21);
      backend.nn.embeddingBag(indptr, ids, w, 3, t.value, 7, out, false);
      let s = 0;
      for (let i = 0; i < 21; i++) s += c[i] * out[i];
      return s;
    }, () => backend.nn.embeddingBagBackward(indptr, ids, w, 3, c, 7, t.grad));
    ok(r.ok, `${backend.name} embeddingBag: ${JSON.stringify(r.worst)}`);
  }
});

test("nn/batches: Recoder's target set is the batch rows' columns plus sampled rows' columns", () => {
  const data = checkerboard();
  const batch = sampleBatch(data.byUser, Int32Array.of(0, 1), {}, new Rng(1));
  equal(Array.from(batch.targets).join(), '0,1,2,3,4,5,6,7,8,9', 'users 0 and 1 together cover items 0..9');
  const t = denseTargets(batch);
  equal(t.length, 2 * 10);
  equal(t[0], 0, 'user 0 misses item 0');
  equal(t[1], 1);
  equal(t[10 + 1], 0, 'user 1 misses item 1');
  // sampling 30 random users almost surely brings in the other group's items
  const sampled = sampleBatch(data.byUser, Int32Array.of(0), { samplingRows: 30 }, new Rng(5));
  equal(sampled.targets.length, 20);
  const all = sampleBatch(data.byUser, Int32Array.of(0), { allColumns: true }, new Rng(5));
  equal(all.targets.length, 20);
});

/** Scores of a fitted model for every user (users × items). */
function allScores(model: { scoreUsers(u: Int32Array): Float32Array }, n: number): Float32Array {
  return model.scoreUsers(Int32Array.from({ length: n }, (_, i) => i));
}

test('nn/autoencoder: recommends each user the missing item of their group; fold-in; save/load; item-based', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const data = checkerboard();
  const model = await new AutoencoderRecommender({ hiddenLayers: [8], epochs: 60, batchSize: 5, learningRate: 0.01, inputDropout: 0.2, seed: 3 }).fit(data);
  for (let u = 0; u < 20; u++) {
    const base = u < 10 ? 0 : 10;
    equal(model.recommend(`u${u}`, { k: 1 })[0].item, `i${base + (u % 10)}`, `user ${u}`);
  }
  // a new user with three items of group 2 gets group-2 items
  const fold = model.recommend('new', { userItems: ['i11', 'i12', 'i13'], k: 5 });
  ok(fold.every((r) => Number(String(r.item).slice(1)) >= 10), JSON.stringify(fold));
  const loaded = await loadModel(await saveModel(model));
  equal(loaded.kind, 'autoencoder');
  close(allScores(loaded as AutoencoderRecommender, 20), allScores(model, 20), 1e-6);
  // item-based, tied, two hidden layers, selu, code dropout
  const item = await new AutoencoderRecommender({ mode: 'item', tied: true, hiddenLayers: [8, 4], activation: 'selu', dropout: 0.1, epochs: 80, batchSize: 5, learningRate: 0.01, seed: 1 }).fit(data);
  let hits = 0;
  for (let u = 0; u < 20; u++) {
    const top = Number(String(item.recommend(`u${u}`, { k: 1 })[0].item).slice(1));
    if ((top < 10) === (u < 10)) hits++;
  }
  ok(hits >= 18, `item-based: ${hits}/20 users get an item of their group`);
  const itemLoaded = await loadModel(await saveModel(item));
  close(allScores(itemLoaded as AutoencoderRecommender, 20), allScores(item, 20), 1e-5);
  throws(() => new AutoencoderRecommender({ hiddenLayers: [] }), InvalidArgumentError, { field: 'hiddenLayers' });
  throws(() => new AutoencoderRecommender({ activation: 'gelu' as NnActivation }), InvalidArgumentError, { field: 'activation' });
});

test('nn/resume: fit with resumeFrom a resumable checkpoint ends exactly where an uninterrupted run ends', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const data = checkerboard();
  const makers = [
    (epochs: number) => new AutoencoderRecommender({ hiddenLayers: [6], epochs, batchSize: 7, learningRate: 0.01, milestones: [3], seed: 5 }),
    (epochs: number) => new SampledMfRecommender({ factors: 4, epochs, batchSize: 7, samplingRows: 2, optimizer: 'rmsprop', momentum: 0.5, seed: 5 }),
    (epochs: number) => new HashedMfRecommender({ factors: 4, epochs, batchSize: 7, userBuckets: 16, itemBuckets: 16, seed: 5 }),
  ];
  for (const make of makers) {
    const full = await make(5).fit(data);
    const half = await make(2).fit(data);
    const checkpoint = await loadModel(await saveModel(half, undefined, { profile: 'resumable' }));
    const resumed = await make(5).fit(data, { resumeFrom: checkpoint });
    const a = allScores(full, 20), b = allScores(resumed, 20);
    equal(Array.from(b).join(), Array.from(a).join(), `${full.kind}: resumed scores equal uninterrupted ones bit for bit`);
    const fresh = allScores(half, 20);
    ok(Array.from(fresh).join() !== Array.from(a).join(), `${full.kind}: 2 epochs differ from 5`);
    // the inference profile has no optimizer state to resume from
    const inference = await loadModel(await saveModel(half));
    let threw = false;
    try {
      await make(5).fit(data, { resumeFrom: inference });
    } catch (e) {
      threw = e instanceof InvalidArgumentError;
    }
    ok(threw, `${full.kind}: resuming from an inference file is a typed error`);
  }
});

test('nn/sampled-mf: recommends each user the missing item of their group; fold-in; save/load', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const data = checkerboard();
  const model = await new SampledMfRecommender({ factors: 4, epochs: 60, batchSize: 5, learningRate: 0.05, seed: 2 }).fit(data);
  for (let u = 0; u < 20; u++) {
    const base = u < 10 ? 0 : 10;
    equal(model.recommend(`u${u}`, { k: 1 })[0].item, `i${base + (u % 10)}`, `user ${u}`);
  }
  const fold = model.recommend('new', { userItems: ['i1', 'i2', 'i3'], k: 5 });
  ok(fold.every((r) => Number(String(r.item).slice(1)) < 10), JSON.stringify(fold));
  const loaded = await loadModel(await saveModel(model));
  close(allScores(loaded as SampledMfRecommender, 20), allScores(model, 20), 1e-6);
  ok(model.similarItems('i3', { k: 3 }).every((r) => Number(String(r.item).slice(1)) < 10));
  for (const loss of ['bce', 'mse'] as const) {
    const m = await new SampledMfRecommender({ factors: 4, epochs: 40, batchSize: 5, learningRate: 0.05, loss, confidence: 2, samplingColumns: 5, seed: 2 }).fit(data);
    let hits = 0;
    for (let u = 0; u < 20; u++) if ((Number(String(m.recommend(`u${u}`, { k: 1 })[0].item).slice(1)) < 10) === (u < 10)) hits++;
    ok(hits >= 18, `${loss}: ${hits}/20`);
  }
});

test('nn/hashed-mf: tables stay buckets × factors for 50,000 ids; collisions counted; modulo and murmur3', async () => {
  await init({ backend: 'wasm', threads: 1 });
  // 50,000 users, each with 2 of 40 items (users u and items by u mod 4 groups)
  const nUsers = 50_000, nItems = 40;
  const users = Vocabulary.from(Array.from({ length: nUsers }, (_, u) => 1_000_000 + u));
  const items = Vocabulary.from(Array.from({ length: nItems }, (_, i) => `item-${i}`));
  const indptr = new Int32Array(nUsers + 1);
  const indices = new Int32Array(nUsers * 2);
  for (let u = 0; u < nUsers; u++) {
    const g = (u % 4) * 10;
    indices[2 * u] = g + (u % 5);
    indices[2 * u + 1] = g + 5 + (u % 5);
    indptr[u + 1] = 2 * (u + 1);
  }
  const data = new Interactions(users, items, { indptr, indices, data: new Float32Array(indices.length).fill(1), rows: nUsers, cols: nItems });
  const model = await new HashedMfRecommender({ factors: 8, epochs: 2, batchSize: 2000, learningRate: 0.02, userBuckets: 4096, itemBuckets: 64, hash: 'modulo' }).fit(data);
  const state = model.toState();
  equal(state.tensors.U.length, 4096 * 8, 'user table: buckets × factors');
  equal(state.tensors.V.length, 64 * 8);
  // modulo on consecutive integer ids fills every bucket evenly: 50,000 − 4,096 collisions
  equal(model.collisions.users, nUsers - 4096);
  equal(model.collisions.userBucketsUsed, 4096);
  ok(model.collisions.items >= 0 && model.collisions.items + model.collisions.itemBucketsUsed === nItems);
  // users of group 0 prefer group-0 items
  const rec = model.recommend(1_000_000, { k: 3 });
  ok(rec.every((r) => Number(String(r.item).slice(5)) < 10), JSON.stringify(rec));
  // murmur3 with few buckets: collisions are reported, and the model still loads
  const small = await new HashedMfRecommender({ factors: 4, epochs: 1, userBuckets: 7, itemBuckets: 7 }).fit(checkerboard());
  equal(small.collisions.users, 20 - small.collisions.userBucketsUsed);
  ok(small.collisions.users >= 13);
  const loaded = (await loadModel(await saveModel(small))) as HashedMfRecommender;
  equal(loaded.collisions.users, small.collisions.users);
  close(allScores(loaded, 20), allScores(small, 20), 1e-6);
  equal(small.bucketOf('user', 'u3'), loaded.bucketOf('user', 'u3'));
  throws(() => new HashedMfRecommender({ userBuckets: 0 }), InvalidArgumentError, { field: 'userBuckets' });
});
