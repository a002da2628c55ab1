/**
 * WebGPU vs Wasm in one run (issue 7): matmul GFLOP/s, fused scoring throughput at 100k items × 64, and ALS
 * s/iteration on ml-1m (64 factors, CG 3 steps). GPU timings include upload and readback (what a caller waits for).
 * On a software adapter (SwiftShader/llvmpipe: `gpuFallback` = 1) these figures measure the CPU emulation, not a GPU;
 * 2048³ runs only on a hardware adapter. Needs VK_ICD_FILENAMES (or a GPU) on Node — see runtimes.md §1.
 */
import { init, getBackend, readInteractions, AlsRecommender, type Backend } from 'recwise';
import { webgpuKernels } from 'recwise/webgpu';
import type { BenchCase } from '../case.ts';

const DATA = '../shared/data/splits';
const log = (l: string) => process.stderr.write(`${l}\n`);

async function timed(fn: () => Promise<unknown> | unknown, reps: number): Promise<number> {
  await fn(); // warm-up: pipeline compilation / Wasm tier-up
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);

async function gpuBackend(): Promise<Backend> {
  await init({ backend: 'webgpu' });
  return getBackend();
}

export const cases: BenchCase[] = [
  {
    name: 'webgpu-matmul',
    async run() {
      const gpu = webgpuKernels(await gpuBackend())!;
      const out: Record<string, number> = { gpuFallback: gpu.info.isFallbackAdapter === false ? 0 : 1 };
      const sizes = gpu.info.isFallbackAdapter === false ? [256, 512, 1024, 2048] : [256, 512, 1024];
      for (const n of sizes) {
        const A = random(n * n);
        const B = random(n * n);
        const flops = 2 * n * n * n;
        const s = await timed(() => gpu.matmul(A, B, n, n, n, { transB: true }), n >= 1024 ? 2 : 3);
        out[`webgpu GFLOP/s ${n}`] = flops / s / 1e9;
        await init({ backend: 'wasm' });
        const wasm = await getBackend();
        const items = wasm.matrix(B, n, n);
        const w = await timed(() => wasm.scoreBlock(A, n, items), 3);
        items.dispose();
        out[`wasm GFLOP/s ${n}`] = flops / w / 1e9;
        await init({ backend: 'webgpu' });
        log(`matmul ${n}: webgpu ${out[`webgpu GFLOP/s ${n}`].toFixed(2)} GFLOP/s, wasm (1 thread scoreBlock) ${out[`wasm GFLOP/s ${n}`].toFixed(2)} GFLOP/s`);
      }
      await init();
      return out;
    },
  },
  {
    name: 'webgpu-scoring',
    async run() {
      const [nItems, d, users, k] = [100_000, 64, 64, 10];
      const itemData = random(nItems * d);
      const queries = random(users * d);
      const out: Record<string, number> = {};
      for (const name of ['webgpu', 'wasm'] as const) {
        await init({ backend: name });
        const b = await getBackend();
        const items = b.matrix(itemData, nItems, d);
        const s = await timed(() => b.recommendBlockParallel(queries, users, items, k), 3);
        items.dispose();
        out[`${name} users/s`] = users / s;
        log(`scoring ${nItems}×${d}, ${users} users, top-${k}: ${name} ${(users / s).toFixed(0)} users/s`);
      }
      await init();
      return out;
    },
  },
  {
    name: 'webgpu-als-ml-1m',
    async run() {
      const { interactions } = await readInteractions(`${DATA}/ml-1m/train.tsv`, { binary: true, sortIds: true });
      const iterations = 2;
      const out: Record<string, number> = {};
      for (const name of ['webgpu', 'wasm'] as const) {
        const info = await init({ backend: name });
        const t0 = performance.now();
        await new AlsRecommender({ factors: 64, iterations, solver: 'cg', cgSteps: 3, regularization: 0.05 }).fit(interactions);
        out[`${name} s/iteration`] = (performance.now() - t0) / 1000 / iterations;
        log(`ALS ml-1m 64 factors CG 3: ${name} (${info.threads} threads) ${out[`${name} s/iteration`].toFixed(2)} s/iteration`);
      }
      await init();
      return out;
    },
  },
];
