/**
 * A dense layer y = act(x·W + b) (W: inputs × outputs, b: 1 × outputs) with its hand-written backward pass, which
 * ADDS into W.grad and b.grad and returns dL/dx. Products run in the backend's gemm kernel (Wasm SIMD; TS reference
 * in src/kernels/reference/nn.ts).
 *
 * @example
 * ```ts
 * const layer = new Dense('enc', 64, 32, 'tanh', { seed: 1 });
 * const y = layer.forward(x, batch);      // batch × 32
 * const dx = layer.backward(dy);          // batch × 64; W.grad and b.grad accumulate
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import { referenceNnKernels, type NnActivation, type NnKernels } from '../kernels/reference/nn.ts';
import { checkActivation } from './activations.ts';
import { createParam } from './optim.ts';
import type { Param } from './types.ts';

export interface DenseOptions {
  readonly seed?: number;
  readonly kernels?: NnKernels;
}

export class Dense {
  readonly weight: Param;
  readonly bias: Param;
  private kernels: NnKernels;
  private x?: Float32Array;
  private y?: Float32Array;
  private batch = 0;

  constructor(name: string, readonly inputs: number, readonly outputs: number, readonly activation: NnActivation = 'none', options: DenseOptions = {}) {
    checkActivation(`${name}.activation`, activation);
    // Glorot/Xavier uniform initialisation (Glorot & Bengio 2010), as Recoder's layers use
    this.weight = createParam(`${name}.weight`, inputs, outputs, { init: 'xavier', seed: options.seed ?? 0 });
    this.bias = createParam(`${name}.bias`, 1, outputs);
    this.kernels = options.kernels ?? referenceNnKernels;
  }

  get params(): Param[] {
    return [this.weight, this.bias];
  }

  setKernels(kernels: NnKernels): void {
    this.kernels = kernels;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    if (x.length !== batch * this.inputs) throw new InvalidArgumentError(`${this.weight.name}.input.length`, x.length, `${batch * this.inputs} (batch × inputs)`);
    const y = new Float32Array(batch * this.outputs);
    for (let r = 0; r < batch; r++) y.set(this.bias.value, r * this.outputs);
    this.kernels.gemm(x, this.weight.value, y, batch, this.inputs, this.outputs, false, false, true);
    this.kernels.activate(y, y, this.activation);
    this.x = x;
    this.y = y;
    this.batch = batch;
    return y;
  }

  backward(dy: Float32Array): Float32Array {
    const { batch, inputs, outputs } = this;
    const dz = new Float32Array(batch * outputs);
    this.kernels.activateBackward(this.y!, dy, dz, this.activation);
    // dW += xᵀ·dz, db += Σ_rows dz, dx = dz·Wᵀ
    this.kernels.gemm(this.x!, dz, this.weight.grad, inputs, batch, outputs, true, false, true);
    const db = this.bias.grad;
    for (let r = 0; r < batch; r++) for (let j = 0; j < outputs; j++) db[j] += dz[r * outputs + j];
    const dx = new Float32Array(batch * inputs);
    this.kernels.gemm(dz, this.weight.value, dx, batch, outputs, inputs, false, true, false);
    return dx;
  }
}
