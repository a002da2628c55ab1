// WebGPU backend (issue 7): every WGSL kernel against the TS reference, the fused recommend against the Wasm
// backend, and an ALS fit on WebGPU against the Wasm fit. Where no WebGPU device can be had, each case asserts the
// typed WebGpuUnavailableError instead — and FAILS when a GPU is required (CI=true, or
// globalThis.RECWISE_REQUIRE_GPU), with what to install. On CI's CPU-only machine the adapter is SwiftShader
// (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for Node/Bun/Deno; Chromium's own in the browser).
import {
  init, getBackend, AlsRecommender, WebGpuUnavailableError, BackendUnavailableError, encodeModelState,
  decodeModelState, type Backend, type Csr,
} from 'recwise';
import { webgpuKernels, type WebGpuKernels } from 'recwise/webgpu';
import {
  alsCgRef, gramRef, matmulRef, denseForwardRef, denseBackwardRef, scoreBlockRef, recommendBlockRef, type Activation,
} from 'recwise/testing';
import { test } from './harness.ts';
import { close, equal, ok, rng } from './assert.ts';
import { checkerboard } from './fixtures.ts';

const g = globalThis as Record<string, any>;
const required = () => g.RECWISE_REQUIRE_GPU === true || /^(1|true|yes)$/i.test(String(g.process?.env?.CI ?? ''));

const INSTALL =
  'WebGPU is required here (CI=true or RECWISE_REQUIRE_GPU). Node/Bun: npm install webgpu (devDependency) and ' +
  'export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (apt-get install chromium); Deno: the same ' +
  'VK_ICD_FILENAMES; Chromium: launch with --enable-unsafe-webgpu from http://localhost.';

/**
 * Start the webgpu backend. Undefined when WebGPU is unavailable here — after asserting that init() rejected with
 * the typed error (a real check on every runtime); throws when a GPU is required.
 */
