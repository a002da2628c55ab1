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

const host = globalThis as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel };

/**
 * Yield to the event loop so abort signals and progress UIs get a turn during long loops. A new task, not a timer:
 * `setTimeout(0)` waits at least 1 ms in Node (and 4 ms in browsers once timers nest), which was ~7% of a
 * 15-iteration ALS fit on ml-100k. setImmediate (Node, Deno, Bun) or a MessageChannel message (browsers; a channel
 * per call, so nothing outlives the call) runs on the next turn, after due timers and I/O; setTimeout is the fallback.
 */
export function yieldToEventLoop(): Promise<void> {
  if (host.setImmediate) return new Promise((resolve) => void host.setImmediate!(resolve));
  if (host.MessageChannel) {
    return new Promise((resolve) => {
      const { port1, port2 } = new host.MessageChannel!();
      port1.onmessage = () => {
        port1.close();
        resolve();
      };
      port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

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
