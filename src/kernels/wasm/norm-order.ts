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
  /** rows × cols f32: the matrix rows in descending norm order (the start of the order's one allocation). */
  readonly sorted: number;
  /** rows i32: original index of each sorted row. */
  readonly perm: number;
  /** rows f32, right after perm (the kernel finds them there): each sorted row's norm bound (non-increasing). */
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
  const { perm, sortedNorms } = sortByNorm(norm);
  // Nearly equal norms leave nothing to prune: the median row within 70% of the 99th-percentile one.
  if (!(sortedNorms[rows >> 1] < 0.7 * sortedNorms[Math.floor(rows / 100)])) return undefined;
  // One allocation: the sorted rows, then perm, norms and the mask maps.
  let sorted: number;
  try {
    sorted = heap.alloc(rows * (cols * 4 + 8 + threads));
  } catch (e) {
    if (e instanceof RangeError) return undefined; // out of kernel memory for the copy: no pruning, the same results
    throw e;
  }
  const order = { sorted, perm: sorted + rows * cols * 4, norms: sorted + rows * (cols * 4 + 4), marks: sorted + rows * (cols * 4 + 8), markRows: threads };
  // views made after the allocation: growing a non-shared memory detaches the old buffer
  const dst = heap.f32(sorted, rows * cols);
  const src = heap.f32(ptr, rows * cols);
  for (let s = 0; s < rows; s++) dst.set(src.subarray(perm[s] * cols, (perm[s] + 1) * cols), s * cols);
  heap.i32(order.perm, rows).set(perm);
  heap.f32(order.norms, rows).set(sortedNorms);
  new Uint8Array(heap.memory.buffer, order.marks, threads * rows).fill(0);
  return order;
}

/** Release a norm order's memory. */
export function releaseNormOrder(heap: WasmHeap, order: NormOrder): void {
  heap.release(order.sorted);
}

/**
 * Rows by descending norm (norms finite or +Infinity, ≥ 0), and for each position a bound on the norms from there on.
 * Non-negative f32 bit patterns order like their values, so the top 21 bits of the inverted pattern and the row
 * index pack into one exact f64 key and a plain numeric sort does the work (a comparator sort is several times
 * slower at a million rows). Rows whose norms agree in those bits (2^-12 relative) may come in any order, so each
 * position gets the largest norm at or after it: still non-increasing, never below a later row's norm.
 */
function sortByNorm(norm: Float32Array): { perm: Int32Array; sortedNorms: Float32Array } {
  const n = norm.length;
  const bits = new Uint32Array(norm.buffer, norm.byteOffset, n);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ((0xffffffff - bits[i]) >>> 11) * 2 ** 32 + i;
  keys.sort();
  const perm = Int32Array.from(keys, (key) => key % 2 ** 32);
  const sortedNorms = new Float32Array(n);
  for (let s = n - 1, max = 0; s >= 0; s--) sortedNorms[s] = max = Math.max(max, norm[perm[s]]);
  return { perm, sortedNorms };
}
