// One training epoch of LightFM's hybrid factorization model (Kula 2015), the spec being
// src/kernels/reference/lightfm.ts (LightFM's _lightfm_fast.pyx.template semantics: logistic, BPR, WARP, k-OS WARP;
// adagrad / adadelta per element). Layout: every parameter row has `dp` = roundUp4(d + 1) floats, components in
// [0, d), the bias in slot d, zeros after; the optimizer state (G, M) has the same layout, so one f32x4 loop updates
// components and bias together. A feature's W, G (and M) parts sit next to each other, `STRIDE` bytes per feature. Threads run this on disjoint ranges of one shuffled order and update the shared
// rows without locks (Hogwild, Recht et al. 2011), as LightFM does with OpenMP.

import { claim } from './claim';

// Context words (i32 / f32 at ctx + 4·index), written by src/kernels/wasm/lightfm.ts.
const LOSS = 0; // 0 logistic, 1 bpr, 2 warp, 3 warp-kos
const ADADELTA = 1;
const DP = 2;
const D = 3;
const NITEMS = 4;
const MAX_SAMPLED = 5;
const KOS_K = 6;
const KOS_N = 7;
const LR = 8;
const RHO = 9;
const EPS = 10;
const ITEM_ALPHA = 11;
const USER_ALPHA = 12;
const UF_INDPTR = 13;
const UF_INDICES = 14;
const UF_DATA = 15;
const IF_INDPTR = 16;
const IF_INDICES = 17;
const IF_DATA = 18;
const POS_INDPTR = 19;
const POS_INDICES = 20;
const EX_USERS = 21;
const EX_ITEMS = 22;
const EX_LABELS = 23;
const EX_WEIGHTS = 24;
const ORDER = 25;
const UW = 26;
const UG = 27;
const UM = 28;
const IW = 29;
const IG = 30;
const IM = 31;
const NEX = 32;
const STRIDE = 33; // bytes between parameter rows: a row's W, G and M parts are adjacent
const LAZY = 34; // 1: LightFM's lazy L2 (every parameter decays through the scales); 0: decay of updated elements
const SCALES = 35; // f64 item scale at +0, f64 user scale at +8, i32 LOCK and i32 BUSY words (shared by the threads)
const NUSER_ROWS = 36;
const NITEM_ROWS = 37;
const MAX_REG_SCALE: f64 = 1000000.0; // LightFM's MAX_REG_SCALE
// Words of the SCALES block (threads build): LOCK is 1 while a thread regularizes mid-epoch; BUSY counts the threads
// inside lightfmEpoch that are not parked, i.e. that may be reading or writing parameter rows right now.
const LOCK: usize = 16;
const BUSY: usize = 20;

const MAX_LOSS: f64 = 10.0;

// @ts-ignore: decorator
@inline function ci(ctx: usize, w: i32): i32 {
  return load<i32>(ctx + (<usize>w << 2));
}
// @ts-ignore: decorator
@inline function cp(ctx: usize, w: i32): usize {
  return <usize>load<i32>(ctx + (<usize>w << 2));
}
// @ts-ignore: decorator
@inline function cf(ctx: usize, w: i32): f32 {
  return load<f32>(ctx + (<usize>w << 2));
}
// @ts-ignore: decorator
@inline function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

/** xorshift32 (Marsaglia 2003) on the u32 at `s`, as the reference's xorshift32. */
// @ts-ignore: decorator
@inline function next(s: usize): u32 {
  let x = load<u32>(s);
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  store<u32>(s, x);
  return x;
}

/** Binary search for `col` in the sorted slice indices[start, end) (LightFM's in_positives). */
function contains(indices: usize, start: i32, end: i32, col: i32): bool {
  let lo = start, hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = i32At(indices, mid);
    if (v == col) return true;
    if (v < col) lo = mid + 1; else hi = mid;
  }
  return false;
}

/**
 * Representation of feature row `row`: Σ (w_f · scale) · W_f over its features (components and bias slot; `scale` is
 * LightFM's pending lazy-L2 scale, 1 otherwise). A row that is a single feature of weight 1 (identity features) is
 * returned in place, without a copy, when the scale is 1.
 */
