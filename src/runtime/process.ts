/**
 * The command line's view of the host process: arguments, output streams, TTY detection and exit. Node, Bun and
 * Deno 2 all provide a Node-compatible `process` global; Deno's own `Deno.args` is preferred there because it is
 * exactly the script's arguments. Only the CLI uses this (library code never touches the process).
 */

/** What the CLI needs from the host. */
export interface ProcessIO {
  /** Arguments after the script name. */
  readonly args: readonly string[];
  /** Write text to stdout / stderr (resolves when the runtime accepted it, so output is complete before exit). */
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
  /** Whether stderr is an interactive terminal (progress bars are drawn only then). */
  readonly stderrIsTTY: boolean;
  /** Terminal width in columns (80 when unknown). */
  readonly columns: number;
  /** An environment variable, or undefined (also when the runtime denies access). */
  env(name: string): string | undefined;
  /** End the process. */
  exit(code: number): never;
}

declare const Deno: { args: string[] } | undefined;

interface NodeLikeStream {
  write(chunk: string, cb?: (err?: Error | null) => void): boolean;
  isTTY?: boolean;
  columns?: number;
}
interface NodeLikeProcess {
  argv: string[];
  stdout: NodeLikeStream;
  stderr: NodeLikeStream;
  env: Record<string, string | undefined>;
  exit(code: number): never;
}

function writer(stream: NodeLikeStream): (text: string) => Promise<void> {
  return (text) => new Promise((resolve) => {
    if (text === '') return resolve();
    stream.write(text, () => resolve());
  });
}

/** The host process (Node, Deno, Bun). Throws when there is none (browsers, workers). */
export function hostProcess(): ProcessIO {
  const proc = (globalThis as { process?: NodeLikeProcess }).process;
  if (!proc?.stdout || !proc.argv) throw new Error('recwise CLI: this runtime has no process (run it with node, deno or bun).');
  const args = typeof Deno !== 'undefined' && Array.isArray(Deno.args) ? Deno.args.slice() : proc.argv.slice(2);
  return {
    args,
    stdout: writer(proc.stdout),
    stderr: writer(proc.stderr),
    stderrIsTTY: proc.stderr.isTTY === true,
    columns: proc.stderr.columns || proc.stdout.columns || 80,
    env(name) {
      try {
        return proc.env[name];
      } catch {
        return undefined;
      }
    },
    exit: (code) => proc.exit(code),
  };
}

/** An in-memory process for tests and embedding: collects output, never exits. */
export function memoryProcess(args: readonly string[]): ProcessIO & { out: string; err: string } {
  const io = {
    args,
    out: '',
    err: '',
    stderrIsTTY: false,
    columns: 80,
    async stdout(text: string) {
      io.out += text;
    },
    async stderr(text: string) {
      io.err += text;
    },
    env: () => undefined,
    exit(code: number): never {
      throw new Error(`exit(${code}) called on a memory process`);
    },
  };
  return io;
}
