/**
 * The deterministic LMF pass of the `wasm` backend (issue 22). A half-epoch updates each row of one side from the
 * other side's fixed rows, so rows are independent; only the random negatives tie a row's result to the thread that
 * ran it (one stream per thread, rows claimed in whatever order the threads reach them). Here rows come in fixed
 * blocks (src/kernels/partition.ts, bounds from the data alone), each block with its own stream, claimed row by row
 * within the block by the one thread that owns it: the factors are the same for 1, 2 or n threads, on every runtime
 * (the Wasm arithmetic is IEEE without relaxed operations), and the pass still runs on every thread.
 */
import type { LmfEpochOptions } from '../types.ts';
import { deterministicBlocks } from '../partition.ts';
import { seedState } from '../reference/sgd.ts';
import { LINE, UNITS_PER_CALL } from './claimed.ts';
import type { WasmHeap } from './memory.ts';
import type { KernelPool } from './pool.ts';

interface Dense { readonly ptr: number; readonly cols: number }
interface Sparse { readonly indptr: number; readonly indices: number; readonly data: number; readonly nnz: number; readonly rows: number; readonly hostIndptr: Int32Array }

/** The leading arguments of assembly/sgd.ts lmfRowsClaim (everything before counter, rows, maxWork, scratch, rng). */
export function lmfArgs(X: Dense, Y: Dense, G: Dense, C: Sparse, o: LmfEpochOptions): number[] {
  return [C.indptr, C.indices, C.data, C.nnz, X.ptr, Y.ptr, G.ptr, X.cols, o.learningRate, o.regularization, o.negativeProportion, o.negativeCap];
}

/**
 * One LMF pass in deterministic blocks on `threads` threads: block b is run by thread b mod threads (static, so no
 * thread needs a message to learn its next block), its rows claimed in order from its own counter with its own
 * stream `seedState(seed, b)`. `rowsWork(from, to)` is the kernel's work estimate of a row range.
 */
export async function lmfDeterministic(
  heap: WasmHeap, x: Record<string, (...a: number[]) => number>, pool: KernelPool | undefined,
  X: Dense, Y: Dense, G: Dense, C: Sparse, o: LmfEpochOptions, threads: number, rowsWork: (from: number, to: number) => number,
): Promise<void> {
  const bounds = deterministicBlocks(C.hostIndptr, C.rows);
  const blocks = bounds.length - 1;
  // per block one cache line: its row counter at +0, its rng at +16 (one thread touches a block at a time)
  const slots = heap.alloc(blocks * LINE);
  const rowBytes = Math.ceil((X.cols * 4) / LINE) * LINE;
  const scratch = heap.alloc(threads * rowBytes);
  for (let b = 0; b < blocks; b++) {
    heap.i32(slots + b * LINE, 1)[0] = bounds[b];
    heap.u32(slots + b * LINE + 16, 4).set(seedState(o.seed, b));
  }
  const common = lmfArgs(X, Y, G, C, o);
  const args = (b: number, t: number) => [...common, slots + b * LINE, bounds[b + 1], UNITS_PER_CALL, scratch + t * rowBytes, slots + b * LINE + 16];
  try {
    const remote: Promise<number>[] = [];
    for (let b = 0; b < blocks; b++) {
      const t = b % threads;
      if (t === 0) continue;
      // enough calls to finish the block if each does the minimum (one call ends after ~UNITS_PER_CALL of work)
      const calls = Math.ceil(rowsWork(bounds[b], bounds[b + 1]) / UNITS_PER_CALL) + 1;
      for (let c = 0; c < calls; c++) remote.push(pool!.call(t - 1, 'lmfRowsClaim', args(b, t)));
    }
    for (let b = 0; b < blocks; b += threads) while (x.lmfRowsClaim(...args(b, 0)) > 0);
    await Promise.all(remote);
  } finally {
    heap.release(slots);
    heap.release(scratch);
  }
}
