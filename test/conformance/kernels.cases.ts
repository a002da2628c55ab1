// Kernel conformance: every registered backend against the TS reference, and documented errors.
import { init, getBackend, shutdown, registeredBackends, InvalidArgumentError, DimensionMismatchError, UnknownBackendError, WasmModuleMismatchError, type Backend } from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects, rng, throws } from './assert.ts';

const BACKENDS = ['js', 'wasm'] as const;

async function backendOf(name: (typeof BACKENDS)[number], threads?: number): Promise<Backend> {
  await init({ backend: name, threads });
  return getBackend();
}

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  const r = rng(seed);
  // scaled so that dot products stay O(1) and f32 rounding stays well under the 1e-5 tolerance
  const s = 1 / Math.sqrt(cols);
  return Float32Array.from({ length: rows * cols }, () => r() * s);
}

for (const name of BACKENDS) {
  for (const dim of [1, 3, 4, 7, 16, 17, 64, 100]) {
    test(`kernels/${name}: scoreBlock matches reference (dim ${dim})`, async () => {
      const b = await backendOf(name);
      const ref = await backendOf('js');
      const nItems = 53, nQ = 5;
      const items = randomMatrix(nItems, dim, dim * 7 + 1);
      const queries = randomMatrix(nQ, dim, dim * 7 + 2);
      await init({ backend: name });
      const got = b.scoreBlock(queries, nQ, b.matrix(items, nItems, dim));
      const want = ref.scoreBlock(queries, nQ, ref.matrix(items, nItems, dim));
      close(got, want, 1e-5);
    });
  }

  test(`kernels/${name}: topk order is score desc, then lower index; excluded entries never returned`, async () => {
    const b = await backendOf(name);
    const scores = new Float32Array([0.5, 1, 1, -Infinity, NaN, 0.5, 2, 1]);
    const t = b.topk(scores, 1, 8, 5);
    deepEqual(t.indices, [6, 1, 2, 7, 0]);
    deepEqual(t.scores, [2, 1, 1, 1, 0.5]);
    deepEqual(t.counts, [5]);
    const all = b.topk(scores, 1, 8, 20); // k larger than the catalogue: only the 6 real scores
    equal(all.counts[0], 6);
    deepEqual(all.indices.subarray(0, 6), [6, 1, 2, 7, 0, 5]);
    equal(b.topk(scores, 1, 8, 0).counts[0], 0);
  });

  test(`kernels/${name}: topk rows identical to reference on random scores with ties`, async () => {
    const b = await backendOf(name);
    const ref = await backendOf('js');
    const r = rng(99);
    const rows = 7, cols = 301;
    // quantised scores force many ties
    const scores = Float32Array.from({ length: rows * cols }, () => Math.round(r() * 20) / 4);
    for (const k of [1, 5, 10, 300, 301, 400]) {
      const got = b.topk(scores, rows, cols, k);
      const want = ref.topk(scores, rows, cols, k);
      deepEqual(got.counts, want.counts, `counts k=${k}`);
      deepEqual(got.indices, want.indices, `indices k=${k}`);
      deepEqual(got.scores, want.scores, `scores k=${k}`);
    }
  });

  test(`kernels/${name}: scoring queries two at a time is bit-identical to one at a time`, async () => {
    // scoreRows2 (assembly/score.ts) must form every (query, item) sum exactly as dot4/dot do for one query; the exact
    // kNN case (retrieval.cases.ts) and every metric rely on it.
    const b = await backendOf(name, 2);
    for (const dim of [1, 3, 4, 7, 17, 64]) {
      for (const nItems of [1, 4, 53]) {
        const items = b.matrix(randomMatrix(nItems, dim, dim + 31 * nItems), nItems, dim);
        const queries = randomMatrix(9, dim, dim + 7);
        const one = new Float32Array(9 * nItems);
        for (let q = 0; q < 9; q++) one.set(b.scoreBlock(queries.subarray(q * dim, (q + 1) * dim), 1, items), q * nItems);
        deepEqual(new Uint32Array(b.scoreBlock(queries, 9, items).buffer), new Uint32Array(one.buffer), `scoreBlock dim ${dim}, ${nItems} items`);
        const k = Math.min(nItems, 5);
        const top = await b.recommendBlockParallel(queries, 9, items, k);
        for (let q = 0; q < 9; q++) {
          const single = b.recommendBlock(queries.subarray(q * dim, (q + 1) * dim), 1, items, k);
          deepEqual(top.indices.subarray(q * k, (q + 1) * k), single.indices, `top-k ids dim ${dim}, ${nItems} items, query ${q}`);
          deepEqual(new Uint32Array(top.scores.slice(q * k, (q + 1) * k).buffer), new Uint32Array(single.scores.slice().buffer), `top-k scores dim ${dim}, query ${q}`);
        }
      }
    }
  });

  test(`kernels/${name}: recommendBlock masks rows and matches reference`, async () => {
    const b = await backendOf(name);
    const ref = await backendOf('js');
    const dim = 19, nItems = 211, nUsers = 9;
    const items = randomMatrix(nItems, dim, 5);
    const users = randomMatrix(nUsers, dim, 6);
    // user u has seen items u, u+10, ..., and the mask starts at row 2 of a 12-row CSR
    const indptr = [0];
    const indices: number[] = [];
    for (let u = 0; u < 12; u++) {
      for (let i = u; i < nItems; i += 10) indices.push(i);
      indptr.push(indices.length);
    }
    const csr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices) };
    const got = await b.recommendBlockParallel(users, nUsers, b.matrix(items, nItems, dim), 15, { rows: b.sparseRows(csr), firstRow: 2 });
    const want = ref.recommendBlock(users, nUsers, ref.matrix(items, nItems, dim), 15, { rows: ref.sparseRows(csr), firstRow: 2 });
    deepEqual(got.counts, want.counts);
    deepEqual(got.indices, want.indices);
    close(got.scores, want.scores, 1e-5);
    for (let q = 0; q < nUsers; q++) {
      const seen = new Set(indices.slice(indptr[q + 2], indptr[q + 3]));
      for (let j = 0; j < got.counts[q]; j++) ok(!seen.has(got.indices[q * 15 + j]), `user ${q} got a seen item`);
    }
  });

  test(`kernels/${name}: csrFromCoo sorts rows and columns and merges duplicates by policy`, async () => {
    const b = await backendOf(name);
    const rows = Int32Array.from([2, 0, 2, 0, 1, 2, 0]);
    const cols = Int32Array.from([1, 3, 0, 3, 2, 1, 0]);
    const vals = Float32Array.from([1, 2, 3, 4, 5, 6, 7]);
    const keep = b.csrFromCoo(rows, cols, vals, 4, 4);
    deepEqual(keep.indptr, [0, 3, 4, 7, 7]);
    deepEqual(keep.indices, [0, 3, 3, 2, 0, 1, 1]);
    deepEqual(keep.data, [7, 2, 4, 5, 3, 1, 6]);
    const sum = b.csrFromCoo(rows, cols, vals, 4, 4, 'sum');
    deepEqual(sum.indptr, [0, 2, 3, 5, 5]);
    deepEqual(sum.indices, [0, 3, 2, 0, 1]);
    deepEqual(sum.data, [7, 6, 5, 3, 7]);
    deepEqual(b.csrFromCoo(rows, cols, vals, 4, 4, 'max').data, [7, 4, 5, 3, 6]);
    deepEqual(b.csrFromCoo(rows, cols, vals, 4, 4, 'last').data, [7, 4, 5, 3, 6]);
    throws(() => b.csrFromCoo(rows, cols, vals, 2, 4), InvalidArgumentError, { field: 'rows[0]' });
  });

  test(`kernels/${name}: dimension mismatch between user and item vectors is a typed error`, async () => {
    const b = await backendOf(name);
    const items = b.matrix(new Float32Array(12), 3, 4);
    throws(() => b.scoreBlock(new Float32Array(5), 1, items), DimensionMismatchError, /dimension \(4\)/);
    throws(() => b.matrix(new Float32Array(11), 3, 4), DimensionMismatchError, { field: 'data.length' });
    throws(() => b.recommendBlock(new Float32Array(4), 1, items, -1), InvalidArgumentError, { field: 'k' });
  });
}

