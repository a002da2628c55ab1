// Dense symmetric positive-definite algebra for closed-form item models (EASE, Steck 2019): the Gram matrix XᵀX + λI
// of a sparse X, and its inverse by the blocked sweep operator. Reference: src/kernels/reference/spd.ts.
//
// Matrices are row-major with a leading dimension `ld` (a multiple of 8) and at least roundup(n, 8) rows, so the 4 × 8
// update tiles never leave the allocation; only the lower triangle (j ≤ i) is read and written until spdSymmetrize.
import { claim } from './claim';

/**
 * Lower-triangle rows of G = XᵀX + reg·I, claimed one at a time from the i32 at `counter` while i < n. X is given in
 * both orientations: `byItem` (items × users: row i lists the users of item i) and `byUser` (users × items, columns
 * ascending). Row i of G is Σ_{(i,u,w) ∈ byItem} w · X[u, j] for j ≤ i, summed in that order in f32 (bit-identical to
 * the reference). Each row is zeroed first (padding columns included). Stops after about `maxWork` entries of X
 * reached (V8 tiers code up between calls); returns the rows done, 0 once every row is claimed.
 */
export function gramRows(
  iIndptr: usize, iIndices: usize, iData: usize,
  uIndptr: usize, uIndices: usize, uData: usize,
  n: i32, ld: i32, out: usize, reg: f32, counter: usize, maxWork: i32,
): i32 {
  let done = 0;
  let work: i64 = 0;
  while (work < <i64>maxWork) {
    const i = claim(counter, 1);
    if (i >= n) break;
    const row = out + ((<usize>i * <usize>ld) << 2);
    memory.fill(row, 0, <usize>ld << 2);
    const p1 = load<i32>(iIndptr + ((<usize>i + 1) << 2));
    for (let p = load<i32>(iIndptr + (<usize>i << 2)); p < p1; p++) {
      const u = load<i32>(iIndices + (<usize>p << 2));
      const w = load<f32>(iData + (<usize>p << 2));
      const q0 = load<i32>(uIndptr + (<usize>u << 2));
      const q1 = load<i32>(uIndptr + ((<usize>u + 1) << 2));
      let q = q0;
      for (; q < q1; q++) {
        const j = load<i32>(uIndices + (<usize>q << 2));
        if (j > i) break;
        const at = row + (<usize>j << 2);
        store<f32>(at, load<f32>(at) + w * load<f32>(uData + (<usize>q << 2)));
      }
      work += <i64>(q - q0 + 1);
    }
    store<f32>(row + (<usize>i << 2), load<f32>(row + (<usize>i << 2)) + reg);
    done++;
  }
  return done;
}

/**
 * First part of sweeping the diagonal block K = [k0, k0 + m), m = min(nb, n − k0), on the calling thread:
 * - D = A_KK⁻¹ (m × m, f32 at `d` with row stride nb) by the scalar sweep in f64 (`work`: nb² f64);
 * - the panel A[:, K] packed for the update tiles: entry (j, c) at panel[(j >> 3)·nb·8 + c·8 + (j & 7)], for every
 *   j < roundup(n, 8); zero for j ≥ n, for j in K, and for c ≥ m.
 * Returns −1, or the first row of K whose pivot is not positive (A is not positive definite).
 */
