// Stochastic-gradient training kernels of the implicit family: BPR (Rendle et al. 2009) and logistic matrix
// factorisation (Johnson 2014), with implicit's sampling and update rules. Each thread owns one xoshiro128**
// state (4 u32 at `rng`), so one-thread runs are reproducible; threads update shared factors without locks (Hogwild,
// Recht et al. 2011), as implicit does with OpenMP.

import { claim } from './claim';

/** xoshiro128** (Blackman & Vigna): next u32 from the 4-word state at `s`. */
// @ts-ignore: decorator
@inline export function nextU32(s: usize): u32 {
  const s0 = load<u32>(s), s1 = load<u32>(s, 4), s2 = load<u32>(s, 8), s3 = load<u32>(s, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  let n2 = s2 ^ s0;
  let n3 = s3 ^ s1;
  const n1 = s1 ^ n2;
  const n0 = s0 ^ n3;
  n2 ^= t;
  n3 = rotl<u32>(n3, 11);
  store<u32>(s, n0);
  store<u32>(s, n1, 4);
  store<u32>(s, n2, 8);
  store<u32>(s, n3, 12);
  return result;
}

/** Uniform integer in [0, n): the high word of r·n (Lemire's multiply-shift, without the rejection step). */
// @ts-ignore: decorator
@inline export function below(s: usize, n: i32): i32 {
  return <i32>((<u64>nextU32(s) * <u64>n) >> 32);
}

/** Binary search for `col` in the sorted slice indices[start, end). */
// @ts-ignore: decorator
@inline function contains(indices: usize, start: i32, end: i32, col: i32): bool {
  let lo = start, hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = load<i32>(indices + (<usize>mid << 2));
    if (v == col) return true;
    if (v < col) lo = mid + 1; else hi = mid;
  }
  return false;
}

/**
 * `count` BPR samples (implicit's bpr_update). Rows of X and Y have `cols` = factors + 1 values: the last item
 * column is the item bias, the last user column is fixed at 1. A sample: a random stored (user, liked) entry, a
 * disliked item = the item of another random entry (so negatives follow item popularity, as in implicit), skipped
 * when the user liked it too (verify != 0). Then σ-weighted SGD with L2 `reg`.
 * stats (2 i32): += correct (z < ½), += skipped.
 *
 * Speed (issue 23: the epoch was 1.37× implicit's): a sample is a chain of dependent cache misses (entry → user and
 * items → factor rows and the user's row of `indices` for the verification), so the next sample's draws and index
 * loads are issued one sample ahead, where they overlap the current update; the rng state stays in locals (it was
 * loaded and stored per draw, a store-to-load chain between the draws); the score uses two accumulators. Draws are
 * made in the same order as one sample at a time, so the stream, the skips and the updates are unchanged.
 */
