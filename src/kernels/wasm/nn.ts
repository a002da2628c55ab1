/** The `wasm` backend's neural kernels (assembly/nn.ts): operands copied into linear memory per call. */
import { NN_ACTIVATION_CODE, type NnKernels } from '../reference/nn.ts';
import type { WasmHeap } from './memory.ts';

type Exports = Record<string, (...a: number[]) => number>;

/** The wasm {@link NnKernels.embeddingBag} on its own (EASE's dense scoring needs only this one). */
export function wasmEmbeddingBag(heap: WasmHeap, x: Exports): NnKernels['embeddingBag'] {
  return (indptr, ids, w, rows, table, dim, out, accumulate) => {
    if (rows === 0 || dim === 0) return;
    const nnz = indptr[rows];
    // Few rows of a large table (one user at inference): copy only the rows used, renumbered, instead of the whole
    // table into kernel memory (~100 µs for 1682 × 200). Same rows in the same order: identical sums.
    if (nnz * 4 < table.length / dim) ({ ids, table } = usedRows(ids, nnz, table, dim));
    const p = {
      indptr: heap.put(indptr.subarray(0, rows + 1)), ids: heap.put(ids.subarray(0, Math.max(1, nnz))), w: heap.put(w.subarray(0, Math.max(1, nnz))),
      table: heap.put(table), out: accumulate ? heap.put(out.subarray(0, rows * dim)) : heap.alloc(rows * dim * 4),
    };
    try {
      x.nnEmbeddingBag(p.indptr, p.ids, p.w, rows, p.table, dim, p.out, accumulate ? 1 : 0);
      out.set(heap.f32(p.out, rows * dim));
    } finally {
      for (const v of Object.values(p)) heap.release(v);
    }
  };
}

export function wasmNnKernels(heap: WasmHeap, x: Exports): NnKernels {
  return {
    gemm(a, b, c, m, k, n, transA, transB, accumulate) {
      if (m === 0 || n === 0) return;
      const pa = heap.put(a.length === m * k ? a : a.subarray(0, m * k));
      const pb = heap.put(b.length === k * n ? b : b.subarray(0, k * n));
      const pc = accumulate ? heap.put(c.subarray(0, m * n)) : heap.alloc(m * n * 4);
      try {
        x.nnGemm(pa, pb, pc, m, k, n, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0);
        c.set(heap.f32(pc, m * n));
      } finally {
        heap.release(pa);
        heap.release(pb);
        heap.release(pc);
      }
    },
    activate(xs, y, act) {
      const n = xs.length;
      if (n === 0) return;
      const p = heap.put(xs);
      try {
        x.nnActivate(p, p, n, NN_ACTIVATION_CODE[act]);
        y.set(heap.f32(p, n));
      } finally {
        heap.release(p);
      }
    },
    activateBackward(y, dy, dx, act) {
      const n = y.length;
      if (n === 0) return;
      const py = heap.put(y);
      const pd = heap.put(dy.subarray(0, n));
      try {
        x.nnActivateBackward(py, pd, pd, n, NN_ACTIVATION_CODE[act]);
        dx.set(heap.f32(pd, n));
      } finally {
        heap.release(py);
        heap.release(pd);
      }
    },
    embeddingBag: wasmEmbeddingBag(heap, x),
    embeddingBagBackward(indptr, ids, w, rows, dOut, dim, grad) {
      if (rows === 0 || dim === 0) return;
      const nnz = indptr[rows];
      const p = {
        indptr: heap.put(indptr.subarray(0, rows + 1)), ids: heap.put(ids.subarray(0, Math.max(1, nnz))), w: heap.put(w.subarray(0, Math.max(1, nnz))),
        dOut: heap.put(dOut.subarray(0, rows * dim)), grad: heap.put(grad),
      };
      try {
        x.nnEmbeddingBagBackward(p.indptr, p.ids, p.w, rows, p.dOut, dim, p.grad);
        grad.set(heap.f32(p.grad, grad.length));
      } finally {
        for (const v of Object.values(p)) heap.release(v);
      }
    },
    softmaxRows(xs, out, rows, cols) {
      const n = rows * cols;
      if (n === 0) return;
      const p = heap.put(xs.subarray(0, n));
      try {
        x.nnSoftmaxRows(p, p, rows, cols);
        out.set(heap.f32(p, n));
      } finally {
        heap.release(p);
      }
    },
  };
}

/** The rows of `table` that ids[0..nnz) use, packed in first-use order, and the ids renumbered into them. */
function usedRows(ids: Int32Array, nnz: number, table: Float32Array, dim: number): { ids: Int32Array; table: Float32Array } {
  const slot = new Map<number, number>();
  const local = new Int32Array(Math.max(1, nnz));
  for (let e = 0; e < nnz; e++) {
    let j = slot.get(ids[e]);
    if (j === undefined) slot.set(ids[e], (j = slot.size));
    local[e] = j;
  }
  const packed = new Float32Array(Math.max(1, slot.size) * dim);
  for (const [id, j] of slot) packed.set(table.subarray(id * dim, (id + 1) * dim), j * dim);
  return { ids: local, table: packed };
}
