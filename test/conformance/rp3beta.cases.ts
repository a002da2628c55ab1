// RP3beta (Paudel et al. 2017; Dacrema et al. 2019): the weights against a dense brute force of the formula, options,
// and the common Recommender contract.
import { init, Rp3BetaRecommender, Interactions, Vocabulary, InvalidArgumentError, AbortError, type Csr, UnknownOptionError } from 'recwise';
import { test } from './harness.ts';
import { describeRecommender } from './recommender-contract.ts';
import { checkerboard, randomInteractions } from './fixtures.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';


/** W by the formula in f64: W_ij = Σ_u (1/pop_i)^α (X_uj/Σ_u X)^α pop_j^−β, i ≠ j. */
function bruteForce(data: Interactions, alpha: number, beta: number): Float64Array {
  const n = data.nItems;
  const pop = new Float64Array(n);
  for (const i of data.byUser.indices) pop[i]++;
  const w = new Float64Array(n * n);
  for (let u = 0; u < data.nUsers; u++) {
    const items = data.itemsOf(u);
    const weights = data.weightsOf(u);
    const sum = weights.reduce((a, b) => a + b, 0);
    for (const i of items) {
      for (let q = 0; q < items.length; q++) {
        const j = items[q];
        if (j !== i) w[i * n + j] += (1 / pop[i]) ** alpha * (weights[q] / sum) ** alpha * pop[j] ** -beta;
      }
    }
  }
  return w;
}

for (const [alpha, beta, neighbors, normalize] of [[1, 0.5, 100, true], [0.7, 1.2, 4, true], [1.5, 0, 6, false]] as const) {
  test(`rp3beta/fit: weights equal a dense brute force of the formula (α ${alpha}, β ${beta}, ${neighbors} kept, normalize ${normalize})`, async () => {
    await init();
    const data = randomInteractions(80, 30, 10, 11, { skewed: true, integer: true });
    const model = await new Rp3BetaRecommender({ alpha, beta, neighbors, normalize }).fit(data);
    const n = 30;
    const full = bruteForce(data, alpha, beta);
    const w = model.weights;
    for (let i = 0; i < n; i++) {
      const want = Array.from({ length: n }, (_, j) => j).filter((j) => full[i * n + j] > 0)
        .sort((a, b) => full[i * n + b] - full[i * n + a] || a - b).slice(0, neighbors);
      const got = Array.from(w.indices.subarray(w.indptr[i], w.indptr[i + 1]));
      equal(got.length, want.length, `row ${i} length`);
      ok(!got.includes(i), `row ${i} excludes the item itself`);
      const total = want.reduce((s, j) => s + full[i * n + j], 0);
      const scale = normalize ? 1 / total : 1;
      // near-ties may swap between f32 and f64: compare values by column
      const byCol = new Map(got.map((j, s) => [j, w.data[w.indptr[i] + s]]));
      for (const j of want) {
        if (!byCol.has(j)) {
          ok(Math.abs(full[i * n + j] - full[i * n + want[want.length - 1]]) < 1e-6, `row ${i}: column ${j} missing but not a tie`);
          continue;
        }
        close(byCol.get(j)!, full[i * n + j] * scale, 1e-5 * Math.max(1, full[i * n + j] * scale), `W[${i},${j}]`);
      }
      if (normalize && got.length) close(got.reduce((s, _, q) => s + w.data[w.indptr[i] + q], 0), 1, 1e-5, `row ${i} sums to 1`);
    }
  });
}

test('rp3beta/options: unknown keys, bad values and negative weights are typed errors naming the field', async () => {
  throws(() => new Rp3BetaRecommender({ beat: 1 } as never), UnknownOptionError, { field: 'beat' });
  throws(() => new Rp3BetaRecommender({ alpha: -1 }), InvalidArgumentError, { field: 'alpha' });
  throws(() => new Rp3BetaRecommender({ beta: Number.POSITIVE_INFINITY }), InvalidArgumentError, { field: 'beta' });
  throws(() => new Rp3BetaRecommender({ neighbors: 0 }), InvalidArgumentError, { field: 'neighbors' });
  throws(() => new Rp3BetaRecommender({ normalize: 'yes' as never }), InvalidArgumentError, { field: 'normalize' });
  deepEqual(new Rp3BetaRecommender().params, { alpha: 1, beta: 0.5, neighbors: 100, normalize: true });
  await init();
  const csr: Csr = { indptr: Int32Array.of(0, 2), indices: Int32Array.of(0, 1), data: Float32Array.of(1, -1), rows: 1, cols: 2 };
  const negative = new Interactions(Vocabulary.from([0]), Vocabulary.from([0, 1]), csr);
  await rejects(new Rp3BetaRecommender().fit(negative), InvalidArgumentError, { field: 'weights' });
});

test('rp3beta/fit: progress is reported and an aborted signal stops the fit', async () => {
  await init();
  const data = randomInteractions(20, 10, 5, 3);
  const seen: number[] = [];
  await new Rp3BetaRecommender().fit(data, { onProgress: (p) => seen.push(p.done) });
  deepEqual(seen, [1, 2]);
  const controller = new AbortController();
  controller.abort();
  await rejects(new Rp3BetaRecommender().fit(data, { signal: controller.signal }), AbortError);
});

// The common contract: on the binary checkerboard, user u's missing group item comes first; fold-in of a trained
// user's items gives exactly that user's list.
describeRecommender('rp3beta', {
  makeModel: () => new Rp3BetaRecommender({ neighbors: 10 }),
  fixture: checkerboard,
  top1: Array.from({ length: 20 }, (_, u) => [`u${u}`, `i${(u < 10 ? 0 : 10) + (u % 10)}`] as const),
  foldIn: 'same',
});
