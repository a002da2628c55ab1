/**
 * The `wasm` backend's SGD kernels (assembly/sgd.ts): BPR samples and LMF passes, added to wasm backends by the SGD
 * family (../families.ts).
 *
 * The deterministic LMF pass (issue 22). A half-epoch updates each row of one side from the
 * other side's fixed rows, so rows are independent; only the random negatives tie a row's result to the thread that
 * ran it (one stream per thread, rows claimed in whatever order the threads reach them). Here rows come in fixed
 * blocks (src/kernels/partition.ts, bounds from the data alone), each block with its own stream, claimed row by row
 * within the block by the one thread that owns it: the factors are the same for 1, 2 or n threads, on every runtime
 * (the Wasm arithmetic is IEEE without relaxed operations), and the pass still runs on every thread.
 */
import type { Backend, LmfEpochOptions } from '../types.ts';
import { deterministicBlocks } from '../partition.ts';
import { seedState } from '../reference/sgd.ts';
import { checkSgd } from '../validate.ts';
import { LINE, UNITS_PER_CALL, runClaimed, sampleChunks } from './claimed.ts';
import { WasmMatrix, WasmSparseMatrix, own, type WasmKernelContext } from './backend.ts';
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

export function wasmSgdKernels({ heap, x, pool }: WasmKernelContext): Pick<Backend, 'bprEpoch' | 'lmfEpoch'> {
  return {
    async bprEpoch(users, items, interactions, samples, options) {
      const X = own(users, WasmMatrix, heap, 'matrix');
      const Y = own(items, WasmMatrix, heap, 'matrix');
      const C = own(interactions, WasmSparseMatrix, heap, 'sparseMatrix');
      checkSgd(X, Y, C, samples);
      if (C.nnz === 0 || samples === 0) return { correct: 0, skipped: 0 };
      X.changed();
      Y.changed();
      // deterministic: one stream in sample order (Hogwild's interleaving of shared-row updates cannot be replayed)
      const threads = pool && samples >= 4096 && !options.deterministic ? pool.threads : 1;
      // Per thread, one cache line: rng state (written on every draw) at +0, stats at +16. With 16-byte blocks the
      // two threads' states shared a line, which bounced between the cores twice per sample.
      const state = heap.alloc(threads * LINE);
      for (let t = 0; t < threads; t++) {
        heap.u32(state + t * LINE, 4).set(seedState(options.seed, t));
        heap.i32(state + t * LINE + 16, 2).fill(0);
      }
      const perSample = X.cols * 8;
      const step = Math.max(1, Math.floor(UNITS_PER_CALL / perSample));
      const rows = C.rowOfEntry();
      const common = [rows, C.indices, C.indptr, C.nnz, X.ptr, Y.ptr, X.cols, options.learningRate, options.regularization, options.verifyNegative ? 1 : 0];
      const counter = threads > 1 ? heap.alloc(LINE) : 0;
      try {
        if (threads === 1) {
          for (let a = 0; a < samples; a += step) x.bprSamples(...common, Math.min(step, samples - a), state, state + 16);
        } else {
          // Samples claimed in chunks (claimed.ts), each thread drawing from its own rng.
          const { share, perCall, calls } = sampleChunks(samples, step, threads, 256);
          heap.i32(counter, 1)[0] = 0;
          await runClaimed(x, pool, 'bprSamplesClaim', threads, calls, (t) => [...common, counter, samples, share, perCall, state + t * LINE, state + t * LINE + 16]);
        }
        let correct = 0, skipped = 0;
        for (let t = 0; t < threads; t++) {
          const s = heap.i32(state + t * LINE + 16, 2);
          correct += s[0];
          skipped += s[1];
        }
        return { correct, skipped };
      } finally {
        heap.release(state);
        if (counter) heap.release(counter);
      }
    },
    async lmfEpoch(target, other, rows, gradSq, options) {
      const X = own(target, WasmMatrix, heap, 'matrix');
      const Y = own(other, WasmMatrix, heap, 'matrix');
      const G = own(gradSq, WasmMatrix, heap, 'matrix');
      const C = own(rows, WasmSparseMatrix, heap, 'sparseMatrix');
      checkSgd(X, Y, C, 0, G);
      if (C.nnz === 0) return;
      X.changed();
      G.changed();
      const threads = pool && C.rows >= 64 ? Math.min(pool.threads, C.rows) : 1;
      const cols = X.cols;
      const ip = C.hostIndptr;
      if (options.deterministic) return lmfDeterministic(heap, x, pool, X, Y, G, C, options, threads);
      const work = (ip[C.rows] * (1 + Math.min(options.negativeProportion, options.negativeCap)) + C.rows) * cols;
      // Per thread, one cache line or more: rng state (written on every draw) at +0, the gradient row after it. With
      // 16-byte rng blocks and `cols`-float scratch rows side by side, the threads' hot writes shared cache lines.
      const block = LINE + Math.ceil((cols * 4) / LINE) * LINE;
      const state = heap.alloc(threads * block);
      const counter = heap.alloc(LINE);
      for (let t = 0; t < threads; t++) heap.u32(state + t * block, 4).set(seedState(options.seed, t));
      heap.i32(counter, 1)[0] = 0;
      const args = (t: number) => [
        ...lmfArgs(X, Y, G, C, options), counter, C.rows, UNITS_PER_CALL, state + t * block + LINE, state + t * block,
      ];
      try {
        // Rows claimed one at a time (claimed.ts).
        await runClaimed(x, pool, 'lmfRowsClaim', threads, Math.ceil(work / UNITS_PER_CALL) + 1, args);
      } finally {
        heap.release(state);
        heap.release(counter);
      }
    },
  };
}
