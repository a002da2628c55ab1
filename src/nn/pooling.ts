/**
 * Mean and sum pooling over variable-length sequences (issue 9): segment b of `values` is rows
 * [offsets[b], offsets[b+1]) of an n × dim matrix; the pooled row is their sum, or their mean (an empty segment
 * pools to zeros). Used by the two-tower model's user tower over recent items and user features (YouTube DNN's
 * averaged watch embeddings, Covington et al. 2016).
 *
 * @example
 * ```ts
 * const offsets = Int32Array.of(0, 2, 5);          // two sequences: rows 0–1 and rows 2–4
 * const pooled = poolForward(rows, offsets, 16, 'mean');   // 2 × 16
 * const dRows = poolBackward(dPooled, offsets, 16, 'mean'); // 5 × 16
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';

export type PoolMode = 'mean' | 'sum';

function check(offsets: Int32Array, dim: number, rows: number, mode: PoolMode): void {
  if (mode !== 'mean' && mode !== 'sum') throw new InvalidArgumentError('mode', mode, "'mean' or 'sum'");
  if (!(Number.isInteger(dim) && dim >= 1)) throw new InvalidArgumentError('dim', dim, 'an integer >= 1');
  if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== rows) {
    throw new InvalidArgumentError('offsets', `[${offsets[0]} … ${offsets[offsets.length - 1]}]`, `non-decreasing offsets from 0 to ${rows} (the number of rows)`);
  }
  for (let b = 0; b + 1 < offsets.length; b++) if (offsets[b + 1] < offsets[b]) throw new InvalidArgumentError(`offsets[${b + 1}]`, offsets[b + 1], `>= offsets[${b}] (${offsets[b]})`);
}

/** Pooled rows (segments × dim). `values` holds offsets[last] rows of `dim`. */
export function poolForward(values: Float32Array, offsets: Int32Array, dim: number, mode: PoolMode): Float32Array {
  check(offsets, dim, values.length / dim, mode);
  const segs = offsets.length - 1;
  const out = new Float32Array(segs * dim);
  for (let b = 0; b < segs; b++) {
    const a = offsets[b], e = offsets[b + 1];
    if (a === e) continue;
    const scale = mode === 'mean' ? 1 / (e - a) : 1;
    for (let d = 0; d < dim; d++) {
      let s = 0;
      for (let r = a; r < e; r++) s += values[r * dim + d];
      out[b * dim + d] = s * scale;
    }
  }
  return out;
}

/** Gradient of the pooled rows w.r.t. the input rows (offsets[last] × dim): each row gets its segment's dOut (÷ length for mean). */
export function poolBackward(dOut: Float32Array, offsets: Int32Array, dim: number, mode: PoolMode): Float32Array {
  const rows = offsets[offsets.length - 1];
  check(offsets, dim, rows, mode);
  if (dOut.length !== (offsets.length - 1) * dim) throw new InvalidArgumentError('dOut.length', dOut.length, `${(offsets.length - 1) * dim} (segments × dim)`);
  const dv = new Float32Array(rows * dim);
  for (let b = 0; b + 1 < offsets.length; b++) {
    const a = offsets[b], e = offsets[b + 1];
    const scale = mode === 'mean' ? 1 / Math.max(1, e - a) : 1;
    for (let r = a; r < e; r++) for (let d = 0; d < dim; d++) dv[r * dim + d] = dOut[b * dim + d] * scale;
  }
  return dv;
}