export function spdSweepPivot(a: usize, n: i32, ld: i32, k0: i32, nb: i32, panel: usize, d: usize, work: usize): i32 {
  const m = min(nb, n - k0);
  // M = A_KK as a full f64 block (from the lower triangle)
  for (let r = 0; r < m; r++) {
    for (let c = 0; c <= r; c++) {
      const v = <f64>load<f32>(a + ((<usize>(k0 + r) * <usize>ld + <usize>(k0 + c)) << 2));
      store<f64>(work + ((<usize>(r * nb + c)) << 3), v);
      store<f64>(work + ((<usize>(c * nb + r)) << 3), v);
    }
  }
  // Sweep every pivot p: M_ij −= M_ip M_pj / d, M_ip /= d, M_pj /= d, M_pp = −1/d; afterwards M = −A_KK⁻¹.
  for (let p = 0; p < m; p++) {
    const dp = load<f64>(work + (<usize>(p * nb + p) << 3));
    if (!(dp > 0) || !isFinite(dp)) return k0 + p;
    for (let i = 0; i < m; i++) {
      if (i == p) continue;
      const f = load<f64>(work + (<usize>(i * nb + p) << 3)) / dp;
      if (f == 0) continue;
      for (let j = 0; j < m; j++) {
        if (j == p) continue;
        const at = work + (<usize>(i * nb + j) << 3);
        store<f64>(at, load<f64>(at) - f * load<f64>(work + (<usize>(p * nb + j) << 3)));
      }
    }
    for (let i = 0; i < m; i++) {
      if (i == p) continue;
      const ip = work + (<usize>(i * nb + p) << 3);
      store<f64>(ip, load<f64>(ip) / dp);
      const pi = work + (<usize>(p * nb + i) << 3);
      store<f64>(pi, load<f64>(pi) / dp);
    }
    store<f64>(work + (<usize>(p * nb + p) << 3), -1 / dp);
  }
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) store<f32>(d + (<usize>(r * nb + c) << 2), <f32>-load<f64>(work + (<usize>(r * nb + c) << 3)));
  }
  // Pack the panel: A(j, k0 + c) is A[j, k0 + c] below the block, A[k0 + c, j] above it (lower triangle only).
  const nPad = (n + 7) & ~7;
  memory.fill(panel, 0, (<usize>nPad * <usize>nb) << 2);
  for (let j = 0; j < n; j++) {
    if (j >= k0 && j < k0 + m) continue;
    const dst = panel + (<usize>((j >> 3) * nb * 8 + (j & 7)) << 2);
    if (j > k0) {
      const src = a + ((<usize>j * <usize>ld + <usize>k0) << 2);
      for (let c = 0; c < m; c++) store<f32>(dst + (<usize>(c * 8) << 2), load<f32>(src + (<usize>c << 2)));
    } else {
      for (let c = 0; c < m; c++) store<f32>(dst + (<usize>(c * 8) << 2), load<f32>(a + ((<usize>(k0 + c) * <usize>ld + <usize>j) << 2)));
    }
  }
  return -1;
}

/**
 * The rank-m update of a sweep step, on row blocks of 4 claimed from the i32 at `counter` (largest rows first, so the
 * last claims are the cheap ones): for every row block I outside K,
 *   T_I = A_IK · D                     (4 × m, at `t`: this thread's scratch of nb × 4 f32)
 *   A_IJ −= T_I · A_JKᵀ  for J ≤ I, J ∉ K (4 × 8 SIMD tiles over the packed panel)
 *   A_IK = T_I, A_KI = T_Iᵀ            (the swept column and row; no other thread touches them)
 * Stops after about `maxWork` multiply-adds; returns the row blocks done, 0 once all are claimed.
 */
export function spdSweepUpdate(a: usize, n: i32, ld: i32, k0: i32, nb: i32, panel: usize, d: usize, counter: usize, t: usize, maxWork: i32): i32 {
  const m = min(nb, n - k0);
  const blocks = (n + 3) >> 2;
  const ldb = <usize>ld << 2;
  let done = 0;
  let work: i64 = 0;
  while (work < <i64>maxWork) {
    const blk = blocks - 1 - claim(counter, 1);
    if (blk < 0) break;
    done++;
    const i0 = blk << 2;
    if (i0 >= k0 && i0 < k0 + m) continue;
    // T_I: column c of the 4 rows is Σ_q panel rows (i0..i0+3, q) · D[q, c]; the 4 rows are contiguous in the panel.
    const prow = panel + (<usize>((i0 >> 3) * nb * 8 + (i0 & 7)) << 2);
    for (let c = 0; c < m; c++) {
      let acc = f32x4.splat(0);
      for (let q = 0; q < m; q++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(prow + (<usize>(q * 8) << 2)), f32x4.splat(load<f32>(d + (<usize>(q * nb + c) << 2)))));
      }
      v128.store(t + (<usize>c << 4), acc);
    }
    const jEnd = (i0 + 3) >> 3;
    for (let jb = 0; jb <= jEnd; jb++) {
      const j0 = jb << 3;
      if (j0 >= k0 && j0 < k0 + m) continue;
      tile(a + <usize>i0 * ldb + (<usize>j0 << 2), ldb, t, panel + (<usize>(jb * nb * 8) << 2), m);
    }
    work += <i64>(jEnd + 1) * <i64>(m * 32) + <i64>(m * m * 4);
    for (let r = 0; r < 4; r++) {
      const i = i0 + r;
      if (i >= n) break;
      for (let c = 0; c < m; c++) {
        const v = load<f32>(t + (<usize>(c * 4 + r) << 2));
        if (i > k0) store<f32>(a + <usize>i * ldb + (<usize>(k0 + c) << 2), v);
        else store<f32>(a + <usize>(k0 + c) * ldb + (<usize>i << 2), v);
      }
    }
  }
  return done;
}

