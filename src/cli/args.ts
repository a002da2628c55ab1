/**
 * Flag parsing for the CLI: `--name value`, `--name=value`, boolean `--flag`. Every mistake becomes a
 * {@link UsageError} naming the flag, the value and the fix (exit code 2), never a stack trace.
 */
import { RecwiseError, describeValue, nameErrorClass } from '../errors.ts';

/** A wrong flag or value on the command line (exit code 2). */
export class UsageError extends RecwiseError {
  static {
    nameErrorClass(this, 'UsageError');
  }
  constructor(flag: string, value: unknown, problem: string, fix: string) {
    super('USAGE', `${flag}: ${problem}${value === undefined ? '' : ` (got ${describeValue(value)})`}.`, { field: flag, value, fix });
  }
}

export type FlagType = 'string' | 'int' | 'number' | 'boolean' | 'enum';

/** One flag a command accepts. */
export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  /** For 'enum'. */
  readonly values?: readonly string[];
  readonly required?: boolean;
  readonly default?: string | number | boolean;
  /** Inclusive lower bound for 'int' and 'number'. */
  readonly min?: number;
  /** Placeholder in help (e.g. PATH). */
  readonly meta?: string;
  readonly help: string;
  /** Also filled by the first bare argument (e.g. `recwise import --from spark PATH`). */
  readonly positional?: boolean;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

/** Flags every command accepts. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'json', type: 'boolean', help: 'print one JSON object on stdout instead of a table' },
  { name: 'quiet', type: 'boolean', help: 'no progress bar' },
  { name: 'verbose', type: 'boolean', help: 'print stack traces of errors' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

function expected(spec: FlagSpec): string {
  switch (spec.type) {
    case 'int':
      return `an integer${spec.min !== undefined ? ` >= ${spec.min}` : ''}`;
    case 'number':
      return `a number${spec.min !== undefined ? ` >= ${spec.min}` : ''}`;
    case 'enum':
      return `one of ${spec.values!.join(', ')}`;
    default:
      return 'a value';
  }
}

function example(spec: FlagSpec): string {
  if (spec.type === 'enum') return `--${spec.name} ${spec.values![0]}`;
  if (spec.default !== undefined) return `--${spec.name} ${spec.default}`;
  return `--${spec.name} ${spec.meta ?? 'VALUE'}`;
}

function convert(spec: FlagSpec, raw: string): string | number {
  const flag = `--${spec.name}`;
  if (spec.type === 'int' || spec.type === 'number') {
    const v = raw.trim() === '' ? NaN : Number(raw);
    const ok = spec.type === 'int' ? Number.isInteger(v) : Number.isFinite(v);
    if (!ok || (spec.min !== undefined && v < spec.min)) {
      throw new UsageError(flag, raw, `expected ${expected(spec)}`, `pass e.g. ${example(spec)}.`);
    }
    return v;
  }
  if (spec.type === 'enum' && !spec.values!.includes(raw)) {
    throw new UsageError(flag, raw, `expected ${expected(spec)}`, `pass e.g. ${example(spec)}.`);
  }
  return raw;
}

/**
 * Parse `args` against `specs` (plus {@link COMMON_FLAGS}). Returns values by flag name with defaults filled in.
 * Required flags are checked only when `--help` is absent.
 */
export function parseFlags(command: string, args: readonly string[], specs: readonly FlagSpec[]): FlagValues {
  const all = [...specs, ...COMMON_FLAGS];
  const byName = new Map(all.map((s) => [s.name, s]));
  const values: FlagValues = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') {
      const slot = specs.find((s) => s.positional && values[s.name] === undefined);
      if (slot && arg !== '--') {
        values[slot.name] = convert(slot, arg);
        continue;
      }
      throw new UsageError('argument', arg, `'recwise ${command}' takes no positional arguments`, `use flags (see 'recwise ${command} --help').`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      throw new UsageError(`--${name}`, undefined, `unknown flag for 'recwise ${command}'`, `use one of ${all.map((s) => `--${s.name}`).join(', ')}.`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const raw = arg.slice(eq + 1);
        if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${name}`, raw, 'expected true or false', `write --${name} alone to turn it on.`);
        values[name] = raw === 'true';
      } else values[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      if (i + 1 >= args.length || (args[i + 1].startsWith('--') && args[i + 1].length > 2)) {
        throw new UsageError(`--${name}`, undefined, `needs ${expected(spec)}`, `pass e.g. ${example(spec)}.`);
      }
      raw = args[++i];
    }
    values[name] = convert(spec, raw);
  }
  for (const spec of all) {
    if (values[spec.name] === undefined && spec.default !== undefined) values[spec.name] = spec.default;
  }
  if (!values.help) {
    for (const spec of specs) {
      if (spec.required && values[spec.name] === undefined) {
        throw new UsageError(`--${spec.name}`, undefined, `is required by 'recwise ${command}'`, `pass ${example(spec)}.`);
      }
    }
  }
  return values;
}

/** Help text for a command: usage line, description and aligned flag list. */
export function formatHelp(command: string, summary: string, specs: readonly FlagSpec[], examples: readonly string[] = []): string {
  const all = [...specs, ...COMMON_FLAGS];
  const left = all.map((s) => {
    const meta = s.type === 'boolean' ? '' : ` ${s.meta ?? (s.type === 'enum' ? s.values!.join('|') : s.type === 'int' || s.type === 'number' ? 'N' : 'VALUE')}`;
    return `  --${s.name}${meta}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = all.map((s, i) => {
    const extra = [s.required ? 'required' : '', s.default !== undefined && s.type !== 'boolean' ? `default ${s.default}` : ''].filter(Boolean).join(', ');
    return `${left[i].padEnd(width)}${s.help}${extra ? ` (${extra})` : ''}`;
  });
  const usage = specs.filter((s) => s.required).map((s) => ` --${s.name} ${s.meta ?? 'VALUE'}`).join('');
  return [
    `Usage: recwise ${command}${usage} [options]`,
    '',
    summary,
    '',
    'Options:',
    ...lines,
    ...(examples.length ? ['', 'Examples:', ...examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}
