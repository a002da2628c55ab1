/**
 * The norm-ordered copy of a resident item matrix that assembly/pruned.ts scans (issue 23: exact top-k over a large
 * catalogue without scoring every item). Built on first use by recommendBlock and kept with the matrix until its
 * data changes.
 */
import type { WasmHeap } from './memory.ts';

/** Rows below this count are scanned directly: sorting and the bound would cost more than they save. */
export const NORM_ORDER_MIN_ROWS = 1024;

/** Resident pointers of a norm order (see {@link buildNormOrder}). */
export interface NormOrder {
  /** rows × cols f32: the matrix rows in descending norm order. */
  readonly sorted: number;
  /** rows i32: original index of each sorted row. */
  readonly perm: number;
  /** rows f32: each sorted row's norm, rounded up (non-increasing). */
  readonly norms: number;
  /** `markRows` × rows zero bytes: one mask map per thread. */
  readonly marks: number;
  readonly markRows: number;
}

/** Nudge up by a few ulps so a norm rounded to f32 never understates the true one. */
const up = (v: number) => Math.fround(v * (1 + 2 ** -20));

/**
 * Sort the `rows` × `cols` matrix at `ptr` by descending row norm into new allocations on `heap`. Rows with a NaN or
 * infinite norm go first (the scan never stops before them). `threads` mask maps are allocated zeroed. Undefined
 * when the bound could not prune (norms nearly equal, e.g. the unit rows of cosine similarity) or kernel memory
 * cannot hold the copy: the caller then scans the rows as they are.
 */
export function buildNormOrder(heap: WasmHeap, ptr: number, rows: number, cols: number, threads: number): NormOrder | undefined {
  const data = heap.f32(ptr, rows * cols);
  const norm = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = r * cols, end = j + cols; j < end; j++) s += data[j] * data[j];
    const v = up(Math.sqrt(s));
    norm[r] = Number.isFinite(v) ? v : Infinity;
  }
  const perm = argsortDescending(norm);
  const sortedNorms = Float32Array.from(perm, (r) => norm[r]);
  // Nearly equal norms leave nothing to prune: the median row within 70% of the 99th-percentile one.
  if (!(sortedNorms[rows >> 1] < 0.7 * sortedNorms[Math.floor(rows / 100)])) return undefined;
  const taken: number[] = [];
  try {
    const sortedPtr = take(taken, heap.alloc(rows * cols * 4));
    const marks = take(taken, heap.alloc(threads * rows));
    const order = { sorted: sortedPtr, perm: take(taken, heap.put(perm)), norms: take(taken, heap.put(sortedNorms)), marks, markRows: threads };
    // views made after every allocation: growing a non-shared memory detaches the old buffer
    const sorted = heap.f32(sortedPtr, rows * cols);
    const src = heap.f32(ptr, rows * cols);
    for (let s = 0; s < rows; s++) sorted.set(src.subarray(perm[s] * cols, (perm[s] + 1) * cols), s * cols);
    new Uint8Array(heap.memory.buffer, marks, threads * rows).fill(0);
    return order;
  } catch (e) {
    for (const p of taken) heap.release(p);
    // out of kernel memory for the copy: no pruning, the same results
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

function take(list: number[], ptr: number): number {
  list.push(ptr);
  return ptr;
}

/** Release a norm order's allocations. */
export function releaseNormOrder(heap: WasmHeap, order: NormOrder): void {
  for (const p of [order.sorted, order.perm, order.norms, order.marks]) heap.release(p);
}

/**
 * Indices of `values` (finite or +Infinity, ≥ 0) by descending value, ties by ascending index. Non-negative f32 bit
 * patterns order like their values, so (~bits, index) packs into one exact f64 key below 2^53 and a plain numeric
 * sort does the work (a comparator sort is several times slower at a million rows).
 */
function argsortDescending(values: Float32Array): Int32Array {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const perm = new Int32Array(n);
  if (n <= 1 << 21) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (0xffffffff - bits[i]) * 2 ** 21 + i;
    keys.sort();
    for (let i = 0; i < n; i++) perm[i] = keys[i] % 2 ** 21;
    return perm;
  }
  for (let i = 0; i < n; i++) perm[i] = i;
  return perm.sort((a, b) => values[b] - values[a] || a - b);
}
