/** Reference for assembly/sgd.ts (f64 arithmetic, same RNG stream, so Wasm and reference sample the same pairs). */

/** xoshiro128** over a 4-word state (mutated in place). */
export function nextU32(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** floor(r · n / 2³²) computed exactly in doubles (r < 2³², n < 2³¹). */
export function below(s: Uint32Array, n: number): number {
  const r = nextU32(s);
  const hi = (r >>> 16) * n;
  const lo = (r & 0xffff) * n;
  const q = Math.floor(hi / 65536);
  return q + Math.floor(((hi - q * 65536) * 65536 + lo) / 4294967296);
}

/** A thread's RNG state from a seed (splitmix32 expansion; never all zero). */
export function seedState(seed: number, stream: number): Uint32Array {
  let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out[i] = (z ^ (z >>> 16)) >>> 0;
  }
  if (!(out[0] | out[1] | out[2] | out[3])) out[0] = 1;
  return out;
}

function contains(indices: Int32Array, start: number, end: number, col: number): boolean {
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indices[mid] === col) return true;
    if (indices[mid] < col) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Reference of bprSamples; returns [correct, skipped]. */
export function bprSamplesRef(
  rowOfEntry: Int32Array, indices: Int32Array, indptr: Int32Array, X: Float32Array, Y: Float32Array, cols: number,
  lr: number, reg: number, verify: boolean, count: number, rng: Uint32Array,
): [number, number] {
  const nnz = indices.length;
  const factors = cols - 1;
  let correct = 0;
  let skipped = 0;
  for (let n = 0; n < count; n++) {
    const liked = below(rng, nnz);
    const u = rowOfEntry[liked];
    const i = indices[liked];
    const j = indices[below(rng, nnz)];
    if (verify && contains(indices, indptr[u], indptr[u + 1], j)) {
      skipped++;
      continue;
    }
    const x = u * cols, yi = i * cols, yj = j * cols;
    let score = 0;
    for (let c = 0; c < cols; c++) score += X[x + c] * (Y[yi + c] - Y[yj + c]);
    const z = 1 / (1 + Math.exp(score));
    if (z < 0.5) correct++;
    for (let k = 0; k < factors; k++) {
      const xu = X[x + k], a = Y[yi + k], b = Y[yj + k];
      X[x + k] = xu + lr * (z * (a - b) - reg * xu);
      Y[yi + k] = a + lr * (z * xu - reg * a);
      Y[yj + k] = b + lr * (-z * xu - reg * b);
    }
    Y[yi + factors] += lr * (z - reg * Y[yi + factors]);
    Y[yj + factors] += lr * (-z - reg * Y[yj + factors]);
  }
  return [correct, skipped];
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Reference of lmfRowsClaim (one thread: rows in order), over rows [rowStart, rowEnd). */
export function lmfRowsRef(
  indptr: Int32Array, indices: Int32Array, data: Float32Array, X: Float32Array, Y: Float32Array, G: Float32Array, cols: number,
  lr: number, reg: number, negProp: number, negCap: number, rowStart: number, rowEnd: number, rng: Uint32Array,
): void {
  const nnz = indices.length;
  const g = new Float64Array(cols);
  const dot = (x: number, y: number) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += X[x + c] * Y[y + c];
    return s;
  };
  for (let u = rowStart; u < rowEnd; u++) {
    const start = indptr[u], end = indptr[u + 1];
    if (start === end) continue;
    const x = u * cols;
    g.fill(0);
    for (let e = start; e < end; e++) {
      const y = indices[e] * cols;
      const c = data[e];
      const a = c - c * sigmoid(dot(x, y));
      for (let k = 0; k < cols; k++) g[k] += a * Y[y + k];
    }
    const negatives = Math.min(negCap, (end - start) * negProp);
    for (let n = 0; n < negatives; n++) {
      const y = indices[below(rng, nnz)] * cols;
      const a = -sigmoid(dot(x, y));
      for (let k = 0; k < cols; k++) g[k] += a * Y[y + k];
    }
    for (let k = 0; k < cols; k++) {
      const gk = g[k] - reg * X[x + k];
      G[x + k] += gk * gk;
      X[x + k] += (lr * gk) / Math.sqrt(1e-6 + G[x + k]);
    }
  }
}
