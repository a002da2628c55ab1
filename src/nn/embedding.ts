/**
 * Embedding tables with sparse row updates (issue 9): a `rows × dim` {@link Param} flagged `sparse`, read by
 * gathering rows and trained by scattering gradients into the rows read, which are recorded in `touched` so the
 * optimizer updates only those (PyTorch's `nn.Embedding(sparse=True)`, as Recoder's embedding layers use).
 *
 * @example
 * ```ts
 * const table = new Embedding('item', 1000, 32, { seed: 7 });
 * const ids = new Int32Array([3, 9, 3]);
 * const out = table.forward(ids);          // 3 × 32
 * table.backward(ids, dOut);               // adds into rows 3 (twice) and 9 of table.param.grad
 * optimizer.step([table.param]);           // updates rows 3 and 9 only
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import { createParam } from './optim.ts';
import type { Param } from './types.ts';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Initial values: N(0, scale²) (default scale 0.01; Recoder's MatrixFactorization uses 0.01-scale normal init). */
  readonly scale?: number;
  readonly init?: 'normal' | 'uniform' | 'zeros';
  readonly seed?: number;
}

/** Gather rows `ids` of a `rows × dim` table into `out` (ids.length × dim). Reference loop (TS). */
export function gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const src = ids[i] * dim;
    out.set(table.subarray(src, src + dim), i * dim);
  }
}

/** grad[ids[i]] += dOut[i] for every i (rows may repeat). Reference loop (TS). */
export function scatterAddRows(grad: Float32Array, dim: number, ids: Int32Array, dOut: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const dst = ids[i] * dim;
    const src = i * dim;
    for (let d = 0; d < dim; d++) grad[dst + d] += dOut[src + d];
  }
}

/** An embedding table: {@link Embedding.forward} gathers rows, {@link Embedding.backward} scatters gradients. */
export class Embedding {
  readonly param: Param;
  constructor(name: string, rows: number, readonly dim: number, options: EmbeddingOptions = {}) {
    this.param = createParam(name, rows, dim, { sparse: true, init: options.init ?? 'normal', scale: options.scale ?? 0.01, seed: options.seed ?? 0 });
  }

  get rows(): number {
    return this.param.rows;
  }

  private check(ids: Int32Array): void {
    const n = this.param.rows;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= n) throw new InvalidArgumentError(`${this.param.name}.ids[${i}]`, id, `a row in [0, ${n})`, 'map ids through the vocabulary (or hash them) before the lookup');
    }
  }

  /** The rows `ids` (ids.length × dim, row-major). */
  forward(ids: Int32Array, out = new Float32Array(ids.length * this.dim)): Float32Array {
    this.check(ids);
    gatherRows(this.param.value, this.dim, ids, out);
    return out;
  }

  /** Add the rows of `dOut` (ids.length × dim) into the gradient of rows `ids` and mark them touched. */
  backward(ids: Int32Array, dOut: Float32Array): void {
    this.check(ids);
    if (dOut.length !== ids.length * this.dim) throw new InvalidArgumentError(`${this.param.name}.dOut.length`, dOut.length, `${ids.length * this.dim} (ids × dim)`);
    scatterAddRows(this.param.grad, this.dim, ids, dOut);
    for (let i = 0; i < ids.length; i++) this.param.touched.add(ids[i]);
  }
}
