/**
 * 8-bit codes of an exact index's rows, with the per-row terms of the error bound that keeps the prefilter of
 * assembly/exact.ts exact: scale s_i = max|x_i| / 127, codes c_i = round(x_i / s_i), residual norm
 * R_i = ‖x_i − s_i·c_i‖ and N_i = s_i·‖c_i‖, both rounded up to f32.
 */
export interface QuantizedRows {
  /** n rows of `stride` codes (dim rounded up to 8, zero padded). */
  readonly codes: Int8Array;
  readonly stride: number;
  readonly scale: Float32Array;
  readonly resid: Float32Array;
  readonly norm: Float32Array;
  /** Largest row norm: the bound is used only while scores stay far from f32 overflow. */
  readonly maxNorm: number;
}

/** Rows below this count are scanned directly: the second pass and the bookkeeping would cost more than they save. */
export const QUANTIZED_MIN_ROWS = 2048;

/** Nudge up by a few ulps so a rounded f32 never understates a bound. */
const up = (v: number) => Math.fround(v * (1 + 2 ** -20));

/**
 * Codes and bound terms of `n` row-major rows of `dim` floats.
 *
 * @example
 * ```ts
 * const q = quantizeRows(Float32Array.of(0.5, -1, 2, 0), 2, 2);  // q.codes: [64, -127, 0, ...], 8 per row
 * ```
 */
export function quantizeRows(rows: Float32Array, n: number, dim: number): QuantizedRows {
  const stride = (dim + 7) & ~7;
  const codes = new Int8Array(n * stride);
  const scale = new Float32Array(n), resid = new Float32Array(n), norm = new Float32Array(n);
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let maxAbs = 0, xx = 0;
    for (let j = 0; j < dim; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(rows[o + j]));
      xx += rows[o + j] * rows[o + j];
    }
    maxNorm = Math.max(maxNorm, Math.sqrt(xx));
    // The scale the kernel multiplies by is the f32 one, so the residual is taken against it.
    const s = Math.fround(maxAbs / 127);
    if (s === 0) continue;
    let rr = 0, cc = 0;
    for (let j = 0; j < dim; j++) {
      const c = Math.max(-127, Math.min(127, Math.round(rows[o + j] / s)));
      codes[i * stride + j] = c;
      const e = rows[o + j] - c * s;
      rr += e * e;
      cc += c * c;
    }
    scale[i] = s;
    resid[i] = up(Math.sqrt(rr));
    norm[i] = up(s * Math.sqrt(cc));
  }
  return { codes, stride, scale, resid, norm, maxNorm };
}
