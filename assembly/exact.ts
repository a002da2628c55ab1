// Exact top-k by inner product over a large row set, reading 8-bit codes first: a single query over 100k × 64 f32
// rows is memory-bound (25.6 MB per scan), and the codes are a quarter of that. Every row i carries a scale s_i,
// the residual norm R_i = ‖x_i − s_i·c_i‖ and N_i = s_i·‖c_i‖ (written by src/retrieval/quantized.ts). With the
// query quantized to 16 bits (q = s_q·c_q + e_q), Cauchy–Schwarz bounds the gap between the f32 score and the
// approximate one a_i = s_i·s_q·(c_i·c_q):  |x_i·q − a_i| ≤ R_i·‖q‖ + N_i·‖e_q‖  (plus a rounding margin).
// Pass 1 keeps the k best lower bounds a_i − err_i: their worst, T, is at most the k-th best true score. Pass 2
// scores exactly (the same dot4/dot as scoreBlock, so bit-identical) only the rows whose upper bound a_i + err_i
// reaches T; every other row is provably below the k-th best. The result equals recommendBlock's without a mask,
// ties included (the reference is the plain scan: src/kernels/reference/score.ts + topk). Query-side bound in the
// spirit of Guo et al. 2020 (ScaNN) and FAISS's IndexRefine, made exact by the bound instead of a fixed re-rank depth.
import { dot, dot4Rows, scoreBlock } from './score';
import { heapOffer, heapFinish, topk } from './topk';

/** Candidates above this share of the rows: the bound is too loose for this query, scan the f32 rows instead. */
const MAX_CANDIDATE_SHARE: i32 = 8; // n / 8
/** Far above the absolute error of any f32 dot product whose terms underflow (2^-149 each, dim terms). */
const UNDERFLOW_SLACK: f32 = 1e-30;

// @ts-ignore: decorator
@inline function push(list: usize, n: i32, value: i32): i32 {
  store<i32>(list + (<usize>n << 2), value);
  return n + 1;
}

// @ts-ignore: decorator
@inline export function hsum4i(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(v128.shuffle<i32>(a, b, 0, 4, 2, 6), v128.shuffle<i32>(a, b, 1, 5, 3, 7));
  const cd = i32x4.add(v128.shuffle<i32>(c, d, 0, 4, 2, 6), v128.shuffle<i32>(c, d, 1, 5, 3, 7));
  return i32x4.add(v128.shuffle<i32>(ab, cd, 0, 1, 4, 5), v128.shuffle<i32>(ab, cd, 2, 3, 6, 7));
}

/**
 * For each of nQueries queries (f32 rows of `dim`): the best k of its inner products with the n f32 `items` rows,
 * into outIdx/outScore + q·k and counts + q, exactly as recommendBlock with no mask. `codes`: n rows of `stride`
 * i8 (stride = dim rounded up to 8, zero padded); `scale`, `resid`, `norm`: n f32 each. `scratch` holds 2n + stride
 * f32 words (upper bounds, candidate list, the query's codes). Returns the number of queries that fell back to
 * the full scan (a statistic for the bench).
 */
