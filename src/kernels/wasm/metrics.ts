/**
 * The `wasm` backend's ranking-facts kernels (assembly/metrics.ts): rankMetrics over a score block, and the one-pass
 * scored form (issue 23). Added to wasm backends by the metrics family (../families.ts), which evaluation loads.
 */
import type { Backend, CsrArrays, RankMetrics } from '../types.ts';
import { checkQueries } from '../validate.ts';
import { checkRankMetrics } from '../validate-metrics.ts';
import { LINE, UNITS_PER_CALL, runClaimed } from './claimed.ts';
import { MIN_QUERIES_PER_THREAD, WasmMatrix, chunks, own, type WasmKernelContext } from './backend.ts';

export function wasmMetricsKernels({ heap, x, pool }: WasmKernelContext): Pick<Backend, 'rankMetrics' | 'rankMetricsScored'> {
  /**
   * Inputs and outputs of the rankMetrics kernels for nRows rows: `rowArgs(a, n, t)` gives the kernel arguments after
   * the scores for rows [a, a + n) (thread t's test scratch), `read()` copies the facts out, `release()` frees them.
   */
  function rankFacts(nRows: number, train: CsrArrays, test: CsrArrays, k: number) {
    let maxTest = 0;
    for (let r = 0; r < nRows; r++) maxTest = Math.max(maxTest, test.indptr[r + 1] - test.indptr[r]);
    const nnz = test.indices.length;
    const scratchBytes = Math.ceil(((maxTest + 4) * 12) / LINE) * LINE;
    const p = {
      trainIndptr: heap.put(train.indptr), trainIndices: heap.put(train.indices),
      testIndptr: heap.put(test.indptr), testIndices: heap.put(test.indices),
      top: heap.alloc(nRows * k * 4), topScores: heap.alloc(nRows * k * 4), counts: heap.alloc(nRows * 4), hits: heap.alloc(nRows * k * 4),
      ranks: heap.alloc(nnz * 4), negatives: heap.alloc(nRows * 4), auc: heap.alloc(nRows * 8), above: heap.alloc(nRows * 4),
      scratch: heap.alloc((pool?.threads ?? 1) * scratchBytes),
    };
    return {
      rowArgs: (a: number, n: number, t = 0) => [
        p.trainIndptr + a * 4, p.trainIndices, p.testIndptr + a * 4, p.testIndices, k,
        p.top + a * k * 4, p.topScores + a * k * 4, p.counts + a * 4, p.hits + a * k * 4,
        p.ranks, p.negatives + a * 4, p.auc + a * 8, p.above + a * 4, p.scratch + t * scratchBytes,
      ],
      read: (): RankMetrics => ({
        k, rows: nRows,
        indices: heap.i32(p.top, nRows * k).slice(), scores: heap.f32(p.topScores, nRows * k).slice(), counts: heap.i32(p.counts, nRows).slice(),
        hits: heap.i32(p.hits, nRows * k).slice(), ranks: heap.i32(p.ranks, nnz).slice(), negatives: heap.i32(p.negatives, nRows).slice(),
        aucPairs: new Float64Array(heap.memory.buffer, p.auc, nRows).slice(), above: heap.i32(p.above, nRows).slice(),
      }),
      release: () => {
        for (const ptr of Object.values(p)) heap.release(ptr);
      },
    };
  }

  return {
    rankMetrics(scores, nRows, nCols, train, test, k) {
      checkRankMetrics(scores, nRows, nCols, train, test, k);
      const facts = rankFacts(nRows, train, test, k);
      const s = heap.put(scores);
      try {
        // CSR offsets stay absolute, so a chunk of rows only shifts the per-row pointers (tier-up, see UNITS_PER_CALL).
        for (const [a, b] of chunks(0, nRows, (a, b) => (b - a) * (nCols + 16))) x.rankMetrics(s + a * nCols * 4, b - a, nCols, ...facts.rowArgs(a, b - a));
        return facts.read();
      } finally {
        heap.release(s);
        facts.release();
      }
    },
    async rankMetricsScored(queries, nQueries, items, train, test, k) {
      checkQueries(queries, nQueries, items);
      const m = own(items, WasmMatrix, heap, 'matrix');
      checkRankMetrics(undefined, nQueries, m.rows, train, test, k);
      const threads = pool ? Math.max(1, Math.min(pool.threads, Math.floor(nQueries / MIN_QUERIES_PER_THREAD))) : 1;
      const facts = rankFacts(nQueries, train, test, k);
      // Rows claimed in even chunks of up to 32 (the kernel scores a chunk tile by tile: 140 → 103 ms CPU per 512
      // Gowalla-shape users from 2 to 32), a chunk's scores at most 16 MiB, about UNITS_PER_CALL of work per call.
      const step = 2 * Math.max(1, Math.min(16, Math.floor(nQueries / (threads * 32)), Math.floor((1 << 21) / m.rows)));
      const q = heap.put(queries);
      const rows = heap.alloc(threads * step * m.rows * 4);
      const counter = heap.alloc(LINE);
      heap.i32(counter, 1)[0] = 0;
      const perCall = Math.max(1, Math.floor(UNITS_PER_CALL / (step * m.rows * (m.cols + 16))));
      const calls = Math.ceil(nQueries / step / perCall) + 1;
      const args = (t: number) => [q, nQueries, m.ptr, m.rows, m.cols, ...facts.rowArgs(0, nQueries, t), rows + t * step * m.rows * 4, counter, step, perCall];
      try {
        await runClaimed(x, pool, 'rankMetricsScoredClaim', threads, calls, args);
        return facts.read();
      } finally {
        for (const p of [q, rows, counter]) heap.release(p);
        facts.release();
      }
    },
  };
}