function repr(indptr: usize, indices: usize, data: usize, W: usize, row: i32, dp: i32, out: usize, stride: usize, scale: f64): usize {
  const a = i32At(indptr, row), b = i32At(indptr, row + 1);
  const rb = <usize>dp << 2;
  if (b - a == 1 && load<f32>(data + (<usize>a << 2)) == 1.0 && scale == 1.0) return W + <usize>i32At(indices, a) * stride;
  memory.fill(out, 0, rb);
  for (let p = a; p < b; p++) {
    const w = f32x4.splat(<f32>(<f64>load<f32>(data + (<usize>p << 2)) * scale));
    const src = W + <usize>i32At(indices, p) * stride;
    for (let j: usize = 0; j < rb; j += 16) v128.store(out + j, f32x4.add(v128.load(out + j), f32x4.mul(w, v128.load(src + j))));
  }
  return out;
}

/** <u, i> over the components plus both biases (slot d holds the biases, the padding is zero). */
function predict(u: usize, i: usize, d: i32, dp: i32): f32 {
  let acc = f32x4.splat(0);
  const rb = <usize>dp << 2;
  for (let j: usize = 0; j < rb; j += 16) acc = f32x4.add(acc, f32x4.mul(v128.load(u + j), v128.load(i + j)));
  const s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  const bo = <usize>d << 2;
  const ub = load<f32>(u + bo), ib = load<f32>(i + bo);
  return s - ub * ib + ub + ib;
}

/** g[0..dp) = a · x[0..dp), then g[d] = bias. */
function scaled(g: usize, x: usize, a: f32, dp: i32, d: i32, bias: f32): void {
  const av = f32x4.splat(a);
  const rb = <usize>dp << 2;
  for (let j: usize = 0; j < rb; j += 16) v128.store(g + j, f32x4.mul(av, v128.load(x + j)));
  store<f32>(g + (<usize>d << 2), bias);
}

/**
 * Apply gradient g (dp floats) to every feature of `row`, scaled by the feature weight: adagrad η = lr/√G,
 * w −= η·g, G += g²; adadelta G = ρG + (1−ρ)g², η = √(M+ε)/√(G+ε), Δ = η·g, M = ρM + (1−ρ)Δ², w −= Δ;
 * then L2: lazy (LightFM) w *= 1 + α·η, the global scale dividing everything later; otherwise w /= 1 + α·η.
 * Returns Σ η over the row's elements (components and bias, not the padding), for LightFM's average learning rate.
 */
function updateRow(ctx: usize, indptr: usize, indices: usize, data: usize, W: usize, G: usize, M: usize, row: i32, g: usize, alpha: f32): f64 {
  const dp = ci(ctx, DP);
  const rb = <usize>dp << 2;
  const adadelta = ci(ctx, ADADELTA) != 0;
  const lr = f32x4.splat(cf(ctx, LR));
  const rho = f32x4.splat(cf(ctx, RHO));
  const rho1 = f32x4.splat(1 - cf(ctx, RHO));
  const eps = f32x4.splat(cf(ctx, EPS));
  const av = f32x4.splat(alpha);
  const one = f32x4.splat(1);
  const lazy = ci(ctx, LAZY) != 0;
  // lanes of the last vector that hold components or the bias (the rest is padding)
  const live = ci(ctx, D) + 1 - ((dp - 4));
  const lastMask = f32x4(live > 0 ? 1 : 0, live > 1 ? 1 : 0, live > 2 ? 1 : 0, live > 3 ? 1 : 0);
  let etaSum = f32x4.splat(0);
  const a = i32At(indptr, row), b = i32At(indptr, row + 1);
  for (let p = a; p < b; p++) {
    const fw = f32x4.splat(load<f32>(data + (<usize>p << 2)));
    const off = <usize>i32At(indices, p) * <usize>ci(ctx, STRIDE);
    const w = W + off, gs = G + off, ms = M + off;
    for (let j: usize = 0; j < rb; j += 16) {
      const gj = f32x4.mul(fw, v128.load(g + j));
      let eta: v128;
      let wj = v128.load(w + j);
      if (adadelta) {
        const G1 = f32x4.add(f32x4.mul(rho, v128.load(gs + j)), f32x4.mul(rho1, f32x4.mul(gj, gj)));
        v128.store(gs + j, G1);
        const M0 = v128.load(ms + j);
        eta = f32x4.div(f32x4.sqrt(f32x4.add(M0, eps)), f32x4.sqrt(f32x4.add(G1, eps)));
        const delta = f32x4.mul(eta, gj);
        v128.store(ms + j, f32x4.add(f32x4.mul(rho, M0), f32x4.mul(rho1, f32x4.mul(delta, delta))));
        wj = f32x4.sub(wj, delta);
      } else {
        const G0 = v128.load(gs + j);
        eta = f32x4.div(lr, f32x4.sqrt(G0));
        wj = f32x4.sub(wj, f32x4.mul(eta, gj));
        v128.store(gs + j, f32x4.add(G0, f32x4.mul(gj, gj)));
      }
      if (alpha > 0) {
        const decay = f32x4.add(one, f32x4.mul(av, eta));
        wj = lazy ? f32x4.mul(wj, decay) : f32x4.div(wj, decay);
      }
      v128.store(w + j, wj);
      etaSum = f32x4.add(etaSum, j + 16 == rb ? f32x4.mul(eta, lastMask) : eta);
    }
  }
  return <f64>f32x4.extract_lane(etaSum, 0) + <f64>f32x4.extract_lane(etaSum, 1) + <f64>f32x4.extract_lane(etaSum, 2) + <f64>f32x4.extract_lane(etaSum, 3);
}

