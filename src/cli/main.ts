/**
 * `recwise <command> [flags]`: dispatch, error reporting and exit codes. 0 success · 1 a runtime error (unknown
 * user, unreadable file, …) · 2 a usage error (bad flag or value). Errors print their message (which names the
 * field, the value and the fix); stack traces only with --verbose.
 */
// The wasm backend (kernels from the asset beside the modules; bin.ts embeds them) and the webgpu backend (issue 18).
import '../entry/setup.ts';
import '../entry/webgpu.ts';
import { COMMON_FLAGS, UsageError, formatHelp, parseFlags } from './args.ts';
import type { CliContext, Command } from './command.ts';
import { ProgressBar } from './progress.ts';
import { InvalidArgumentError, RecwiseError } from '../errors.ts';
import { VERSION } from '../version.ts';
import type { ProcessIO } from '../runtime/process.ts';
import { fitCommand } from './fit.ts';
import { evalCommand } from './eval.ts';
import { compareCommand } from './compare.ts';
import { recommendCommand } from './recommend.ts';
import { demoCommand } from './demo.ts';
import { importCommand } from './import.ts';
import { exportCommand } from './export.ts';
import { serveCommand } from './serve.ts';
import { splitCommand } from './split.ts';
import { tuneCommand } from './tune.ts';

export const COMMANDS: readonly Command[] = [demoCommand, fitCommand, evalCommand, compareCommand, splitCommand, tuneCommand, recommendCommand, serveCommand, importCommand, exportCommand];

function globalHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `recwise ${VERSION}: recommender models, evaluation and serving for every JavaScript runtime.`,
    '',
    'Usage: recwise <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    "Run 'recwise <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Run the CLI with `io.args`; resolves to the exit code (the caller exits). */
export async function main(io: ProcessIO): Promise<number> {
  const [name, ...rest] = io.args;
  const verbose = io.args.includes('--verbose');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await io.stdout(globalHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    await io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    await io.stderr(`recwise: unknown command ${JSON.stringify(name)}. Fix: use one of ${COMMANDS.map((c) => c.name).join(', ')} (recwise --help lists them).\n`);
    return 2;
  }
  let progress: ProgressBar | undefined;
  try {
    const flags = parseFlags(command.name, rest, command.flags);
    if (flags.help) {
      await io.stdout(formatHelp(command.name, command.description, command.flags, command.examples));
      return 0;
    }
    progress = new ProgressBar(io, io.stderrIsTTY && !flags.quiet && !flags.json);
    const bar = progress;
    const ctx: CliContext = {
      io,
      flags,
      progress: bar,
      async print(text) {
        await bar.clear();
        await io.stdout(text.endsWith('\n') ? text : text + '\n');
      },
      async printJson(value) {
        await bar.clear();
        await io.stdout(JSON.stringify(value) + '\n');
      },
      async note(text) {
        if (flags.quiet || flags.json) return;
        await bar.clear();
        await io.stderr(text.endsWith('\n') ? text : text + '\n');
      },
    };
    return await command.run(ctx);
  } catch (e) {
    await progress?.clear();
    const usage = e instanceof UsageError || e instanceof InvalidArgumentError;
    const message = e instanceof RecwiseError ? e.message : e instanceof Error ? `${e.name === 'Error' ? 'error' : e.name}: ${e.message}` : String(e);
    let text = `recwise ${command.name}: ${message}\n`;
    if (usage) text += `Run 'recwise ${command.name} --help' for usage.\n`;
    if (verbose && e instanceof Error && e.stack) text += `${e.stack}\n`;
    await io.stderr(text);
    return usage ? 2 : 1;
  }
}

export { COMMON_FLAGS };
