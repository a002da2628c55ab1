// The autoencoder's sampled output (issue 23): each row scored on its own columns plus shared sampled negatives
// (src/nn/sampled-output.ts). Finite-difference checks of the step on js and wasm kernels (which must agree), the
// sampled-softmax value by hand, the 'auto' switch at AUTOENCODER_SAMPLED_ABOVE output columns, learning on the
// planted checkerboard, save/load, and model files written before the option existed.
import {
  init, getBackend, Interactions, Vocabulary, saveModel, loadModel, encodeModelState, InvalidArgumentError,
} from 'recwise';
import {
  createParam, createSampler, gradCheck, sampledOutputStep, AutoencoderRecommender, AUTOENCODER_SAMPLED_ABOVE, bceWithLogits, weightedMse,
  type Param, type SampledOutputInput,
} from 'recwise/nn';
import { test } from './harness.ts';
import { close, equal, ok, rng, throws } from './assert.ts';
import { checkerboard } from './fixtures.ts';
import { backends } from './nn.cases.ts';

function randParam(name: string, rows: number, cols: number, seed: number, scale: number): Param {
  const p = createParam(name, rows, cols, { sparse: true });
  const r = rng(seed);
  for (let i = 0; i < p.value.length; i++) p.value[i] = r() * scale;
  return p;
}

/** The same param with a scratch gradient (so evaluating the loss alone leaves the real gradient alone). */
const scratchOf = (p: Param): Param => ({ ...p, grad: new Float32Array(p.grad.length), touched: new Set() });

test('nn/sampled-output: the step matches finite differences for every loss; js and wasm kernels agree', async () => {
  const [js, wasm] = await backends();
  const rows = 3, dim = 4, cols = 9;
  // row 0: columns 1, 4 (values 1, 2); row 1: none; row 2: column 7. Negatives repeat 2 and include row 0's column 4.
  const entries = { indptr: Int32Array.of(0, 2, 2, 3), cols: Int32Array.of(1, 4, 7), values: Float32Array.of(1, 2, 1) };
  const negatives = Int32Array.of(2, 4, 6, 2, 0);
  const sampler = createSampler('popularity', [5, 1, 3, 0, 2, 8, 1, 4, 2]);
  const results: Record<string, Float32Array[]> = {};
  for (const backend of [js, wasm]) {
    for (const loss of ['multinomial', 'bce', 'mse'] as const) {
      const W = randParam('w', cols, dim, 3, 0.8);
      const B = randParam('b', cols, 1, 4, 0.5);
      const out = { name: 'out', value: Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i + 1)), grad: new Float32Array(rows * dim) };
      const input = (w: Param, b: Param): SampledOutputInput => ({ out: out.value, rows, dim, entries, negatives, weight: w, bias: b, sampler, loss, confidence: 2 });
      const r = gradCheck([W, B, out], () => sampledOutputStep(input(scratchOf(W), scratchOf(B)), backend.nn).loss, () => {
        W.grad.fill(0);
        B.grad.fill(0);
        out.grad.set(sampledOutputStep(input(W, B), backend.nn).dOut);
      });
      ok(r.ok, `${backend.name} ${loss}: worst ${JSON.stringify(r.worst)} (ratio ${r.worstRatio})`);
      // rows touched: the negatives and the positives, nothing else
      equal([...W.touched].sort().join(), '0,1,2,4,6,7', `${loss}: touched rows`);
      (results[loss] ??= []).push(out.grad.slice(), W.grad.slice());
    }
  }
  for (const [loss, [jsOut, jsW, wasmOut, wasmW]] of Object.entries(results)) {
    close(wasmOut, jsOut, 1e-5, `${loss}: dOut, wasm vs js`);
    close(wasmW, jsW, 1e-5, `${loss}: dW, wasm vs js`);
  }
});

test('nn/sampled-output: multinomial is the sampled softmax with logQ on the negatives; accidental hits dropped', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const backend = await getBackend();
  // one row, positive column 0 (x = 1); negatives 1, 2 and 0 (an accidental hit) from a uniform sampler over 4 columns:
  // each kept negative's logit gets −log(3·¼), so loss = −z0 + log(e^z0 + (4/3)(e^z1 + e^z2))
  const W = createParam('w', 4, 2, { sparse: true });
  W.value.set([1, 0, 0, 1, 0.5, 0.5, 2, 2]);
  const B = createParam('b', 4, 1, { sparse: true });
  B.value.set([0.1, -0.2, 0.3, 0]);
  const out = Float32Array.of(0.7, -0.4);
  const { loss } = sampledOutputStep({
    out, rows: 1, dim: 2, entries: { indptr: Int32Array.of(0, 1), cols: Int32Array.of(0), values: Float32Array.of(1) },
    negatives: Int32Array.of(1, 2, 0), weight: W, bias: B, sampler: createSampler('uniform', [1, 1, 1, 1]), loss: 'multinomial',
  }, backend.nn);
  const z0 = 0.7 + 0.1, z1 = -0.4 - 0.2, z2 = 0.35 - 0.2 + 0.3;
  close(loss, -z0 + Math.log(Math.exp(z0) + (4 / 3) * (Math.exp(z1) + Math.exp(z2))), 1e-5);
});

