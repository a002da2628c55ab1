// Dense scoring: dot products of query rows against item rows.
// All pointers are byte offsets into linear memory owned by the JS side (src/kernels/wasm/memory.ts);
// kernels never allocate, so the same module runs unchanged on a shared memory from several threads.

/** <a, b> over `dim` f32 values; 4 SIMD accumulators hide add latency, scalar tail handles dim % 4 != 0. */
// @ts-ignore: decorator
@inline export function dot(a: usize, b: usize, dim: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let j = 0;
  const d16 = dim & ~15;
  for (; j < d16; j += 16) {
    const off = <usize>j << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + off), v128.load(b + off)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(a + off, 16), v128.load(b + off, 16)));
    acc2 = f32x4.add(acc2, f32x4.mul(v128.load(a + off, 32), v128.load(b + off, 32)));
    acc3 = f32x4.add(acc3, f32x4.mul(v128.load(a + off, 48), v128.load(b + off, 48)));
  }
  const d4 = dim & ~3;
  for (; j < d4; j += 4) {
    const off = <usize>j << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + off), v128.load(b + off)));
  }
  const s = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  for (; j < dim; j++) {
    const off = <usize>j << 2;
    sum += load<f32>(a + off) * load<f32>(b + off);
  }
  return sum;
}

/** Sum of each input's lanes: [Σa, Σb, Σc, Σd] (a 4×4 transpose-and-add with shuffles). */
// @ts-ignore: decorator
@inline export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 2, 6), v128.shuffle<f32>(a, b, 1, 5, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 2, 6), v128.shuffle<f32>(c, d, 1, 5, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** [<q, p0>, <q, p1>, <q, p2>, <q, p3>] over `dim` values: q is loaded once per chunk for four rows. */
// @ts-ignore: decorator
@inline export function dot4(q: usize, p0: usize, p1: usize, p2: usize, p3: usize, dim: i32): v128 {
  const d4 = dim & ~3;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let j = 0; j < d4; j += 4) {
    const o = <usize>j << 2;
    const qv = v128.load(q + o);
    a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(p0 + o)));
    a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(p1 + o)));
    a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(p2 + o)));
    a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(p3 + o)));
  }
  let sums = hsum4(a0, a1, a2, a3);
  if (d4 < dim) {
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
    for (let j = d4; j < dim; j++) {
      const o = <usize>j << 2;
      const qj = load<f32>(q + o);
      t0 += qj * load<f32>(p0 + o);
      t1 += qj * load<f32>(p1 + o);
      t2 += qj * load<f32>(p2 + o);
      t3 += qj * load<f32>(p3 + o);
    }
    sums = f32x4.add(sums, f32x4(t0, t1, t2, t3));
  }
  return sums;
}

/**
 * out[q * nItems + i] = <queries[q], items[i]> for q < nQueries, i < nItems (row-major, `dim` columns).
 * Items go four at a time: each query chunk is loaded once for four items, and the four sums are reduced together
 * and stored as one vector (≈1.6× faster than one dot per item at dim 64).
 */
export function scoreBlock(queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32, out: usize): void {
  const rowBytes = <usize>dim << 2;
  const n4 = nItems & ~3;
  for (let q = 0; q < nQueries; q++) {
    const qp = queries + <usize>q * rowBytes;
    const op = out + ((<usize>q * <usize>nItems) << 2);
    let i = 0;
    for (; i < n4; i += 4) {
      const p0 = items + <usize>i * rowBytes;
      const p1 = p0 + rowBytes;
      const p2 = p1 + rowBytes;
      const p3 = p2 + rowBytes;
      const sums = dot4(qp, p0, p1, p2, p3, dim);
      v128.store(op + (<usize>i << 2), sums);
    }
    for (; i < nItems; i++) store<f32>(op + (<usize>i << 2), dot(qp, items + <usize>i * rowBytes, dim));
  }
}