/** Divide every weight row (components and bias) of `rows` rows by `scale` (LightFM's regularize). */
function divideRows(W: usize, rows: i32, dp: i32, stride: usize, scale: f64): void {
  const inv = f32x4.splat(<f32>(1.0 / scale));
  const rb = <usize>dp << 2;
  for (let r = 0; r < rows; r++) {
    const w = W + <usize>r * stride;
    for (let j: usize = 0; j < rb; j += 16) v128.store(w + j, f32x4.mul(v128.load(w + j), inv));
  }
}

/** Swap the scale at `at` for 1 and return the old value (atomically in the threads build). */
function takeScale(at: usize): f64 {
  if (ASC_FEATURE_THREADS) return reinterpret<f64>(atomic.xchg<i64>(at, reinterpret<i64>(1.0)));
  const v = load<f64>(at);
  store<f64>(at, 1.0);
  return v;
}

/**
 * Multiply the scale at `at` by `factor`. In the threads build a compare-and-swap loop, so no thread's factor is lost
 * and none lands on a scale another thread has just taken for regularizing (LightFM's plain update races there).
 */
function growScale(at: usize, factor: f64): void {
  if (ASC_FEATURE_THREADS) {
    let old = atomic.load<i64>(at);
    for (;;) {
      const seen = atomic.cmpxchg<i64>(at, old, reinterpret<i64>(reinterpret<f64>(old) * factor));
      if (seen == old) return;
      old = seen;
    }
  }
  store<f64>(at, load<f64>(at) * factor);
}

/** LightFM's regularize: apply the accumulated lazy L2 to every parameter, then reset both scales to 1. */
export function lightfmRegularize(ctx: usize): void {
  const sc = cp(ctx, SCALES);
  const dp = ci(ctx, DP);
  const stride = <usize>ci(ctx, STRIDE);
  divideRows(cp(ctx, IW), ci(ctx, NITEM_ROWS), dp, stride, takeScale(sc));
  divideRows(cp(ctx, UW), ci(ctx, NUSER_ROWS), dp, stride, takeScale(sc + 8));
}

/**
 * Threads build: step out of BUSY while a mid-epoch regularize holds LOCK, and back in once it is done. The
 * increment comes before the second look at LOCK (both sequentially consistent), so a regularizer that took LOCK
 * either sees this thread in BUSY and waits for it, or this thread sees LOCK and parks again (Dekker's handshake).
 */
function park(sc: usize): void {
  for (;;) {
    atomic.sub<i32>(sc + BUSY, 1);
    while (atomic.load<i32>(sc + LOCK) != 0) {} // a regularize divides every row once: microseconds to a few ms
    atomic.add<i32>(sc + BUSY, 1);
    if (atomic.load<i32>(sc + LOCK) == 0) return;
  }
}

/**
 * After an example's update: grow the scales by 1 + α·(average η of the updated elements) and, past MAX_REG_SCALE,
 * regularize (LightFM's update / warp_update tail and locked_regularize). With several threads the regularize runs
 * alone: the thread that takes LOCK waits until every other thread is parked (at its next example) or out of the epoch.
 * LightFM lets the others train meanwhile, and so did a try-lock here, which turned whole models NaN with threads
 * (conformance case "parity/lightfm: alphaDecay 'lightfm' decays every parameter"): (1) while one thread divided the
 * rows (long with many rows, or descheduled holding the lock) the others kept multiplying the scale by 1 + α·η per
 * example, far past 10⁶, until W·scale in the representations overflowed f32, a prediction became ∞ − ∞ = NaN, so did
 * η and the scale, and the next regularize divided every row by NaN; (2) a row update whose load came before the
 * row's division and whose store came after undid that division, leaving the row 10⁶× too large.
 */
