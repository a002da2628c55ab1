/** Progress reporting and cancellation shared by every long operation (fit, evaluate, load). */
import { AbortError, TrainingDivergedError } from '../errors.ts';

/** One progress report. `done`/`total` count the phase's units (epochs, users, bytes). */
export interface Progress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Extra figures for the phase, e.g. `{ loss: 0.12 }` or metrics after an epoch. */
  readonly info?: Readonly<Record<string, number>>;
}

/** Options every long-running call accepts. */
export interface LongRunOptions {
  /** Called as work advances; keep it cheap. */
  onProgress?: (progress: Progress) => void;
  /** Stops the work between units; the call rejects with {@link AbortError}. */
  signal?: AbortSignal;
}

/** Throw AbortError if the signal fired. */
export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortError(what);
}

// yieldToEventLoop lives in the runtime layer (kernels yield too); re-exported for the models
export { yieldToEventLoop } from '../runtime/yield.ts';

/**
 * Stop a fit whose parameters are no longer finite (issue 15): `finite` is the cheap per-epoch scan of the tables the
 * epoch updated (a SIMD Wasm kernel on resident tables, Backend.allFinite). `fix` says which setting to change.
 */
export function checkDiverged(finite: boolean, model: string, epoch: number, fix: string): void {
  if (!finite) throw new TrainingDivergedError(model, epoch, fix);
}

/** The fix of an SGD-trained model that diverged (LightFM's advice). */
export function sgdDivergenceFix(learningRate: number, more = ''): string {
  return `try decreasing the learning rate (learningRate is ${learningRate}; e.g. ${learningRate / 10})${more}, or normalising feature values and interaction weights.`;
}
