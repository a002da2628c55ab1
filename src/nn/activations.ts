/**
 * Activations of the neural core (issue 9): none, relu, tanh, sigmoid and selu, elementwise, with backward passes
 * written through the output (f'(x) from y = f(x)). The loops run in the backend's kernels (Wasm: transcendentals
 * computed inside Wasm, identical on every runtime; js: src/kernels/reference/nn.ts).
 *
 * @example
 * ```ts
 * const act = new ActivationLayer('tanh', kernels);
 * const y = act.forward(x);
 * const dx = act.backward(dy);
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import { NN_ACTIVATION_CODE, referenceNnKernels, type NnActivation, type NnKernels } from '../kernels/reference/nn.ts';

export type { NnActivation, NnKernels } from '../kernels/reference/nn.ts';
export { referenceNnKernels } from '../kernels/reference/nn.ts';

export const ACTIVATIONS: readonly NnActivation[] = Object.keys(NN_ACTIVATION_CODE) as NnActivation[];

/** Throw a typed error unless `act` names an activation. */
export function checkActivation(field: string, act: unknown): asserts act is NnActivation {
  if (!(ACTIVATIONS as readonly unknown[]).includes(act)) throw new InvalidArgumentError(field, act, ACTIVATIONS.map((a) => `'${a}'`).join(', '));
}

/** An activation as a layer: keeps its output for the backward pass. */
export class ActivationLayer {
  private y?: Float32Array;
  constructor(readonly activation: NnActivation, private readonly kernels: NnKernels = referenceNnKernels) {
    checkActivation('activation', activation);
  }

  forward(x: Float32Array): Float32Array {
    const y = new Float32Array(x.length);
    this.kernels.activate(x, y, this.activation);
    this.y = y;
    return y;
  }

  /** The input gradient for upstream gradient `dy`. */
  backward(dy: Float32Array): Float32Array {
    const dx = new Float32Array(dy.length);
    this.kernels.activateBackward(this.y!, dy, dx, this.activation);
    return dx;
  }
}
