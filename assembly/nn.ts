// Hot loops of the neural training core (issue 9): a general matrix product with optional transposes and
// accumulation, activations (none, relu, tanh, sigmoid, selu) and their backward passes, and row softmax. The spec
// is src/kernels/reference/nn.ts. exp and tanh are computed here (AssemblyScript's f64 Math), so every runtime gets
// the same bits. Pointers are byte offsets into linear memory owned by the JS side; nothing is allocated here.

// @ts-ignore: decorator
@inline function ld(p: usize, i: usize): f32 {
  return load<f32>(p + (i << 2));
}

/**
 * C (m × n) += op(A)·B for B stored k × n, where op(A)[i, p] is at A + (i·sai + p·sap): 4 × 8 register tiles
 * (8 f32x4 accumulators, each B row chunk loaded once for four rows of C), scalar tails.
 */
function gemmNN(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, sai: i32, sap: i32): void {
  const n8 = n & ~7;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = c + ((<usize>i * <usize>n) << 2);
    const c1 = c0 + (<usize>n << 2);
    const c2 = c1 + (<usize>n << 2);
    const c3 = c2 + (<usize>n << 2);
    for (let j = 0; j < n8; j += 8) {
      const o = <usize>j << 2;
      let x00 = v128.load(c0 + o), x01 = v128.load(c0 + o, 16);
      let x10 = v128.load(c1 + o), x11 = v128.load(c1 + o, 16);
      let x20 = v128.load(c2 + o), x21 = v128.load(c2 + o, 16);
      let x30 = v128.load(c3 + o), x31 = v128.load(c3 + o, 16);
      for (let p = 0; p < k; p++) {
        const bp = b + ((<usize>p * <usize>n) << 2) + o;
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const ap = <usize>i * <usize>sai + <usize>p * <usize>sap;
        const a0 = f32x4.splat(ld(a, ap));
        const a1 = f32x4.splat(ld(a, ap + <usize>sai));
        const a2 = f32x4.splat(ld(a, ap + 2 * <usize>sai));
        const a3 = f32x4.splat(ld(a, ap + 3 * <usize>sai));
        x00 = f32x4.add(x00, f32x4.mul(a0, b0)); x01 = f32x4.add(x01, f32x4.mul(a0, b1));
        x10 = f32x4.add(x10, f32x4.mul(a1, b0)); x11 = f32x4.add(x11, f32x4.mul(a1, b1));
        x20 = f32x4.add(x20, f32x4.mul(a2, b0)); x21 = f32x4.add(x21, f32x4.mul(a2, b1));
        x30 = f32x4.add(x30, f32x4.mul(a3, b0)); x31 = f32x4.add(x31, f32x4.mul(a3, b1));
      }
      v128.store(c0 + o, x00); v128.store(c0 + o, x01, 16);
      v128.store(c1 + o, x10); v128.store(c1 + o, x11, 16);
      v128.store(c2 + o, x20); v128.store(c2 + o, x21, 16);
      v128.store(c3 + o, x30); v128.store(c3 + o, x31, 16);
    }
    for (let r = 0; r < 4; r++) {
      const cr = c + ((<usize>(i + r) * <usize>n) << 2);
      for (let j = n8; j < n; j++) {
        let s: f32 = 0;
        for (let p = 0; p < k; p++) s += ld(a, <usize>(i + r) * <usize>sai + <usize>p * <usize>sap) * ld(b, <usize>p * <usize>n + <usize>j);
        store<f32>(cr + (<usize>j << 2), load<f32>(cr + (<usize>j << 2)) + s);
      }
    }
  }
  // remaining rows: axpy of B rows into the C row
  for (; i < m; i++) {
    const ci = c + ((<usize>i * <usize>n) << 2);
    for (let p = 0; p < k; p++) {
      const av: f32 = ld(a, <usize>i * <usize>sai + <usize>p * <usize>sap);
      if (av == 0) continue;
      const avv = f32x4.splat(av);
      const bp = b + ((<usize>p * <usize>n) << 2);
      let j = 0;
      const n4 = n & ~3;
      for (; j < n4; j += 4) {
        const o = <usize>j << 2;
        v128.store(ci + o, f32x4.add(v128.load(ci + o), f32x4.mul(avv, v128.load(bp + o))));
      }
      for (; j < n; j++) store<f32>(ci + (<usize>j << 2), load<f32>(ci + (<usize>j << 2)) + av * ld(bp, <usize>j));
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** C (m × n) += A·Bᵀ for A m × k and B n × k: dot products, one A row against four B rows at a time. */
function gemmNT(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const k4 = k & ~3;
  const rowBytes = <usize>k << 2;
  for (let i = 0; i < m; i++) {
    const ai = a + <usize>i * rowBytes;
    const ci = c + ((<usize>i * <usize>n) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = b + <usize>j * rowBytes;
      const b1 = b0 + rowBytes;
      const b2 = b1 + rowBytes;
      const b3 = b2 + rowBytes;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        const av = v128.load(ai + o);
        s0 = f32x4.add(s0, f32x4.mul(av, v128.load(b0 + o)));
        s1 = f32x4.add(s1, f32x4.mul(av, v128.load(b1 + o)));
        s2 = f32x4.add(s2, f32x4.mul(av, v128.load(b2 + o)));
        s3 = f32x4.add(s3, f32x4.mul(av, v128.load(b3 + o)));
      }
      let t0 = hsum(s0), t1 = hsum(s1), t2 = hsum(s2), t3 = hsum(s3);
      for (let p = k4; p < k; p++) {
        const av = ld(ai, <usize>p);
        t0 += av * ld(b0, <usize>p); t1 += av * ld(b1, <usize>p); t2 += av * ld(b2, <usize>p); t3 += av * ld(b3, <usize>p);
      }
      const o = <usize>j << 2;
      store<f32>(ci + o, load<f32>(ci + o) + t0);
      store<f32>(ci + o + 4, load<f32>(ci + o + 4) + t1);
      store<f32>(ci + o + 8, load<f32>(ci + o + 8) + t2);
      store<f32>(ci + o + 12, load<f32>(ci + o + 12) + t3);
    }
    for (; j < n; j++) {
      const bj = b + <usize>j * rowBytes;
      let s = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) s = f32x4.add(s, f32x4.mul(v128.load(ai + (<usize>p << 2)), v128.load(bj + (<usize>p << 2))));
      let t = hsum(s);
      for (let p = k4; p < k; p++) t += ld(ai, <usize>p) * ld(bj, <usize>p);
      store<f32>(ci + (<usize>j << 2), load<f32>(ci + (<usize>j << 2)) + t);
    }
  }
}

