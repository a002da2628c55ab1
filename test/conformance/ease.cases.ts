// EASE (Steck 2019): the SPD kernels (sparse Gram, blocked sweep inverse) in Wasm against the TS reference, the closed
// form against a hand-computed case, pruning, the memory refusal, options, and the common Recommender contract.
import {
  init, getBackend, EaseRecommender, Interactions, Vocabulary, InvalidArgumentError, MemoryLimitError, NotPositiveDefiniteError,
  AbortError, DimensionMismatchError, easeMemoryBytes, type Backend, type Csr,
  UnknownOptionError, saveModel, loadModel,
} from 'recwise';
import { test } from './harness.ts';
import { describeRecommender } from './recommender-contract.ts';
import { checkerboard, randomInteractions, withSessions } from './fixtures.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';

async function backend(name: 'js' | 'wasm'): Promise<Backend> {
  await init({ backend: name });
  return getBackend();
}


for (const [users, items, perUser, label] of [[30, 7, 4, 'tiny'], [200, 64, 20, 'one block'], [400, 131, 30, 'partial blocks'], [900, 300, 60, 'threaded']] as const) {
  test(`ease/wasm: sparseGram is bit-identical and spdInverse matches the reference (${label})`, async () => {
    const js = await backend('js');
    const wasm = await backend('wasm');
    const data = randomInteractions(users, items, perUser, users + items);
    const byItem = data.itemUsers(js);
    const gRef = await js.sparseGram(byItem, data.byUser, 3.5);
    const g = await wasm.sparseGram(byItem, data.byUser, 3.5);
    deepEqual(g, gRef, 'Gram matrix');
    for (let i = 0; i < items; i++) for (let j = 0; j < i; j++) equal(g[i * items + j], g[j * items + i], `symmetric at ${i},${j}`);
    const pRef = await js.spdInverse(g, items);
    const p = await wasm.spdInverse(g, items);
    let scale = 0;
    for (const v of pRef) scale = Math.max(scale, Math.abs(v));
    for (let e = 0; e < p.length; e++) ok(Math.abs(p[e] - pRef[e]) <= 1e-4 * scale, `P[${e}] ${p[e]} vs ${pRef[e]}`);
    // P really is the inverse: G·P = I (checked on a few columns, in f64)
    for (const c of [0, items >> 1, items - 1]) {
      for (let i = 0; i < items; i++) {
        let v = 0;
        for (let j = 0; j < items; j++) v += g[i * items + j] * p[j * items + c];
        ok(Math.abs(v - (i === c ? 1 : 0)) < 1e-3, `(G·P)[${i},${c}] = ${v}`);
      }
    }
  });
}

test('ease/wasm: spdInverse rejects a matrix that is not positive definite, and an aborted signal', async () => {
  // [[1, 2], [2, 1]] has eigenvalues 3 and −1: the second pivot is 1 − 4 < 0
  for (const name of ['js', 'wasm'] as const) {
    const be = await backend(name);
    await rejects(be.spdInverse(Float32Array.of(1, 2, 2, 1), 2), NotPositiveDefiniteError);
    await rejects(be.spdInverse(Float32Array.of(-1), 1), NotPositiveDefiniteError);
    await rejects(be.spdInverse(Float32Array.of(1, 0, 0), 2), DimensionMismatchError);
    const controller = new AbortController();
    controller.abort();
    await rejects(be.spdInverse(Float32Array.of(2), 1, { signal: controller.signal }), AbortError);
  }
});

