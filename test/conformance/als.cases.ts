// ALS: Wasm solvers against the TS reference, CG against Cholesky, and the model's implicit-compatible behaviour.
import {
  init, getBackend, AlsRecommender, InvalidArgumentError, UnknownUserError, NotPositiveDefiniteError,
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
