/**
 * `recwise compare`: fit several models on one train file and evaluate them on one test file with the benchmark
 * protocol, side by side (issue 20); with --report, the HTML report. Any model the CLI knows (`--model` names,
 * including ones registered later) can be listed; shared hyperparameter flags (--factors, --epochs, …) apply to
 * every model that takes them.
 */
import type { Command } from './command.ts';
import { UsageError, type FlagSpec } from './args.ts';
import { initFromFlags, CLI_MODELS } from './models.ts';
import { evalCommand, readEvalSplit } from './eval.ts';
import { METRIC_KEYS, METRIC_LABELS, runEvaluation, type CliMetrics, type Definition } from './evaluation.ts';
import { fmtNumber, since, table } from './format.ts';
import { fitModel, readValidation, writeReport } from './report.ts';
import type { ReportModel, ReportData } from '../report/data.ts';

// eval's flags (data, k, definition, report, every model's hyperparameters), with --models instead of --model.
const FLAGS: FlagSpec[] = [
  { name: 'models', type: 'string', meta: 'NAMES', required: true, help: 'comma-separated model families, e.g. als,bpr,lightfm,popularity (recwise fit --help lists them)' },
  ...evalCommand.flags.filter((f) => f.name !== 'model'),
];

/** The `--json` output of `recwise compare`. */
export interface CompareReport {
  dataset: { users: number; items: number; trainRows: number; testRows: number; testUsers: number; droppedTestRows: number };
  models: { model: string; params: Record<string, unknown>; metrics: CliMetrics; timing: { fitSeconds: number; evalSeconds: number } }[];
  /** Only with --report: the figures the HTML report shows. */
  report?: ReportData;
}

/** The --models list, checked against the CLI's model families. */
function modelList(raw: string): string[] {
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const known = Object.keys(CLI_MODELS);
  if (names.length === 0) throw new UsageError('--models', raw, 'expected at least one model name', `pass e.g. --models ${known.slice(0, 3).join(',')}.`);
  for (const n of names) if (!known.includes(n)) throw new UsageError('--models', n, `unknown model; expected one of ${known.join(', ')}`, `pass e.g. --models als,popularity.`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError('--models', dup, 'listed twice', 'list each model once.');
  return names;
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'fit several models on one split and compare their ranking metrics (optionally as an HTML report)',
  description:
    'Fit each of --models on --train and evaluate all of them on --test with the benchmark protocol (the one LightFM\'s and implicit\'s published figures use), then print one table. With --report, also write a self-contained HTML report; --validation adds metric-by-epoch curves.',
  flags: FLAGS,
  examples: [
    'recwise compare --models als,bpr,lightfm,popularity --train train.tsv --test test.tsv --binary',
    'recwise compare --models als,bpr,popularity --train train.tsv --validation validation.tsv --test test.tsv --binary --report report.html',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const names = modelList(f.models as string);
    const binary = f.binary === true;
    const k = f.k as number;
    const definition = f.definition as Definition;
    const { train, t } = await readEvalSplit(f, binary, ctx);
    const validation = await readValidation(f, train, binary, ctx);
    await initFromFlags(f);
    const out: CompareReport = {
      dataset: { users: train.nUsers, items: train.nItems, trainRows: train.nnz, testRows: t.rows, testUsers: t.users, droppedTestRows: t.dropped },
      models: [],
    };
    const fitted: ReportModel[] = [];
    for (const name of names) {
      const model = CLI_MODELS[name].create(f);
      const { fitSeconds, curve } = await fitModel(model, train, ctx, `fit ${name}`, { report: typeof f.report === 'string', validation, k, definition });
      const t1 = performance.now();
      const metrics = await runEvaluation(model, t.test, { k, definition, onProgress: ctx.progress.callback(`evaluate ${name}`) });
      out.models.push({ model: name, params: model.params, metrics, timing: { fitSeconds, evalSeconds: since(t1) } });
      fitted.push({ model, name, curve, fitSeconds });
    }
    if (typeof f.report === 'string') {
      out.report = await writeReport(f, fitted, train, t.test, ctx, [`recwise compare --models ${names.join(',')} · train ${f.train} · test ${f.test}${validation ? ` · validation ${f.validation}` : ''}`]);
    }
    if (f.json) {
      await ctx.printJson(out);
      return 0;
    }
    const d = out.dataset;
    await ctx.print([
      `users ${fmtNumber(d.users)} · items ${fmtNumber(d.items)} · train rows ${fmtNumber(d.trainRows)} · test rows ${fmtNumber(d.testRows)} · test users ${fmtNumber(d.testUsers)} · dropped test rows ${fmtNumber(d.droppedTestRows)} · definition ${definition}`,
      '',
      table([
        ['model', ...METRIC_KEYS.map((m) => METRIC_LABELS[m].replace('@K', `@${k}`)), 'fit s'],
        ...out.models.map((m) => [m.model, ...METRIC_KEYS.map((key) => m.metrics[key].toFixed(4)), m.timing.fitSeconds.toFixed(3)]),
      ]),
      ...(out.report ? ['', `report: ${f.report}`] : []),
    ].join('\n'));
    return 0;
  },
};