test('ease/fit: two items give the hand-computed closed form B_01 = c / (G_00 + λ), B_10 = c / (G_11 + λ)', async () => {
  await init();
  // users: {0, 1}, {0, 1}, {0}, {1}, {0} → G_00 = 4, G_11 = 3, co-count c = 2
  const rows = [[0, 1], [0, 1], [0], [1], [0]];
  const indptr = [0];
  for (const r of rows) indptr.push(indptr[indptr.length - 1] + r.length);
  const csr: Csr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(rows.flat()), data: new Float32Array(rows.flat().length).fill(1), rows: 5, cols: 2 };
  const data = new Interactions(Vocabulary.from([0, 1, 2, 3, 4]), Vocabulary.from(['a', 'b']), csr);
  const model = await new EaseRecommender({ lambda: 2 }).fit(data);
  const w = model.weights;
  deepEqual(Array.from(w.indptr), [0, 1, 2]);
  deepEqual(Array.from(w.indices), [1, 0]);
  close(Array.from(w.data), [2 / 6, 2 / 5], 1e-6);
  close(model.score(3, ['a']), [2 / 5], 1e-6); // user 3 has only item b: score(a) = B_ba
  ok(model.residual < 1e-5, `residual ${model.residual}`);
  // diagonal penalty ρ (Steck 2020): Λ = λI + ρ·diag(G), so B_01 = c / (G_00 (1 + ρ) + λ)
  const emphasised = await new EaseRecommender({ lambda: 2, diagonalPenalty: 0.5 }).fit(data);
  close(Array.from(emphasised.weights.data), [2 / (4 * 1.5 + 2), 2 / (3 * 1.5 + 2)], 1e-6);
  // normalised Gram, β = 1, α = ½: user weights 1/|I_u| = ½, ½, 1, 1, 1 → D = diag(3, 2), co-count ½ + ½ = 1, so
  // G̃ = [[1, 1/√6], [1/√6, 1]] and tr(G̃)/tr(G) = 2/7 scales λ = 2 to 4/7; B̃_01 = (1/√6)/(1 + 4/7) and B = D^−½ B̃
  const normalised = await new EaseRecommender({ lambda: 2, userNormalization: 1, itemNormalization: 0.5 }).fit(data);
  const b = 1 / Math.sqrt(6) / (1 + 4 / 7);
  close(Array.from(normalised.weights.data), [b / Math.sqrt(3), b / Math.sqrt(2)], 1e-6);
  close(normalised.score(3, ['a']), [b / Math.sqrt(2)], 1e-6); // scores are x_u · B with the raw history
  ok(normalised.residual < 1e-5, `residual ${normalised.residual}`);
  // with ρ = 0.5 as well: Λ = λ̃I + ρ·diag(G̃), denominators 1·1.5 + 4/7
  const both = await new EaseRecommender({ lambda: 2, userNormalization: 1, itemNormalization: 0.5, diagonalPenalty: 0.5 }).fit(data);
  const b2 = 1 / Math.sqrt(6) / (1.5 + 4 / 7);
  close(Array.from(both.weights.data), [b2 / Math.sqrt(3), b2 / Math.sqrt(2)], 1e-6);
  // only users normalised (β = ½): weights 2^−½ on the pairs, so G̃ = [[√2 + 2, √2], [√2, √2 + 1]], λ scaled by tr(G̃)/7
  const users = await new EaseRecommender({ lambda: 2, userNormalization: 0.5 }).fit(data);
  const r2 = Math.SQRT2;
  const lambda = (2 * (2 * r2 + 3)) / 7;
  close(Array.from(users.weights.data), [r2 / (r2 + 2 + lambda), r2 / (r2 + 1 + lambda)], 1e-6);
});

