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

/** out[q * nItems + i] = <queries[q], items[i]> for q < nQueries, i < nItems (row-major, `dim` columns). */
export function scoreBlock(queries: usize, nQueries: i32, items: usize, nItems: i32, dim: i32, out: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let q = 0; q < nQueries; q++) {
    const qp = queries + <usize>q * rowBytes;
    const op = out + ((<usize>q * <usize>nItems) << 2);
    let ip = items;
    for (let i = 0; i < nItems; i++) {
      store<f32>(op + (<usize>i << 2), dot(qp, ip, dim));
      ip += rowBytes;
    }
  }
}
