/**
 * The `wasm` backend's sparse-product kernels (assembly/knn.ts): the all-pairs top-k of item-kNN / RP3beta and item-kNN
 * recommendation. Added to wasm backends by the kNN family (../families.ts).
 */
import type { Backend, Csr, TopK } from '../types.ts';
import { balancedBounds } from '../partition.ts';
import { checkProduct } from '../validate.ts';
import { UNITS_PER_CALL, runClaimed } from './claimed.ts';
import { runRows, type WasmKernelContext } from './backend.ts';

export function wasmKnnKernels({ heap, x, pool }: WasmKernelContext): Pick<Backend, 'productTopk' | 'productRecommend'> {
  /**
   * Run a row-wise sparse-product kernel (knn.ts) over a's rows: operands copied in, `scratchWords` × b.cols words of
   * zeroed scratch per thread, and `run` given the thread count, the prefix sums of the rows' work (entries of b
   * reached, plus b.cols/8 for the scan) and the pointers; returns the k-slot top-k rows.
   */
  async function productRows(
    a: Csr, b: Csr, k: number, scratchWords: number,
    run: (threads: number, work: Float64Array, p: Record<string, number>, scratch: number) => Promise<unknown>,
  ): Promise<TopK> {
    const rows = a.rows;
    const work = new Float64Array(rows + 1);
    for (let r = 0; r < rows; r++) {
      let w = b.cols / 8;
      for (let q = a.indptr[r]; q < a.indptr[r + 1]; q++) w += b.indptr[a.indices[q] + 1] - b.indptr[a.indices[q]];
      work[r + 1] = work[r] + w;
    }
    const threads = pool && work[rows] >= 1 << 16 ? Math.min(pool.threads, rows) : 1;
    const p = {
      aIndptr: heap.put(a.indptr), aIndices: heap.put(a.indices), aData: heap.put(a.data),
      bIndptr: heap.put(b.indptr), bIndices: heap.put(b.indices), bData: heap.put(b.data),
      idx: heap.alloc(rows * k * 4), score: heap.alloc(rows * k * 4), counts: heap.alloc(rows * 4), counter: heap.alloc(4),
    };
    const scratch = heap.alloc(threads * scratchWords * b.cols * 4);
    try {
      // The kernels expect zeroed sums and leave them zeroed.
      heap.f32(scratch, threads * scratchWords * b.cols).fill(0);
      heap.i32(p.counter, 1)[0] = 0;
      await run(threads, work, p, scratch);
      return { k, rows, indices: heap.i32(p.idx, rows * k).slice(), scores: heap.f32(p.score, rows * k).slice(), counts: heap.i32(p.counts, rows).slice() };
    } finally {
      for (const ptr of [...Object.values(p), scratch]) heap.release(ptr);
    }
  }

  return {
    async productTopk(a, b, k) {
      checkProduct(a, b, k);
      return productRows(a, b, k, 2, async (threads, work, p, scratch) => {
        const args = (t: number) => [
          p.aIndptr, p.aIndices, p.aData, p.bIndptr, p.bIndices, p.bData, b.cols, k, p.counter, a.rows, UNITS_PER_CALL,
          scratch + t * b.cols * 8, scratch + t * b.cols * 8 + b.cols * 4, p.idx, p.score, p.counts,
        ];
        // Rows claimed one at a time (claimed.ts): static ranges left the calling thread idle for ~40% of the product
        // on ml-1m (dense rows cost less per entry than the estimate, and a busy core slows one thread only).
        await runClaimed(x, pool, 'productTopkRows', threads, Math.ceil(work[a.rows] / UNITS_PER_CALL) + 1, args);
      });
    },
    async productRecommend(a, b, k, excludeOwn) {
      checkProduct(a, b, k);
      return productRows(a, b, k, 1, (threads, work, p, scratch) => {
        const bounds = balancedBounds(work, a.rows, Math.max(threads, 1), 0);
        return runRows(x, pool, 'productRecommendRows', bounds, (from, to) => work[to] - work[from], (from, to, t) => [
          p.aIndptr, p.aIndices, p.aData, p.bIndptr, p.bIndices, p.bData, b.cols, k, excludeOwn ? 1 : 0, from, to,
          scratch + t * b.cols * 4, p.idx, p.score, p.counts,
        ]);
      });
    },
  };
}
