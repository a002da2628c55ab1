// ∞-AE (Sachdeva et al. 2022; issue 19): the reconstruction against a dense float64 brute force of the kernel ridge
// regression with the ReLU NTK, fold-in against a trained user's own row, options, memory refusal, and the common
// Recommender contract.
import { init, getBackend, InvalidArgumentError, AbortError, UnknownOptionError, fitMemoryEstimate, type Interactions } from 'recwise';
import { InfiniteAeRecommender } from 'recwise/nn';
import { test } from './harness.ts';
import { describeRecommender } from './recommender-contract.ts';
import { checkerboard, randomInteractions } from './fixtures.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';

/** Solve A·x = b in place for symmetric positive definite A (n × n, f64) by Gaussian elimination; b is n × m. */
function solve(a: Float64Array, b: Float64Array, n: number, m: number): void {
  for (let p = 0; p < n; p++) {
    const piv = a[p * n + p];
    for (let r = p + 1; r < n; r++) {
      const f = a[r * n + p] / piv;
      if (f === 0) continue;
      for (let c = p; c < n; c++) a[r * n + c] -= f * a[p * n + c];
      for (let c = 0; c < m; c++) b[r * m + c] -= f * b[p * m + c];
    }
  }
  for (let p = n - 1; p >= 0; p--) {
    for (let c = 0; c < m; c++) {
      let v = b[p * m + c];
      for (let q = p + 1; q < n; q++) v -= a[p * n + q] * b[q * m + c];
      b[p * m + c] = v / a[p * n + p];
    }
  }
}

/** X̂ = K (K + λI)⁻¹ X in f64, straight from the formula (dense rows, item columns scaled by popularity^−a). */
function bruteForce(data: Interactions, lambda: number, a: number): Float64Array {
  const users = data.nUsers;
  const n = data.nItems;
  const x = new Float64Array(users * n);
  for (let u = 0; u < users; u++) data.itemsOf(u).forEach((i, q) => (x[u * n + i] = data.weightsOf(u)[q]));
  const pop = new Float64Array(n);
  for (let e = 0; e < users * n; e++) pop[e % n] += x[e] * x[e];
  const z = x.map((v, e) => (a > 0 && pop[e % n] > 0 ? v * pop[e % n] ** -a : v));
  for (let u = 0; u < users; u++) {
    const norm = Math.hypot(...z.subarray(u * n, (u + 1) * n));
    for (let i = 0; i < n; i++) z[u * n + i] /= norm;
  }
  const kernel = new Float64Array(users * users);
  for (let u = 0; u < users; u++) {
    for (let v = 0; v < users; v++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += z[u * n + i] * z[v * n + i];
      const theta = Math.acos(Math.min(1, Math.max(-1, c)));
      // one-hidden-layer ReLU NTK: Σ₁ + Σ₀·Σ̇₁ (Arora et al. 2019) on unit inputs
      kernel[u * users + v] = (Math.sin(theta) + (Math.PI - theta) * c) / Math.PI + (c * (Math.PI - theta)) / Math.PI;
    }
  }
  const system = kernel.map((v, e) => (e % (users + 1) === 0 ? v + lambda : v));
  const dual = x.slice();
  solve(system, dual, users, n);
  const out = new Float64Array(users * n);
  for (let u = 0; u < users; u++) for (let v = 0; v < users; v++) for (let i = 0; i < n; i++) out[u * n + i] += kernel[u * users + v] * dual[v * n + i];
  return out;
}

for (const [lambda, a] of [[10, 0], [2, 0.3], [50, 1]] as const) {
  test(`infinite-ae/fit: scores equal a float64 brute force of K(K + λI)⁻¹X (λ ${lambda}, itemNormalization ${a})`, async () => {
    await init();
    const data = randomInteractions(60, 25, 8, 5, { skewed: true, integer: true });
    const model = await new InfiniteAeRecommender({ lambda, itemNormalization: a }).fit(data);
    ok(model.residual < 1e-4, `residual ${model.residual}`);
    const want = bruteForce(data, lambda, a);
    const got = model.scoreUsers(Int32Array.from({ length: data.nUsers }, (_, u) => u));
    const scale = Math.max(...want.map(Math.abs));
    for (let e = 0; e < want.length; e++) close(got[e], want[e], 2e-4 * scale, `X̂[${Math.floor(e / data.nItems)}, ${e % data.nItems}]`);
  });
}

