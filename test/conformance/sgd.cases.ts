// BPR and LMF: Wasm epochs against the TS reference (same random stream), and model behaviour.
import { init, getBackend, AlsRecommender, BprRecommender, LmfRecommender, LightFmRecommender, Interactions, Vocabulary, InvalidArgumentError, UnknownOptionError, loadModel, saveModel, type Backend, type Csr } from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rng, throws } from './assert.ts';

function fixture(nU: number, nI: number, seed: number): Csr {
  const r = rng(seed);
  const indptr = new Int32Array(nU + 1);
  const indices: number[] = [];
  for (let u = 0; u < nU; u++) {
    const s = new Set<number>();
    const n = 2 + Math.floor(((r() + 1) / 2) * 8);
    while (s.size < n) s.add(Math.floor(((r() + 1) / 2) * nI));
    indices.push(...[...s].sort((a, b) => a - b));
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: nU, cols: nI };
}

function factors(n: number, cols: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * cols }, () => r() * 0.1);
}

async function both(): Promise<[Backend, Backend]> {
  await init({ backend: 'js' });
  const js = await getBackend();
  await init({ backend: 'wasm', threads: 1 });
  return [js, await getBackend()];
}

test('sgd/wasm: one BPR epoch equals the reference (1 thread, same stream)', async () => {
  const [js, wasm] = await both();
  const C = fixture(30, 25, 1);
  for (const cols of [5, 9, 17]) {
    const X = factors(30, cols, 2), Y = factors(25, cols, 3);
    const xj = js.matrix(X, 30, cols), yj = js.matrix(Y, 25, cols);
    const xw = wasm.matrix(X, 30, cols), yw = wasm.matrix(Y, 25, cols);
    const opts = { learningRate: 0.05, regularization: 0.01, verifyNegative: true, seed: 99 };
    const a = await js.bprEpoch(xj, yj, js.sparseMatrix(C), 400, opts);
    const b = await wasm.bprEpoch(xw, yw, wasm.sparseMatrix(C), 400, opts);
    deepEqual(b, a, 'same samples drawn, same skips');
    ok(a.skipped > 0, 'some negatives were liked items and skipped');
    close(xw.toArray(), xj.toArray(), 1e-4, `user factors, cols ${cols}`);
    close(yw.toArray(), yj.toArray(), 1e-4, `item factors, cols ${cols}`);
  }
});

test('sgd/wasm: one LMF pass equals the reference (1 thread, same stream)', async () => {
  const [js, wasm] = await both();
  const C = fixture(30, 25, 4);
  for (const cols of [6, 11]) {
    const X = factors(30, cols, 5), Y = factors(25, cols, 6);
    const opts = { learningRate: 0.5, regularization: 0.1, negativeProportion: 3, negativeCap: 20, seed: 7 };
    const xj = js.matrix(X, 30, cols), xw = wasm.matrix(X, 30, cols);
    const gj = js.matrix(new Float32Array(30 * cols), 30, cols), gw = wasm.matrix(new Float32Array(30 * cols), 30, cols);
    await js.lmfEpoch(xj, js.matrix(Y, 25, cols), js.sparseMatrix(C), gj, opts);
    await wasm.lmfEpoch(xw, wasm.matrix(Y, 25, cols), wasm.sparseMatrix(C), gw, opts);
    close(xw.toArray(), xj.toArray(), 1e-4, `factors, cols ${cols}`);
    close(gw.toArray(), gj.toArray(), 1e-3, `adagrad sums, cols ${cols}`);
  }
});

/** Two taste groups of 15 items; each user has 10 of their group's items. */
function groups(): Interactions {
  const users = Vocabulary.from(Array.from({ length: 40 }, (_, u) => `u${u}`));
  const items = Vocabulary.from(Array.from({ length: 30 }, (_, i) => `i${i}`));
  const indptr = [0];
  const indices: number[] = [];
  for (let u = 0; u < 40; u++) {
    const base = u % 2 ? 15 : 0;
    for (let j = 0; j < 10; j++) indices.push(base + ((u + j * 4) % 15));
    indices.splice(indptr[u], 10, ...indices.slice(indptr[u]).sort((a, b) => a - b));
    indptr.push(indices.length);
  }
  return new Interactions(users, items, { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1), rows: 40, cols: 30 });
}

for (const [name, make] of [
  ['bpr', () => new BprRecommender({ factors: 8, learningRate: 0.05, iterations: 200 })],
  ['lmf', () => new LmfRecommender({ factors: 8, iterations: 30 })],
] as const) {
  test(`sgd/${name}: recommends from the user's own taste group; fold-in agrees; state round-trips`, async () => {
    await init();
    const data = groups();
    const model = await make().fit(data);
    // every user's unseen own-group items score higher on average than the other group's items
    const groupGap = (scores: Float32Array | number[], odd: boolean, seen: Set<number>) => {
      let own = 0, nOwn = 0, other = 0;
      for (let i = 0; i < 30; i++) {
        if ((i >= 15) === odd) {
          if (!seen.has(i)) (own += scores[i]), nOwn++;
        } else other += scores[i];
      }
      return own / nOwn - other / 15;
    };
    for (let u = 0; u < 40; u++) {
      const gap = groupGap(model.scoreUsers(Int32Array.of(u)), u % 2 === 1, new Set(data.itemsOf(u)));
      ok(gap > 0, `${name} u${u}: own-group items do not score higher (gap ${gap})`);
    }
    const history = Array.from(data.itemsOf(1), (i) => data.items.idAt(i));
    const folded = model.recommend('new', { userItems: history, k: 30, filterSeen: false });
    const foldedScores = new Array<number>(30);
    for (const r of folded) foldedScores[Number(String(r.item).slice(1))] = r.score;
    ok(groupGap(foldedScores, true, new Set(data.itemsOf(1))) > 0, `${name} fold-in does not prefer the user's group`);
    const copy = (model.constructor as typeof BprRecommender).fromState(model.toState(), await getBackend());
    deepEqual(copy.recommend('u5', { k: 5 }), model.recommend('u5', { k: 5 }));
    deepEqual((await model.recommendBatch(['u5', 'u6']))[1], model.recommend('u6'));
  });
}

