/**
 * The CLI side of the evaluation report (issue 20), shared by `eval` and `compare`: the --report/--validation/
 * --examples flags, fitting with per-epoch curves, and writing the HTML file (atomically: never half-written).
 */
import type { FlagSpec, FlagValues } from './args.ts';
import type { CliContext } from './command.ts';
import { requireFile, readTest } from './data.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Recommender } from '../models/recommender.ts';
import type { MetricDefinition } from '../eval/metrics.ts';
import { fitWithCurves, type EpochPoint } from '../report/curves.ts';
import { reportData, type ReportData, type ReportModel } from '../report/data.ts';
import { renderReport } from '../report/render.ts';
import { readFileBytes, writeFileAtomic } from '../runtime/files.ts';
import { UsageError } from './args.ts';
import { since } from './format.ts';

export const REPORT_FLAGS: readonly FlagSpec[] = [
  { name: 'report', type: 'string', meta: 'PATH', help: 'also write a self-contained HTML report: model comparison, curves by epoch, per-user hits, popularity bias, example users' },
  { name: 'validation', type: 'string', meta: 'PATH', help: "validation interactions (same format), evaluated after every epoch for the report's curves; keep them apart from --test" },
  { name: 'examples', type: 'int', min: 0, default: 3, help: 'example users shown in the report' },
  { name: 'item-names', type: 'string', meta: 'PATH', help: 'TSV `id<TAB>name` (header optional) to show item names instead of ids in the report' },
];

/** Item names from a TSV `id<TAB>name[<TAB>…]` (an optional header starting with `id` or `item`), by id text. */
export async function readItemNames(path: string): Promise<Map<string, string>> {
  await requireFile('item-names', path);
  const names = new Map<string, string>();
  const lines = new TextDecoder().decode(await readFileBytes(path)).split(/\r?\n/);
  lines.forEach((line, n) => {
    if (!line.trim() || line.startsWith('#') || (n === 0 && /^(id|item)\t/i.test(line))) return;
    const [id, name] = line.split('\t');
    if (name === undefined) throw new UsageError('--item-names', path, `line ${n + 1} has no name column`, 'write `id<TAB>name` per line.');
    names.set(id, name);
  });
  return names;
}

/** The validation split named by --validation, in the train vocabularies (unknown rows dropped), or undefined. */
export async function readValidation(flags: FlagValues, train: Interactions, binary: boolean, ctx: CliContext): Promise<Interactions | undefined> {
  const path = flags.validation;
  if (typeof path !== 'string') return undefined;
  await requireFile('validation', path);
  return (await readTest(path, typeof flags.train === 'string' ? flags.train : '--train', train, binary, flags, ctx.progress.callback('read validation'))).test;
}

/** Fit a model; with a report to write, record its per-epoch curve too (validation metrics when given, their time not counted as fit time). */
export async function fitModel(
  model: Recommender, train: Interactions, ctx: CliContext, label: string,
  options: { report: boolean; validation?: Interactions; k: number; definition: MetricDefinition },
): Promise<{ fitSeconds: number; curve?: EpochPoint[] }> {
  const t0 = performance.now();
  const onProgress = ctx.progress.callback(label);
  if (!options.report && !options.validation) {
    await model.fit(train, { onProgress });
    return { fitSeconds: since(t0) };
  }
  const { curve, validationSeconds } = await fitWithCurves(model, train, { validation: options.validation, k: options.k, definition: options.definition, onProgress });
  return { fitSeconds: since(t0) - validationSeconds, curve };
}

/** Compute the report's figures and, with --report, write the HTML file. */
export async function writeReport(flags: FlagValues, models: ReportModel[], train: Interactions, test: Interactions, ctx: CliContext, notes: string[]): Promise<ReportData> {
  const names = typeof flags['item-names'] === 'string' ? await readItemNames(flags['item-names']) : undefined;
  const data = await reportData({
    models, train, test, k: flags.k as number, definition: flags.definition as MetricDefinition, examples: flags.examples as number,
    notes, onProgress: ctx.progress.callback('report'), itemLabel: names && ((id) => names.get(String(id)) ?? String(id)),
  });
  await writeFileAtomic(flags.report as string, new TextEncoder().encode(renderReport(data)));
  return data;
}
