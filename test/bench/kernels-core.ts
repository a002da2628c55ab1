/**
 * Block-scoring benchmark of the kernel backends (issue 3): js vs wasm on the same inputs in the same run.
 * Shared by the `kernels` bench case (Node, via src) and test/bench/kernels-runtimes.mjs (Node, Deno and Bun,
 * via the built dist/esm/entry/default.js), so every runtime measures exactly the same thing.
 *
 * Workloads (64 dims, random f32 in [-1, 1), fixed seed):
 * - score 1×100k: one query against 100,000 items (scoreBlock, full score row out)
 * - score 1000×10k: 1,000 queries against 10,000 items (scoreBlock, 10M scores out)
 * - top10 1×100k / top10 1000×10k: fused score → top-10 (recommendBlock, calling thread)
 * - top10 1000×10k par: recommendBlockParallel with the wasm backend on 1 thread and on every thread
 * Each timing is the median of `reps` runs after `warmup` runs.
 */
type Recwise = typeof import('recwise');

export interface KernelBenchOptions {
  warmup?: number;
  reps?: number;
  dims?: number;
  /** Scale the item counts (e.g. 0.1 for a smoke run). */
  scale?: number;
  log?: (line: string) => void;
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

async function median(fn: () => unknown, warmup: number, reps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return times.length % 2 ? times[m] : (times[m - 1] + times[m]) / 2;
}

/**
 * Run the kernel benchmark; returns milliseconds per call (`<workload> <backend> ms`) and speed-ups
 * (`<workload> wasm/js ×` = js time ÷ wasm time, so > 1 means wasm is faster; `… threads ×` = 1-thread ÷ all-thread).
 */
export async function benchKernels(recwise: Recwise, options: KernelBenchOptions = {}): Promise<Record<string, number>> {
  const warmup = options.warmup ?? 2;
  const reps = options.reps ?? 7;
  const dims = options.dims ?? 64;
  const scale = options.scale ?? 1;
  const log = options.log ?? (() => {});
  const bigItems = Math.round(100_000 * scale);
  const smallItems = Math.round(10_000 * scale);
  const nQueries = 1000;
  const itemsBig = random(bigItems * dims, 1);
  const itemsSmall = random(smallItems * dims, 2);
  const q1 = random(dims, 3);
  const qMany = random(nQueries * dims, 4);

  const out: Record<string, number> = {};
  const configs: { label: string; init: { backend: 'js' | 'wasm'; threads?: number } }[] = [
    { label: 'js', init: { backend: 'js' } },
    { label: 'wasm', init: { backend: 'wasm', threads: 1 } },
    { label: 'wasm-mt', init: { backend: 'wasm' } },
  ];
  for (const cfg of configs) {
    const info = await recwise.init(cfg.init);
    const b = await recwise.getBackend();
    out[`${cfg.label} threads`] = info.threads;
    const big = b.matrix(itemsBig, bigItems, dims);
    const small = b.matrix(itemsSmall, smallItems, dims);
    try {
      if (cfg.label !== 'wasm-mt') {
        // Single-call kernels run on the calling thread: the threaded build is measured only where it splits work.
        out[`score 1×100k ${cfg.label} ms`] = await median(() => b.scoreBlock(q1, 1, big), warmup, reps * 3);
        out[`score 1000×10k ${cfg.label} ms`] = await median(() => b.scoreBlock(qMany, nQueries, small), warmup, reps);
        out[`top10 1×100k ${cfg.label} ms`] = await median(() => b.recommendBlock(q1, 1, big, 10), warmup, reps * 3);
        out[`top10 1000×10k ${cfg.label} ms`] = await median(() => b.recommendBlock(qMany, nQueries, small, 10), warmup, reps);
      }
      if (cfg.label !== 'js') {
        out[`top10 1000×10k par ${cfg.label} ms`] = await median(() => b.recommendBlockParallel(qMany, nQueries, small, 10), warmup, reps);
      }
    } finally {
      big.dispose();
      small.dispose();
    }
    log(`kernels: ${cfg.label} done (${info.backend}, ${info.threads} thread(s))`);
  }
  for (const w of ['score 1×100k', 'score 1000×10k', 'top10 1×100k', 'top10 1000×10k']) {
    out[`${w} wasm/js ×`] = out[`${w} js ms`] / out[`${w} wasm ms`];
  }
  out['top10 1000×10k par wasm-mt/js ×'] = out['top10 1000×10k js ms'] / out['top10 1000×10k par wasm-mt ms'];
  out['top10 1000×10k par threads ×'] = out['top10 1000×10k par wasm ms'] / out['top10 1000×10k par wasm-mt ms'];
  return out;
}
