// ALS: Wasm solvers against the TS reference, CG against Cholesky, and the model's implicit-compatible behaviour.
import {
  init, getBackend, AlsRecommender, InvalidArgumentError, UnknownUserError, NotPositiveDefiniteError, DimensionMismatchError,
  type Backend, type Csr,
} from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, rng, throws } from './assert.ts';
import { checkerboard } from './fixtures.ts';

/** Random confidence CSR with some negative (disliked) entries. */
function randomConfidence(rows: number, cols: number, perRow: number, seed: number, negatives = true): Csr {
  const r = rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < rows; u++) {
    const set = new Set<number>();
    const n = 1 + Math.floor(((r() + 1) / 2) * perRow);
    while (set.size < Math.min(n, cols)) set.add(Math.floor(((r() + 1) / 2) * cols));
    for (const i of [...set].sort((a, b) => a - b)) {
      indices.push(i);
      const c = 1 + ((r() + 1) / 2) * 9;
      data.push(negatives && r() > 0.8 ? -c : c);
    }
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), rows, cols };
}

function randomFactors(n: number, d: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * d }, () => r() * 0.3);
}

async function backend(name: 'js' | 'wasm'): Promise<Backend> {
  await init({ backend: name });
  return getBackend();
}

for (const d of [3, 8, 13, 64]) {
  test(`als/wasm: gram and solvers match the reference (d ${d})`, async () => {
    const js = await backend('js');
    const wasm = await backend('wasm');
    const nU = 37, nI = 29;
    const C = randomConfidence(nU, nI, 12, d);
    const Y = randomFactors(nI, d, d + 1);
    const X0 = randomFactors(nU, d, d + 2);
    const gJ = js.gram(js.matrix(Y, nI, d), 0.1);
    const gW = wasm.gram(wasm.matrix(Y, nI, d), 0.1);
    close(gW, gJ, 1e-5, 'gram');
    for (const solver of ['cg', 'cholesky'] as const) {
      const xJ = js.matrix(X0, nU, d);
      const xW = wasm.matrix(X0, nU, d);
      await js.alsSolve(xJ, js.sparseMatrix(C), js.matrix(Y, nI, d), gJ, { solver, cgSteps: 3 });
      await wasm.alsSolve(xW, wasm.sparseMatrix(C), wasm.matrix(Y, nI, d), gJ, { solver, cgSteps: 3 });
      close(xW.toArray(), xJ.toArray(), 2e-4, solver);
      // per-row regularisation (Rendle et al. 2022's frequency scaling): Wasm equals the reference, and it changes rows
      const rowRegularization = Float32Array.from({ length: nU }, (_, u) => 0.05 * (C.indptr[u + 1] - C.indptr[u]));
      const rJ = js.matrix(X0, nU, d);
      const rW = wasm.matrix(X0, nU, d);
      await js.alsSolve(rJ, js.sparseMatrix(C), js.matrix(Y, nI, d), gJ, { solver, cgSteps: 3, rowRegularization });
      await wasm.alsSolve(rW, wasm.sparseMatrix(C), wasm.matrix(Y, nI, d), gJ, { solver, cgSteps: 3, rowRegularization });
      close(rW.toArray(), rJ.toArray(), 2e-4, `${solver} with rowRegularization`);
      ok(rJ.toArray().some((v, e) => Math.abs(v - xJ.toArray()[e]) > 1e-4), 'rowRegularization changes the solution');
      await rejects(js.alsSolve(rJ, js.sparseMatrix(C), js.matrix(Y, nI, d), gJ, { solver, cgSteps: 3, rowRegularization: new Float32Array(3) }), DimensionMismatchError);
    }
  });
}

