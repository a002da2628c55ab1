/** The `wasm` backend: SIMD kernels from assembly/, resident operands in linear memory, optional worker threads. */
import type { Backend, Csr, CsrArrays, DenseMatrix, DuplicatePolicy, RowMask, SparseRows, TopK } from '../types.ts';
import { checkCoo, checkCsr, checkK, checkMask, checkMatrixData, checkQueries, checkScores, policyCode } from '../validate.ts';
import { WasmHeap } from './memory.ts';
import type { KernelInstance } from './module.ts';
import type { KernelPool } from './pool.ts';

class WasmMatrix implements DenseMatrix {
  disposed = false;
  constructor(readonly heap: WasmHeap, readonly ptr: number, readonly rows: number, readonly cols: number) {}
  toArray(): Float32Array {
    return this.heap.f32(this.ptr, this.rows * this.cols).slice();
  }
  dispose(): void {
    if (!this.disposed) this.heap.release(this.ptr);
    this.disposed = true;
  }
}

class WasmSparseRows implements SparseRows {
  disposed = false;
  constructor(readonly heap: WasmHeap, readonly indptr: number, readonly indices: number, readonly rows: number, readonly nnz: number) {}
  dispose(): void {
    if (!this.disposed) {
      this.heap.release(this.indptr);
      this.heap.release(this.indices);
    }
    this.disposed = true;
  }
}

function own<T extends { heap: WasmHeap; disposed: boolean }>(value: unknown, cls: new (...a: any[]) => T, heap: WasmHeap, what: string): T {
  if (!(value instanceof cls) || value.heap !== heap) {
    throw new TypeError(`recwise: the ${what} was created by another backend or instance; create it with this backend's ${what}().`);
  }
  if (value.disposed) throw new TypeError(`recwise: the ${what} was disposed and cannot be used.`);
  return value;
}

/** Queries per thread below which splitting work costs more in messages than it saves. */
const MIN_QUERIES_PER_THREAD = 4;