function lazyScales(ctx: usize, etaSum: f64, elements: i32, ia: f32, ua: f32): void {
  if (elements == 0) return;
  const sc = cp(ctx, SCALES);
  const avg = etaSum / <f64>elements;
  growScale(sc, 1.0 + <f64>ia * avg);
  growScale(sc + 8, 1.0 + <f64>ua * avg);
  if (load<f64>(sc) > MAX_REG_SCALE || load<f64>(sc, 8) > MAX_REG_SCALE) {
    if (ASC_FEATURE_THREADS) {
      // another thread is regularizing: this one parks at its next example (or leaves the epoch)
      if (atomic.cmpxchg<i32>(sc + LOCK, 0, 1) != 0) return;
      while (atomic.load<i32>(sc + BUSY) != 1) {} // each other thread finishes its example, then parks
      if (load<f64>(sc) > MAX_REG_SCALE || load<f64>(sc, 8) > MAX_REG_SCALE) lightfmRegularize(ctx);
      atomic.store<i32>(sc + LOCK, 0);
    } else lightfmRegularize(ctx);
  }
}

// @ts-ignore: decorator
@inline function rowLength(indptr: usize, row: i32): i32 {
  return i32At(indptr, row + 1) - i32At(indptr, row);
}

// @ts-ignore: decorator
@inline function sigmoid(v: f64): f64 {
  return 1.0 / (1.0 + Math.exp(-v));
}

/**
 * Train on order[from, to) (example rows; k-OS trains the example's user, as LightFM's fit_warp_kos). scratch: 6·dp f32 + 2·n words per thread;
 * rng: the thread's xorshift32 state; stats: [updates i32, sampled i32, loss f64] added to. Returns updates made.
 */