test('als/solvers: many CG steps converge to the Cholesky solution', async () => {
  for (const name of ['js', 'wasm'] as const) {
    const b = await backend(name);
    const d = 10, nU = 20, nI = 40;
    const C = randomConfidence(nU, nI, 15, 7);
    const Y = b.matrix(randomFactors(nI, d, 8), nI, d);
    const g = b.gram(Y, 0.5);
    const chol = b.matrix(new Float32Array(nU * d), nU, d);
    const cg = b.matrix(new Float32Array(nU * d), nU, d);
    await b.alsSolve(chol, b.sparseMatrix(C), Y, g, { solver: 'cholesky', cgSteps: 1 });
    for (let i = 0; i < 5; i++) await b.alsSolve(cg, b.sparseMatrix(C), Y, g, { solver: 'cg', cgSteps: 10 });
    close(cg.toArray(), chol.toArray(), 1e-3, name);
  }
});

test('als/solvers: a singular system is a typed error naming regularization', async () => {
  for (const name of ['js', 'wasm'] as const) {
    const b = await backend(name);
    const d = 4;
    // one item, zero regularization: rank-1 system in 4 dimensions
    const Y = b.matrix(Float32Array.of(1, 0, 0, 0), 1, d);
    const C = b.sparseMatrix({ indptr: Int32Array.of(0, 1), indices: Int32Array.of(0), data: Float32Array.of(2), rows: 1, cols: 1 });
    await rejects(b.alsSolve(b.matrix(new Float32Array(d), 1, d), C, Y, b.gram(Y, 0), { solver: 'cholesky', cgSteps: 1 }), NotPositiveDefiniteError, { field: 'regularization' });
  }
});

test('als/model: recommends the missing item of the user\'s own group first', async () => {
  await init();
  const model = await new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10 }).fit(checkerboard());
  for (let u = 0; u < 20; u++) {
    const base = u < 10 ? 0 : 10;
    equal(model.recommend(`u${u}`, { k: 1 })[0].item, `i${base + (u % 10)}`, `user u${u}`);
  }
  const batch = await model.recommendBatch(['u3', 'u15', 'u3']);
  deepEqual(batch[0], model.recommend('u3'));
  deepEqual(batch[1], model.recommend('u15'));
  deepEqual(batch[2], batch[0]);
});

test('als/model: fold-in and recalculateUser equal the fitted row of an exactly solved user', async () => {
  await init();
  const data = checkerboard();
  const model = await new AlsRecommender({ factors: 5, regularization: 0.1, iterations: 5, solver: 'cholesky' }).fit(data);
  // make every user row the exact solve against the final item factors
  const users = model.userIds;
  await model.partialFitUsers(users, users.map((u) => Array.from(data.itemsOf(data.userIndex(u)!), (i) => data.items.idAt(i))));
  const d = model.factorCount;
  const history = Array.from(data.itemsOf(3), (i) => data.items.idAt(i));
  const x = await model.recalculateUser(history);
  close(x, model.userFactors.subarray(3 * d, 4 * d), 1e-4);
  const folded = model.recommend('anyone', { userItems: history, k: 5 });
  const known = model.recommend('u3', { k: 5 });
  deepEqual(folded.map((r) => r.item), known.map((r) => r.item));
  close(folded.map((r) => r.score), known.map((r) => r.score), 1e-4);
});

test('als/model: explain contributions sum to the score', async () => {
  await init();
  const data = checkerboard();
  const model = await new AlsRecommender({ factors: 5, regularization: 0.1, iterations: 5, solver: 'cholesky' }).fit(data);
  const users = model.userIds;
  await model.partialFitUsers(users, users.map((u) => Array.from(data.itemsOf(data.userIndex(u)!), (i) => data.items.idAt(i))));
  const e = model.explain('u3', 'i3', { k: 100 });
  const sum = e.contributions.reduce((s, c) => s + c.score, 0);
  close(sum, e.score, 1e-5);
  close(e.score, model.score('u3', ['i3'])[0], 1e-4);
  ok(e.contributions.length === 9, 'one contribution per history item');
  for (let j = 1; j < e.contributions.length; j++) ok(e.contributions[j - 1].score >= e.contributions[j].score, 'sorted');
});

