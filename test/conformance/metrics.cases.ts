// Evaluation: the rankMetrics kernel (wasm == reference, exactly), every metric in every definition on a
// hand-computed case, and evaluate()'s protocol behaviour (dropped rows, overlap, errors, progress, abort).
import {
  init, getBackend, evaluate, alignTestData, Recommender, Interactions, Vocabulary, InvalidArgumentError, AbortError,
  DimensionMismatchError, type Backend, type Csr, type CsrArrays, type MetricDefinition,
} from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, rng, throws } from './assert.ts';

async function backend(name: 'js' | 'wasm'): Promise<Backend> {
  await init({ backend: name });
  return getBackend();
}

/** A model whose score rows are given (row u of `rows`), for hand-computed metrics (and scale-serve.cases.ts). */
export class FixedScores extends Recommender {
  readonly kind = 'fixed-scores';
  constructor(private readonly rows: Float32Array) {
    super();
  }
  get params() {
    return {};
  }
  protected async fitIndexed(): Promise<void> {}
  scoreUsers(users: Int32Array): Float32Array {
    const n = this.trainingIndex.items.size;
    const out = new Float32Array(users.length * n);
    for (let r = 0; r < users.length; r++) out.set(this.rows.subarray(users[r] * n, (users[r] + 1) * n), r * n);
    return out;
  }
  protected exportTensors() {
    return { tensors: {}, shapes: {} };
  }
}

function csr(rows: number[][], nCols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u] + r.length));
  return { indptr, indices: Int32Array.from(rows.flat()), data: new Float32Array(indptr[rows.length]).fill(1), rows: rows.length, cols: nCols };
}

function interactions(users: (string | number)[], items: (string | number)[], rows: number[][]): Interactions {
  return new Interactions(Vocabulary.from(users), Vocabulary.from(items), csr(rows, items.length));
}

/*
 * The hand-computed case. 6 items, the same scores for both users:
 *   s = [0.5, 0.9, 0.7, 0.5, 0.1, 0.7], k = 3.
 * User A: train {1}, test {0, 3}. Ranking of non-train items (score desc, lower index first): 2, 5, 0, 3, 4.
 *   top 3 = [2, 5, 0], hits = [0, 0, 1], H = 1, |T| = 2, m = 2.
 *   P = 1/3 · R = 1/2 · Rmin = 1/2 · NDCG = (1/log2 4) / (1 + 1/log2 3) · MAP = (1/3)/2 = 1/6
 *   MRR: best test item = 0 (0.5, ties with 3 → lower index); negatives above it: 2, 5 → 1/3
 *   AUC: negatives {2, 4, 5}; each test item (0.5) beats only 4 (0.1) → 2 pairs / (2·3) = 1/3
 *   LightFM ranks (#{non-train j ≠ p: s_j ≥ s_p}): item 0 → {2, 3, 5} = 3, item 3 → {0, 2, 5} = 3 → [3, 3]
 *     precision@3 = #{rank < 3}/3 = 0 · recall = 0 · RR = 1/(3+1) = 1/4
 *     AUC: n_neg = 6 − 2 − 1 = 3; (1 − 3/3) + (1 − (3−1)/3) = 1/3, / 2 = 1/6
 *   implicit: precision term H/m = 1/2; limited AUC: slots miss, miss, hit → Σ_miss hits-before = 0;
 *     misses = 2, n_neg = 6 − 2 = 4: 0 + (1 + 2)/2 · (4 − 2) = 3 → 3/(2·4) = 3/8
 * User B: train {}, test {4}. Ranking: 1, 2, 5, 0, 3, 4. top 3 = [1, 2, 5], no hits, |T| = 1, m = 1.
 *   P = R = Rmin = NDCG = MAP = 0 · MRR: 5 negatives above item 4 → 1/6 · AUC: 4 loses every pair → 0
 *   LightFM rank of 4 = 5 → precision 0, RR 1/6, AUC 1 − 5/5 = 0 (n_neg = 5)
 *   implicit: limited AUC: 3 misses, n_neg = 6 − 1 = 5: 0 + (0 + 1)/2 · (5 − 3) = 1 → 1/(1·5) = 1/5
 * Means: implicit precision is micro-averaged: (1 + 0)/(2 + 1) = 1/3 (the per-user mean would be 1/4).
 * Coverage: {2, 5, 0} ∪ {1, 2, 5} = 4 of 6 items.
 */
