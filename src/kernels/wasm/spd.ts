/**
 * The `wasm` backend's dense SPD kernels (assembly/spd.ts): the sparse Gram matrix and the blocked sweep inverse of
 * EASE's closed form, both claiming work from a shared counter (claimed.ts) over the backend's threads.
 */
import type { Backend } from '../types.ts';
import { AbortError, NotPositiveDefiniteError } from '../../errors.ts';
import { checkGram, checkSquare } from '../validate.ts';
import { LINE, UNITS_PER_CALL, runClaimed } from './claimed.ts';
import type { WasmHeap } from './memory.ts';
import type { KernelPool } from './pool.ts';

/**
 * Columns per sweep block. Each block is one round of the thread pool (n/nb rounds) and one read of the trailing
 * matrix; 64 keeps the packed panel (n × 64 f32: ~0.9 MB at 3,500 items) within L2 while the rounds stay few.
 */
const SWEEP_BLOCK = 64;
/** Multiply-adds per sweep-update call: larger than UNITS_PER_CALL, since each round costs a message per call. */
const SWEEP_UNITS_PER_CALL = 1 << 26;

const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

export function createWasmSpd(heap: WasmHeap, x: Record<string, (...a: number[]) => number>, pool: KernelPool | undefined): Pick<Backend, 'sparseGram' | 'spdInverse'> {
  const threads = pool?.threads ?? 1;
  return {
    async sparseGram(byItem, byUser, regularization) {
      checkGram(byItem, byUser, regularization);
      const n = byItem.rows;
      const ptrs = [
        heap.put(byItem.indptr), heap.put(byItem.indices), heap.put(byItem.data),
        heap.put(byUser.indptr), heap.put(byUser.indices), heap.put(byUser.data),
      ];
      const out = heap.alloc(n * n * 4);
      const counter = heap.alloc(LINE);
      try {
        heap.i32(counter, 1)[0] = 0;
        // Work ≈ Σ_i Σ_{u ∈ users(i)} |items of u| / 2; each call stops near UNITS_PER_CALL entries.
        let work = 0;
        for (let i = 0; i < n; i++) for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) work += byUser.indptr[byItem.indices[p] + 1] - byUser.indptr[byItem.indices[p]];
        const calls = Math.ceil(work / 2 / UNITS_PER_CALL) + 1;
        await runClaimed(x, pool, 'gramRows', threads, calls, () => [...ptrs, n, n, out, regularization, counter, UNITS_PER_CALL]);
        x.spdSymmetrize(out, n, n, 1);
        return heap.f32(out, n * n).slice();
      } finally {
        for (const p of [...ptrs, out, counter]) heap.release(p);
      }
    },

    async spdInverse(a, n, options = {}) {
      checkSquare(a, n);
      const nb = SWEEP_BLOCK;
      const ld = Math.max(8, roundUp(n, 8));
      const rows = Math.max(8, roundUp(n, 8));
      const A = heap.alloc(rows * ld * 4);
      const panel = heap.alloc(ld * nb * 4);
      const d = heap.alloc(nb * nb * 4);
      const work = heap.alloc(nb * nb * 8);
      const counter = heap.alloc(LINE);
      const scratch = heap.alloc(threads * roundUp(nb * 16, LINE));
      try {
        const view = heap.f32(A, rows * ld);
        view.fill(0);
        for (let i = 0; i < n; i++) view.set(a.subarray(i * n, i * n + i + 1), i * ld);
        const blocks = Math.ceil(n / 4);
        for (let k0 = 0; k0 < n; k0 += nb) {
          if (options.signal?.aborted) throw new AbortError('spdInverse');
          const bad = x.spdSweepPivot(A, n, ld, k0, nb, panel, d, work);
          if (bad >= 0) throw new NotPositiveDefiniteError(bad);
          heap.i32(counter, 1)[0] = 0;
          const stepWork = (blocks * (blocks + 1) * 2 * Math.min(nb, n - k0) * 32) / 8;
          const calls = Math.ceil(stepWork / SWEEP_UNITS_PER_CALL) + 1;
          await runClaimed(x, pool, 'spdSweepUpdate', threads, calls, (t) => [A, n, ld, k0, nb, panel, d, counter, scratch + t * roundUp(nb * 16, LINE), SWEEP_UNITS_PER_CALL]);
          x.spdSweepFinish(A, n, ld, k0, nb, d);
        }
        x.spdSymmetrize(A, n, ld, -1);
        const out = new Float32Array(n * n);
        const result = heap.f32(A, rows * ld);
        for (let i = 0; i < n; i++) out.set(result.subarray(i * ld, i * ld + n), i * n);
        return out;
      } finally {
        for (const p of [A, panel, d, work, counter, scratch]) heap.release(p);
      }
    },
  };
}