test('als/model: partialFitUsers adds a new user; similarItems puts the item first', async () => {
  await init();
  const model = await new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 8, alpha: 10 }).fit(checkerboard());
  await model.partialFitUsers(['new'], [['i0', 'i1', 'i2', 'i3']]);
  ok(model.userIds.includes('new'));
  const recs = model.recommend('new', { k: 3 });
  for (const r of recs) ok(['i4', 'i5', 'i6', 'i7', 'i8', 'i9'].includes(r.item as string), `group-0 item expected, got ${r.item}`);
  const sim = model.similarItems('i12', { k: 5 });
  equal(sim[0].item, 'i12');
  close(sim[0].score, 1, 1e-5);
  for (const s of sim) ok(Number(String(s.item).slice(1)) >= 10, 'same group');
  // users of one group have near-identical factors, so cosine ties at ~1: check the group, and that u1 is there at ~1
  const su = model.similarUsers('u1', { k: 10 });
  ok(su.some((s) => s.item === 'u1' && Math.abs(s.score - 1) < 1e-5), 'u1 is most similar to itself');
  for (const s of su) ok(Number(String(s.item).slice(1)) < 10, `same group, got ${s.item}`);
});

test('als/model: options are validated; unknown users are typed errors; state round-trips', async () => {
  throws(() => new AlsRecommender({ factors: 0 }), InvalidArgumentError, { field: 'factors' });
  throws(() => new AlsRecommender({ solver: 'lu' as never }), InvalidArgumentError, { field: 'solver' });
  throws(() => new AlsRecommender({ regularization: -1 }), InvalidArgumentError, { field: 'regularization' });
  await init();
  const model = await new AlsRecommender({ factors: 4, iterations: 3 }).fit(checkerboard());
  throws(() => model.recommend('nobody'), UnknownUserError, { field: 'user' });
  const copy = AlsRecommender.fromState(model.toState(), await getBackend());
  deepEqual(copy.recommend('u4', { k: 5 }), model.recommend('u4', { k: 5 }));
});

test('als/model: similarItemsBatch equals similarItems per item', async () => {
  await init();
  const model = await new AlsRecommender({ factors: 4, iterations: 5 }).fit(checkerboard());
  const ids = model.itemIds;
  const batch = await model.similarItemsBatch(ids, { k: 4 });
  ids.forEach((id, r) => {
    deepEqual(batch[r].map((x) => x.item), model.similarItems(id, { k: 4 }).map((x) => x.item), `item ${id}`);
    close(batch[r].map((x) => x.score), model.similarItems(id, { k: 4 }).map((x) => x.score), 1e-6);
  });
});

/**
 * Rendle et al. 2022's iALS, written out in f64: item i's exact solution against fixed user factors X minimises
 * Σ_{u ∈ U_i} c_ui (1 − x_uᵀy)² + α₀ Σ_{u ∉ U_i} (x_uᵀy)² + λ (|U_i| + α₀|U|)^ν ‖y‖², i.e. solves
 * (α₀ XᵀX + Σ_{u ∈ U_i} (c_ui − α₀) x_u x_uᵀ + λ_i I) y = Σ c_ui x_u.
 */
function ialsItemResidual(X: Float32Array, y: Float32Array, users: number[], conf: number[], nUsers: number, d: number, o: { regularization: number; unobservedWeight: number; regularizationExponent: number }): number {
  const a0 = o.unobservedWeight;
  const lambda = o.regularization * (users.length + a0 * nUsers) ** o.regularizationExponent;
  let worst = 0;
  for (let a = 0; a < d; a++) {
    let lhs = lambda * y[a];
    for (let u = 0; u < nUsers; u++) {
      let xy = 0;
      for (let f = 0; f < d; f++) xy += X[u * d + f] * y[f];
      lhs += a0 * X[u * d + a] * xy;
    }
    let rhs = 0;
    users.forEach((u, e) => {
      let xy = 0;
      for (let f = 0; f < d; f++) xy += X[u * d + f] * y[f];
      lhs += (conf[e] - a0) * X[u * d + a] * xy;
      rhs += conf[e] * X[u * d + a];
    });
    worst = Math.max(worst, Math.abs(lhs - rhs) / Math.max(1, Math.abs(rhs)));
  }
  return worst;
}

