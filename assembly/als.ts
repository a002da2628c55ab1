// Implicit-feedback ALS (Hu, Koren & Volinsky 2008) solvers, with the conjugate-gradient variant of Takács, Pilászy
// & Tikk 2011 ("Applications of the conjugate gradient method for implicit feedback collaborative filtering").
// Semantics follow implicit's least_squares / least_squares_cg: `conf` holds the confidence c_ui of each stored pair;
// c > 0 means preference 1 with confidence c, c < 0 means preference 0 with confidence |c| (a dislike); pairs not
// stored have preference 0 and confidence 1. For row u the normal equations are
//   (YᵀY + λI + Σ_i (|c_ui| − 1) y_i y_iᵀ) x_u = Σ_{i: c_ui > 0} c_ui y_i
// where YᵀY + λI is precomputed once per half-iteration (`gram`).
import { dot, axpy, xpay, matvec } from './linalg';
import { dot4 } from './score';
import { claim, claimMin } from './claim';

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

/**
 * out (d × d, row-major) = Σ_r y_r y_rᵀ + reg·I over the n rows of Y. Register tiles of 4 output rows × 8 columns
 * (8 accumulators) run over every row of Y, for the tiles that reach the upper triangle; the lower triangle is then
 * mirrored from it. Each entry is still summed over r in order, one f32 product and one f32 add at a time, so the
 * result is bit-identical to the plain Σ_r axpy (which loaded and stored every output row once per row of Y:
 * ~4× the memory operations; 1.2 ms → 0.3 ms for 1,414 × 64 on one core).
 */
export function gram(Y: usize, n: i32, d: i32, reg: f32, out: usize): void {
  const rb = <usize>d << 2;
  const d8 = d & ~7;
  const k4 = d & ~3;
  for (let k0 = 0; k0 < k4; k0 += 4) {
    for (let j0 = k0 & ~7; j0 < d8; j0 += 8) gramTile(Y, n, rb, k0, j0, out);
  }
  // what the tiles leave out: columns [d8, d) of every row, and rows [k4, d); upper triangle only
  for (let k = 0; k < d; k++) {
    for (let j = k < k4 ? max(k, d8) : k; j < d; j++) {
      let s: f32 = 0;
      for (let r = 0; r < n; r++) {
        const y = Y + <usize>r * rb;
        s += load<f32>(y + (<usize>k << 2)) * load<f32>(y + (<usize>j << 2));
      }
      store<f32>(out + <usize>k * rb + (<usize>j << 2), s);
    }
  }
  for (let k = 1; k < d; k++) {
    for (let j = 0; j < k; j++) store<f32>(out + <usize>k * rb + (<usize>j << 2), load<f32>(out + <usize>j * rb + (<usize>k << 2)));
  }
  for (let k = 0; k < d; k++) {
    const p = out + <usize>k * rb + (<usize>k << 2);
    store<f32>(p, load<f32>(p) + reg);
  }
}

/** out[k0..k0+4)[j0..j0+8) = Σ_r y_r[k] · y_r[j]. */
// @ts-ignore: decorator
@inline function gramTile(Y: usize, n: i32, rb: usize, k0: i32, j0: i32, out: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  const ko = <usize>k0 << 2;
  const jo = <usize>j0 << 2;
  for (let r = 0; r < n; r++) {
    const y = Y + <usize>r * rb;
    const v0 = v128.load(y + jo);
    const v1 = v128.load(y + jo, 16);
    const s0 = v128.load32_splat(y + ko);
    const s1 = v128.load32_splat(y + ko, 4);
    const s2 = v128.load32_splat(y + ko, 8);
    const s3 = v128.load32_splat(y + ko, 12);
    a00 = f32x4.add(a00, f32x4.mul(s0, v0));
    a01 = f32x4.add(a01, f32x4.mul(s0, v1));
    a10 = f32x4.add(a10, f32x4.mul(s1, v0));
    a11 = f32x4.add(a11, f32x4.mul(s1, v1));
    a20 = f32x4.add(a20, f32x4.mul(s2, v0));
    a21 = f32x4.add(a21, f32x4.mul(s2, v1));
    a30 = f32x4.add(a30, f32x4.mul(s3, v0));
    a31 = f32x4.add(a31, f32x4.mul(s3, v1));
  }
  const o = out + <usize>k0 * rb + jo;
  v128.store(o, a00);
  v128.store(o, a01, 16);
  v128.store(o + rb, a10);
  v128.store(o + rb, a11, 16);
  v128.store(o + 2 * rb, a20);
  v128.store(o + 2 * rb, a21, 16);
  v128.store(o + 3 * rb, a30);
  v128.store(o + 3 * rb, a31, 16);
}