test('kernels: wasm results do not depend on the thread count', async () => {
  const dim = 32, nItems = 500, nUsers = 64;
  const items = randomMatrix(nItems, dim, 11);
  const users = randomMatrix(nUsers, dim, 12);
  const one = await backendOf('wasm', 1);
  const a = await one.recommendBlockParallel(users, nUsers, one.matrix(items, nItems, dim), 10);
  const many = await backendOf('wasm');
  const b = await many.recommendBlockParallel(users, nUsers, many.matrix(items, nItems, dim), 10);
  deepEqual(a.indices, b.indices);
  deepEqual(a.scores, b.scores);
});

test('init: unknown backend names the field, the value and the choices', async () => {
  await rejects(init({ backend: 'cuda' as never }), UnknownBackendError, /Unknown backend "cuda"/);
  try {
    await init({ backend: 'cuda' as never });
  } catch (e) {
    for (const name of ['auto', ...registeredBackends()]) ok((e as Error).message.includes(`'${name}'`), `lists '${name}'`);
  }
  await rejects(init({ threads: 0 }), InvalidArgumentError, { field: 'threads' });
});

test('init: is idempotent and reports capabilities', async () => {
  const a = await init({ backend: 'wasm' });
  const b = await init({ backend: 'wasm' });
  equal(a, b);
  ok(Object.isFrozen(a.capabilities), 'capabilities are frozen');
  ok(a.capabilities.wasmSimd, 'SIMD detected');
  ok(a.threads >= 1 && a.threads <= a.capabilities.maxThreads);
});

test('init: a wasm module without the kernel exports is rejected before use', async () => {
  // (module (func (export "f"))) — a valid module that is not ours
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11]);
  const caps = (await init()).capabilities;
  if (!caps.wasmCompileFromBytes) return; // workerd: cannot compile bytes at all (covered by its own case)
  await rejects(init({ backend: 'wasm', wasmModule: new WebAssembly.Module(bytes) }), WasmModuleMismatchError, /heapBase/);
  await shutdown();
});