export function lightfmEpoch(ctx: usize, from: i32, to: i32, scratch: usize, rng: usize, stats: usize): i32 {
  const loss = ci(ctx, LOSS);
  const dp = ci(ctx, DP), d = ci(ctx, D), nItems = ci(ctx, NITEMS);
  const rb = <usize>dp << 2;
  const ufP = cp(ctx, UF_INDPTR), ufI = cp(ctx, UF_INDICES), ufD = cp(ctx, UF_DATA);
  const ifP = cp(ctx, IF_INDPTR), ifI = cp(ctx, IF_INDICES), ifD = cp(ctx, IF_DATA);
  const posP = cp(ctx, POS_INDPTR), posI = cp(ctx, POS_INDICES);
  const exU = cp(ctx, EX_USERS), exI = cp(ctx, EX_ITEMS), exL = cp(ctx, EX_LABELS), exW = cp(ctx, EX_WEIGHTS);
  const order = cp(ctx, ORDER);
  const UWp = cp(ctx, UW), UGp = cp(ctx, UG), UMp = cp(ctx, UM);
  const IWp = cp(ctx, IW), IGp = cp(ctx, IG), IMp = cp(ctx, IM);
  const nEx = ci(ctx, NEX);
  const stride = <usize>ci(ctx, STRIDE);
  const maxSampled = ci(ctx, MAX_SAMPLED);
  const ia = cf(ctx, ITEM_ALPHA), ua = cf(ctx, USER_ALPHA);
  const lazy = ci(ctx, LAZY) != 0 && (ia > 0 || ua > 0);
  const sc = cp(ctx, SCALES);
  const width = d + 1;
  const uBuf = scratch, pBuf = scratch + rb, nBuf = scratch + 2 * rb;
  const gu = scratch + 3 * rb, gp = scratch + 4 * rb, gn = scratch + 5 * rb;
  const kosItems = scratch + 6 * rb;
  const kosScores = kosItems + (<usize>ci(ctx, KOS_N) << 2);
  let updates = 0, sampledTotal = 0;
  let lossSum: f64 = 0;
  // threads build, lazy L2: counted in BUSY while training, so a mid-epoch regularize waits for this thread (lazyScales)
  const guarded = ASC_FEATURE_THREADS && lazy;
  if (guarded) atomic.add<i32>(sc + BUSY, 1);

  for (let e = from; e < to; e++) {
    if (guarded && atomic.load<i32>(sc + LOCK) != 0) park(sc);
    const row = i32At(order, e);
    if (loss == 0) {
      const user = i32At(exU, row), item = i32At(exI, row);
      const u = repr(ufP, ufI, ufD, UWp, user, dp, uBuf, stride, lazy ? load<f64>(sc, 8) : 1.0);
      const p = repr(ifP, ifI, ifD, IWp, item, dp, pBuf, stride, lazy ? load<f64>(sc) : 1.0);
      const y: f64 = load<f32>(exL + (<usize>row << 2)) > 0 ? 1.0 : 0.0;
      const w = <f64>load<f32>(exW + (<usize>row << 2));
      const prob = sigmoid(<f64>predict(u, p, d, dp));
      const scale = <f32>(w * (prob - y));
      lossSum -= w * Math.log(max(y > 0 ? prob : 1.0 - prob, 1e-30));
      updates++;
      scaled(gp, u, scale, dp, d, scale);
      scaled(gu, p, scale, dp, d, scale);
      let etaSum = updateRow(ctx, ifP, ifI, ifD, IWp, IGp, IMp, item, gp, ia);
      etaSum += updateRow(ctx, ufP, ufI, ufD, UWp, UGp, UMp, user, gu, ua);
      if (lazy) lazyScales(ctx, etaSum, width * (rowLength(ifP, item) + rowLength(ufP, user)), ia, ua);
      continue;
    }
    let user: i32, item: i32, neg: i32 = -1;
    let scale: f32 = 0;
    if (loss == 1) {
      if (!(load<f32>(exL + (<usize>row << 2)) > 0)) continue;
      user = i32At(exU, row);
      item = i32At(exI, row);
      const ps = i32At(posP, user), pe = i32At(posP, user + 1);
      for (let j = 0; j < nEx; j++) {
        neg = i32At(exI, <i32>(next(rng) % <u32>nEx));
        if (!contains(posI, ps, pe, neg)) break;
      }
      const u = repr(ufP, ufI, ufD, UWp, user, dp, uBuf, stride, lazy ? load<f64>(sc, 8) : 1.0);
      const p = repr(ifP, ifI, ifD, IWp, item, dp, pBuf, stride, lazy ? load<f64>(sc) : 1.0);
      const n = repr(ifP, ifI, ifD, IWp, neg, dp, nBuf, stride, lazy ? load<f64>(sc) : 1.0);
      const z = <f64>predict(u, p, d, dp) - <f64>predict(u, n, d, dp);
      const w = <f64>load<f32>(exW + (<usize>row << 2));
      scale = <f32>(w * (1.0 - sigmoid(z)));
      lossSum -= w * Math.log(max(sigmoid(z), 1e-30));
      sampledTotal++;
      warpGradients(u, p, n, gu, gp, gn, scale, dp, d);
    } else {
      let weight: f64 = 1;
      let nPositives = -1;
      let u: usize, p: usize;
      if (loss == 2) {
        if (!(load<f32>(exL + (<usize>row << 2)) > 0)) continue;
        user = i32At(exU, row);
        item = i32At(exI, row);
        weight = <f64>load<f32>(exW + (<usize>row << 2));
        u = repr(ufP, ufI, ufD, UWp, user, dp, uBuf, stride, lazy ? load<f64>(sc, 8) : 1.0);
        p = repr(ifP, ifI, ifD, IWp, item, dp, pBuf, stride, lazy ? load<f64>(sc) : 1.0);
      } else {
        user = i32At(exU, row);
        const start = i32At(posP, user), stop = i32At(posP, user + 1);
        if (stop == start) continue;
        u = repr(ufP, ufI, ufD, UWp, user, dp, uBuf, stride, lazy ? load<f64>(sc, 8) : 1.0);
        item = kosPositive(ctx, u, start, stop, posI, ifP, ifI, ifD, IWp, pBuf, kosItems, kosScores, rng, d, dp, lazy ? load<f64>(sc) : 1.0);
        p = repr(ifP, ifI, ifD, IWp, item, dp, pBuf, stride, lazy ? load<f64>(sc) : 1.0);
        nPositives = stop - start;
      }
      const positive = predict(u, p, d, dp);
      const ps = i32At(posP, user), pe = i32At(posP, user + 1);
      if (pe - ps >= nItems) continue;
      let sampled = 0;
      let violated = false;
      let negative: f32 = 0;
      let n: usize = 0;
      while (sampled < maxSampled) {
        neg = <i32>(next(rng) % <u32>nItems);
        if (contains(posI, ps, pe, neg)) continue;
        sampled++;
        n = repr(ifP, ifI, ifD, IWp, neg, dp, nBuf, stride, lazy ? load<f64>(sc) : 1.0);
        negative = predict(u, n, d, dp);
        if (negative > positive - 1) {
          violated = true;
          break;
        }
      }
      sampledTotal += sampled;
      if (!violated) continue;
      const estimate = nPositives < 0 ? (nItems - 1) / sampled : (nItems - nPositives) / sampled;
      scale = <f32>min(MAX_LOSS, weight * Math.log(<f64>max(1, estimate)));
      lossSum += <f64>scale * (1.0 - <f64>positive + <f64>negative);
      warpGradients(u, p, n, gu, gp, gn, scale, dp, d);
    }
    updates++;
    // gradients were taken from the rows before any update (they may alias the parameter rows)
    let etaSum = updateRow(ctx, ifP, ifI, ifD, IWp, IGp, IMp, item, gp, ia);
    etaSum += updateRow(ctx, ifP, ifI, ifD, IWp, IGp, IMp, neg, gn, ia);
    etaSum += updateRow(ctx, ufP, ufI, ufD, UWp, UGp, UMp, user, gu, ua);
    if (lazy) lazyScales(ctx, etaSum, width * (rowLength(ifP, item) + rowLength(ifP, neg) + rowLength(ufP, user)), ia, ua);
  }
  if (guarded) atomic.sub<i32>(sc + BUSY, 1);
  store<i32>(stats, load<i32>(stats) + updates);
  store<i32>(stats, load<i32>(stats, 4) + sampledTotal, 4);
  store<f64>(stats, load<f64>(stats, 8) + lossSum, 8);
  return updates;
}