export function createWasmBackend(kernels: KernelInstance, pool?: KernelPool): Backend {
  const heap = new WasmHeap(kernels.memory, kernels.exports.heapBase(), kernels.maxPages);
  const x = kernels.exports;

  // Allocate the temporaries of one fused call; `scratchRows` row buffers of nItems f32 (one per thread).
  function prepare(queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask: RowMask | undefined, scratchRows: number) {
    checkQueries(queries, nQueries, items);
    checkK(k);
    checkMask(mask, nQueries);
    const m = own(items, WasmMatrix, heap, 'matrix');
    const rows = mask ? own(mask.rows, WasmSparseRows, heap, 'sparseRows') : undefined;
    const ptrs = {
      q: heap.put(queries),
      scratch: heap.alloc(scratchRows * m.rows * 4),
      idx: heap.alloc(nQueries * k * 4),
      score: heap.alloc(nQueries * k * 4),
      counts: heap.alloc(nQueries * 4),
    };
    const maskIndptr = rows ? rows.indptr + mask!.firstRow * 4 : 0;
    const maskCols = rows ? rows.indices : 0;
    const args = (from: number, to: number, scratchRow: number) => [
      ptrs.q + from * m.cols * 4, to - from, m.ptr, m.rows, m.cols,
      maskIndptr ? maskIndptr + from * 4 : 0, maskCols, k, ptrs.scratch + scratchRow * m.rows * 4,
      ptrs.idx + from * k * 4, ptrs.score + from * k * 4, ptrs.counts + from * 4,
    ];
    const finish = (): TopK => {
      const out = {
        k,
        rows: nQueries,
        indices: heap.i32(ptrs.idx, nQueries * k).slice(),
        scores: heap.f32(ptrs.score, nQueries * k).slice(),
        counts: heap.i32(ptrs.counts, nQueries).slice(),
      };
      for (const p of Object.values(ptrs)) heap.release(p);
      return out;
    };
    const abandon = () => {
      for (const p of Object.values(ptrs)) heap.release(p);
    };
    return { args, finish, abandon };
  }

  const recommendBlock = (queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): TopK => {
    const call = prepare(queries, nQueries, items, k, mask, 1);
    x.recommendBlock(...call.args(0, nQueries, 0));
    return call.finish();
  };

  return {
    name: 'wasm',
    threads: pool?.threads ?? 1,
    matrix(data, rows, cols) {
      checkMatrixData(data, rows, cols);
      return new WasmMatrix(heap, heap.put(data), rows, cols);
    },
    sparseRows(csr: CsrArrays) {
      const rows = checkCsr(csr);
      return new WasmSparseRows(heap, heap.put(csr.indptr), heap.put(csr.indices), rows, csr.indices.length);
    },
    scoreBlock(queries, nQueries, items) {
      checkQueries(queries, nQueries, items);
      const m = own(items, WasmMatrix, heap, 'matrix');
      const q = heap.put(queries);
      const out = heap.alloc(nQueries * m.rows * 4);
      x.scoreBlock(q, nQueries, m.ptr, m.rows, m.cols, out);
      const result = heap.f32(out, nQueries * m.rows).slice();
      heap.release(q);
      heap.release(out);
      return result;
    },
    topk(scores, nRows, nCols, k) {
      checkScores(scores, nRows, nCols);
      checkK(k);
      const s = heap.put(scores);
      const idx = heap.alloc(nRows * k * 4);
      const sc = heap.alloc(nRows * k * 4);
      const counts = heap.alloc(nRows * 4);
      x.topkRows(s, nRows, nCols, k, idx, sc, counts);
      const out = { k, rows: nRows, indices: heap.i32(idx, nRows * k).slice(), scores: heap.f32(sc, nRows * k).slice(), counts: heap.i32(counts, nRows).slice() };
      for (const p of [s, idx, sc, counts]) heap.release(p);
      return out;
    },
    recommendBlock,
    async recommendBlockParallel(queries, nQueries, items, k, mask) {
      const threads = pool ? Math.min(pool.threads, Math.floor(nQueries / MIN_QUERIES_PER_THREAD)) : 1;
      if (!pool || threads < 2) return recommendBlock(queries, nQueries, items, k, mask);
      const call = prepare(queries, nQueries, items, k, mask, threads);
      const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * nQueries) / threads));
      try {
        const remote = Array.from({ length: threads - 1 }, (_, w) => pool.call(w, 'recommendBlock', call.args(bounds[w + 1], bounds[w + 2], w + 1)));
        x.recommendBlock(...call.args(bounds[0], bounds[1], 0)); // the calling thread takes the first share
        await Promise.all(remote);
      } catch (e) {
        call.abandon();
        throw e;
      }
      return call.finish();
    },
    csrFromCoo(rows, cols, vals, nRows, nCols, policy: DuplicatePolicy = 'keep'): Csr {
      checkCoo(rows, cols, vals, nRows, nCols);
      const code = policyCode(policy);
      const n = rows.length;
      const p = {
        rows: heap.put(rows), cols: heap.put(cols), vals: heap.put(vals),
        indptr: heap.alloc((nRows + 1) * 4), outCols: heap.alloc(n * 4), outVals: heap.alloc(n * 4),
        tmpRows: heap.alloc(n * 4), tmpCols: heap.alloc(n * 4), tmpVals: heap.alloc(n * 4), colCounts: heap.alloc((nCols + 1) * 4),
      };
      x.csrFromCoo(p.rows, p.cols, p.vals, n, nRows, nCols, p.indptr, p.outCols, p.outVals, p.tmpRows, p.tmpCols, p.tmpVals, p.colCounts);
      const nnz = code < 0 ? n : x.csrDedupe(p.indptr, p.outCols, p.outVals, nRows, code);
      const out = { indptr: heap.i32(p.indptr, nRows + 1).slice(), indices: heap.i32(p.outCols, nnz).slice(), data: heap.f32(p.outVals, nnz).slice(), rows: nRows, cols: nCols };
      for (const ptr of Object.values(p)) heap.release(ptr);
      return out;
    },
    dispose() {
      pool?.terminate();
    },
  };
}