test('als/ials: unobservedWeight, frequency-scaled regularization and initStd solve Rendle et al. 2022\'s system', async () => {
  const data = checkerboard();
  const knobs = { regularization: 0.02, unobservedWeight: 0.3, regularizationExponent: 1, alpha: 2 };
  for (const name of ['js', 'wasm'] as const) {
    await backend(name);
    const model = await new AlsRecommender({ factors: 5, iterations: 6, solver: 'cholesky', initStd: 0.1, ...knobs }).fit(data);
    // the last half-step solved every item exactly against the final user factors
    const d = 5;
    for (let i = 0; i < data.nItems; i++) {
      const users: number[] = [];
      for (let u = 0; u < data.nUsers; u++) if (data.itemsOf(u).includes(i)) users.push(u);
      const res = ialsItemResidual(model.userFactors, model.itemFactors.subarray(i * d, (i + 1) * d), users, users.map(() => 1 + knobs.alpha), data.nUsers, d, knobs);
      ok(res < 1e-3, `${name}: item ${i} normal equations residual ${res}`);
    }
    // fold-in solves the user's own system (λ scaled by the history's length) against the item factors
    const items = Array.from(data.itemsOf(3));
    const x = await model.recalculateUser(items.map((i) => data.items.idAt(i)));
    const swapped = ialsItemResidual(model.itemFactors, x, items, items.map(() => 1 + knobs.alpha), data.nItems, d, knobs);
    ok(swapped < 1e-3, `${name}: recalculateUser residual ${swapped}`);
    const dot = (j: number) => x.reduce((acc, v, f) => acc + v * model.itemFactors[j * d + f], 0);
    close(model.score('x', ['i0', 'i5'], { userItems: items.map((i) => data.items.idAt(i)) }), [dot(0), dot(5)], 1e-4, 'fold-in scores');
  }
});

test('als/ials: the defaults are implicit\'s model; each knob changes the solution; initStd draws N(0, σ²/d)', async () => {
  await init();
  const data = checkerboard();
  const base = { factors: 6, iterations: 3 };
  const plain = await new AlsRecommender(base).fit(data);
  const explicit = await new AlsRecommender({ ...base, unobservedWeight: 1, regularizationExponent: 0, initStd: 0 }).fit(data);
  deepEqual(explicit.itemFactors, plain.itemFactors, 'the defaults are the old model, bit for bit');
  const differs = (a: Float32Array, b: Float32Array) => a.some((v, e) => Math.abs(v - b[e]) > 1e-5);
  for (const knob of [{ unobservedWeight: 0.2 }, { regularizationExponent: 1 }, { initStd: 0.1 }]) {
    ok(differs((await new AlsRecommender({ ...base, ...knob }).fit(data)).itemFactors, plain.itemFactors), JSON.stringify(knob));
  }
  const init0 = await new AlsRecommender({ factors: 64, iterations: 0, initStd: 0.5 }).fit(data);
  const v = Array.from(init0.itemFactors);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  ok(Math.abs(mean) < 0.01 && Math.abs(sd - 0.5 / 8) < 0.006, `mean ${mean}, sd ${sd} (want 0, ${0.5 / 8})`);
  ok(Array.from((await new AlsRecommender({ factors: 64, iterations: 0 }).fit(data)).itemFactors).every((x) => x >= 0 && x < 0.01), 'implicit\'s U[0, 0.01)');
  throws(() => new AlsRecommender({ unobservedWeight: 0 }), InvalidArgumentError, { field: 'unobservedWeight' });
  throws(() => new AlsRecommender({ regularizationExponent: -1 }), InvalidArgumentError, { field: 'regularizationExponent' });
  throws(() => new AlsRecommender({ initStd: Number.NaN }), InvalidArgumentError, { field: 'initStd' });
});