test('ease/fit: the normalised Gram on the Wasm backend equals the reference, pruned keeps the largest |B_ij|, and plain EASE is unchanged at α = β = 0', async () => {
  const data = randomInteractions(300, 90, 25, 11, { binary: true });
  const options = { lambda: 20, userNormalization: 0.7, itemNormalization: 0.25, diagonalPenalty: 0.3 };
  await init({ backend: 'js' });
  const ref = await new EaseRecommender(options).fit(data);
  // f64 closed form from the definition (module comment of ease.ts), on one column
  const n = 90;
  const gram = new Float64Array(n * n);
  for (let u = 0; u < data.nUsers; u++) {
    const items = Array.from(data.itemsOf(u));
    const w = items.length ** -0.7;
    for (const i of items) for (const j of items) gram[i * n + j] += w;
  }
  const d = Array.from({ length: n }, (_, i) => gram[i * n + i]);
  const s = d.map((x) => x ** -0.25);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += d[i] * s[i] * s[i];
  const lam = (20 * trace) / data.nnz;
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => gram[i * n + j] * s[i] * s[j] + (i === j ? lam + 0.3 * d[i] * s[i] * s[i] : 0)));
  close(storedColumn0(ref, n), easeColumn0(a).map((v, i) => v * s[i]), 1e-5, 'B column 0 = D^−α (−P_i0 / P_00)');
  await init({ backend: 'wasm' });
  const wasm = await new EaseRecommender(options).fit(data);
  deepEqual(wasm.weights.indices, ref.weights.indices);
  close(Array.from(wasm.weights.data), Array.from(ref.weights.data), 1e-5);
  ok(wasm.residual < 1e-4, `residual ${wasm.residual}`);
  const pruned = await new EaseRecommender({ ...options, neighbors: 5 }).fit(data);
  for (let j = 0; j < n; j++) {
    const column = Array.from({ length: n }, (_, i) => i).filter((i) => i !== j);
    const value = (i: number) => {
      for (let q = ref.weights.indptr[i]; q < ref.weights.indptr[i + 1]; q++) if (ref.weights.indices[q] === j) return ref.weights.data[q];
      return 0;
    };
    const threshold = column.map((i) => Math.abs(value(i))).sort((x, y) => y - x)[4];
    let kept = 0;
    for (let i = 0; i < n; i++) {
      for (let q = pruned.weights.indptr[i]; q < pruned.weights.indptr[i + 1]; q++) {
        if (pruned.weights.indices[q] !== j) continue;
        kept++;
        ok(Math.abs(pruned.weights.data[q]) >= threshold - 1e-5, `column ${j} kept row ${i}`);
        close([pruned.weights.data[q]], [value(i)], 1e-5, `pruned B[${i}, ${j}] is the unpruned weight`);
      }
    }
    equal(kept, 5, `column ${j} keeps 5`);
  }
  const plain = await new EaseRecommender({ lambda: 20 }).fit(data);
  const zero = await new EaseRecommender({ lambda: 20, userNormalization: 0, itemNormalization: 0 }).fit(data);
  deepEqual(zero.weights.data, plain.weights.data, 'α = β = 0 is plain EASE');
  ok(Math.abs(ref.weights.data[0] - plain.weights.data[0]) > 1e-4, 'normalisation changes the weights');
});

test('ease/fit: Wasm fit equals the reference backend, and pruning keeps each column\'s largest |weights|', async () => {
  const data = randomInteractions(300, 90, 25, 7, { binary: true });
  await init({ backend: 'js' });
  const ref = await new EaseRecommender({ lambda: 20 }).fit(data);
  await init({ backend: 'wasm' });
  const dense = await new EaseRecommender({ lambda: 20 }).fit(data);
  deepEqual(dense.weights.indices, ref.weights.indices);
  close(Array.from(dense.weights.data), Array.from(ref.weights.data), 1e-5);
  const pruned = await new EaseRecommender({ lambda: 20, neighbors: 5 }).fit(data);
  const n = 90;
  const full = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let q = ref.weights.indptr[i]; q < ref.weights.indptr[i + 1]; q++) full[i * n + ref.weights.indices[q]] = ref.weights.data[q];
  const kept: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) for (let q = pruned.weights.indptr[i]; q < pruned.weights.indptr[i + 1]; q++) kept[pruned.weights.indices[q]].push(i);
  for (let j = 0; j < n; j++) {
    equal(kept[j].length, 5, `column ${j} keeps 5`);
    const column = Array.from({ length: n }, (_, i) => i).filter((i) => i !== j).sort((a, b) => Math.abs(full[b * n + j]) - Math.abs(full[a * n + j]));
    const threshold = Math.abs(full[column[4] * n + j]);
    for (const i of kept[j]) ok(Math.abs(full[i * n + j]) >= threshold - 1e-5, `column ${j} kept row ${i}`);
  }
  // pruned scores are the dense formula over the kept weights
  const u = 3;
  const items = Array.from(data.itemsOf(u));
  const expected = new Float64Array(n);
  for (const i of items) for (let q = pruned.weights.indptr[i]; q < pruned.weights.indptr[i + 1]; q++) expected[pruned.weights.indices[q]] += pruned.weights.data[q];
  close(pruned.score(u, [0, 1, 2, 50]), [0, 1, 2, 50].map((j) => expected[j]), 1e-5);
});

