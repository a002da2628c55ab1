// Small dense vector helpers shared by the solvers (f32, SIMD with scalar tails).
import { dot } from './score';
export { dot };

/** y[0..n) += a * x[0..n) */
// @ts-ignore: decorator
@inline export function axpy(y: usize, x: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  let j = 0;
  const n4 = n & ~3;
  for (; j < n4; j += 4) {
    const off = <usize>j << 2;
    v128.store(y + off, f32x4.add(v128.load(y + off), f32x4.mul(av, v128.load(x + off))));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(y + off, load<f32>(y + off) + a * load<f32>(x + off));
  }
}

/** y[0..n) = x[0..n) + a * y[0..n)  (the CG direction update p = r + beta p) */
// @ts-ignore: decorator
@inline export function xpay(y: usize, x: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  let j = 0;
  const n4 = n & ~3;
  for (; j < n4; j += 4) {
    const off = <usize>j << 2;
    v128.store(y + off, f32x4.add(v128.load(x + off), f32x4.mul(av, v128.load(y + off))));
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    store<f32>(y + off, load<f32>(x + off) + a * load<f32>(y + off));
  }
}

/** out = M · v for a row-major n × n matrix M. */
// @ts-ignore: decorator
@inline export function matvec(m: usize, v: usize, n: i32, out: usize): void {
  const rb = <usize>n << 2;
  for (let r = 0; r < n; r++) store<f32>(out + (<usize>r << 2), dot(m + <usize>r * rb, v, n));
}