export function bprSamples(
  rowOfEntry: usize, indices: usize, indptr: usize, nnz: i32, X: usize, Y: usize, cols: i32,
  lr: f32, reg: f32, verify: i32, count: i32, rng: usize, stats: usize,
): void {
  if (count <= 0) return;
  const rb = <usize>cols << 2;
  const factors = cols - 1;
  const f4 = factors & ~3;
  const c8 = cols & ~7;
  const c4 = cols & ~3;
  const lrv = f32x4.splat(lr);
  const regv = f32x4.splat(reg);
  let s0 = load<u32>(rng), s1 = load<u32>(rng, 4), s2 = load<u32>(rng, 8), s3 = load<u32>(rng, 12);
  let correct = 0, skipped = 0;
  // sample 0's draws; each iteration draws the next sample's before updating
  let r = rotl<u32>(s1 * 5, 7) * 9;
  let t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u32>(s3, 11);
  let liked = <i32>((<u64>r * <u64>nnz) >> 32);
  r = rotl<u32>(s1 * 5, 7) * 9;
  t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u32>(s3, 11);
  let other = <i32>((<u64>r * <u64>nnz) >> 32);
  let u = load<i32>(rowOfEntry + (<usize>liked << 2));
  let i = load<i32>(indices + (<usize>liked << 2));
  let j = load<i32>(indices + (<usize>other << 2));
  for (let n = 0; n < count; n++) {
    const cu = u, ci = i, cj = j;
    if (n + 1 < count) {
      r = rotl<u32>(s1 * 5, 7) * 9;
      t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u32>(s3, 11);
      liked = <i32>((<u64>r * <u64>nnz) >> 32);
      r = rotl<u32>(s1 * 5, 7) * 9;
      t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u32>(s3, 11);
      other = <i32>((<u64>r * <u64>nnz) >> 32);
      u = load<i32>(rowOfEntry + (<usize>liked << 2));
      i = load<i32>(indices + (<usize>liked << 2));
      j = load<i32>(indices + (<usize>other << 2));
    }
    if (verify != 0 && contains(indices, load<i32>(indptr + (<usize>cu << 2)), load<i32>(indptr + ((<usize>cu + 1) << 2)), cj)) {
      skipped++;
      continue;
    }
    const x = X + <usize>cu * rb;
    const yi = Y + <usize>ci * rb;
    const yj = Y + <usize>cj * rb;
    // score over all columns: the user's constant 1 times the item bias difference is included
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let c = 0;
    for (; c < c8; c += 8) {
      const o = <usize>c << 2;
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(x + o), f32x4.sub(v128.load(yi + o), v128.load(yj + o))));
      acc1 = f32x4.add(acc1, f32x4.mul(v128.load(x + o, 16), f32x4.sub(v128.load(yi + o, 16), v128.load(yj + o, 16))));
    }
    for (; c < c4; c += 4) {
      const o = <usize>c << 2;
      acc0 = f32x4.add(acc0, f32x4.mul(v128.load(x + o), f32x4.sub(v128.load(yi + o), v128.load(yj + o))));
    }
    const acc = f32x4.add(acc0, acc1);
    let score = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      score += load<f32>(x + o) * (load<f32>(yi + o) - load<f32>(yj + o));
    }
    const z = <f32>(1.0 / (1.0 + Math.exp(<f64>score)));
    if (z < 0.5) correct++;
    const zv = f32x4.splat(z);
    let k = 0;
    for (; k < f4; k += 4) {
      const o = <usize>k << 2;
      const xu = v128.load(x + o), a = v128.load(yi + o), b = v128.load(yj + o);
      v128.store(x + o, f32x4.add(xu, f32x4.mul(lrv, f32x4.sub(f32x4.mul(zv, f32x4.sub(a, b)), f32x4.mul(regv, xu)))));
      v128.store(yi + o, f32x4.add(a, f32x4.mul(lrv, f32x4.sub(f32x4.mul(zv, xu), f32x4.mul(regv, a)))));
      v128.store(yj + o, f32x4.add(b, f32x4.mul(lrv, f32x4.sub(f32x4.neg(f32x4.mul(zv, xu)), f32x4.mul(regv, b)))));
    }
    for (; k < factors; k++) {
      const o = <usize>k << 2;
      const xu = load<f32>(x + o), a = load<f32>(yi + o), b = load<f32>(yj + o);
      store<f32>(x + o, xu + lr * (z * (a - b) - reg * xu));
      store<f32>(yi + o, a + lr * (z * xu - reg * a));
      store<f32>(yj + o, b + lr * (-z * xu - reg * b));
    }
    const bo = <usize>factors << 2;
    store<f32>(yi + bo, load<f32>(yi + bo) + lr * (z - reg * load<f32>(yi + bo)));
    store<f32>(yj + bo, load<f32>(yj + bo) + lr * (-z - reg * load<f32>(yj + bo)));
  }
  store<u32>(rng, s0);
  store<u32>(rng, s1, 4);
  store<u32>(rng, s2, 8);
  store<u32>(rng, s3, 12);
  store<i32>(stats, load<i32>(stats) + correct);
  store<i32>(stats, load<i32>(stats, 4) + skipped, 4);
}

/**
 * {@link bprSamples} in chunks of `step` samples claimed from the i32 at `counter` (claim.ts) while fewer than `total`
 * were claimed, at most `maxChunks` chunks per call (V8 tiers Wasm up only between calls). Returns the chunks done,
 * 0 once every sample is claimed. Each thread still draws from its own rng; a thread that is slower (or whose core is
 * busy) simply claims fewer chunks instead of holding up the epoch.
 */
export function bprSamplesClaim(
  rowOfEntry: usize, indices: usize, indptr: usize, nnz: i32, X: usize, Y: usize, cols: i32,
  lr: f32, reg: f32, verify: i32, counter: usize, total: i32, step: i32, maxChunks: i32, rng: usize, stats: usize,
): i32 {
  let done = 0;
  while (done < maxChunks) {
    const a = claim(counter, step);
    if (a >= total) break;
    bprSamples(rowOfEntry, indices, indptr, nnz, X, Y, cols, lr, reg, verify, min(step, total - a), rng, stats);
    done++;
  }
  return done;
}

