/**
 * `recwise eval`: fit on a train file, evaluate on a test file, print the anchors' metrics. The --json object is a
 * fixed contract (issue 4): {model, params, dataset, metrics, timing}; later model issues add models, not keys.
 */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { initFromFlags, CLI_MODELS, MODEL_NAMES, epochsOf, modelFlags } from './models.ts';
import { readTest, readTrain, requireFile } from './data.ts';
import { UsageError } from './args.ts';
import { loadModel } from '../io/model.ts';
import type { Recommender } from '../models/recommender.ts';
import { METRIC_KEYS, METRIC_LABELS, runEvaluation, type CliMetrics, type Definition, DEFINITIONS } from './evaluation.ts';
import { fmtNumber, since, table } from './format.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'enum', values: MODEL_NAMES, help: 'model family to fit on --train (or --model-file)' },
  { name: 'model-file', type: 'string', meta: 'FILE', help: 'evaluate a saved model instead of fitting one (e.g. the output of recwise tune); --train gives the items excluded' },
  { name: 'train', type: 'string', meta: 'PATH', required: true, help: 'training interactions (TSV with header user item weight timestamp)' },
  { name: 'test', type: 'string', meta: 'PATH', required: true, help: 'test interactions, same format; rows of users/items unknown in train are dropped' },
  { name: 'k', type: 'int', min: 1, default: 10, help: 'cut-off of the ranking metrics' },
  { name: 'binary', type: 'boolean', help: 'treat every row as weight 1 (the benchmark protocol)' },
  { name: 'definition', type: 'enum', values: DEFINITIONS, default: 'standard', help: 'metric definitions (standard = the anchors\' protocol; others reproduce that library\'s numbers)' },
  ...modelFlags(),
];

/** The `--json` output of `recwise eval`. */
export interface EvalReport {
  model: string;
  params: Record<string, unknown>;
  dataset: { users: number; items: number; trainRows: number; testRows: number; testUsers: number; droppedTestRows: number };
  metrics: CliMetrics;
  timing: { fitSeconds: number; epochSeconds: number; evalSeconds: number };
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'fit on a train file and report ranking metrics on a test file',
  description:
    "Fit a model on --train and evaluate it on --test with the benchmark protocol (../shared/bench/anchors.md): dense ids from train sorted numerically, every user with a test row evaluated, train items excluded, top-k ties to the lower item index.",
  flags: FLAGS,
  examples: [
    'recwise eval --model popularity --train train.tsv --test test.tsv --binary --json',
    'recwise eval --model popularity --train train.tsv --test test.tsv --k 20 --definition implicit',
    'recwise eval --model-file best.recwise --train train.tsv --test test.tsv --json',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const binary = f.binary === true;
    const file = f['model-file'] as string | undefined;
    if ((f.model === undefined) === (file === undefined)) {
      throw new UsageError('--model', f.model, 'pass exactly one of --model (fit one) and --model-file (evaluate a saved one)', "e.g. '--model ease' or '--model-file best.recwise'.");
    }
    if (file !== undefined) await requireFile('model-file', file);
    const { train } = await readTrain(f.train as string, binary, ctx.progress.callback('read train'));
    const t = await readTest(f.test as string, train, binary, ctx.progress.callback('read test'));
    await initFromFlags(f);
    const t0 = performance.now();
    let model: Recommender;
    if (file !== undefined) model = await loadModel(file, { onProgress: ctx.progress.callback('load') });
    else {
      model = CLI_MODELS[f.model as string].create(f);
      await model.fit(train, { onProgress: ctx.progress.callback('fit') });
    }
    // A loaded model was fitted elsewhere: fitSeconds is its load time.
    const fitSeconds = since(t0);
    const t1 = performance.now();
    const metrics = await runEvaluation(model, t.test, {
      train: file !== undefined ? train : undefined,
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
        ].join('\n'),
      );
    }
    return 0;
  },
};