test('infinite-ae/fold-in: a trained user\'s history scores as that user (k(z, Z)·A = x − λA)', async () => {
  await init();
  const binary = randomInteractions(50, 30, 9, 8, { binary: true });
  const model = await new InfiniteAeRecommender({ lambda: 5, itemNormalization: 0.2 }).fit(binary);
  const all = Array.from({ length: binary.nItems }, (_, i) => binary.items.idAt(i));
  for (const u of [0, 17, 49]) {
    const items = Array.from(binary.itemsOf(u), (i) => binary.items.idAt(i));
    const scored = model.score('someone new', all, { userItems: items });
    const trained = model.score(binary.users.idAt(u), all);
    scored.forEach((s, j) => close(s, trained[j], 1e-4, `user ${u} item ${j}`));
  }
});

test('infinite-ae/options: unknown keys and bad values are typed errors naming the field', () => {
  throws(() => new InfiniteAeRecommender({ lamda: 1 } as never), UnknownOptionError, { field: 'lamda' });
  throws(() => new InfiniteAeRecommender({ lambda: 0 }), InvalidArgumentError, { field: 'lambda' });
  throws(() => new InfiniteAeRecommender({ lambda: Number.NaN }), InvalidArgumentError, { field: 'lambda' });
  throws(() => new InfiniteAeRecommender({ itemNormalization: 1.5 }), InvalidArgumentError, { field: 'itemNormalization' });
  throws(() => new InfiniteAeRecommender({ itemNormalization: -0.1 }), InvalidArgumentError, { field: 'itemNormalization' });
  deepEqual(new InfiniteAeRecommender().params, { lambda: 10, itemNormalization: 0 });
});

test('infinite-ae/fit: progress is reported and an aborted signal stops the fit', async () => {
  await init();
  const data = randomInteractions(20, 10, 5, 3);
  const seen: number[] = [];
  await new InfiniteAeRecommender().fit(data, { onProgress: (p) => seen.push(p.done) });
  deepEqual(seen, [1, 2, 3, 4]);
  const controller = new AbortController();
  controller.abort();
  await rejects(new InfiniteAeRecommender().fit(data, { signal: controller.signal }), AbortError);
});

test('infinite-ae/memory: the fit-memory estimate counts the users² kernel and the users × items dual weights', async () => {
  await init();
  const p = new InfiniteAeRecommender().params;
  const small = fitMemoryEstimate('infinite-ae', p, { users: 1000, items: 500, interactions: 10_000 })!;
  const big = fitMemoryEstimate('infinite-ae', p, { users: 2000, items: 500, interactions: 10_000 })!;
  ok(small.parts.kernel === 1000 * 1000 * 4 && big.parts.kernel === 4 * small.parts.kernel, 'kernel part is users² floats');
  equal(small.parts.dual, 1000 * 500 * 4);
  // a real fit's kernel-memory peak is within the estimate, and not far below it
  const backend = await getBackend();
  const heap = backend.kernels?.heap;
  const data = randomInteractions(300, 120, 20, 11);
  const base = heap?.usedBytes ?? 0;
  heap?.resetPeak();
  await new InfiniteAeRecommender().fit(data);
  const need = fitMemoryEstimate('infinite-ae', p, { users: data.nUsers, items: data.nItems, interactions: data.nnz }, backend.threads)!;
  if (heap) {
    const peak = heap.peakUsedBytes - base;
    ok(peak > 0 && peak <= need.wasm, `peak ${peak} within the estimate ${need.wasm}`);
    ok(peak >= need.wasm * 0.5, `the estimate ${need.wasm} is not far above the peak ${peak}`);
  }
});

// The common contract on the binary checkerboard: user u's missing group item comes first.
describeRecommender('infinite-ae', {
  makeModel: () => new InfiniteAeRecommender({ lambda: 1 }),
  fixture: checkerboard,
  top1: Array.from({ length: 20 }, (_, u) => [`u${u}`, `i${(u < 10 ? 0 : 10) + (u % 10)}`] as const),
  foldIn: 'supported',
});
