/**
 * Reference for assembly/spd.ts: the Gram matrix XᵀX + λI of a sparse X and the inverse of a symmetric
 * positive-definite matrix (the closed form of EASE, Steck 2019).
 *
 * Gram spec: G[i, j] = G[j, i] = Σ_{(i,u,w) ∈ byItem} w · X[u, j] for j ≤ i, summed in f32 in the order of byItem's row
 * i then byUser's row u (so the Wasm kernel is bit-identical), plus λ on the diagonal.
 * Inverse spec: A⁻¹ from A's lower triangle, in f64 (the scalar sweep operator, which leaves −A⁻¹), rounded to f32.
 * The Wasm kernel sweeps blocks in f32, so it agrees within a tolerance that grows with A's condition number.
 */
import type { Csr } from '../types.ts';
import { NotPositiveDefiniteError } from '../../errors.ts';

export function sparseGramRef(byItem: Csr, byUser: Csr, regularization: number): Float32Array {
  const n = byItem.rows;
  const g = new Float32Array(n * n);
  const reg = Math.fround(regularization);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
      const u = byItem.indices[p];
      const w = byItem.data[p];
      for (let q = byUser.indptr[u]; q < byUser.indptr[u + 1]; q++) {
        const j = byUser.indices[q];
        if (j > i) break;
        g[row + j] += Math.fround(w * byUser.data[q]);
      }
    }
    g[row + i] += reg;
    for (let j = 0; j < i; j++) g[j * n + i] = g[row + j];
  }
  return g;
}

export function spdInverseRef(a: Float32Array, n: number): Float32Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = a[i * n + j];
  for (let p = 0; p < n; p++) {
    const d = m[p * n + p];
    if (!(d > 0) || !Number.isFinite(d)) throw new NotPositiveDefiniteError(p);
    for (let i = 0; i < n; i++) {
      if (i === p) continue;
      const f = m[i * n + p] / d;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) if (j !== p) m[i * n + j] -= f * m[p * n + j];
    }
    for (let i = 0; i < n; i++) {
      if (i === p) continue;
      m[i * n + p] /= d;
      m[p * n + i] /= d;
    }
    m[p * n + p] = -1 / d;
  }
  const out = new Float32Array(n * n);
  for (let e = 0; e < n * n; e++) out[e] = -m[e];
  return out;
}