test('ease/scoring: an unpruned B scores densely (x_u · B); lists and scores equal the sum of the stored weights', async () => {
  for (const name of ['js', 'wasm'] as const) {
    await backend(name);
    const data = randomInteractions(300, 90, 25, 17);
    const model = await new EaseRecommender({ lambda: 20 }).fit(data);
    const n = 90;
    const { indptr, indices, data: w } = model.weights;
    const users = data.users.ids();
    const expected = users.map((_, u) => {
      const row = new Float64Array(n);
      const { indptr: sp, indices: si, data: sw } = model.trainingIndex.seen;
      for (let p = sp[u]; p < sp[u + 1]; p++) for (let q = indptr[si[p]]; q < indptr[si[p] + 1]; q++) row[indices[q]] += sw[p] * w[q];
      return row;
    });
    const batch = await model.recommendBatch(users, { k: 10 });
    const unfiltered = await model.recommendBatch(users, { k: 5, filterSeen: false });
    users.forEach((user, u) => {
      const seen = new Set(data.itemsOf(u));
      const order = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i)).sort((a, b) => expected[u][b] - expected[u][a] || a - b);
      equal(batch[u].length, Math.min(10, order.length));
      batch[u].forEach((rec, j) => {
        close([rec.score], [expected[u][rec.item as number]], 1e-5, `user ${user} score of ${rec.item}`);
        ok(rec.item === order[j] || Math.abs(expected[u][order[j]] - rec.score) < 1e-5, `user ${user} rank ${j}: ${rec.item} vs ${order[j]}`);
      });
      deepEqual(batch[u], model.recommend(user, { k: 10 }), `batch = single for ${user}`);
      deepEqual(unfiltered[u], model.recommend(user, { k: 5, filterSeen: false }), `filterSeen false for ${user}`);
    });
    close(Array.from(model.scoreUsers(Int32Array.of(4, 7))), [...expected[4], ...expected[7]], 1e-5, 'scoreUsers');
  }
});

test('ease/memory: the items² estimate is checked before allocating, with the limit and the alternatives named', async () => {
  await init();
  const data = randomInteractions(50, 40, 10, 3);
  const need = easeMemoryBytes(40);
  ok(need.total >= 40 * 40 * 4 * 3 && need.wasm >= 40 * 40 * 4, 'estimate covers the working matrix, P and B');
  const model = new EaseRecommender({ memoryLimit: need.total - 1 });
  await rejects(model.fit(data), MemoryLimitError, { field: 'memoryLimit' });
  try {
    await new EaseRecommender({ memoryLimit: 1000 }).fit(data);
  } catch (e) {
    const err = e as MemoryLimitError;
    equal(err.limit, 1000);
    equal(err.limitName, 'memoryLimit option');
    ok(/RP3beta/.test(err.message) && /neighbors/.test(err.message), err.message);
  }
  ok(!model.fitted, 'nothing fitted');
  const fine = await new EaseRecommender({ memoryLimit: need.total }).fit(data);
  ok(fine.fitted);
});

