// Divergence check of trained parameters (issue 15): whether every f32 of a span is finite.
// v - v is 0 for a finite v and NaN for ±Infinity or NaN; NaN survives every later add, so one SIMD add per 4 floats
// and a single test at the end suffice (no branch in the loop: memory-bound, ~0.1 ms per million floats).

/** 1 when all `n` f32 values at `ptr` are finite, else 0. */
export function allFinite(ptr: usize, n: i32): i32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = v128.load(ptr + (<usize>i << 2));
    const b = v128.load(ptr + (<usize>(i + 4) << 2));
    acc0 = f32x4.add(acc0, f32x4.sub(a, a));
    acc1 = f32x4.add(acc1, f32x4.sub(b, b));
  }
  const acc = f32x4.add(acc0, acc1);
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const v = load<f32>(ptr + (<usize>i << 2));
    s += v - v;
  }
  return s == 0 ? 1 : 0;
}