async function gpuBackend(): Promise<{ backend: Backend; gpu: WebGpuKernels } | undefined> {
  let error: unknown;
  try {
    await init({ backend: 'webgpu' });
  } catch (e) {
    error = e;
  }
  if (error === undefined) {
    const backend = await getBackend();
    equal(backend.name, 'webgpu');
    return { backend, gpu: webgpuKernels(backend)! };
  }
  ok(error instanceof WebGpuUnavailableError, `expected WebGpuUnavailableError, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
  ok(error instanceof BackendUnavailableError, 'WebGpuUnavailableError is a BackendUnavailableError (auto demotes past it)');
  ok(/Fix: /.test(error.message) && typeof error.reason === 'string', 'the error says why and what to do');
  if (required()) throw new Error(`${INSTALL} init({ backend: 'webgpu' }) failed: ${error.message}`);
  return undefined;
}

/** Run `fn` on the webgpu backend (restoring the default backend afterwards). */
function gpuTest(name: string, fn: (b: { backend: Backend; gpu: WebGpuKernels }) => Promise<void>): void {
  test(`webgpu: ${name}`, async () => {
    const b = await gpuBackend();
    if (!b) return;
    try {
      await fn(b);
    } finally {
      await init();
    }
  });
}

const randomArray = (n: number, seed: number, scale = 1) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * scale);
};
/** Small integers: dot products are exact in f32, so orders and ties must match bit for bit. */
const intArray = (n: number, seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.round(r() * 3));
};
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('webgpu: init reports the adapter, and auto never picks a fallback adapter', async () => {
  const b = await gpuBackend();
  if (!b) return;
  try {
    const info = await init({ backend: 'webgpu' });
    ok(info.gpu !== undefined, 'InitResult.gpu is filled');
    ok(info.gpu!.limits.maxComputeInvocationsPerWorkgroup >= 256, 'limits recorded');
    ok(Object.isFrozen(info.capabilities), 'capabilities stay frozen');
    const auto = await init();
    if (info.gpu!.isFallbackAdapter !== false) ok(auto.backend !== 'webgpu', `auto chose webgpu on a fallback adapter (${info.gpu!.architecture})`);
  } finally {
    await init();
  }
});

gpuTest('tiled matmul equals the reference (odd shapes up to 256, transposes, bias, activations, diagonal)', async ({ gpu }) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [64, 64, 64], [70, 33, 129], [65, 17, 1], [256, 256, 256], [1, 300, 2]];
  let seed = 1;
  for (const [M, K, N] of shapes) {
    const A = randomArray(M * K, seed++);
    const B = randomArray(K * N, seed++);
    close(await gpu.matmul(A, B, M, K, N), matmulRef(A, B, M, K, N), 1e-5 * K + 1e-6, `${M}×${K}×${N}`);
  }
  const [M, K, N] = [37, 19, 45];
  const A = randomArray(M * K, 9);
  const B = randomArray(K * N, 10);
  const bias = randomArray(N, 11);
  for (const activation of ['none', 'relu', 'sigmoid', 'tanh'] as Activation[]) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const o = { transA, transB, bias, activation, diag: 0.5 };
      close(await gpu.matmul(A, B, M, K, N, o), matmulRef(A, B, M, K, N, o), 1e-4, `${activation} transA=${transA} transB=${transB}`);
    }
  }
});

gpuTest('scoring and top-k equal the reference (ties to the lower index, NaN/-Infinity never returned)', async ({ backend, gpu }) => {
  for (const [n, dim, q] of [[1000, 16, 5], [257, 3, 3], [3, 64, 2], [4097, 33, 2]]) {
    const items = backend.matrix(randomArray(n * dim, n), n, dim);
    const queries = randomArray(q * dim, n + 1);
    close(await gpu.scoreBlock(queries, q, items), scoreBlockRef(queries, q, items.toArray(), n, dim), 1e-5 * dim);
    items.dispose();
  }
  const r = rng(5);
  for (const [rows, cols, k] of [[3, 1000, 20], [2, 257, 300], [4, 5000, 1], [1, 3, 10], [2, 2048, 1024], [5, 700, 64]]) {
    // heavy ties (values 0..9), some NaN and -Infinity
    const s = Float32Array.from({ length: rows * cols }, () => Math.floor(((r() + 1) / 2) * 10));
    for (let i = 0; i < s.length; i += 37) s[i] = NaN;
    for (let i = 5; i < s.length; i += 41) s[i] = -Infinity;
    const got = await gpu.topk(s, rows, cols, k);
    const want = backend.topk(s, rows, cols, k);
    equal(Array.from(got.indices).join(), Array.from(want.indices).join(), `indices ${rows}×${cols} k=${k}`);
    equal(Array.from(got.counts).join(), Array.from(want.counts).join(), 'counts');
    equal(Array.from(got.scores).join(), Array.from(want.scores).join(), 'scores');
  }
});

gpuTest('fused recommend (score → mask → top-k) equals the reference, through recommendBlockParallel too', async ({ backend, gpu }) => {
  const [n, dim, q, k] = [1500, 24, 9, 17];
  const itemData = intArray(n * dim, 21);
  const items = backend.matrix(itemData, n, dim);
  const queries = intArray(q * dim, 22);
  // mask rows 2.. of a 12-row CSR (firstRow 2), some rows empty
  const r = rng(23);
  const indptr = [0];
  const indices: number[] = [];
  for (let u = 0; u < 12; u++) {
    const set = new Set<number>();
    if (u % 4 !== 1) for (let t = 0; t < 40; t++) set.add(Math.floor(((r() + 1) / 2) * n));
    indices.push(...[...set].sort((a, b) => a - b));
    indptr.push(indices.length);
  }
  const maskCsr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices) };
  const mask = { rows: backend.sparseRows(maskCsr), firstRow: 2 };
  const outIdx = new Int32Array(q * k);
  const outScore = new Float32Array(q * k);
  const counts = new Int32Array(q);
  recommendBlockRef(queries, q, itemData, n, dim, { ...maskCsr, firstRow: 2 }, k, outIdx, outScore, counts);
  for (const got of [await gpu.recommendBlock(queries, q, items, k, mask), await backend.recommendBlockParallel(queries, q, items, k, mask)]) {
    equal(Array.from(got.indices).join(), Array.from(outIdx).join(), 'indices');
    equal(Array.from(got.scores).join(), Array.from(outScore).join(), 'scores');
    equal(Array.from(got.counts).join(), Array.from(counts).join(), 'counts');
  }
  // the synchronous path (Wasm) agrees
  equal(Array.from(backend.recommendBlock(queries, q, items, k, mask).indices).join(), Array.from(outIdx).join());
  mask.rows.dispose();
  items.dispose();
});

gpuTest('Gram matrix YᵀY + λI equals the reference', async ({ backend, gpu }) => {
  for (const [n, d] of [[1, 1], [100, 8], [333, 64], [50, 130], [257, 256]]) {
    const Y = randomArray(n * d, n * 7 + d, 0.5);
    const m = backend.matrix(Y, n, d);
    close(await gpu.gram(m, 0.25), gramRef(Y, n, d, 0.25), 1e-5 * n + 1e-6, `${n}×${d}`);
    close(backend.gram(m, 0.25), gramRef(Y, n, d, 0.25), 1e-5 * n + 1e-6, `sync ${n}×${d}`);
    m.dispose();
  }
});

/** Random confidence CSR with some negative (disliked) entries and some empty rows. */
function confidence(rows: number, cols: number, perRow: number, seed: number): Csr {
  const r = rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let u = 0; u < rows; u++) {
    const set = new Set<number>();
    if (u % 7 !== 3) {
      const want = 1 + Math.floor(((r() + 1) / 2) * perRow);
      while (set.size < Math.min(want, cols)) set.add(Math.floor(((r() + 1) / 2) * cols));
    }
    for (const i of [...set].sort((a, b) => a - b)) {
      indices.push(i);
      const c = 1 + ((r() + 1) / 2) * 20;
      data.push(r() < -0.8 ? -c : c);
    }
    indptr[u + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data), rows, cols };
}

gpuTest('batched CG steps equal alsCgRef from the same warm start (factors 1..300, looped above 256)', async ({ backend }) => {
  for (const [users, items, d, steps, perRow] of [[40, 30, 8, 3, 10], [70, 90, 64, 3, 150], [9, 20, 1, 2, 5], [20, 40, 100, 4, 30], [6, 50, 300, 2, 20]]) {
    const C = confidence(users, items, perRow, users + d);
    const X0 = randomArray(users * d, d + 1, 0.1);
    const Y = randomArray(items * d, d + 2, 0.1);
    const G = gramRef(Y, items, d, 0.1);
    const want = X0.slice();
    alsCgRef(C.indptr, C.indices, C.data, want, Y, G, d, 0, users, steps);
    const X = backend.matrix(X0, users, d);
    const Ym = backend.matrix(Y, items, d);
    const Cm = backend.sparseMatrix(C);
    await backend.alsSolve(X, Cm, Ym, G, { solver: 'cg', cgSteps: steps });
    const got = X.toArray();
    close(got, want, 2e-4 * Math.max(1, maxAbs(want)), `users ${users}, d ${d}, ${steps} steps`);
    for (const m of [X, Ym, Cm]) m.dispose();
  }
});

gpuTest('dense layer forward and backward equal the reference for every activation', async ({ gpu }) => {
  for (const [batch, inputs, outputs] of [[1, 1, 1], [7, 13, 5], [64, 100, 33], [130, 40, 256]]) {
    for (const act of ['none', 'relu', 'sigmoid', 'tanh'] as Activation[]) {
      const X = randomArray(batch * inputs, batch + inputs);
      const W = randomArray(inputs * outputs, outputs + 3, 0.3);
      const b = randomArray(outputs, 4);
      const Y = await gpu.denseForward(X, W, b, batch, inputs, outputs, act);
      const Yref = denseForwardRef(X, W, b, batch, inputs, outputs, act);
      close(Y, Yref, 1e-5 * inputs + 1e-6, `forward ${act} ${batch}×${inputs}×${outputs}`);
      const dY = randomArray(batch * outputs, 5);
      const got = await gpu.denseBackward(X, W, Yref, dY, batch, inputs, outputs, act);
      const want = denseBackwardRef(X, W, Yref, dY, batch, inputs, outputs, act);
      close(got.dX, want.dX, 1e-5 * outputs + 1e-6, `dX ${act}`);
      close(got.dW, want.dW, 1e-5 * batch + 1e-6, `dW ${act}`);
      close(got.db, want.db, 1e-5 * batch + 1e-6, `db ${act}`);
    }
  }
});

test('webgpu: ALS fit (cg) on WebGPU matches the Wasm fit within 1e-3, and saves the same model format', async () => {
  const b = await gpuBackend();
  if (!b) return;
  // regularization 1 keeps the planted fixture well conditioned: at 0.1 its near-null factor directions make even
  // Wasm (f32) vs the f64 reference drift by ~0.08 after 4 iterations, which would test rounding, not the kernels.
  const options = { factors: 8, regularization: 1, iterations: 4, alpha: 5, solver: 'cg' as const, cgSteps: 3, seed: 7 };
  try {
    const onGpu = await new AlsRecommender(options).fit(checkerboard());
    await init({ backend: 'wasm' });
    const onWasm = await new AlsRecommender(options).fit(checkerboard());
    // f32 CG on the GPU vs f32 CG in Wasm, 4 iterations: rounding only (measured 7e-5 on SwiftShader)
    close(onGpu.userFactors, onWasm.userFactors, 1e-3, 'user factors');
    const a = decodeModelState(encodeModelState(onGpu.toState()));
    const w = decodeModelState(encodeModelState(onWasm.toState()));
    equal(a.kind, w.kind);
    equal(JSON.stringify(Object.keys(a.tensors).sort()), JSON.stringify(Object.keys(w.tensors).sort()), 'same tensors');
    equal(JSON.stringify(a.params), JSON.stringify(w.params), 'same params');
    equal(onGpu.recommend('u3', { k: 3 }).map((r) => r.item).join(), onWasm.recommend('u3', { k: 3 }).map((r) => r.item).join());
  } finally {
    await init();
  }
});
