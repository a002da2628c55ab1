/**
 * Recoder's mini-batch negative sampling (Moussawi 2018, "Towards Large Scale Training Of Autoencoders For
 * Collaborative Filtering", §3; Recoder's BatchCollator): for a batch of rows (users, for a user-based model), the
 * output layer is computed only over a target set of columns: the union of the batch rows' own columns plus the
 * columns of `samplingRows` other rows drawn at random (Recoder's num_sampling_users), or plus `samplingColumns`
 * columns drawn uniformly. Columns outside the set are neither scored nor trained in that step.
 *
 * @example
 * ```ts
 * for (const rows of shuffledBatches(data.nUsers, 500, rng)) {
 *   const batch = sampleBatch(data.byUser, rows, { samplingRows: 0 }, rng);
 *   // batch.targets: the columns to score; batch.dense(): rows × targets, the targets' values
 * }
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Csr } from '../kernels/types.ts';
import { selectRows } from '../data/csr-rows.ts';
import type { Rng } from './optim.ts';

/** Options of {@link sampleBatch}. */
export interface BatchSampling {
  /** Rows drawn at random whose columns join the target set (Recoder's num_sampling_users; default 0). */
  readonly samplingRows?: number;
  /** Columns drawn uniformly that join the target set (default 0). */
  readonly samplingColumns?: number;
  /** Use every column as target (no sampling; Mult-DAE's full softmax). */
  readonly allColumns?: boolean;
}

/** One sampled mini-batch. */
export interface SampledBatch {
  /** The batch's rows (e.g. user indices). */
  readonly rows: Int32Array;
  /** Target columns, ascending (the output layer's columns for this batch). */
  readonly targets: Int32Array;
  /** Per batch row r, its entries: columns `cols[indptr[r]..indptr[r+1])` with values `values[...]`. */
  readonly indptr: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float32Array;
  /** Position of each entry's column in `targets`. */
  readonly targetPos: Int32Array;
}

/** A shuffled order of `n` rows cut into batches of `size` (the last may be shorter). */
export function shuffledBatches(n: number, size: number, rng: Rng): Int32Array[] {
  if (!(Number.isInteger(size) && size >= 1)) throw new InvalidArgumentError('batchSize', size, 'an integer >= 1');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Fisher–Yates
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const out: Int32Array[] = [];
  for (let b = 0; b < n; b += size) out.push(order.subarray(b, Math.min(n, b + size)));
  return out;
}

/** Build the batch of `rows` from `csr` with Recoder's target-set sampling. */
export function sampleBatch(csr: Csr, rows: Int32Array, sampling: BatchSampling, rng: Rng): SampledBatch {
  const mark = new Uint8Array(csr.cols);
  const add = (r: number) => {
    for (let e = csr.indptr[r]; e < csr.indptr[r + 1]; e++) mark[csr.indices[e]] = 1;
  };
  if (sampling.allColumns) mark.fill(1);
  else {
    for (const r of rows) add(r);
    for (let s = 0; s < (sampling.samplingRows ?? 0); s++) add(rng.int(csr.rows));
    for (let s = 0; s < (sampling.samplingColumns ?? 0); s++) mark[rng.int(csr.cols)] = 1;
  }
  let nt = 0;
  for (let j = 0; j < csr.cols; j++) nt += mark[j];
  const targets = new Int32Array(nt);
  const pos = new Int32Array(csr.cols).fill(-1);
  for (let j = 0, t = 0; j < csr.cols; j++) if (mark[j]) { pos[j] = t; targets[t++] = j; }
  const { indptr, indices: cols, data: values } = selectRows(csr, rows);
  const targetPos = Int32Array.from(cols, (c) => pos[c]);
  return { rows: Int32Array.from(rows), targets, indptr, cols, values, targetPos };
}

/** The batch's targets as a dense rows × targets matrix (zeros where a row has no entry). */
export function denseTargets(batch: SampledBatch, binary = true): Float32Array {
  const nt = batch.targets.length;
  const out = new Float32Array(batch.rows.length * nt);
  for (let r = 0; r < batch.rows.length; r++) {
    for (let e = batch.indptr[r]; e < batch.indptr[r + 1]; e++) out[r * nt + batch.targetPos[e]] = binary ? 1 : batch.values[e];
  }
  return out;
}
