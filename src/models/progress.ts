/** Progress reporting and cancellation shared by every long operation (fit, evaluate, load). */
import { AbortError } from '../errors.ts';

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

/** Yield to the event loop so abort signals and progress UIs get a turn during long loops. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
