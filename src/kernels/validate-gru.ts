/** Argument checks of the GRU kernels (Backend.gruForward / gruBackward), shared by every backend. */
import { InvalidArgumentError } from '../errors.ts';
import type { GruForward, GruGrads, GruWeights } from './reference/gru.ts';

function len(field: string, a: ArrayLike<number> | undefined, n: number, what: string): void {
  if (!a || a.length !== n) throw new InvalidArgumentError(field, a?.length, `length ${n} (${what})`);
}

export function checkGru(
  w: GruWeights, x: Float32Array, mask: Uint8Array, steps: number, batch: number, h0?: Float32Array,
  grads?: GruGrads, fwd?: GruForward, dhs?: Float32Array,
): void {
  const E = w.inputs, H = w.hidden, G = 3 * H;
  for (const [f, v] of [['inputs', E], ['hidden', H], ['steps', steps], ['batch', batch]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(f, v, 'an integer >= 1');
  }
  len('W', w.W, E * G, 'inputs × 3·hidden');
  len('U', w.U, H * G, 'hidden × 3·hidden');
  len('bx', w.bx, G, '3·hidden');
  len('bh', w.bh, G, '3·hidden');
  len('x', x, steps * batch * E, 'steps × batch × inputs');
  len('mask', mask, steps * batch, 'steps × batch');
  if (h0) len('h0', h0, batch * H, 'batch × hidden');
  if (grads) {
    len('grads.W', grads.W, E * G, 'like W');
    len('grads.U', grads.U, H * G, 'like U');
    len('grads.bx', grads.bx, G, 'like bx');
    len('grads.bh', grads.bh, G, 'like bh');
  }
  if (fwd) {
    len('fwd.hs', fwd.hs, steps * batch * H, 'steps × batch × hidden');
    len('fwd.cache', fwd.cache, steps * batch * 4 * H, 'steps × batch × 4·hidden');
  }
  if (dhs) len('dhs', dhs, steps * batch * H, 'steps × batch × hidden');
}
