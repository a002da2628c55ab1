/** The `wasm` backend: SIMD kernels from assembly/, resident operands in linear memory, optional worker threads. */
import type { Backend, Csr, CsrArrays, DenseMatrix, DuplicatePolicy, RankMetrics, RowMask, SparseMatrix, SparseRows, TopK } from '../types.ts';
import { NotPositiveDefiniteError } from '../../errors.ts';
import { balancedBounds, rowOfEntry } from '../partition.ts';
import { seedState } from '../reference/sgd.ts';
import { checkCoo, checkCsr, checkK, checkMask, checkMatrixData, checkQueries, checkScores, policyCode, checkAls, checkRowsWrite, checkSgd, checkValues, checkProduct } from '../validate.ts';
import { WasmHeap } from './memory.ts';
import { checkRankMetrics } from '../validate-metrics.ts';
import { createWasmHybridSession } from './lightfm.ts';
import { wasmGruBackward, wasmGruForward } from './gru.ts';
import { wasmNnKernels } from './nn.ts';
import { LINE, UNITS_PER_CALL, runClaimed, sampleChunks } from './claimed.ts';
import { createWasmSpd } from './spd.ts';
import { lmfArgs, lmfDeterministic } from './sgd.ts';
import { NORM_ORDER_MIN_ROWS, buildNormOrder, releaseNormOrder, type NormOrder } from './norm-order.ts';
import type { KernelInstance } from './module.ts';
import type { KernelPool } from './pool.ts';

class WasmMatrix implements DenseMatrix {
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

class WasmSparseMatrix implements SparseMatrix {
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

function own<T extends { heap: WasmHeap; disposed: boolean }>(value: unknown, cls: new (...a: any[]) => T, heap: WasmHeap, what: string): T {
  if (!(value instanceof cls) || value.heap !== heap) {
    throw new TypeError(`recwise: the ${what} was created by another backend or instance; create it with this backend's ${what}().`);
  }
  if (value.disposed) throw new TypeError(`recwise: the ${what} was disposed and cannot be used.`);
  return value;
}

/** Queries per thread below which splitting work costs more in messages than it saves. */
const MIN_QUERIES_PER_THREAD = 4;


/** Split [start, end) into chunks of about `unitsPerCall` work, where cost(a, b) gives the work of rows [a, b). */
function chunks(start: number, end: number, cost: (a: number, b: number) => number, unitsPerCall = UNITS_PER_CALL): [number, number][] {
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
async function runRows(
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

  const recommendBlock = (queries: Float32Array, nQueries: number, items: DenseMatrix, k: number, mask?: RowMask): TopK => {
    const call = prepare(queries, nQueries, items, k, mask, 1);
    x[call.kernel](...call.args(0, nQueries, 0));
    return call.finish();
  };

  return {
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
    gram(matrix, regularization) {
      const m = own(matrix, WasmMatrix, heap, 'matrix');
      const out = heap.alloc(m.cols * m.cols * 4);
      x.gram(m.ptr, m.rows, m.cols, regularization, out);
      const result = heap.f32(out, m.cols * m.cols).slice();
      heap.release(out);
      return result;
    },
    async alsSolve(target, confidence, other, gram, options) {
      const X = own(target, WasmMatrix, heap, 'matrix');
      const Y = own(other, WasmMatrix, heap, 'matrix');
      const C = own(confidence, WasmSparseMatrix, heap, 'sparseMatrix');
      checkAls(X, C, Y, gram, options);
      X.changed();
      const d = X.cols;
      const cg = options.solver === 'cg';
      const threads = pool && C.rows >= 64 ? Math.min(pool.threads, C.rows) : 1;
      // Work units as the kernels count them: CG's per-row work is the d×d matvec plus the entries, per step;
      // Cholesky's is the entries' rank-1 updates plus the d³/6 factorisation.
      const ip = C.hostIndptr;
      const work = cg ? (ip[C.rows] + C.rows * d) * d * (options.cgSteps + 1) : (ip[C.rows] + (C.rows * d * d) / 6) * d * d / 2;
      const scratchBytes = Math.ceil(((cg ? 3 * d : d * d + d) * 4) / LINE) * LINE;
      const g = heap.put(gram);
      const rowReg = options.rowRegularization ? heap.put(options.rowRegularization) : 0;
      const scratch = heap.alloc(threads * scratchBytes);
      const slots = heap.alloc(LINE); // the row counter at +0, Cholesky's lowest failed row + 1 at +64
      heap.i32(slots, 32).fill(0);
      const args = (t: number) => cg
        ? [C.indptr, C.indices, C.data, X.ptr, Y.ptr, g, d, options.cgSteps, slots, C.rows, UNITS_PER_CALL, scratch + t * scratchBytes, rowReg]
        : [C.indptr, C.indices, C.data, X.ptr, Y.ptr, g, d, slots, C.rows, UNITS_PER_CALL, slots + 64, scratch + t * scratchBytes, rowReg];
      const fn = cg ? 'alsCgRows' : 'alsCholeskyRows';
      try {
        // Rows claimed one at a time (claimed.ts): at ml-100k size (a few ms per half-step) the idle time of static
        // ranges was most of the second thread's gain.
        await runClaimed(x, pool, fn, threads, Math.ceil(work / UNITS_PER_CALL) + 1, args);
        const failed = heap.i32(slots + 64, 1)[0];
        if (!cg && failed) throw new NotPositiveDefiniteError(failed - 1);
      } finally {
        heap.release(g);
        if (rowReg) heap.release(rowReg);
        heap.release(scratch);
        heap.release(slots);
      }
    },
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
    ...createWasmSpd(heap, x, pool),
    hybridSession: (params, data, settings) => createWasmHybridSession(heap, x, pool, params, data, settings),
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
    nn: wasmNnKernels(heap, x),
    gruForward: (w, xs, mask, steps, batch, h0) => wasmGruForward(heap, x, w, xs, mask, steps, batch, h0),
    gruBackward: (w, grads, xs, mask, steps, batch, h0, fwd, dhs) => wasmGruBackward(heap, x, w, grads, xs, mask, steps, batch, h0, fwd, dhs),
    dispose() {
      pool?.terminate();
    },
  };
}


