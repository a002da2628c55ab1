/**
 * `recwise eval`: fit on a train file, evaluate on a test file, print the anchors' metrics. The --json object is a
 * fixed contract (issue 4): {model, params, dataset, metrics, timing}; later model issues add models, not keys.
 */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { initFromFlags, CLI_MODELS, MODEL_NAMES, epochsOf, modelFlags } from './models.ts';
import { readTest, readTrain } from './data.ts';
import { METRIC_KEYS, METRIC_LABELS, runEvaluation, type CliMetrics, type Definition, DEFINITIONS } from './evaluation.ts';
import { fmtNumber, since, table } from './format.ts';
import { REPORT_FLAGS, fitModel, readValidation, writeReport } from './report.ts';
import type { ReportData } from '../report/data.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'enum', values: MODEL_NAMES, required: true, help: 'model family' },
  { name: 'train', type: 'string', meta: 'PATH', required: true, help: 'training interactions (TSV with header user item weight timestamp)' },
  { name: 'test', type: 'string', meta: 'PATH', required: true, help: 'test interactions, same format; rows of users/items unknown in train are dropped' },
  { name: 'k', type: 'int', min: 1, default: 10, help: 'cut-off of the ranking metrics' },
  { name: 'binary', type: 'boolean', help: 'treat every row as weight 1 (the benchmark protocol)' },
  { name: 'definition', type: 'enum', values: DEFINITIONS, default: 'standard', help: 'metric definitions (standard = the protocol above; others reproduce that library\'s numbers)' },
  ...REPORT_FLAGS,
  ...modelFlags(),
];

/** The `--json` output of `recwise eval`. */
export interface EvalReport {
  model: string;
  params: Record<string, unknown>;
  dataset: { users: number; items: number; trainRows: number; testRows: number; testUsers: number; droppedTestRows: number };
  metrics: CliMetrics;
  timing: { fitSeconds: number; epochSeconds: number; evalSeconds: number };
  /** Only with --report: the figures the HTML report shows (src/report/data.ts). */
  report?: ReportData;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'fit on a train file and report ranking metrics on a test file',
  description:
    "Fit a model on --train and evaluate it on --test with the benchmark protocol: dense ids from train sorted numerically, every user with a test row evaluated, train items excluded, top-k ties to the lower item index.",
  flags: FLAGS,
  examples: [
    'recwise eval --model popularity --train train.tsv --test test.tsv --binary --json',
    'recwise eval --model popularity --train train.tsv --test test.tsv --k 20 --definition implicit',
    'recwise eval --model bpr --epochs 30 --train train.tsv --validation validation.tsv --test test.tsv --binary --report report.html',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const binary = f.binary === true;
    const { train } = await readTrain(f.train as string, binary, ctx.progress.callback('read train'));
    const t = await readTest(f.test as string, train, binary, ctx.progress.callback('read test'));
    await initFromFlags(f);
    const model = CLI_MODELS[f.model as string].create(f);
    const validation = await readValidation(f, train, binary, ctx);
    const { fitSeconds, curve } = await fitModel(model, train, ctx, 'fit', { report: typeof f.report === 'string', validation, k: f.k as number, definition: f.definition as Definition });
    const t1 = performance.now();
    const metrics = await runEvaluation(model, t.test, {
      k: f.k as number,
      definition: f.definition as Definition,
      onProgress: ctx.progress.callback('evaluate'),
    });
    const evalSeconds = since(t1);
    const report: EvalReport = {
      model: model.kind,
      params: model.params,
      dataset: { users: train.nUsers, items: train.nItems, trainRows: train.nnz, testRows: t.rows, testUsers: t.users, droppedTestRows: t.dropped },
      metrics,
      timing: { fitSeconds, epochSeconds: fitSeconds / epochsOf(model), evalSeconds },
    };
    if (typeof f.report === 'string') {
      report.report = await writeReport(f, [{ model, name: f.model as string, curve, fitSeconds }], train, t.test, ctx, [`recwise eval --model ${f.model} · train ${f.train} · test ${f.test}${validation ? ` · validation ${f.validation}` : ''}`]);
    }
    if (f.json) await ctx.printJson(report);
    else {
      const k = f.k as number;
      const d = report.dataset;
      await ctx.print(
        [
          `${report.model} ${JSON.stringify(report.params)} · definition ${f.definition}`,
          `users ${fmtNumber(d.users)} · items ${fmtNumber(d.items)} · train rows ${fmtNumber(d.trainRows)} · test rows ${fmtNumber(d.testRows)} · test users ${fmtNumber(d.testUsers)} · dropped test rows ${fmtNumber(d.droppedTestRows)}`,
          '',
          table([['metric', 'value'], ...METRIC_KEYS.map((m) => [METRIC_LABELS[m].replace('@K', `@${k}`), metrics[m].toFixed(4)])]),
          '',
          `fit ${report.timing.fitSeconds.toFixed(3)} s · ${report.timing.epochSeconds.toFixed(3)} s/epoch · eval ${report.timing.evalSeconds.toFixed(3)} s`,
          ...(report.report ? [`report: ${f.report}`] : []),
        ].join('\n'),
      );
    }
    return 0;
  },
};