/** C (m × n) += Aᵀ·Bᵀ (A k × m, B n × k): scalar, rarely used. */
function gemmTT(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += ld(a, <usize>p * <usize>m + <usize>i) * ld(b, <usize>j * <usize>k + <usize>p);
      const o = c + ((<usize>i * <usize>n + <usize>j) << 2);
      store<f32>(o, load<f32>(o) + s);
    }
  }
}

/** C = op(A)·op(B), or C += op(A)·op(B) when `accumulate` (layouts as src/kernels/reference/nn.ts's gemm). */
export function nnGemm(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(c, 0, (<usize>m * <usize>n) << 2);
  if (transB) {
    if (transA) gemmTT(a, b, c, m, k, n);
    else gemmNT(a, b, c, m, k, n);
  } else if (transA) gemmNN(a, b, c, m, k, n, 1, m);
  else gemmNN(a, b, c, m, k, n, k, 1);
}

const SELU_LAMBDA: f64 = 1.0507009873554805;
const SELU_ALPHA: f64 = 1.6732632423543772;

// @ts-ignore: decorator
@inline function act1(v: f32, act: i32): f32 {
  switch (act) {
    case 1: return v > 0 ? v : 0;
    case 2: return <f32>Math.tanh(<f64>v);
    case 3: return <f32>(1.0 / (1.0 + Math.exp(-<f64>v)));
    case 4: return v > 0 ? <f32>(SELU_LAMBDA * <f64>v) : <f32>(SELU_LAMBDA * SELU_ALPHA * (Math.exp(<f64>v) - 1.0));
    default: return v;
  }
}