const S = [0.5, 0.9, 0.7, 0.5, 0.1, 0.7];
const NDCG_A = 1 / Math.log2(4) / (1 + 1 / Math.log2(3));

async function handCase() {
  const train = interactions(['A', 'B'], [10, 11, 12, 13, 14, 15], [[1], []]);
  const test = interactions(['A', 'B'], [10, 11, 12, 13, 14, 15], [[0, 3], [4]]);
  const model = await new FixedScores(Float32Array.from([...S, ...S])).fit(train);
  return { model, test };
}

const EXPECTED: Record<MetricDefinition, { perUser: Record<string, [number, number]>; means?: Record<string, number> }> = {
  standard: {
    perUser: { precision: [1 / 3, 0], recall: [1 / 2, 0], recallMin: [1 / 2, 0], ndcg: [NDCG_A, 0], map: [1 / 6, 0], mrr: [1 / 3, 1 / 6], auc: [1 / 3, 0] },
  },
  implicit: {
    perUser: { precision: [1 / 2, 0], recall: [1 / 2, 0], recallMin: [1 / 2, 0], ndcg: [NDCG_A, 0], map: [1 / 6, 0], mrr: [1 / 3, 1 / 6], auc: [3 / 8, 1 / 5] },
    means: { precision: 1 / 3 },
  },
  lightfm: {
    perUser: { precision: [0, 0], recall: [0, 0], recallMin: [1 / 2, 0], ndcg: [NDCG_A, 0], map: [1 / 6, 0], mrr: [1 / 4, 1 / 6], auc: [1 / 6, 0] },
  },
  recoder: {
    perUser: { precision: [1 / 3, 0], recall: [1 / 2, 0], recallMin: [1 / 2, 0], ndcg: [NDCG_A, 0], map: [1 / 6, 0], mrr: [1 / 3, 1 / 6], auc: [1 / 3, 0] },
  },
};

for (const name of ['js', 'wasm'] as const) {
  for (const definition of ['standard', 'implicit', 'lightfm', 'recoder'] as const) {
    test(`metrics/${name}: hand-computed case, definition '${definition}'`, async () => {
      const { model, test: t } = await handCase();
      await backend(name);
      const r = await evaluate(model, t, { k: 3, definition });
      deepEqual(r.users, ['A', 'B']);
      equal(r.testUsers, 2);
      equal(r.testRows, 3);
      const want = EXPECTED[definition];
      for (const [m, values] of Object.entries(want.perUser)) {
        close(r.perUser[m as 'precision']!, values, 1e-12, `${definition} ${m}`);
        const mean = want.means?.[m] ?? (values[0] + values[1]) / 2;
        close(r.means[m as 'precision']!, mean, 1e-12, `${definition} mean ${m}`);
      }
      close(r.means.coverage!, 4 / 6, 1e-12, 'coverage');
      equal(r.definitions.precision, definition === 'recoder' ? 'standard' : definition);
      equal(r.definitions.coverage, 'standard');
    });
  }

  test(`metrics/${name}: rankMetrics kernel facts on the hand case`, async () => {
    const b = await backend(name);
    const scores = Float32Array.from([...S, ...S]);
    const m = b.rankMetrics(scores, 2, 6, csr([[1], []], 6), csr([[0, 3], [4]], 6), 3);
    deepEqual(m.indices, [2, 5, 0, 1, 2, 5]);
    deepEqual(m.counts, [3, 3]);
    deepEqual(m.hits, [0, 0, 1, 0, 0, 0]);
    deepEqual(m.ranks, [3, 3, 5]);
    deepEqual(m.negatives, [3, 5]);
    deepEqual(m.aucPairs, [2, 0]);
    deepEqual(m.above, [2, 5]);
    deepEqual(scores, Float32Array.from([...S, ...S]), 'scores not modified');
  });

  test(`metrics/${name}: rankMetrics rejects unsorted rows and mismatched shapes`, async () => {
    const b = await backend(name);
    const scores = new Float32Array(12);
    throws(() => b.rankMetrics(scores, 2, 6, csr([[1], []], 6), csr([[3, 0], [4]], 6), 3), InvalidArgumentError, { field: 'test.indices[1]' });
    throws(() => b.rankMetrics(scores, 2, 6, csr([[1, 1], []], 6), csr([[0], [4]], 6), 3), InvalidArgumentError, { field: 'train.indices[1]' });
    throws(() => b.rankMetrics(scores, 2, 6, csr([[1]], 6), csr([[0], [4]], 6), 3), DimensionMismatchError);
    throws(() => b.rankMetrics(scores, 2, 6, csr([[1], []], 6), csr([[0], [9]], 6), 3), InvalidArgumentError);
  });
}

