/**
 * The `wasm` backend: SIMD kernels from assembly/, resident operands in linear memory, optional worker threads. This
 * is its core (resident data, scoring, top-k, CSR building); each model family's wrappers come with the modules that
 * use them (../families.ts; ../family.ts says how), built from the {@link WasmKernelContext} of each backend.
 */
import type { Backend, Csr, CsrArrays, DenseMatrix, DuplicatePolicy, RowMask, SparseMatrix, SparseRows, TopK } from '../types.ts';
import { rowOfEntry } from '../partition.ts';
import { checkCoo, checkCsr, checkK, checkMask, checkMatrixData, checkQueries, checkScores, policyCode, checkRowsWrite, checkValues } from '../validate.ts';
import { WasmHeap } from './memory.ts';
import { LINE, UNITS_PER_CALL, runClaimed } from './claimed.ts';
import { NORM_ORDER_MIN_ROWS, buildNormOrder, releaseNormOrder, type NormOrder } from './norm-order.ts';
import { assembleBackend } from '../family.ts';
import type { KernelExports, KernelInstance } from './module.ts';
import type { KernelPool } from './pool.ts';

/** What a kernel family's Wasm wrappers work with: the backend's heap, the kernel exports and the thread pool. */
export interface WasmKernelContext {
  readonly heap: WasmHeap;
  readonly x: KernelExports;
  readonly pool: KernelPool | undefined;
}

export class WasmMatrix implements DenseMatrix {
  disposed = false;
  /** The norm-ordered copy for pruned top-k (norm-order.ts), built on first use; null: none for this data. */
  private order?: NormOrder | null;
  constructor(readonly heap: WasmHeap, readonly ptr: number, readonly rows: number, readonly cols: number) {}
  toArray(): Float32Array {
    return this.heap.f32(this.ptr, this.rows * this.cols).slice();
  }
  write(data: Float32Array, firstRow = 0): void {
    checkRowsWrite(data, firstRow, this.rows, this.cols);
    this.heap.f32(this.ptr + firstRow * this.cols * 4, data.length).set(data);
    this.changed();
  }
  /** The norm order for `threads` threads, when the matrix is large and its norms spread enough to prune. */
  normOrder(threads: number): NormOrder | undefined {
    if (this.rows < NORM_ORDER_MIN_ROWS || this.order === null) return undefined;
    if (this.order && this.order.markRows < threads) this.changed();
    this.order ??= buildNormOrder(this.heap, this.ptr, this.rows, this.cols, threads) ?? null;
    return this.order ?? undefined;
  }
  /** The data changed (write, or a training kernel updated it in place): the norm order is stale. */
  changed(): void {
    if (this.order) releaseNormOrder(this.heap, this.order);
    this.order = undefined;
  }
  dispose(): void {
    if (!this.disposed) {
      this.changed();
      this.heap.release(this.ptr);
    }
    this.disposed = true;
  }
}

