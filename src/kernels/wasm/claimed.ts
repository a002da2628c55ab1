/**
 * Dynamic scheduling on the JS side of assembly/claim.ts: kernels that take rows or sample chunks from one shared
 * counter and return 0 once none is left. A thread that runs slower (or whose core is busy) simply claims less, where
 * static ranges left the other thread idle (up to ~40% of the wall on this project's 2-core benches).
 */
import type { KernelPool } from './pool.ts';

/**
 * Work units (entries, or item scores) per kernel call. V8 starts a Wasm function in its baseline tier and only
 * switches to optimised code between calls (no on-stack replacement for Wasm), so one long call over all rows
 * would run unoptimised throughout: measured 5–10× slower on the first ALS half-step. Chunks of ~2^22 units
 * (~1 ms) let tier-up happen early at negligible call overhead.
 */
export const UNITS_PER_CALL = 1 << 22;

/** Bytes between per-thread blocks written in a hot loop, so two threads never write one cache line (false sharing). */
export const LINE = 128;

/**
 * Run claiming kernel `fn` on `threads` threads until the work is gone. `calls` calls per worker are queued up front,
 * so no thread waits for this one to hand out work: pass enough to cover all the work if one thread did all of it
 * (each call but a thread's last does at least its share). The calling thread runs `fn` until it returns 0.
 */
export async function runClaimed(
  exports: Record<string, (...a: number[]) => number>, pool: KernelPool | undefined, fn: string,
  threads: number, calls: number, args: (thread: number) => number[],
): Promise<void> {
  const remote: Promise<number>[] = [];
  for (let t = 1; t < threads; t++) for (let c = 0; c < calls; c++) remote.push(pool!.call(t - 1, fn, args(t)));
  while (exports[fn](...args(0)) > 0);
  await Promise.all(remote);
}

/**
 * Chunking of `total` samples for a claiming kernel: `share` samples per claim (at least `minShare`, about 32 claims
 * per thread), `perCall` claims per call (about `step` samples, the UNITS_PER_CALL budget), and the `calls` per thread
 * that cover every sample.
 */
export function sampleChunks(total: number, step: number, threads: number, minShare: number): { share: number; perCall: number; calls: number } {
  const share = Math.max(minShare, Math.min(step, Math.ceil(total / (threads * 32))));
  const perCall = Math.max(1, Math.floor(step / share));
  return { share, perCall, calls: Math.ceil(total / share / perCall) + 1 };
}