/** Random block: quantised scores (many ties), some NaN and -Infinity, random sorted train/test rows, some empty. */
function randomBlock(nRows: number, nCols: number, seed: number, testRate = 0.1): { scores: Float32Array; train: CsrArrays; test: CsrArrays } {
  const r = rng(seed);
  const scores = Float32Array.from({ length: nRows * nCols }, () => {
    const x = r();
    return x > 0.97 ? NaN : x < -0.97 ? -Infinity : Math.round(x * 8) / 8;
  });
  const train: number[][] = [], test: number[][] = [];
  for (let u = 0; u < nRows; u++) {
    const tr: number[] = [], te: number[] = [];
    for (let j = 0; j < nCols; j++) {
      const x = r();
      if (x > 0.7) tr.push(j);
      else if (x < -1 + 2 * testRate && u % 5 !== 3) te.push(j);
    }
    train.push(tr);
    test.push(te);
  }
  return { scores, train: csr(train, nCols), test: csr(test, nCols) };
}

test('metrics/wasm: rankMetrics equals the reference exactly (ties, NaN, -Infinity, empty rows, chunking)', async () => {
  const js = await backend('js');
  const wasm = await backend('wasm');
  for (const [nRows, nCols, k, seed] of [[7, 53, 5, 1], [20, 301, 10, 2], [3, 40, 60, 3], [64, 97, 1, 4], [1, 1, 3, 5]]) {
    const { scores, train, test: t } = randomBlock(nRows, nCols, seed);
    const want = js.rankMetrics(scores, nRows, nCols, train, t, k);
    const got = wasm.rankMetrics(scores, nRows, nCols, train, t, k);
    for (const f of ['indices', 'scores', 'counts', 'hits', 'ranks', 'negatives', 'aucPairs', 'above'] as const) {
      deepEqual(got[f], want[f], `${f} (${nRows}×${nCols}, k ${k})`);
    }
  }
});

test('metrics/wasm: rankMetrics on a large block (several kernel calls) equals the reference', async () => {
  const js = await backend('js');
  const wasm = await backend('wasm');
  const nRows = 2200, nCols = 2000; // 4.4M scores: more than one ~2^22-unit kernel call
  const { scores, train, test: t } = randomBlock(nRows, nCols, 9, 0.002);
  const want = js.rankMetrics(scores, nRows, nCols, train, t, 10);
  const got = wasm.rankMetrics(scores, nRows, nCols, train, t, 10);
  for (const f of ['indices', 'hits', 'ranks', 'negatives', 'aucPairs', 'above'] as const) deepEqual(got[f], want[f], f);
});