/** LightFM's warp_update gradients: positive −s·[u, 1], negative s·[u, 1], user s·[n − p, 1]. */
function warpGradients(u: usize, p: usize, n: usize, gu: usize, gp: usize, gn: usize, s: f32, dp: i32, d: i32): void {
  const sv = f32x4.splat(s);
  const nsv = f32x4.splat(-s);
  const rb = <usize>dp << 2;
  for (let j: usize = 0; j < rb; j += 16) {
    const uj = v128.load(u + j);
    v128.store(gp + j, f32x4.mul(nsv, uj));
    v128.store(gn + j, f32x4.mul(sv, uj));
    v128.store(gu + j, f32x4.mul(sv, f32x4.sub(v128.load(n + j), v128.load(p + j))));
  }
  const bo = <usize>d << 2;
  store<f32>(gp + bo, -s);
  store<f32>(gn + bo, s);
  store<f32>(gu + bo, s);
}

/** k-OS: draw min(n, |positives|) positives, keep them sorted by score (descending, stable), return the k-th. */
function kosPositive(
  ctx: usize, u: usize, start: i32, stop: i32, posI: usize, ifP: usize, ifI: usize, ifD: usize, IWp: usize, buf: usize,
  items: usize, scores: usize, rng: usize, d: i32, dp: i32, itemScale: f64,
): i32 {
  const stride = <usize>ci(ctx, STRIDE);
  const count = stop - start;
  const m = min(ci(ctx, KOS_N), count);
  let len = 0;
  for (let j = 0; j < m; j++) {
    const it = i32At(posI, start + <i32>(next(rng) % <u32>count));
    const sc = predict(u, repr(ifP, ifI, ifD, IWp, it, dp, buf, stride, itemScale), d, dp);
    let at = len;
    while (at > 0 && load<f32>(scores + (<usize>(at - 1) << 2)) < sc) {
      store<f32>(scores + (<usize>at << 2), load<f32>(scores + (<usize>(at - 1) << 2)));
      store<i32>(items + (<usize>at << 2), load<i32>(items + (<usize>(at - 1) << 2)));
      at--;
    }
    store<f32>(scores + (<usize>at << 2), sc);
    store<i32>(items + (<usize>at << 2), it);
    len++;
  }
  return load<i32>(items + (<usize>(min(ci(ctx, KOS_K), m) - 1) << 2));
}

/**
 * Dynamic scheduling for several threads: claim chunks of `step` examples of order[0, n) from the shared counter and
 * train on them, at most `maxChunks` per call (calls stay short so V8 can tier the code up between them). Returns
 * the chunks done; 0 once the epoch is exhausted. Threads that run slower (or are descheduled) simply claim less.
 */
export function lightfmEpochClaim(ctx: usize, counter: usize, n: i32, step: i32, maxChunks: i32, scratch: usize, rng: usize, stats: usize): i32 {
  let done = 0;
  while (done < maxChunks) {
    const a = claim(counter, step);
    if (a >= n) break;
    lightfmEpoch(ctx, a, min(n, a + step), scratch, rng, stats);
    done++;
  }
  return done;
}