// @ts-ignore: decorator
@inline function grad1(y: f32, act: i32): f32 {
  switch (act) {
    case 1: return y > 0 ? 1 : 0;
    case 2: return 1 - y * y;
    case 3: return y * (1 - y);
    case 4: return y > 0 ? <f32>SELU_LAMBDA : <f32>(<f64>y + SELU_LAMBDA * SELU_ALPHA);
    default: return 1;
  }
}

/** y[i] = f(x[i]) for `len` values (codes: none 0, relu 1, tanh 2, sigmoid 3, selu 4). */
export function nnActivate(x: usize, y: usize, len: i32, act: i32): void {
  for (let i = 0; i < len; i++) store<f32>(y + (<usize>i << 2), act1(load<f32>(x + (<usize>i << 2)), act));
}

/** dx[i] = dy[i]·f'(x) through y = f(x). */
export function nnActivateBackward(y: usize, dy: usize, dx: usize, len: i32, act: i32): void {
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * grad1(load<f32>(y + o), act));
  }
}

/** out[r, :] = softmax(x[r, :]) (max-shifted, f64 sums). */
export function nnSoftmaxRows(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * <usize>cols) << 2);
    const or = out + ((<usize>r * <usize>cols) << 2);
    let mx: f32 = -Infinity;
    for (let j = 0; j < cols; j++) mx = max(mx, load<f32>(xr + (<usize>j << 2)));
    let s: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const e = <f32>Math.exp(<f64>(load<f32>(xr + (<usize>j << 2)) - mx));
      store<f32>(or + (<usize>j << 2), e);
      s += <f64>e;
    }
    const inv = <f32>(1.0 / s);
    for (let j = 0; j < cols; j++) store<f32>(or + (<usize>j << 2), load<f32>(or + (<usize>j << 2)) * inv);
  }
}

/**
 * Embedding bag (a sparse × dense product): out[r] (+)= Σ_{e ∈ row r} w[e]·table[ids[e]] over `dim` columns, for
 * `rows` rows given as CSR offsets. The sparse input layer of the autoencoder and any weighted row gather.
 */
export function nnEmbeddingBag(indptr: usize, ids: usize, w: usize, rows: i32, table: usize, dim: i32, out: usize, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, (<usize>rows * <usize>dim) << 2);
  const d4 = dim & ~3;
  for (let r = 0; r < rows; r++) {
    const o = out + ((<usize>r * <usize>dim) << 2);
    const lo = load<i32>(indptr + (<usize>r << 2));
    const hi = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let e = lo; e < hi; e++) {
      const v = load<f32>(w + (<usize>e << 2));
      if (v == 0) continue;
      const t = table + ((<usize>load<i32>(ids + (<usize>e << 2)) * <usize>dim) << 2);
      const vv = f32x4.splat(v);
      let j = 0;
      for (; j < d4; j += 4) {
        const q = <usize>j << 2;
        v128.store(o + q, f32x4.add(v128.load(o + q), f32x4.mul(vv, v128.load(t + q))));
      }
      for (; j < dim; j++) store<f32>(o + (<usize>j << 2), load<f32>(o + (<usize>j << 2)) + v * load<f32>(t + (<usize>j << 2)));
    }
  }
}

/** Backward of {@link nnEmbeddingBag}: grad[ids[e]] += w[e]·dOut[r] for every entry e of row r. */
export function nnEmbeddingBagBackward(indptr: usize, ids: usize, w: usize, rows: i32, dOut: usize, dim: i32, grad: usize): void {
  const d4 = dim & ~3;
  for (let r = 0; r < rows; r++) {
    const d = dOut + ((<usize>r * <usize>dim) << 2);
    const lo = load<i32>(indptr + (<usize>r << 2));
    const hi = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let e = lo; e < hi; e++) {
      const v = load<f32>(w + (<usize>e << 2));
      if (v == 0) continue;
      const g = grad + ((<usize>load<i32>(ids + (<usize>e << 2)) * <usize>dim) << 2);
      const vv = f32x4.splat(v);
      let j = 0;
      for (; j < d4; j += 4) {
        const q = <usize>j << 2;
        v128.store(g + q, f32x4.add(v128.load(g + q), f32x4.mul(vv, v128.load(d + q))));
      }
      for (; j < dim; j++) store<f32>(g + (<usize>j << 2), load<f32>(g + (<usize>j << 2)) + v * load<f32>(d + (<usize>j << 2)));
    }
  }
}
