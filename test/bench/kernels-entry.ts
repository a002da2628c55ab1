/**
 * One runtime's kernel benchmark against the built package (dist/esm/entry/default.js), printing one JSON line.
 * Run by test/bench/kernels-runtimes.mjs under Node (via tsx), Deno and Bun.
 */
import { benchKernels } from './kernels-core.ts';

type Recwise = typeof import('recwise');
const bundle = new URL('../../dist/esm/entry/default.js', import.meta.url).href;
const recwise = (await import(bundle)) as Recwise;
const scale = Number((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.RECWISE_BENCH_SCALE ?? 1);
const caps = await recwise.detectCapabilities();
const figures = await benchKernels(recwise, { scale });
console.log(JSON.stringify({ runtime: caps.runtime, hardwareConcurrency: caps.hardwareConcurrency, figures }));
await recwise.shutdown();