/**
 * `steps` CG iterations per row, warm-started from the current X rows (implicit's least_squares_cg), for rows claimed
 * one at a time from the i32 at `counter` (claim.ts) while u < `rows`. YtY already includes reg·I; `rowReg` (0: none)
 * points to one f32 per row added to that row's diagonal (frequency-scaled regularisation, Rendle et al. 2022). A call stops after
 * about `maxWork` units (the backend's cost: (entries + d)·d·(steps + 1) per row) so V8 can tier the code up between
 * calls; returns the rows done, 0 once every row is claimed. Rows are independent (each reads Y and writes only its
 * own X row), so the result does not depend on which thread solved which row. scratch: 3·d f32 (r, p, Ap), the
 * calling thread's own.
 */
export function alsCgRows(
  indptr: usize, indices: usize, conf: usize, X: usize, Y: usize, YtY: usize, d: i32, steps: i32,
  counter: usize, rows: i32, maxWork: i32, scratch: usize, rowReg: usize,
): i32 {
  let done = 0;
  let work: i64 = 0;
  while (work < <i64>maxWork) {
    const u = claim(counter, 1);
    if (u >= rows) break;
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + ((<usize>u + 1) << 2));
    const reg: f32 = rowReg ? load<f32>(rowReg + (<usize>u << 2)) : 0;
    cgRow(indices, conf, X + <usize>u * (<usize>d << 2), Y, YtY, d, start, end, steps, scratch, reg);
    work += <i64>(end - start + d) * <i64>d * <i64>(steps + 1);
    done++;
  }
  return done;
}

// @ts-ignore: decorator
@inline function cgRow(indices: usize, conf: usize, x: usize, Y: usize, YtY: usize, d: i32, start: i32, end: i32, steps: i32, scratch: usize, reg: f32): void {
  const rb = <usize>d << 2;
  const r = scratch;
  const p = scratch + rb;
  const ap = scratch + 2 * rb;
  // r = b − A x, without forming A: −YtY x, then the per-item terms
  matvec(YtY, x, d, r);
  if (reg != 0) axpy(r, x, reg, d);
  for (let j = 0; j < d; j++) store<f32>(r + (<usize>j << 2), -load<f32>(r + (<usize>j << 2)));
  sparseUpdate(r, Y, indices, conf, start, end, x, d, 1, -1);
  memory.copy(p, r, rb);
  let rsold = dot(r, r, d);
  if (rsold < 1e-20) return;
  for (let it = 0; it < steps; it++) {
    matvec(YtY, p, d, ap);
    if (reg != 0) axpy(ap, p, reg, d);
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

/**
 * Exact solve by Cholesky factorisation of A (implicit's least_squares), for rows claimed from `counter` as in
 * {@link alsCgRows}, with (entries + d²/6)·d²/2 units per row. YtY already
 * includes reg·I; `rowReg` as in {@link alsCgRows}. scratch: d·d + d f32. Only the lower triangle of A is accumulated and factored. A row whose system is
 * not positive definite is left unchanged, and the lowest such row + 1 is kept in the i32 at `failed` (0: none).
 */
export function alsCholeskyRows(
  indptr: usize, indices: usize, conf: usize, X: usize, Y: usize, YtY: usize, d: i32,
  counter: usize, rows: i32, maxWork: i32, failed: usize, scratch: usize, rowReg: usize,
): i32 {
  const rb = <usize>d << 2;
  const A = scratch;
  const b = scratch + <usize>d * rb;
  let done = 0;
  let work: i64 = 0;
  while (work < <i64>maxWork) {
    const u = claim(counter, 1);
    if (u >= rows) break;
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + ((<usize>u + 1) << 2));
    memory.copy(A, YtY, <usize>d * rb);
    if (rowReg) {
      const reg = load<f32>(rowReg + (<usize>u << 2));
      for (let k = 0; k < d; k++) store<f32>(A + <usize>k * rb + (<usize>k << 2), load<f32>(A + <usize>k * rb + (<usize>k << 2)) + reg);
    }
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
    if (choleskySolve(A, b, d)) memory.copy(X + <usize>u * rb, b, rb);
    else claimMin(failed, u + 1);
    work += (<i64>(end - start) * <i64>d + <i64>d * <i64>d * <i64>d / 6) * <i64>d / 2;
    done++;
  }
  return done;
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