/** Column 0 of B = −P_i0 / P_00 (B_00 = 0) for the f64 matrix `a` (the penalised Gram), by Gauss-Jordan. */
function easeColumn0(a: number[][]): number[] {
  const n = a.length;
  const m = a.map((row, i) => [...row, i === 0 ? 1 : 0]);
  for (let c = 0; c < n; c++) {
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const p = m.map((row, i) => row[n] / m[i][i]);
  return p.map((v, i) => (i === 0 ? 0 : -v / p[0]));
}

function storedColumn0(model: EaseRecommender, n: number): number[] {
  const column = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (let q = model.weights.indptr[i]; q < model.weights.indptr[i + 1]; q++) if (model.weights.indices[q] === 0) column[i] = model.weights.data[q];
  return column;
}

test('ease/session: the session-weighted Gram is its definition (pairs weigh the share of 4 staggered windows they are in together), on both backends', async () => {
  const n = 40;
  const data = withSessions(randomInteractions(150, n, 14, 23, { binary: true }), 5);
  const window = 600;
  const ts = data.timestamps!;
  const t0 = Math.min(...ts);
  // f64 from the definition in session-rows.ts: window k of a timestamp t is ⌊(t − t₀ + k·w/4) / w⌋
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 30 : 0)));
  for (let u = 0; u < data.nUsers; u++) {
    for (let p = data.byUser.indptr[u]; p < data.byUser.indptr[u + 1]; p++) {
      for (let q = data.byUser.indptr[u]; q < data.byUser.indptr[u + 1]; q++) {
        let shared = 0;
        for (let k = 0; k < 4; k++) if (Math.floor((ts[p] - t0 + (k * window) / 4) / window) === Math.floor((ts[q] - t0 + (k * window) / 4) / window)) shared++;
        a[data.byUser.indices[p]][data.byUser.indices[q]] += shared / 4;
      }
    }
  }
  const expected = easeColumn0(a);
  for (const name of ['js', 'wasm'] as const) {
    await init({ backend: name });
    const model = await new EaseRecommender({ lambda: 30, sessionWindow: window }).fit(data);
    close(storedColumn0(model, n), expected, 1e-5, `${name}: B column 0`);
    ok(model.residual < 1e-4, `residual ${model.residual}`);
  }
  // the weighting changes B: pairs far apart in time count less than in plain EASE
  const plain = await new EaseRecommender({ lambda: 30 }).fit(data);
  ok(storedColumn0(plain, n).some((v, i) => Math.abs(v - expected[i]) > 1e-3), 'plain EASE differs');
});

test('ease/session: a window longer than 4× the data\'s time span is plain EASE; normalisations apply per user; no timestamps is a typed error', async () => {
  await init();
  const data = withSessions(randomInteractions(120, 30, 10, 3, { binary: true }), 9);
  const ts = data.timestamps!;
  const span = Math.max(...ts) - Math.min(...ts);
  for (const options of [{ lambda: 20 }, { lambda: 20, userNormalization: 0.6, itemNormalization: 0.2, diagonalPenalty: 0.4 }]) {
    const plain = await new EaseRecommender(options).fit(data);
    const session = await new EaseRecommender({ ...options, sessionWindow: 5 * (span + 1) }).fit(data);
    deepEqual(session.weights.indices, plain.weights.indices);
    close(Array.from(session.weights.data), Array.from(plain.weights.data), 1e-5, JSON.stringify(options));
  }
  // the window is a parameter of the model file; a loaded model scores as the fitted one (no timestamps needed to score)
  const fitted = await new EaseRecommender({ lambda: 20, sessionWindow: 120 }).fit(data);
  const loaded = await loadModel(await saveModel(fitted), EaseRecommender);
  equal(loaded.params.sessionWindow, 120);
  close(Array.from(loaded.scoreUsers(Int32Array.of(0, 5))), Array.from(fitted.scoreUsers(Int32Array.of(0, 5))), 1e-6);
  const untimed = new Interactions(data.users, data.items, data.byUser);
  await rejects(new EaseRecommender({ sessionWindow: 3600 }).fit(untimed), InvalidArgumentError, { field: 'sessionWindow' });
  try {
    await new EaseRecommender({ sessionWindow: 3600 }).fit(untimed);
  } catch (e) {
    ok(/timestamp/.test((e as Error).message), (e as Error).message);
  }
  const broken = new Interactions(data.users, data.items, data.byUser, ts.map((t, e) => (e === 3 ? Number.NaN : t)));
  await rejects(new EaseRecommender({ sessionWindow: 3600 }).fit(broken), InvalidArgumentError, { field: 'sessionWindow' });
});

