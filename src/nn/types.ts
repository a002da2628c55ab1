/**
 * The neural training core's contracts (issue 9): a small core, not a framework. Layers own {@link Param}s and
 * hand-written forward/backward passes; optimizers update Params, sparsely for embedding tables.
 *
 * Shared by src/nn's layers (dense, activations, dropout, embedding tables, GRU, pooling), its losses and
 * optimizers, and by the neural models in src/models.
 */

/**
 * A trainable tensor, row-major `rows × cols`. `grad` accumulates between optimizer steps (layers add into it;
 * the optimizer zeroes what it consumed). Embedding tables set `sparse`: only the rows listed in `touched` have a
 * gradient, and the optimizer updates (and zeroes) only those rows, as PyTorch's sparse embeddings do.
 */
export interface Param {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly value: Float32Array;
  readonly grad: Float32Array;
  /** True for embedding tables updated row by row. */
  readonly sparse: boolean;
  /** Sparse params: the rows with a gradient since the last step (each once). Dense params: unused. */
  readonly touched: Set<number>;
}

/** Optimizer settings common to every kind (per-kind fields in src/nn/optim.ts). */
export interface OptimizerConfig {
  readonly kind: 'sgd' | 'adam' | 'adagrad' | 'rmsprop';
  readonly learningRate: number;
  /** L2 penalty added to the gradient (PyTorch's weight_decay); sparse params: touched rows only. */
  readonly weightDecay?: number;
  /** Epochs at which the learning rate is multiplied by 0.1 (Recoder's lr_milestones). */
  readonly milestones?: readonly number[];
}

/** Updates params from their gradients; its state (moments, step counts) is saved in the resumable profile. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Apply one update to every param from its accumulated gradient, then zero the gradient used. */
  step(params: readonly Param[]): void;
  /** Called at the start of each epoch (learning-rate milestones). */
  setEpoch(epoch: number): void;
  /** Optimizer state as named arrays (for checkpoints), and its restore. */
  exportState(): Record<string, Float32Array | Float64Array>;
  importState(state: Record<string, Float32Array | Float64Array>): void;
}
