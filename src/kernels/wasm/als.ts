/**
 * The `wasm` backend's ALS kernels (assembly/als.ts): the Gram matrix and the CG / Cholesky half-steps, rows claimed
 * over the backend's threads. Added to wasm backends by the ALS family (../families.ts).
 */
import type { Backend } from '../types.ts';
import { NotPositiveDefiniteError } from '../../errors.ts';
import { checkAls } from '../validate.ts';
import { LINE, UNITS_PER_CALL, runClaimed } from './claimed.ts';
import { WasmMatrix, WasmSparseMatrix, own, type WasmKernelContext } from './backend.ts';

export function wasmAlsKernels({ heap, x, pool }: WasmKernelContext): Pick<Backend, 'gram' | 'alsSolve'> {
  return {
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
  };
}