test('ease/options: unknown keys and bad values are typed errors naming the field', () => {
  throws(() => new EaseRecommender({ lamda: 10 } as never), UnknownOptionError, { field: 'lamda' });
  try {
    new EaseRecommender({ lamda: 10 } as never);
  } catch (e) {
    ok(/did you mean `lambda`/.test((e as Error).message), (e as Error).message);
  }
  throws(() => new EaseRecommender({ lambda: 0 }), InvalidArgumentError, { field: 'lambda' });
  throws(() => new EaseRecommender({ lambda: Number.NaN }), InvalidArgumentError, { field: 'lambda' });
  throws(() => new EaseRecommender({ neighbors: 2.5 }), InvalidArgumentError, { field: 'neighbors' });
  throws(() => new EaseRecommender({ memoryLimit: -1 }), InvalidArgumentError, { field: 'memoryLimit' });
  deepEqual(new EaseRecommender().params, { lambda: 500, diagonalPenalty: 0, userNormalization: 0, itemNormalization: 0, sessionWindow: 0, neighbors: 0, memoryLimit: 0 });
  throws(() => new EaseRecommender({ sessionWindow: -60 }), InvalidArgumentError, { field: 'sessionWindow' });
  throws(() => new EaseRecommender({ diagonalPenalty: -0.1 }), InvalidArgumentError, { field: 'diagonalPenalty' });
  throws(() => new EaseRecommender({ userNormalization: -0.5 }), InvalidArgumentError, { field: 'userNormalization' });
  throws(() => new EaseRecommender({ itemNormalization: 1.5 }), InvalidArgumentError, { field: 'itemNormalization' });
  throws(() => new EaseRecommender({ itemNormalization: Number.NaN }), InvalidArgumentError, { field: 'itemNormalization' });
});

test('ease/fit: progress is reported and an aborted signal stops the fit', async () => {
  await init();
  const data = randomInteractions(20, 10, 5, 3);
  const seen: number[] = [];
  await new EaseRecommender({ lambda: 1 }).fit(data, { onProgress: (p) => seen.push(p.done) });
  deepEqual(seen, [1, 2, 3]);
  const controller = new AbortController();
  controller.abort();
  await rejects(new EaseRecommender().fit(data, { signal: controller.signal }), AbortError);
});

// The common contract: on the binary checkerboard, user u's one missing group item comes first; fold-in of a trained
// user's items gives exactly that user's list (scores = x · B).
for (const [name, options] of [
  ['ease', { lambda: 1 }],
  ['ease-pruned', { lambda: 1, neighbors: 4 }],
  ['ease-normalised', { lambda: 1, userNormalization: 0.5, itemNormalization: 0.2, diagonalPenalty: 0.2 }],
] as const) {
  describeRecommender(name, {
    makeModel: () => new EaseRecommender(options),
    fixture: checkerboard,
    top1: Array.from({ length: 20 }, (_, u) => [`u${u}`, `i${(u < 10 ? 0 : 10) + (u % 10)}`] as const),
    foldIn: 'same',
  });
}