test('nn/sampled-output: bce and mse negatives weigh 1/(|S|·q), so the step estimates the full output (every column drawn twice: exact)', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const backend = await getBackend();
  const rows = 3, dim = 4, cols = 7;
  const entries = { indptr: Int32Array.of(0, 2, 2, 3), cols: Int32Array.of(1, 4, 6), values: Float32Array.of(1, 2, 1) };
  // every column twice from a uniform sampler: weight 1/(14·1/7) = ½ each, so the negatives sum to each zero column once
  const negatives = Int32Array.from({ length: 2 * cols }, (_, s) => s % cols);
  const sampler = createSampler('uniform', new Array(cols).fill(1));
  const out = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i + 1));
  for (const loss of ['bce', 'mse'] as const) {
    const W = randParam('w', cols, dim, 5, 0.8);
    const B = randParam('b', cols, 1, 6, 0.5);
    const step = sampledOutputStep({ out, rows, dim, entries, negatives, weight: W, bias: B, sampler, loss, confidence: 2 }, backend.nn);
    // the full output: logits = out·Wᵀ + b over every column, dense targets
    const logits = new Float32Array(rows * cols);
    const target = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let z = B.value[c];
        for (let j = 0; j < dim; j++) z += out[r * dim + j] * W.value[c * dim + j];
        logits[r * cols + c] = z;
      }
      for (let e = entries.indptr[r]; e < entries.indptr[r + 1]; e++) target[r * cols + entries.cols[e]] = entries.values[e];
    }
    const grad = new Float32Array(rows * cols);
    const full = loss === 'bce' ? bceWithLogits(logits, target, rows, cols, grad) : weightedMse(logits, target, rows, cols, grad, 2);
    close(step.loss, full, 1e-5, `${loss}: loss`);
    const dOut = new Float32Array(rows * dim);
    const dW = new Float32Array(cols * dim);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        for (let j = 0; j < dim; j++) {
          dOut[r * dim + j] += grad[r * cols + c] * W.value[c * dim + j];
          dW[c * dim + j] += grad[r * cols + c] * out[r * dim + j];
        }
      }
    }
    close(step.dOut, dOut, 1e-5, `${loss}: dOut`);
    close(W.grad, dW, 1e-5, `${loss}: dW`);
  }
});

/** `users` users over `items` items: user u has items u, u + users, u + 2·users (ids i0…). */
function wide(users: number, items: number): Interactions {
  const indptr = [0];
  const indices: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < 3; k++) indices.push(u + k * users);
    indptr.push(indices.length);
  }
  return new Interactions(
    Vocabulary.from(Array.from({ length: users }, (_, u) => `u${u}`)),
    Vocabulary.from(Array.from({ length: items }, (_, i) => `i${i}`)),
    { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: users, cols: items },
  );
}

const weights = (m: AutoencoderRecommender) => Array.from(m.toState().tensors['out.weight'] as Float32Array);