export function exactTopk(
  queries: usize, nQueries: i32, items: usize, n: i32, dim: i32,
  codes: usize, stride: i32, scale: usize, resid: usize, norm: usize,
  k: i32, scratch: usize, outIdx: usize, outScore: usize, counts: usize,
): i32 {
  const upper = scratch;
  const cand = scratch + (<usize>n << 2);
  const qc = cand + (<usize>n << 2);
  const rowBytes = <usize>dim << 2;
  let fallbacks = 0;
  // 16-bit query codes, but small enough that no i32 lane can overflow: |Σ c_i·c_q| ≤ 127·qmax·stride.
  const qmax = <f64>min<i32>(32767, <i32>(2.0e9 / (127.0 * <f64>stride)));
  // Worst-case f32 rounding of a dim-term dot product, doubled (Higham's γ_d), covers both scores' rounding.
  const mu = <f64>(dim + 16) * 1.1920928955078125e-7;
  for (let q = 0; q < nQueries; q++) {
    const qp = queries + <usize>q * rowBytes;
    const off = (<usize>q * <usize>k) << 2;
    const oi = outIdx + off, os = outScore + off;
    if (k <= 0 || n <= 0) {
      store<i32>(counts + (<usize>q << 2), 0);
      continue;
    }
    // Quantize the query: c_q = round(q / s_q); ‖q‖ and ‖e_q‖ in f64.
    let maxAbs: f64 = 0, qq: f64 = 0;
    for (let j = 0; j < dim; j++) {
      const v = <f64>load<f32>(qp + (<usize>j << 2));
      maxAbs = max(maxAbs, abs(v));
      qq += v * v;
    }
    const sq = maxAbs / qmax;
    let ee: f64 = 0;
    for (let j = 0; j < stride; j++) {
      let c: f64 = 0;
      if (j < dim && sq > 0) {
        const v = <f64>load<f32>(qp + (<usize>j << 2));
        c = min(qmax, max(-qmax, nearest(v / sq)));
        const e = v - c * sq;
        ee += e * e;
      }
      store<i16>(qc + (<usize>j << 1), <i16>c);
    }
    const Q = sqrt(qq), E = sqrt(ee);
    const cR = f32x4.splat(<f32>(Q * (1 + mu)));
    const cN = f32x4.splat(<f32>(E + mu * Q));
    const sqv = f32x4.splat(<f32>sq);
    // Absolute slack for underflow (subnormal products lose absolute, not relative, precision).
    const tiny = f32x4.splat(UNDERFLOW_SLACK);
    // Pass 1: approximate scores from the codes, four rows at a time; keep the k best lower bounds.
    let size = 0;
    const n4 = n & ~3;
    const chunks = stride >> 3;
    for (let i = 0; i < n4; i += 4) {
      const r0 = codes + <usize>i * <usize>stride;
      const r1 = r0 + <usize>stride, r2 = r1 + <usize>stride, r3 = r2 + <usize>stride;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      for (let c = 0; c < chunks; c++) {
        const o = <usize>c << 3;
        const qv = v128.load(qc + (o << 1));
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r0 + o)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r1 + o)));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r2 + o)));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r3 + o)));
      }
      const m = <usize>i << 2;
      const approx = f32x4.mul(f32x4.mul(f32x4.convert_i32x4_s(hsum4i(a0, a1, a2, a3)), v128.load(scale + m)), sqv);
      const err = f32x4.add(f32x4.add(f32x4.mul(v128.load(resid + m), cR), f32x4.mul(v128.load(norm + m), cN)), tiny);
      v128.store(upper + m, f32x4.add(approx, err));
      const lower = f32x4.sub(approx, err);
      size = heapOffer(f32x4.extract_lane(lower, 0), i, size, k, oi, os);
      size = heapOffer(f32x4.extract_lane(lower, 1), i + 1, size, k, oi, os);
      size = heapOffer(f32x4.extract_lane(lower, 2), i + 2, size, k, oi, os);
      size = heapOffer(f32x4.extract_lane(lower, 3), i + 3, size, k, oi, os);
    }
    for (let i = n4; i < n; i++) {
      const r = codes + <usize>i * <usize>stride;
      let s: i32 = 0;
      for (let j = 0; j < stride; j++) s += <i32>load<i8>(r + j) * <i32>load<i16>(qc + (<usize>j << 1));
      const m = <usize>i << 2;
      const approx = <f32>s * load<f32>(scale + m) * <f32>sq;
      const err = load<f32>(resid + m) * <f32>(Q * (1 + mu)) + load<f32>(norm + m) * <f32>(E + mu * Q) + UNDERFLOW_SLACK;
      store<f32>(upper + m, approx + err);
      size = heapOffer(approx - err, i, size, k, oi, os);
    }
    // T: the k-th best lower bound (every row qualifies while fewer than k rows exist).
    const T: f32 = size < k ? -Infinity : load<f32>(os);
    // Pass 2: the rows whose upper bound reaches T.
    let nc = 0;
    const cap = n / MAX_CANDIDATE_SHARE;
    const tv = f32x4.splat(T);
    for (let i = 0; i < n4 && nc <= cap; i += 4) {
      const bits = i32x4.bitmask(f32x4.ge(v128.load(upper + (<usize>i << 2)), tv));
      if (bits == 0) continue;
      if (bits & 1) nc = push(cand, nc, i);
      if (bits & 2) nc = push(cand, nc, i + 1);
      if (bits & 4) nc = push(cand, nc, i + 2);
      if (bits & 8) nc = push(cand, nc, i + 3);
    }
    for (let i = n4; i < n; i++) if (load<f32>(upper + (<usize>i << 2)) >= T) nc = push(cand, nc, i);
    if (nc > cap && n >= 64) {
      fallbacks++;
      scoreBlock(qp, 1, items, n, dim, upper);
      store<i32>(counts + (<usize>q << 2), topk(upper, n, k, oi, os));
      continue;
    }
    size = 0;
    let c = 0;
    // Rows below n4 are scored by dot4 and the tail by dot, as scoreBlock does, so scores are bit-identical.
    for (; c + 4 <= nc; c += 4) {
      const i0 = load<i32>(cand + (<usize>c << 2)), i1 = load<i32>(cand + (<usize>(c + 1) << 2));
      const i2 = load<i32>(cand + (<usize>(c + 2) << 2)), i3 = load<i32>(cand + (<usize>(c + 3) << 2));
      if (i3 >= n4) break;
      const s = dot4Rows(qp, items + <usize>i0 * rowBytes, items + <usize>i1 * rowBytes, items + <usize>i2 * rowBytes, items + <usize>i3 * rowBytes, dim);
      size = heapOffer(f32x4.extract_lane(s, 0), i0, size, k, oi, os);
      size = heapOffer(f32x4.extract_lane(s, 1), i1, size, k, oi, os);
      size = heapOffer(f32x4.extract_lane(s, 2), i2, size, k, oi, os);
      size = heapOffer(f32x4.extract_lane(s, 3), i3, size, k, oi, os);
    }
    for (; c < nc; c++) {
      const i = load<i32>(cand + (<usize>c << 2));
      const p = items + <usize>i * rowBytes;
      const s = i < n4 ? f32x4.extract_lane(dot4Rows(qp, p, p, p, p, dim), 0) : dot(qp, p, dim);
      if (s > -Infinity) size = heapOffer(s, i, size, k, oi, os);
    }
    heapFinish(size, k, oi, os);
    store<i32>(counts + (<usize>q << 2), size);
  }
  return fallbacks;
}
