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
 * Two query rows against every item row: out0[i] = <q0, items[i]>, out1[i] = <q1, items[i]>. Items go four at a time
 * and each item chunk is loaded once for both queries (8 accumulators, 2 query and 1 item register: no spills on
 * x64's 16 vector registers), so items are read from memory half as often as by two single-query passes. Every
 * (query, item) sum is formed exactly as dot4 (items below nItems & ~3) or dot (the rest) forms it, so scores are
 * bit-identical to scoring the rows one at a time.
 */
// @ts-ignore: decorator
@inline export function scoreRows2(q0: usize, q1: usize, items: usize, nItems: i32, dim: i32, out0: usize, out1: usize): void {
  const rowBytes = <usize>dim << 2;
  const n4 = nItems & ~3;
  const d4 = dim & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const p0 = items + <usize>i * rowBytes;
    const p1 = p0 + rowBytes;
    const p2 = p1 + rowBytes;
    const p3 = p2 + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      const x0 = v128.load(q0 + o);
      const x1 = v128.load(q1 + o);
      let p = v128.load(p0 + o);
      a0 = f32x4.add(a0, f32x4.mul(x0, p));
      b0 = f32x4.add(b0, f32x4.mul(x1, p));
      p = v128.load(p1 + o);
      a1 = f32x4.add(a1, f32x4.mul(x0, p));
      b1 = f32x4.add(b1, f32x4.mul(x1, p));
      p = v128.load(p2 + o);
      a2 = f32x4.add(a2, f32x4.mul(x0, p));
      b2 = f32x4.add(b2, f32x4.mul(x1, p));
      p = v128.load(p3 + o);
      a3 = f32x4.add(a3, f32x4.mul(x0, p));
      b3 = f32x4.add(b3, f32x4.mul(x1, p));
    }
    let s0 = hsum4(a0, a1, a2, a3);
    let s1 = hsum4(b0, b1, b2, b3);
    if (d4 < dim) {
      // dot4's tail, per query: a scalar sum from 0 over the last dim % 4 values, added to the lane sums
      let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
      let u0: f32 = 0, u1: f32 = 0, u2: f32 = 0, u3: f32 = 0;
      for (let j = d4; j < dim; j++) {
        const o = <usize>j << 2;
        const x0 = load<f32>(q0 + o);
        const x1 = load<f32>(q1 + o);
        const y0 = load<f32>(p0 + o), y1 = load<f32>(p1 + o), y2 = load<f32>(p2 + o), y3 = load<f32>(p3 + o);
        t0 += x0 * y0; t1 += x0 * y1; t2 += x0 * y2; t3 += x0 * y3;
        u0 += x1 * y0; u1 += x1 * y1; u2 += x1 * y2; u3 += x1 * y3;
      }
      s0 = f32x4.add(s0, f32x4(t0, t1, t2, t3));
      s1 = f32x4.add(s1, f32x4(u0, u1, u2, u3));
    }
    v128.store(out0 + (<usize>i << 2), s0);
    v128.store(out1 + (<usize>i << 2), s1);
  }
  for (; i < nItems; i++) {
    const p = items + <usize>i * rowBytes;
    store<f32>(out0 + (<usize>i << 2), dot(q0, p, dim));
    store<f32>(out1 + (<usize>i << 2), dot(q1, p, dim));
  }
}

/** {@link dot4} as one function, for kernels that score a few rows here and there (one copy: module size). */
export function dot4Rows(q: usize, p0: usize, p1: usize, p2: usize, p3: usize, dim: i32): v128 {
  return dot4(q, p0, p1, p2, p3, dim);
}

/** {@link scoreRows2} as one function, so the kernels that score pairs share one copy of it (module size). */
export function scorePair(q0: usize, q1: usize, items: usize, nItems: i32, dim: i32, out0: usize, out1: usize): void {
  scoreRows2(q0, q1, items, nItems, dim, out0, out1);
}

/**
 * out[q * nItems + i] = <queries[q], items[i]> for q < nQueries, i < nItems (row-major, `dim` columns).
 * Queries go two at a time through scoreRows2 (each item chunk loaded once for two queries and four items), a last
 * odd query through dot4: one query chunk loaded once for four items (≈1.6× faster than one dot per item at dim 64).
 */
export function scoreBlock(queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32, out: usize): void {
  const rowBytes = <usize>dim << 2;
  const n4 = nItems & ~3;
  let q = 0;
  for (; q + 1 < nQueries; q += 2) {
    const qp = queries + <usize>q * rowBytes;
    const op = out + ((<usize>q * <usize>nItems) << 2);
    scorePair(qp, qp + rowBytes, items, nItems, dim, op, op + (<usize>nItems << 2));
  }
  for (; q < nQueries; q++) {
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