test("nn/autoencoder: output 'auto' trains sampled above AUTOENCODER_SAMPLED_ABOVE output columns, Recoder's batch set at or below", async () => {
  await init({ backend: 'wasm', threads: 1 });
  const small = { hiddenLayers: [4], epochs: 2, batchSize: 8, negatives: 50, seed: 3 };
  const above = wide(20, AUTOENCODER_SAMPLED_ABOVE + 1);
  const at = wide(20, AUTOENCODER_SAMPLED_ABOVE);
  const auto = await new AutoencoderRecommender(small).fit(above);
  equal(auto.outputUsed, 'sampled');
  equal(auto.lossUsed, 'mse', "loss 'auto' with the sampled output");
  const sampled = await new AutoencoderRecommender({ ...small, output: 'sampled' }).fit(above);
  const batch = await new AutoencoderRecommender({ ...small, output: 'batch' }).fit(above);
  ok(weights(auto).join() === weights(sampled).join(), "'auto' above the threshold trains exactly as 'sampled'");
  ok(weights(auto).join() !== weights(batch).join(), "…and not as 'batch'");
  const autoAt = await new AutoencoderRecommender(small).fit(at);
  equal(autoAt.outputUsed, 'batch');
  equal(autoAt.lossUsed, 'multinomial');
  ok(weights(autoAt).join() === weights(await new AutoencoderRecommender({ ...small, output: 'batch', loss: 'multinomial' }).fit(at)).join(), "'auto' at the threshold is 'batch' with the multinomial loss");
  ok(weights(auto).join() === weights(await new AutoencoderRecommender({ ...small, output: 'sampled', loss: 'mse', confidence: 1 }).fit(above)).join(), "'auto' above it is 'sampled' with mse, confidence 1");
  ok(weights(auto).join() !== weights(await new AutoencoderRecommender({ ...small, output: 'sampled', loss: 'mse' }).fit(above)).join(), '…not confidence 0');
  equal(auto.confidenceFor(AUTOENCODER_SAMPLED_ABOVE + 1), 1);
  equal(new AutoencoderRecommender({ confidence: 3 }).confidenceFor(AUTOENCODER_SAMPLED_ABOVE + 1), 3, 'a larger confidence is kept');
  equal(new AutoencoderRecommender({ loss: 'mse' }).confidenceFor(AUTOENCODER_SAMPLED_ABOVE + 1), 0, 'an explicit mse keeps the default 0');
  equal(new AutoencoderRecommender({ output: 'sampled', loss: 'multinomial' }).lossFor(10), 'multinomial', 'a given loss is kept');
  equal(new AutoencoderRecommender({ output: 'sampled' }).lossFor(10), 'mse');
  equal(new AutoencoderRecommender({ output: 'full' }).lossFor(AUTOENCODER_SAMPLED_ABOVE + 1), 'multinomial');
  equal(new AutoencoderRecommender().lossUsed, undefined);
  throws(() => new AutoencoderRecommender({ loss: 'hinge' as 'mse' }), InvalidArgumentError, { field: 'loss' });
  // Recoder's sampling options ask for the batch target set; item-based counts users as output columns
  equal(new AutoencoderRecommender({ samplingRows: 2 }).outputFor(AUTOENCODER_SAMPLED_ABOVE + 1), 'batch');
  equal(new AutoencoderRecommender({ output: 'full' }).outputFor(10), 'full');
  equal(new AutoencoderRecommender().outputUsed, undefined);
  throws(() => new AutoencoderRecommender({ output: 'dense' as 'full' }), InvalidArgumentError, { field: 'output' });
  throws(() => new AutoencoderRecommender({ negatives: 0 }), InvalidArgumentError, { field: 'negatives' });
  throws(() => new AutoencoderRecommender({ sampler: 'zipf' as 'uniform' }), InvalidArgumentError, { field: 'sampler' });
  throws(() => new AutoencoderRecommender({ output: 'sampled', samplingRows: 3 }), InvalidArgumentError, { field: 'samplingRows' });
});

test("nn/autoencoder: output 'sampled' learns the checkerboard (user- and item-based); saved files load and recommend identically", async () => {
  await init({ backend: 'wasm', threads: 1 });
  const data = checkerboard();
  for (const mode of ['user', 'item'] as const) {
    for (const loss of ['multinomial', 'bce'] as const) {
      const model = await new AutoencoderRecommender({ output: 'sampled', negatives: 6, mode, loss, hiddenLayers: [8], epochs: 80, batchSize: 5, learningRate: 0.01, inputDropout: 0.2, seed: 3 }).fit(data);
      equal(model.outputUsed, 'sampled');
      let hits = 0;
      for (let u = 0; u < 20; u++) {
        const top = Number(String(model.recommend(`u${u}`, { k: 1 })[0].item).slice(1));
        if ((top < 10) === (u < 10)) hits++;
      }
      ok(hits >= 18, `${mode} ${loss}: ${hits}/20 users get an item of their group`);
      const loaded = (await loadModel(await saveModel(model))) as AutoencoderRecommender;
      equal(loaded.options.output, 'sampled');
      equal(loaded.options.negatives, 6);
      for (let u = 0; u < 20; u++) equal(JSON.stringify(loaded.recommend(`u${u}`, { k: 5 })), JSON.stringify(model.recommend(`u${u}`, { k: 5 })), `${mode} ${loss}: user ${u}`);
    }
  }
});

test('nn/autoencoder: a model file from before the output option loads with the defaults and recommends identically', async () => {
  await init({ backend: 'wasm', threads: 1 });
  const model = await new AutoencoderRecommender({ hiddenLayers: [6], epochs: 3, batchSize: 7, seed: 2 }).fit(checkerboard());
  const state = model.toState();
  const params = { ...state.params };
  for (const key of ['output', 'negatives', 'sampler']) delete params[key];
  const old = (await loadModel(encodeModelState({ ...state, params }))) as AutoencoderRecommender;
  equal(old.options.output, 'auto');
  equal(old.outputUsed, 'batch');
  for (let u = 0; u < 20; u++) equal(JSON.stringify(old.recommend(`u${u}`, { k: 5 })), JSON.stringify(model.recommend(`u${u}`, { k: 5 })));
});
