// Implicit-feedback ALS (Hu, Koren & Volinsky 2008) solvers, with the conjugate-gradient variant of Takács, Pilászy
// & Tikk 2011 ("Applications of the conjugate gradient method for implicit feedback collaborative filtering").
// Semantics follow implicit's least_squares / least_squares_cg: `conf` holds the confidence c_ui of each stored pair;
// c > 0 means preference 1 with confidence c, c < 0 means preference 0 with confidence |c| (a dislike); pairs not
// stored have preference 0 and confidence 1. For row u the normal equations are
//   (YᵀY + λI + Σ_i (|c_ui| − 1) y_i y_iᵀ) x_u = Σ_{i: c_ui > 0} c_ui y_i
// where YᵀY + λI is precomputed once per half-iteration (`gram`).
import { dot, axpy, xpay, matvec } from './linalg';
import { dot4 } from './score';

/**
 * For the stored entries e in [start, end) of a row: out += (base·c⁺_e + sign·(|c_e| − 1)·<y_e, v>) · y_e,
 * where c⁺ = max(c, 0). With base 1, sign −1 this adds the per-item terms of the CG residual b − A·x; with base 0,
 * sign +1 the Σ (|c| − 1) y yᵀ v part of A·v. Entries go four at a time: v and `out` are loaded once per chunk for
 * four item rows (≈1.4× fewer memory operations than a dot and an axpy per entry).
 */
function sparseUpdate(out: usize, Y: usize, indices: usize, conf: usize, start: i32, end: i32, v: usize, d: i32, base: f32, sign: f32): void {
  const rb = <usize>d << 2;
  const d4 = d & ~3;
  let e = start;
  for (; e + 4 <= end; e += 4) {
    const ep = <usize>e << 2;
    const y0 = Y + <usize>load<i32>(indices + ep) * rb;
    const y1 = Y + <usize>load<i32>(indices + ep, 4) * rb;
    const y2 = Y + <usize>load<i32>(indices + ep, 8) * rb;
    const y3 = Y + <usize>load<i32>(indices + ep, 12) * rb;
    const dots = dot4(v, y0, y1, y2, y3, d);
    const s0 = f32x4.extract_lane(dots, 0), s1 = f32x4.extract_lane(dots, 1), s2 = f32x4.extract_lane(dots, 2), s3 = f32x4.extract_lane(dots, 3);
    const cv = v128.load(conf + ep);
    const ca = f32x4.abs(cv);
    const coef = f32x4.add(
      f32x4.mul(f32x4.splat(base), f32x4.max(cv, f32x4.splat(0))),
      f32x4.mul(f32x4.splat(sign), f32x4.mul(f32x4.sub(ca, f32x4.splat(1)), f32x4(s0, s1, s2, s3))),
    );
    const k0 = f32x4.splat(f32x4.extract_lane(coef, 0)), k1 = f32x4.splat(f32x4.extract_lane(coef, 1));
    const k2 = f32x4.splat(f32x4.extract_lane(coef, 2)), k3 = f32x4.splat(f32x4.extract_lane(coef, 3));
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      const acc = f32x4.add(f32x4.add(f32x4.mul(k0, v128.load(y0 + o)), f32x4.mul(k1, v128.load(y1 + o))), f32x4.add(f32x4.mul(k2, v128.load(y2 + o)), f32x4.mul(k3, v128.load(y3 + o))));
      v128.store(out + o, f32x4.add(v128.load(out + o), acc));
    }
    for (let j = d4; j < d; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + f32x4.extract_lane(coef, 0) * load<f32>(y0 + o) + f32x4.extract_lane(coef, 1) * load<f32>(y1 + o)
        + f32x4.extract_lane(coef, 2) * load<f32>(y2 + o) + f32x4.extract_lane(coef, 3) * load<f32>(y3 + o));
    }
  }
  for (; e < end; e++) {
    const y = Y + <usize>load<i32>(indices + (<usize>e << 2)) * rb;
    const c = load<f32>(conf + (<usize>e << 2));
    const k = base * (c > 0 ? c : 0) + sign * (abs<f32>(c) - 1) * dot(y, v, d);
    axpy(out, y, k, d);
  }
}

/** out (d × d, row-major) = Σ_r y_r y_rᵀ + reg·I over the n rows of Y. */
export function gram(Y: usize, n: i32, d: i32, reg: f32, out: usize): void {
  const rb = <usize>d << 2;
  memory.fill(out, 0, <usize>d * rb);
  for (let r = 0; r < n; r++) {
    const y = Y + <usize>r * rb;
    for (let k = 0; k < d; k++) {
      const yk = load<f32>(y + (<usize>k << 2));
      if (yk != 0) axpy(out + <usize>k * rb, y, yk, d);
    }
  }
  for (let k = 0; k < d; k++) {
    const p = out + <usize>k * rb + (<usize>k << 2);
    store<f32>(p, load<f32>(p) + reg);
  }
}