/** C[0..4, 0..8) −= Σ_q T[q, 0..4] ⊗ P[q, 0..8): the update tile, 8 f32x4 accumulators. */
// @ts-ignore: decorator
@inline function tile(c: usize, ldb: usize, t: usize, p: usize, m: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let q = 0; q < m; q++) {
    const b0 = v128.load(p + (<usize>q << 5));
    const b1 = v128.load(p + (<usize>q << 5), 16);
    const tq = v128.load(t + (<usize>q << 4));
    const t0 = v128.shuffle<f32>(tq, tq, 0, 0, 0, 0);
    const t1 = v128.shuffle<f32>(tq, tq, 1, 1, 1, 1);
    const t2 = v128.shuffle<f32>(tq, tq, 2, 2, 2, 2);
    const t3 = v128.shuffle<f32>(tq, tq, 3, 3, 3, 3);
    c00 = f32x4.add(c00, f32x4.mul(t0, b0));
    c01 = f32x4.add(c01, f32x4.mul(t0, b1));
    c10 = f32x4.add(c10, f32x4.mul(t1, b0));
    c11 = f32x4.add(c11, f32x4.mul(t1, b1));
    c20 = f32x4.add(c20, f32x4.mul(t2, b0));
    c21 = f32x4.add(c21, f32x4.mul(t2, b1));
    c30 = f32x4.add(c30, f32x4.mul(t3, b0));
    c31 = f32x4.add(c31, f32x4.mul(t3, b1));
  }
  v128.store(c, f32x4.sub(v128.load(c), c00));
  v128.store(c, f32x4.sub(v128.load(c, 16), c01), 16);
  v128.store(c + ldb, f32x4.sub(v128.load(c + ldb), c10));
  v128.store(c + ldb, f32x4.sub(v128.load(c + ldb, 16), c11), 16);
  v128.store(c + 2 * ldb, f32x4.sub(v128.load(c + 2 * ldb), c20));
  v128.store(c + 2 * ldb, f32x4.sub(v128.load(c + 2 * ldb, 16), c21), 16);
  v128.store(c + 3 * ldb, f32x4.sub(v128.load(c + 3 * ldb), c30));
  v128.store(c + 3 * ldb, f32x4.sub(v128.load(c + 3 * ldb, 16), c31), 16);
}

/** Last part of a sweep step: A_KK = −D (lower triangle). */
export function spdSweepFinish(a: usize, n: i32, ld: i32, k0: i32, nb: i32, d: usize): void {
  const m = min(nb, n - k0);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c <= r; c++) store<f32>(a + ((<usize>(k0 + r) * <usize>ld + <usize>(k0 + c)) << 2), -load<f32>(d + (<usize>(r * nb + c) << 2)));
  }
}

/** Copy the lower triangle to the upper one, every entry times `scale` (after the sweep: −1, since it leaves −A⁻¹). */
export function spdSymmetrize(a: usize, n: i32, ld: i32, scale: f32): void {
  const B = 32; // tiles, so the transposed reads stay in cache
  for (let i0 = 0; i0 < n; i0 += B) {
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const i1 = min(i0 + B, n);
      for (let i = i0; i < i1; i++) {
        const j1 = min(j0 + B, i + 1);
        for (let j = j0; j < j1; j++) {
          const lo = a + ((<usize>i * <usize>ld + <usize>j) << 2);
          const v = load<f32>(lo) * scale;
          store<f32>(lo, v);
          if (i != j) store<f32>(a + ((<usize>j * <usize>ld + <usize>i) << 2), v);
        }
      }
    }
  }
}