export class WasmSparseRows implements SparseRows {
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

export class WasmSparseMatrix implements SparseMatrix {
  disposed = false;
  constructor(
    readonly heap: WasmHeap, readonly indptr: number, readonly indices: number, readonly data: number,
    readonly rows: number, readonly cols: number, readonly nnz: number, readonly hostIndptr: Int32Array,
  ) {}
  private rowsPtr = 0;
  /** Resident COO row array (built on first use, for samplers that draw random entries). */
  rowOfEntry(): number {
    this.rowsPtr ||= this.heap.put(rowOfEntry(this.hostIndptr));
    return this.rowsPtr;
  }
  dispose(): void {
    if (!this.disposed) for (const p of [this.indptr, this.indices, this.data, this.rowsPtr]) if (p) this.heap.release(p);
    this.disposed = true;
  }
}

export function own<T extends { heap: WasmHeap; disposed: boolean }>(value: unknown, cls: new (...a: any[]) => T, heap: WasmHeap, what: string): T {
  if (!(value instanceof cls) || value.heap !== heap) {
    throw new TypeError(`recwise: the ${what} was created by another backend or instance; create it with this backend's ${what}().`);
  }
  if (value.disposed) throw new TypeError(`recwise: the ${what} was disposed and cannot be used.`);
  return value;
}

/** Queries per thread below which splitting work costs more in messages than it saves. */
export const MIN_QUERIES_PER_THREAD = 4;


/** Split [start, end) into chunks of about `unitsPerCall` work, where cost(a, b) gives the work of rows [a, b). */
export function chunks(start: number, end: number, cost: (a: number, b: number) => number, unitsPerCall = UNITS_PER_CALL): [number, number][] {
  const out: [number, number][] = [];
  let a = start;
  while (a < end) {
    let b = a + 1;
    // grow geometrically, then back off: O(log) cost evaluations per chunk
    let step = 1;
    while (b < end && cost(a, Math.min(end, b + step)) <= unitsPerCall) {
      b = Math.min(end, b + step);
      step *= 2;
    }
    out.push([a, b]);
    a = b;
  }
  return out;
}

/**
 * Run `fn` over row ranges: thread t takes [bounds[t], bounds[t+1]) in chunks; the calling thread runs its share
 * synchronously while the workers run theirs. Returns every call's result.
 */
export async function runRows(
  x: Record<string, (...a: number[]) => number>, pool: KernelPool | undefined, fn: string, bounds: number[],
  cost: (a: number, b: number) => number, args: (a: number, b: number, thread: number) => number[],
): Promise<number[]> {
  const remote: Promise<number>[] = [];
  for (let t = 1; t < bounds.length - 1; t++) {
    for (const [a, b] of chunks(bounds[t], bounds[t + 1], cost)) remote.push(pool!.call(t - 1, fn, args(a, b, t)));
  }
  const local = chunks(bounds[0], bounds[1], cost).map(([a, b]) => x[fn](...args(a, b, 0)));
  return [...local, ...(await Promise.all(remote))];
}

export function createWasmBackend(kernels: KernelInstance, pool?: KernelPool): Backend {
  const heap = new WasmHeap(kernels.memory, kernels.exports.heapBase(), kernels.maxPages);
  const x = kernels.exports;

  // Allocate the temporaries of one fused call; per thread (`scratchRows` of them) two row buffers of nItems f32, so
  // recommendBlock scores two queries at a time. With a norm order (pruned.ts) no score rows are needed: `args` then
  // gives recommendPruned's arguments, thread t using mask map t.
  function prepare(queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask: RowMask | undefined, threads: number) {
    checkQueries(queries, nQueries, items);
    checkK(k);
    checkMask(mask, nQueries);
    const m = own(items, WasmMatrix, heap, 'matrix');
    const rows = mask ? own(mask.rows, WasmSparseRows, heap, 'sparseRows') : undefined;
    const order = m.normOrder(pool?.threads ?? 1);
    const ptrs = {
      q: heap.put(queries),
      scratch: order ? 0 : heap.alloc(threads * 2 * m.rows * 4),
      idx: heap.alloc(nQueries * k * 4),
      score: heap.alloc(nQueries * k * 4),
      counts: heap.alloc(nQueries * 4),
    };
    const maskIndptr = rows ? rows.indptr + mask!.firstRow * 4 : 0;
    const maskCols = rows ? rows.indices : 0;
    // recommendPruned takes recommendBlock's arguments: the sorted rows, a mask map and perm in place of the items
    // and the two score rows.
    const args = (from: number, to: number, t: number) => [
      ptrs.q + from * m.cols * 4, to - from, order ? order.sorted : m.ptr, m.rows, m.cols,
      maskIndptr ? maskIndptr + from * 4 : 0, maskCols, k, order ? order.marks + t * m.rows : ptrs.scratch + t * 2 * m.rows * 4,
      ptrs.idx + from * k * 4, ptrs.score + from * k * 4, ptrs.counts + from * 4, order ? order.perm : ptrs.scratch + (t * 2 + 1) * m.rows * 4,
    ];
    const release = () => {
      for (const p of Object.values(ptrs)) if (p) heap.release(p);
    };
    const finish = (): TopK => {
      const out = {
        k,
        rows: nQueries,
        indices: heap.i32(ptrs.idx, nQueries * k).slice(),
        scores: heap.f32(ptrs.score, nQueries * k).slice(),
        counts: heap.i32(ptrs.counts, nQueries).slice(),
      };
      release();
      return out;
    };
    return { args, finish, abandon: release, kernel: order ? 'recommendPruned' as const : 'recommendBlock' as const, perQuery: order ? m.rows * 8 : m.rows * (m.cols + 4) };
  }


  const recommendBlock = (queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): TopK => {
    const call = prepare(queries, nQueries, items, k, mask, 1);
    x[call.kernel](...call.args(0, nQueries, 0));
    return call.finish();
  };

  return assembleBackend('wasm', {
    name: 'wasm',
    threads: pool?.threads ?? 1,
    kernels: {
      exports: x,
      heap,
      threads: pool?.threads ?? 1,
      async runOnThreads(fn, args) {
        if (args.length > (pool?.threads ?? 1)) throw new RangeError(`recwise: runOnThreads got ${args.length} calls for ${pool?.threads ?? 1} threads`);
        const remote = args.slice(1).map((a, t) => pool!.call(t, fn, a));
        const local = args.length ? [(x as unknown as Record<string, (...a: number[]) => number>)[fn](...args[0])] : [];
        return [...local, ...(await Promise.all(remote))];
      },
    },
    matrix(data, rows, cols) {
      checkMatrixData(data, rows, cols);
      return new WasmMatrix(heap, heap.put(data), rows, cols);
    },
    allFinite(matrix) {
      const m = own(matrix, WasmMatrix, heap, 'matrix');
      return x.allFinite(m.ptr, m.rows * m.cols) === 1;
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
      const call = prepare(queries, nQueries, items, k, mask, pool.threads);
      const counter = heap.alloc(LINE);
      heap.i32(counter, 1)[0] = 0;
      // Queries claimed in chunks (claimed.ts). Chunks are even, so recommendBlock pairs every query; each call does
      // about UNITS_PER_CALL of work (a pruned query scores a few percent of the rows: its estimate is rows × 8).
      const step = 2 * Math.max(1, Math.min(8, Math.floor(nQueries / (threads * 32))));
      const perCall = Math.max(1, Math.floor(UNITS_PER_CALL / (step * call.perQuery)));
      const calls = Math.ceil(nQueries / step / perCall) + 1;
      const args = (t: number) => [...call.args(0, nQueries, t), counter, step, perCall];
      try {
        await runClaimed(x, pool, `${call.kernel}Claim`, threads, calls, args);
      } catch (e) {
        call.abandon();
        throw e;
      } finally {
        heap.release(counter);
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
    sparseMatrix(csr: Csr) {
      checkCsr(csr, csr.cols);
      checkValues(csr);
      return new WasmSparseMatrix(heap, heap.put(csr.indptr), heap.put(csr.indices), heap.put(csr.data), csr.indptr.length - 1, csr.cols, csr.indices.length, csr.indptr.slice());
    },
    dispose() {
      pool?.terminate();
    },
  }, { heap, x, pool });
}