test('metrics: evaluate gives the same results on the js and wasm backends', async () => {
  const nU = 40, nI = 70;
  const r = rng(17);
  const users = Array.from({ length: nU }, (_, u) => `u${u}`);
  const items = Array.from({ length: nI }, (_, i) => i * 3);
  const train: number[][] = [], tst: number[][] = [];
  for (let u = 0; u < nU; u++) {
    const tr: number[] = [], te: number[] = [];
    for (let i = 0; i < nI; i++) {
      const x = r();
      if (x > 0.8) tr.push(i);
      else if (x < -0.85) te.push(i);
    }
    train.push(tr);
    tst.push(te);
  }
  const model = await new FixedScores(Float32Array.from({ length: nU * nI }, () => Math.round(r() * 16) / 16)).fit(interactions(users, items, train));
  const testData = interactions(users, items, tst);
  for (const definition of ['standard', 'implicit', 'lightfm', 'recoder'] as const) {
    await init({ backend: 'js' });
    const a = await evaluate(model, testData, { definition, batchSize: 7 });
    await init({ backend: 'wasm' });
    const b = await evaluate(model, testData, { definition });
    deepEqual(b.users, a.users);
    for (const m of Object.keys(a.perUser) as 'precision'[]) deepEqual(b.perUser[m], a.perUser[m], `${definition} ${m}`);
    deepEqual(b.means, a.means, definition);
    ok(a.testUsers > 10);
  }
});

test('metrics: evaluate drops test rows of unknown users and items, and removes train pairs from the test set', async () => {
  const train = interactions(['A', 'B'], ['x', 'y', 'z'], [[0], [1]]);
  const model = await new FixedScores(Float32Array.from([1, 2, 3, 1, 2, 3])).fit(train);
  // test in its own vocabularies: C is unknown (1 row), 'w' is unknown (1 row), (A, x) is a train pair
  const test = interactions(['C', 'A', 'B'], ['w', 'z', 'x', 'y'], [[1], [0, 1, 2], [3]]);
  const r = await evaluate(model, test, { k: 2 });
  equal(r.droppedTestRows, 2);
  equal(r.trainOverlapRows, 2);
  deepEqual(r.users, ['A']); // B's only test item (y) is a train item
  equal(r.testRows, 1);
  // A: train {x}, test {z}; ranking z(3), y(2) → z is first
  deepEqual(r.perUser.precision, [0.5]);
  deepEqual(r.perUser.mrr, [1]);
  const aligned = await alignTestData(model, [{ user: 'A', item: 'z' }, { user: 'A', item: 'q' }, { user: 'Q', item: 'z' }, { user: 'A', item: 'z' }]);
  equal(aligned.droppedRows, 2);
  deepEqual(Array.from(aligned.test.itemsOf(0)), [2]);
  equal(aligned.test.users, model.trainingIndex.users);
});

test('metrics: evaluate options — k, definition, metrics subset, progress, abort, errors', async () => {
  const { model, test: t } = await handCase();
  const seen: number[] = [];
  const r = await evaluate(model, t, { k: 3, metrics: ['ndcg', 'coverage'], batchSize: 1, onProgress: (p) => seen.push(p.done) });
  deepEqual(Object.keys(r.means).sort(), ['coverage', 'ndcg']);
  deepEqual(Object.keys(r.perUser), ['ndcg']);
  deepEqual(seen, [1, 2]);
  // k larger than the catalogue: every eligible item is listed, and m = min(k, |T|)
  const big = await evaluate(model, t, { k: 50 });
  deepEqual(big.perUser.recall, [1, 1]);
  close(big.means.coverage!, 1, 0);
  const ac = new AbortController();
  ac.abort();
  await rejects(evaluate(model, t, { signal: ac.signal }), AbortError);
  await rejects(evaluate(model, t, { k: 0 }), InvalidArgumentError, { field: 'k' });
  await rejects(evaluate(model, t, { definition: 'sklearn' as MetricDefinition }), InvalidArgumentError, { field: 'definition' });
  await rejects(evaluate(model, t, { metrics: ['hitrate' as 'map'] }), InvalidArgumentError, { field: 'metrics' });
  await rejects(evaluate(new FixedScores(new Float32Array(0)), t), InvalidArgumentError, { field: 'model' });
  const none = interactions(['Z'], [99], [[0]]);
  await rejects(evaluate(model, none), InvalidArgumentError, { field: 'test' });
});