/** Numerically stable logistic function. */
// @ts-ignore: decorator
@inline function sigmoid(x: f32): f32 {
  if (x >= 0) return <f32>(1.0 / (1.0 + Math.exp(-<f64>x)));
  const e = Math.exp(<f64>x);
  return <f32>(e / (1.0 + e));
}

/**
 * One LMF adagrad step for every row of X against Y (implicit's lmf_update; Johnson 2014):
 *   g = Σ_pos c·y_i − Σ_pos c·σ(x·y_i)·y_i − Σ_neg σ(x·y_j)·y_j − reg·x;  G += g²;  x += lr·g / sqrt(1e-6 + G)
 * with `negatives = min(negCap, nnz_u · negProp)` items drawn as the items of random stored entries.
 * Rows are independent, so threads claim rows one at a time from the i32 at `counter` (claim.ts) while fewer than
 * `rows` were claimed; a call returns after about `maxWork` units (entries and negatives × cols), so V8 can tier the
 * code up between calls. Returns the rows done, 0 once every row is claimed. One thread claims rows in order, so its
 * rng stream (and result) is that of a plain loop over the rows. G (adagrad sums) has X's shape; scratch holds
 * `cols` f32.
 */
export function lmfRowsClaim(
  indptr: usize, indices: usize, data: usize, nnz: i32, X: usize, Y: usize, G: usize, cols: i32,
  lr: f32, reg: f32, negProp: i32, negCap: i32, counter: usize, rows: i32, maxWork: i32, scratch: usize, rng: usize,
): i32 {
  let done = 0;
  let work: i64 = 0;
  while (work < <i64>maxWork) {
    const u = claim(counter, 1);
    if (u >= rows) break;
    lmfRow(indptr, indices, data, nnz, X, Y, G, cols, lr, reg, negProp, negCap, u, scratch, rng);
    const n = load<i32>(indptr + ((<usize>u + 1) << 2)) - load<i32>(indptr + (<usize>u << 2));
    work += (<i64>n + <i64>min(n * negProp, negCap) + 1) * <i64>cols;
    done++;
  }
  return done;
}

// @ts-ignore: decorator
@inline function lmfRow(
  indptr: usize, indices: usize, data: usize, nnz: i32, X: usize, Y: usize, G: usize, cols: i32,
  lr: f32, reg: f32, negProp: i32, negCap: i32, u: i32, scratch: usize, rng: usize,
): void {
  const rb = <usize>cols << 2;
  const c4 = cols & ~3;
  {
    const start = load<i32>(indptr + (<usize>u << 2));
    const end = load<i32>(indptr + ((<usize>u + 1) << 2));
    if (start == end) return;
    const x = X + <usize>u * rb;
    memory.fill(scratch, 0, rb);
    for (let e = start; e < end; e++) {
      const y = Y + <usize>load<i32>(indices + (<usize>e << 2)) * rb;
      const c = load<f32>(data + (<usize>e << 2));
      // c·y − c·σ(x·y)·y
      axpyLocal(scratch, y, c - c * sigmoid(dotLocal(x, y, cols)), cols);
    }
    let negatives = (end - start) * negProp;
    if (negatives > negCap) negatives = negCap;
    for (let n = 0; n < negatives; n++) {
      const y = Y + <usize>load<i32>(indices + (<usize>below(rng, nnz) << 2)) * rb;
      axpyLocal(scratch, y, -sigmoid(dotLocal(x, y, cols)), cols);
    }
    const regv = f32x4.splat(reg);
    const lrv = f32x4.splat(lr);
    const eps = f32x4.splat(1e-6);
    let k = 0;
    for (; k < c4; k += 4) {
      const o = <usize>k << 2;
      const xv = v128.load(x + o);
      const g = f32x4.sub(v128.load(scratch + o), f32x4.mul(regv, xv));
      const gs = f32x4.add(v128.load(G + <usize>u * rb + o), f32x4.mul(g, g));
      v128.store(G + <usize>u * rb + o, gs);
      v128.store(x + o, f32x4.add(xv, f32x4.div(f32x4.mul(lrv, g), f32x4.sqrt(f32x4.add(eps, gs)))));
    }
    for (; k < cols; k++) {
      const o = <usize>k << 2;
      const xv = load<f32>(x + o);
      const g = load<f32>(scratch + o) - reg * xv;
      const gs = load<f32>(G + <usize>u * rb + o) + g * g;
      store<f32>(G + <usize>u * rb + o, gs);
      store<f32>(x + o, xv + (lr * g) / sqrt<f32>(1e-6 + gs));
    }
  }
}

import { dot as dotLocal } from './score';
import { axpy as axpyLocal } from './linalg';
