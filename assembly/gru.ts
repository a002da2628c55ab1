// GRU layer over a masked, time-major batch of sequences: forward and backward (issue 9). Semantics, layouts and
// gate equations in src/kernels/reference/gru.ts (the spec; PyTorch nn.GRU's formulation, Cho et al. 2014).
// The products run as SIMD axpy/dot over the 3H gate columns; sigmoid and tanh are computed here (f64 exp), so
// every runtime gets the same bits.

/** out[0..n) += a · row[0..n) */
// @ts-ignore: decorator
@inline function axpy(out: usize, a: f32, row: usize, n: i32): void {
  const av = f32x4.splat(a);
  const n4 = n & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(av, v128.load(row + o))));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, load<f32>(out + o) + a * load<f32>(row + o));
  }
}

/** <a, b> over n values. */
// @ts-ignore: decorator
@inline function dotn(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  const n4 = n & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < n; j++) s += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return s;
}

// @ts-ignore: decorator
@inline function sigm(v: f32): f32 {
  return <f32>(1.0 / (1.0 + Math.exp(-<f64>v)));
}

// @ts-ignore: decorator
@inline function tanh32(v: f32): f32 {
  return <f32>Math.tanh(<f64>v);
}

/**
 * Forward over T steps for B rows. h0 may be 0 (zeros). scratch: 2·3H f32. mask: T×B bytes (0 = padding, the
 * state is carried). Writes hs (T×B×H) and cache (T×B×4H: r, z, n, h·U_n + bh_n).
 */
export function gruForward(
  T: i32, B: i32, E: i32, H: i32, x: usize, mask: usize, W: usize, U: usize, bx: usize, bh: usize, h0: usize,
  hs: usize, cache: usize, scratch: usize,
): void {
  const G = 3 * H;
  const gb = <usize>G << 2;
  const hb = <usize>H << 2;
  const gx = scratch, gh = scratch + gb;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const prev: usize = t == 0 ? (h0 ? h0 + <usize>b * hb : 0) : hs + <usize>((t - 1) * B + b) * hb;
      const out = hs + <usize>(t * B + b) * hb;
      if (!load<u8>(mask + <usize>(t * B + b))) {
        if (prev) memory.copy(out, prev, hb); else memory.fill(out, 0, hb);
        continue;
      }
      memory.copy(gx, bx, gb);
      memory.copy(gh, bh, gb);
      const xo = x + <usize>(t * B + b) * (<usize>E << 2);
      for (let e = 0; e < E; e++) {
        const xe = load<f32>(xo + (<usize>e << 2));
        if (xe != 0) axpy(gx, xe, W + <usize>e * gb, G);
      }
      if (prev) for (let k = 0; k < H; k++) {
        const hk = load<f32>(prev + (<usize>k << 2));
        if (hk != 0) axpy(gh, hk, U + <usize>k * gb, G);
      }
      const co = cache + <usize>(t * B + b) * (hb << 2);
      for (let j = 0; j < H; j++) {
        const o = <usize>j << 2;
        const r = sigm(load<f32>(gx + o) + load<f32>(gh + o));
        const z = sigm(load<f32>(gx + hb + o) + load<f32>(gh + hb + o));
        const hn = load<f32>(gh + 2 * hb + o);
        const n = tanh32(load<f32>(gx + 2 * hb + o) + r * hn);
        const hp: f32 = prev ? load<f32>(prev + o) : 0;
        store<f32>(out + o, (1 - z) * n + z * hp);
        store<f32>(co + o, r);
        store<f32>(co + hb + o, z);
        store<f32>(co + 2 * hb + o, n);
        store<f32>(co + 3 * hb + o, hn);
      }
    }
  }
}

/**
 * Backward (see gruBackwardRef): dhs T×B×H in; adds into dW, dU, dbx, dbh; writes dx (T×B×E) and dh0 (B×H, which
 * also serves as the running carry and must be zeroed by the caller). scratch: 2·3H f32.
 */
export function gruBackward(
  T: i32, B: i32, E: i32, H: i32, x: usize, mask: usize, W: usize, U: usize, h0: usize, hs: usize, cache: usize,
  dhs: usize, dx: usize, dW: usize, dU: usize, dbx: usize, dbh: usize, dh0: usize, scratch: usize,
): void {
  const G = 3 * H;
  const gb = <usize>G << 2;
  const hb = <usize>H << 2;
  const eb = <usize>E << 2;
  const dgx = scratch, dgh = scratch + gb;
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const carry = dh0 + <usize>b * hb;
      axpy(carry, 1, dhs + <usize>(t * B + b) * hb, H);
      if (!load<u8>(mask + <usize>(t * B + b))) continue;
      const prev: usize = t == 0 ? (h0 ? h0 + <usize>b * hb : 0) : hs + <usize>((t - 1) * B + b) * hb;
      const co = cache + <usize>(t * B + b) * (hb << 2);
      for (let j = 0; j < H; j++) {
        const o = <usize>j << 2;
        const r = load<f32>(co + o), z = load<f32>(co + hb + o), n = load<f32>(co + 2 * hb + o), hn = load<f32>(co + 3 * hb + o);
        const hp: f32 = prev ? load<f32>(prev + o) : 0;
        const dh = load<f32>(carry + o);
        const dan = dh * (1 - z) * (1 - n * n);
        const daz = dh * (hp - n) * z * (1 - z);
        const dar = dan * hn * r * (1 - r);
        store<f32>(dgx + o, dar);
        store<f32>(dgx + hb + o, daz);
        store<f32>(dgx + 2 * hb + o, dan);
        store<f32>(dgh + o, dar);
        store<f32>(dgh + hb + o, daz);
        store<f32>(dgh + 2 * hb + o, dan * r);
        store<f32>(carry + o, dh * z);
      }
      const xo = x + <usize>(t * B + b) * eb;
      const dxo = dx + <usize>(t * B + b) * eb;
      for (let e = 0; e < E; e++) {
        const row = W + <usize>e * gb;
        store<f32>(dxo + (<usize>e << 2), dotn(dgx, row, G));
        const xe = load<f32>(xo + (<usize>e << 2));
        if (xe != 0) axpy(dW + <usize>e * gb, xe, dgx, G);
      }
      axpy(dbx, 1, dgx, G);
      axpy(dbh, 1, dgh, G);
      for (let k = 0; k < H; k++) {
        const row = U + <usize>k * gb;
        const o = <usize>k << 2;
        store<f32>(carry + o, load<f32>(carry + o) + dotn(dgh, row, G));
        if (prev) {
          const hk = load<f32>(prev + o);
          if (hk != 0) axpy(dU + <usize>k * gb, hk, dgh, G);
        }
      }
    }
  }
}
