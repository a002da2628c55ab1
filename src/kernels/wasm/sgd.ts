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
import { yieldToEventLoop } from '../../runtime/yield.ts';
import type { WasmHeap } from './memory.ts';
import type { KernelPool } from './pool.ts';

interface Dense { readonly ptr: number; readonly cols: number }
interface Sparse { readonly indptr: number; readonly indices: number; readonly data: number; readonly nnz: number; readonly rows: number; readonly hostIndptr: Int32Array }

/** The leading arguments of assembly/sgd.ts lmfRowsClaim (everything before counter, rows, maxWork, scratch, rng). */
export function lmfArgs(X: Dense, Y: Dense, G: Dense, C: Sparse, o: LmfEpochOptions): number[] {
  return [C.indptr, C.indices, C.data, C.nnz, X.ptr, Y.ptr, G.ptr, X.cols, o.learningRate, o.regularization, o.negativeProportion, o.negativeCap];
}

/** Blocks each worker has queued ahead, so it never waits for the calling thread to hand it the next one. */
const AHEAD = 2;

/**
 * One LMF pass in deterministic blocks on `threads` threads. Blocks are handed out in order to whichever thread asks
 * next (a thread on a busy core simply takes fewer, as with claimed rows), each block to one thread only: its rows
 * claimed in order from its own counter, with its own stream `seedState(seed, b)`. The calling thread runs blocks
 * too and yields to the event loop after each one, so workers' answers (and with them their next blocks) get through.
 */
export async function lmfDeterministic(
  heap: WasmHeap, x: Record<string, (...a: number[]) => number>, pool: KernelPool | undefined,
  X: Dense, Y: Dense, G: Dense, C: Sparse, o: LmfEpochOptions, threads: number,
): Promise<void> {
  const bounds = deterministicBlocks(C.hostIndptr, C.rows);
  const blocks = bounds.length - 1;
  // per block one cache line: its row counter at +0, its rng at +16 (one thread owns a block)
  const slots = heap.alloc(blocks * LINE);
  const rowBytes = Math.ceil((X.cols * 4) / LINE) * LINE;
  const scratch = heap.alloc(threads * rowBytes);
  for (let b = 0; b < blocks; b++) {
    heap.i32(slots + b * LINE, 1)[0] = bounds[b];
    heap.u32(slots + b * LINE + 16, 4).set(seedState(o.seed, b));
  }
  const common = lmfArgs(X, Y, G, C, o);
  const args = (b: number, t: number) => [...common, slots + b * LINE, bounds[b + 1], UNITS_PER_CALL, scratch + t * rowBytes, slots + b * LINE + 16];
  let next = 0;
  // A worker runs a block to its end: a call returns after ~UNITS_PER_CALL of work, another follows until one finds
  // the block done (0). Blocks queued on one worker interleave their calls, which keeps each block's order.
  const remoteBlock = async (t: number, b: number): Promise<void> => {
    while ((await pool!.call(t - 1, 'lmfRowsClaim', args(b, t))) > 0);
  };
  const worker = async (t: number): Promise<void> => {
    for (let b; (b = next) < blocks; ) {
      next++;
      await remoteBlock(t, b);
    }
  };
  try {
    const remote: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) for (let a = 0; a < AHEAD; a++) remote.push(worker(t));
    for (let b; (b = next) < blocks; ) {
      next++;
      while (x.lmfRowsClaim(...args(b, 0)) > 0);
      await yieldToEventLoop();
    }
    await Promise.all(remote);
  } finally {
    heap.release(slots);
    heap.release(scratch);
  }
}