/**
 * `steps` CG iterations for rows [rowStart, rowEnd), warm-started from the current X rows (implicit's
 * least_squares_cg). YtY already includes reg·I. scratch: 3·d f32 (r, p, Ap).
 */
export function alsCg(
  indptr: usize, indices: usize, conf: usize, X: usize, Y: usize, YtY: usize, d: i32,
  rowStart: i32, rowEnd: i32, steps: i32, scratch: usize,
): void {
  const rb = <usize>d << 2;
  const r = scratch;
  const p = scratch + rb;
  const ap = scratch + 2 * rb;
  for (let u = rowStart; u < rowEnd; u++) {
    const x = X + <usize>u * rb;
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + ((<usize>u + 1) << 2));
    // r = b − A x, without forming A: −YtY x, then the per-item terms
    matvec(YtY, x, d, r);
    for (let j = 0; j < d; j++) store<f32>(r + (<usize>j << 2), -load<f32>(r + (<usize>j << 2)));
    sparseUpdate(r, Y, indices, conf, start, end, x, d, 1, -1);
    memory.copy(p, r, rb);
    let rsold = dot(r, r, d);
    if (rsold < 1e-20) continue;
    for (let it = 0; it < steps; it++) {
      matvec(YtY, p, d, ap);
      sparseUpdate(ap, Y, indices, conf, start, end, p, d, 0, 1);
      const alpha = rsold / dot(p, ap, d);
      axpy(x, p, alpha, d);
      axpy(r, ap, -alpha, d);
      const rsnew = dot(r, r, d);
      if (rsnew < 1e-20) break;
      xpay(p, r, rsnew / rsold, d);
      rsold = rsnew;
    }
  }
}

/**
 * Exact solve for rows [rowStart, rowEnd) by Cholesky factorisation of A (implicit's least_squares).
 * YtY already includes reg·I. scratch: d·d + d f32. Only the lower triangle of A is accumulated and factored.
 * Returns 0, or (row + 1) of the first row whose system was not positive definite (that row is left unchanged).
 */
export function alsCholesky(
  indptr: usize, indices: usize, conf: usize, X: usize, Y: usize, YtY: usize, d: i32,
  rowStart: i32, rowEnd: i32, scratch: usize,
): i32 {
  const rb = <usize>d << 2;
  const A = scratch;
  const b = scratch + <usize>d * rb;
  let failed = 0;
  for (let u = rowStart; u < rowEnd; u++) {
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + ((<usize>u + 1) << 2));
    memory.copy(A, YtY, <usize>d * rb);
    memory.fill(b, 0, rb);
    for (let e = start; e < end; e++) {
      const y = Y + <usize>load<i32>(indices + (<usize>e << 2)) * rb;
      let c = load<f32>(conf + (<usize>e << 2));
      if (c > 0) axpy(b, y, c, d);
      else c = -c;
      if (c == 1) continue;
      const w = c - 1;
      for (let k = 0; k < d; k++) axpy(A + <usize>k * rb, y, w * load<f32>(y + (<usize>k << 2)), k + 1);
    }
    if (!choleskySolve(A, b, d)) {
      if (failed == 0) failed = u + 1;
      continue;
    }
    memory.copy(X + <usize>u * rb, b, rb);
  }
  return failed;
}

/** In place: A (lower triangle) ← L with A = L Lᵀ, then b ← A⁻¹ b. False when A is not positive definite. */
export function choleskySolve(A: usize, b: usize, d: i32): bool {
  const rb = <usize>d << 2;
  for (let k = 0; k < d; k++) {
    const rowK = A + <usize>k * rb;
    for (let j = 0; j <= k; j++) {
      const rowJ = A + <usize>j * rb;
      const s = load<f32>(rowK + (<usize>j << 2)) - dot(rowK, rowJ, j);
      if (j == k) {
        if (!(s > 0)) return false;
        store<f32>(rowK + (<usize>k << 2), sqrt<f32>(s));
      } else {
        store<f32>(rowK + (<usize>j << 2), s / load<f32>(rowJ + (<usize>j << 2)));
      }
    }
  }
  // forward: L z = b
  for (let k = 0; k < d; k++) {
    const rowK = A + <usize>k * rb;
    store<f32>(b + (<usize>k << 2), (load<f32>(b + (<usize>k << 2)) - dot(rowK, b, k)) / load<f32>(rowK + (<usize>k << 2)));
  }
  // backward: Lᵀ x = z (column access of L)
  for (let k = d - 1; k >= 0; k--) {
    let s = load<f32>(b + (<usize>k << 2));
    for (let m = k + 1; m < d; m++) s -= load<f32>(A + <usize>m * rb + (<usize>k << 2)) * load<f32>(b + (<usize>m << 2));
    store<f32>(b + (<usize>k << 2), s / load<f32>(A + <usize>k * rb + (<usize>k << 2)));
  }
  return true;
}
