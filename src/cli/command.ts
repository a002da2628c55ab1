/** What every CLI command module exports, and what it gets to run with. */
import type { FlagSpec, FlagValues } from './args.ts';
import type { ProgressBar } from './progress.ts';
import type { ProcessIO } from '../runtime/process.ts';

/** Runtime services for a command: parsed flags, output and the progress bar. */
export interface CliContext {
  readonly io: ProcessIO;
  readonly flags: FlagValues;
  readonly progress: ProgressBar;
  /** Print lines on stdout (the progress bar is cleared first). */
  print(text: string): Promise<void>;
  /** Print one JSON object on stdout, on one line. */
  printJson(value: unknown): Promise<void>;
  /** A line for the user on stderr (what the reader decided, …); silent with --quiet or --json. */
  note(text: string): Promise<void>;
}

/** One `recwise <name>` command. */
export interface Command {
  readonly name: string;
  /** One line, shown in `recwise --help`. */
  readonly summary: string;
  /** Longer text for `recwise <name> --help`. */
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  readonly examples: readonly string[];
  /** Returns the exit code (0 = success). */
  run(ctx: CliContext): Promise<number>;
}
