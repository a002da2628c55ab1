/**
 * A GRU layer over masked, time-major batches of sequences (issue 9), PyTorch nn.GRU's gate equations (Cho et al.
 * 2014; LibRecommender's RNN4Rec runs torch.nn.GRU over the user's recent items). The forward/backward hot loops run
 * on the backend (assembly/gru.ts for `wasm`, src/kernels/reference/gru.ts for `js`, the spec).
 *
 * @example
 * ```ts
 * const gru = new Gru('gru', 32, 64, { seed: 1 });
 * const state = gru.forward(x, mask, steps, batch);   // x: steps × batch × 32, mask: steps × batch (0 = padding)
 * const last = gru.last(state);                        // batch × 64: each row's state after its last real step
 * const dx = gru.backward(state, dhs);                 // dhs: steps × batch × 64; W/U/bx/bh grads accumulate
 * ```
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Backend } from '../kernels/types.ts';
import { createJsBackend } from '../kernels/js/backend.ts';
import type { GruForward } from '../kernels/reference/gru.ts';
import { createParam } from './optim.ts';
import type { Param } from './types.ts';
import { useKernels } from '../kernels/family.ts';
import { GRU_KERNELS } from '../kernels/families.ts';

// The backend kernels this module calls come with it (issue 18: an app that does not import it does not ship them).
useKernels(GRU_KERNELS);

/** Options of {@link Gru}. */
export interface GruOptions {
  /** Seed of the initialisation: U(−1/√hidden, 1/√hidden) for every tensor, as torch.nn.GRU (default 0). */
  readonly seed?: number;
  /** Backend running the kernels (default: the js reference backend; models pass the initialised one). */
  readonly backend?: Backend;
}

/** What {@link Gru.forward} keeps for the backward pass. */
export interface GruState extends GruForward {
  readonly x: Float32Array;
  readonly mask: Uint8Array;
  readonly steps: number;
  readonly batch: number;
  readonly h0?: Float32Array;
}

export class Gru {
  /** inputs × 3·hidden, gate blocks r, z, n. */
  readonly W: Param;
  /** hidden × 3·hidden. */
  readonly U: Param;
  readonly bx: Param;
  readonly bh: Param;
  backend: Backend;

  constructor(name: string, readonly inputs: number, readonly hidden: number, options: GruOptions = {}) {
    const scale = 1 / Math.sqrt(hidden);
    const seed = options.seed ?? 0;
    this.W = createParam(`${name}.W`, inputs, 3 * hidden, { init: 'uniform', scale, seed });
    this.U = createParam(`${name}.U`, hidden, 3 * hidden, { init: 'uniform', scale, seed: seed + 1 });
    this.bx = createParam(`${name}.bx`, 1, 3 * hidden, { init: 'uniform', scale, seed: seed + 2 });
    this.bh = createParam(`${name}.bh`, 1, 3 * hidden, { init: 'uniform', scale, seed: seed + 3 });
    this.backend = options.backend ?? createJsBackend();
  }

  get params(): Param[] {
    return [this.W, this.U, this.bx, this.bh];
  }

  private weights() {
    return { inputs: this.inputs, hidden: this.hidden, W: this.W.value, U: this.U.value, bx: this.bx.value, bh: this.bh.value };
  }

  /** Run the layer over `steps` steps of `batch` rows (x: steps × batch × inputs, time-major). */
  forward(x: Float32Array, mask: Uint8Array, steps: number, batch: number, h0?: Float32Array): GruState {
    const f = this.backend.gruForward(this.weights(), x, mask, steps, batch, h0);
    return { ...f, x, mask, steps, batch, h0 };
  }

  /** Each row's final state (batch × hidden): the state after the last step, padding steps carry it. */
  last(state: GruState): Float32Array {
    const n = state.batch * this.hidden;
    return state.hs.slice((state.steps - 1) * n, state.steps * n);
  }

  /**
   * Backward from `dhs` (steps × batch × hidden, the loss gradient of each step's state; {@link dLast} builds one
   * from the gradient of the final states): adds into the params' grads, returns dx (steps × batch × inputs).
   */
  backward(state: GruState, dhs: Float32Array): { dx: Float32Array; dh0: Float32Array } {
    const grads = { W: this.W.grad, U: this.U.grad, bx: this.bx.grad, bh: this.bh.grad };
    return this.backend.gruBackward(this.weights(), grads, state.x, state.mask, state.steps, state.batch, state.h0, state, dhs);
  }

  /** dhs with only the final step's gradient set (for losses on {@link last}). */
  dLast(state: GruState, dLastState: Float32Array): Float32Array {
    const n = state.batch * this.hidden;
    if (dLastState.length !== n) throw new InvalidArgumentError('dLastState.length', dLastState.length, `${n} (batch × hidden)`);
    const dhs = new Float32Array(state.steps * n);
    dhs.set(dLastState, (state.steps - 1) * n);
    return dhs;
  }
}