test('sgd: options are validated with typed errors', () => {
  throws(() => new BprRecommender({ learningRate: 0 }), InvalidArgumentError, { field: 'learningRate' });
  throws(() => new BprRecommender({ verifyNegative: 'yes' as never }), InvalidArgumentError, { field: 'verifyNegative' });
  throws(() => new LmfRecommender({ negativeProportion: -1 }), InvalidArgumentError, { field: 'negativeProportion' });
  equal(new LmfRecommender({ factors: 10 }).options.maxNegatives, 12);
});

// fit's onEpoch (issue 20: metric-by-epoch curves): awaited after every epoch, with the model scoring that epoch's
// factors; the last epoch's scores are the fitted model's, and without the hook nothing changes.
for (const [name, make] of [
  ['bpr', () => new BprRecommender({ factors: 4, learningRate: 0.05, iterations: 3, seed: 5 })],
  ['lmf', () => new LmfRecommender({ factors: 4, iterations: 3, seed: 5 })],
  ['als', () => new AlsRecommender({ factors: 4, iterations: 3, seed: 5 })],
] as const) {
  test(`sgd/${name}: onEpoch is awaited after each epoch with the model scoring that epoch's factors`, async () => {
    await init();
    const data = groups();
    const model = make();
    const seen: { epoch: number; fitted: boolean; score: number }[] = [];
    let pending = 0;
    await model.fit(data, {
      onEpoch: async ({ epoch }) => {
        pending++;
        await new Promise((resolve) => setTimeout(resolve, 1)); // the fit waits for this before its next epoch
        seen.push({ epoch, fitted: model.fitted, score: model.score('u1', ['i16'])[0] });
        pending--;
      },
    });
    equal(pending, 0);
    deepEqual(seen.map((s) => [s.epoch, s.fitted]), [[1, true], [2, true], [3, true]]);
    equal(seen[2].score, model.score('u1', ['i16'])[0]);
    ok(seen[0].score !== seen[2].score, 'epoch 1 scores differ from the final ones');
  });
}

// deterministic: true (issue 22): the Hogwild models give the same factors for a seed whatever the thread count. The
// data is large enough that the default fits do run on every thread (BPR: ≥ 4096 samples, LMF: ≥ 64 rows).
function wide(): Interactions {
  const csr = fixture(400, 300, 11);
  return new Interactions(Vocabulary.from(Array.from({ length: 400 }, (_, u) => u)), Vocabulary.from(Array.from({ length: 300 }, (_, i) => i)), csr);
}

/** Every tensor of a model's state, as raw bytes (bit-identical, NaN payloads and signed zeros included). */
function stateBits(model: { toState(): { tensors: Record<string, unknown> } }): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(model.toState().tensors)) {
    if (ArrayBuffer.isView(t)) out[name] = Array.from(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  }
  return out;
}

const DETERMINISTIC = [
  ['bpr', (deterministic: boolean) => new BprRecommender({ factors: 8, iterations: 3, seed: 3, deterministic })],
  ['lmf', (deterministic: boolean) => new LmfRecommender({ factors: 6, iterations: 2, seed: 3, deterministic })],
  ['lightfm', (deterministic: boolean) => new LightFmRecommender({ factors: 6, epochs: 2, seed: 3, deterministic })],
] as const;

for (const [name, make] of DETERMINISTIC) {
  test(`sgd/${name}: deterministic: true gives bit-identical factors on 1 and 2 threads; the option is saved`, async () => {
    const data = wide();
    await init({ threads: 1 });
    const one = await make(true).fit(data);
    const { threads } = await init({ threads: 2 });
    const two = await make(true).fit(data);
    const again = await make(true).fit(data);
    deepEqual(stateBits(two), stateBits(one), `${name}: ${threads} threads differ from 1`);
    deepEqual(stateBits(again), stateBits(two), `${name}: a second fit differs`);
    // the option travels with the model, and files written before it existed load with the default (false)
    const state = two.toState();
    equal(state.params.deterministic, true);
    const copy = await loadModel(await saveModel(two));
    equal((copy.params as { deterministic?: boolean }).deterministic, true);
    const { deterministic: _, ...oldParams } = state.params;
    const old = (two.constructor as typeof BprRecommender).fromState({ ...state, params: oldParams }, await getBackend());
    equal((old.params as { deterministic?: boolean }).deterministic, false);
    deepEqual(old.recommend(5, { k: 5 }), two.recommend(5, { k: 5 }));
    await init();
  });
}

test('sgd: deterministic is a checked, registered option', () => {
  throws(() => new BprRecommender({ deterministic: 1 as never }), InvalidArgumentError, { field: 'deterministic' });
  throws(() => new LmfRecommender({ deterministic: 'yes' as never }), InvalidArgumentError, { field: 'deterministic' });
  throws(() => new LightFmRecommender({ deterministic: true, threads: 2 }), InvalidArgumentError, { field: 'threads' });
  throws(() => new BprRecommender({ determinstic: true } as never), UnknownOptionError, { field: 'determinstic', suggestion: 'deterministic' });
  equal(new LmfRecommender().options.deterministic, false);
});
