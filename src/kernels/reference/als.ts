/**
 * Reference for assembly/als.ts (the spec; f64 arithmetic). Same semantics as implicit's least_squares and
 * least_squares_cg: c > 0 → preference 1 with confidence c; c < 0 → preference 0 with confidence |c|.
 */

/** Σ_r y_r y_rᵀ + reg·I (d × d, row-major). */
export function gramRef(Y: Float32Array, n: number, d: number, reg: number): Float32Array {
  const out = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < d; a++) {
      const ya = Y[r * d + a];
      for (let b = 0; b < d; b++) out[a * d + b] += ya * Y[r * d + b];
    }
  }
  for (let k = 0; k < d; k++) out[k * d + k] += reg;
  return Float32Array.from(out);
}

const dotv = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number) => {
  let s = 0;
  for (let j = 0; j < n; j++) s += a[ao + j] * b[bo + j];
  return s;
};

/**
 * CG steps for rows [rowStart, rowEnd), warm-started from X (updated in place). Row u's system is YtY (which holds
 * reg·I) + Σ (|c| − 1) y yᵀ, plus rowReg[u]·I when `rowReg` is given (frequency-scaled regularisation).
 */
export function alsCgRef(
  indptr: Int32Array, indices: Int32Array, conf: Float32Array, X: Float32Array, Y: Float32Array, YtY: Float32Array,
  d: number, rowStart: number, rowEnd: number, steps: number, rowReg?: Float32Array,
): void {
  const r = new Float64Array(d);
  const p = new Float64Array(d);
  const ap = new Float64Array(d);
  const x = new Float64Array(d);
  for (let u = rowStart; u < rowEnd; u++) {
    const reg = rowReg ? rowReg[u] : 0;
    for (let j = 0; j < d; j++) x[j] = X[u * d + j];
    for (let j = 0; j < d; j++) r[j] = -(dotv(YtY, j * d, x, 0, d) + reg * x[j]);
    for (let e = indptr[u]; e < indptr[u + 1]; e++) {
      const yo = indices[e] * d;
      let c = conf[e];
      const yx = dotv(Y, yo, x, 0, d);
      let a: number;
      if (c > 0) a = c - (c - 1) * yx;
      else {
        c = -c;
        a = -(c - 1) * yx;
      }
      for (let j = 0; j < d; j++) r[j] += a * Y[yo + j];
    }
    p.set(r);
    let rsold = dotv(r, 0, r, 0, d);
    if (rsold < 1e-20) continue;
    for (let it = 0; it < steps; it++) {
      for (let j = 0; j < d; j++) ap[j] = dotv(YtY, j * d, p, 0, d) + reg * p[j];
      for (let e = indptr[u]; e < indptr[u + 1]; e++) {
        const c = Math.abs(conf[e]);
        const yo = indices[e] * d;
        const a = (c - 1) * dotv(Y, yo, p, 0, d);
        for (let j = 0; j < d; j++) ap[j] += a * Y[yo + j];
      }
      const alpha = rsold / dotv(p, 0, ap, 0, d);
      for (let j = 0; j < d; j++) {
        x[j] += alpha * p[j];
        r[j] -= alpha * ap[j];
      }
      const rsnew = dotv(r, 0, r, 0, d);
      if (rsnew < 1e-20) break;
      for (let j = 0; j < d; j++) p[j] = r[j] + (rsnew / rsold) * p[j];
      rsold = rsnew;
    }
    for (let j = 0; j < d; j++) X[u * d + j] = x[j];
  }
}

/** The normal equations of row u: A = YtY + reg·I + Σ (|c| − 1) y yᵀ, b = Σ_{c > 0} c y (f64). */
export function alsNormalEquations(
  indptr: Int32Array, indices: Int32Array, conf: Float32Array, Y: Float32Array, YtY: Float32Array, d: number, u: number, reg = 0,
): { A: Float64Array; b: Float64Array } {
  const A = Float64Array.from(YtY);
  for (let k = 0; k < d; k++) A[k * d + k] += reg;
  const b = new Float64Array(d);
  for (let e = indptr[u]; e < indptr[u + 1]; e++) {
    const yo = indices[e] * d;
    let c = conf[e];
    if (c > 0) for (let j = 0; j < d; j++) b[j] += c * Y[yo + j];
    else c = -c;
    for (let a = 0; a < d; a++) for (let k = 0; k < d; k++) A[a * d + k] += (c - 1) * Y[yo + a] * Y[yo + k];
  }
  return { A, b };
}

/** In place Cholesky A = L Lᵀ (lower triangle of A becomes L). False when A is not positive definite. */
export function choleskyFactor(A: Float64Array, d: number): boolean {
  for (let k = 0; k < d; k++) {
    for (let j = 0; j <= k; j++) {
      let s = A[k * d + j];
      for (let m = 0; m < j; m++) s -= A[k * d + m] * A[j * d + m];
      if (j === k) {
        if (!(s > 0)) return false;
        A[k * d + k] = Math.sqrt(s);
      } else A[k * d + j] = s / A[j * d + j];
    }
  }
  return true;
}

/** Solve L Lᵀ x = b given the factor from {@link choleskyFactor}; returns x. */
export function choleskySolveFactored(L: Float64Array, b: ArrayLike<number>, d: number): Float64Array {
  const z = Float64Array.from(b);
  for (let k = 0; k < d; k++) {
    let s = z[k];
    for (let m = 0; m < k; m++) s -= L[k * d + m] * z[m];
    z[k] = s / L[k * d + k];
  }
  for (let k = d - 1; k >= 0; k--) {
    let s = z[k];
    for (let m = k + 1; m < d; m++) s -= L[m * d + k] * z[m];
    z[k] = s / L[k * d + k];
  }
  return z;
}

/**
 * Exact solves for rows [rowStart, rowEnd) (rowReg as in {@link alsCgRef}). Returns 0, or (row + 1) of the first
 * non-positive-definite row (left unchanged).
 */
export function alsCholeskyRef(
  indptr: Int32Array, indices: Int32Array, conf: Float32Array, X: Float32Array, Y: Float32Array, YtY: Float32Array,
  d: number, rowStart: number, rowEnd: number, rowReg?: Float32Array,
): number {
  let failed = 0;
  for (let u = rowStart; u < rowEnd; u++) {
    const { A, b } = alsNormalEquations(indptr, indices, conf, Y, YtY, d, u, rowReg ? rowReg[u] : 0);
    if (!choleskyFactor(A, d)) {
      failed ||= u + 1;
      continue;
    }
    X.set(choleskySolveFactored(A, b, d), u * d);
  }
  return failed;
}
