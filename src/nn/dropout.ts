/**
 * Dropout (Srivastava et al. 2014) with inverted scaling: in training each entry is zeroed with probability p and
 * the survivors are scaled by 1/(1−p), so inference (dropout off) needs no rescaling. The mask comes from a seeded
 * stream, so training is reproducible.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.5);
 * const y = drop.forward(x, rng, true);   // training: masked and scaled
 * const dx = drop.backward(dy);           // same mask
 * drop.forward(x, rng, false);            // inference: x unchanged
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Rng } from './optim.ts';

export class Dropout {
  private mask?: Float32Array;
  constructor(readonly p: number) {
    if (!(p >= 0 && p < 1)) throw new InvalidArgumentError('dropout', p, 'a probability in [0, 1)', 'use 0 to disable dropout');
  }

  /** Draw a mask of `n` entries: 0 with probability p, else 1/(1−p). */
  drawMask(n: number, rng: Rng): Float32Array {
    const m = new Float32Array(n);
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < n; i++) m[i] = rng.uniform() < this.p ? 0 : keep;
    return m;
  }

  forward(x: Float32Array, rng: Rng, training: boolean): Float32Array {
    if (!training || this.p === 0) {
      this.mask = undefined;
      return x;
    }
    const m = this.drawMask(x.length, rng);
    this.mask = m;
    const y = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = x[i] * m[i];
    return y;
  }

  backward(dy: Float32Array): Float32Array {
    const m = this.mask;
    if (!m) return dy;
    const dx = new Float32Array(dy.length);
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * m[i];
    return dx;
  }
}
