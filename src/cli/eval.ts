/**
 * `recwise eval`: fit on a train file, evaluate on a test file, print the anchors' metrics. The --json object is a
 * fixed contract (issue 4): {model, params, dataset, metrics, timing}; later model issues add models, not keys.
 */
import type { CliContext, Command } from './command.ts';
import type { FlagSpec, FlagValues } from './args.ts';
import type { Interactions } from '../data/interactions.ts';
import { initFromFlags, CLI_MODELS, MODEL_NAMES, epochsOf, modelFlags } from './models.ts';
import { DATA_FILE_HELP, DATA_FLAGS, activeUsers, readTest, readTrain, requireFile } from './data.ts';
import { UsageError } from './args.ts';
import { randomSplit } from '../data/splits.ts';
import { loadModel } from '../io/model.ts';
import type { Recommender } from '../models/recommender.ts';
import { METRIC_KEYS, METRIC_LABELS, runEvaluation, type CliMetrics, type Definition, DEFINITIONS } from './evaluation.ts';
import { fmtNumber, since, table } from './format.ts';
import { REPORT_FLAGS, fitModel, readValidation, writeReport } from './report.ts';
import type { ReportData } from '../report/data.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'enum', values: MODEL_NAMES, help: 'model family to fit on --train (or --model-file)' },
  { name: 'model-file', type: 'string', meta: 'FILE', help: 'evaluate a saved model instead of fitting one (e.g. the output of recwise tune); --train gives the items excluded' },
  { name: 'train', type: 'string', meta: 'PATH', required: true, help: `training ${DATA_FILE_HELP}` },
  { name: 'test', type: 'string', meta: 'PATH', help: 'test interactions (read like --train); rows of users/items unknown in train are dropped' },
  { name: 'test-fraction', type: 'number', meta: 'F', help: 'instead of --test: hold out this share of each user\'s rows of --train at random (seeded; users keep ≥ 1 train row)' },
  { name: 'seed', type: 'int', default: 42, help: 'seed of --test-fraction\'s split' },
  { name: 'k', type: 'int', min: 1, default: 10, help: 'cut-off of the ranking metrics' },
  { name: 'binary', type: 'boolean', help: 'treat every row as weight 1 (the benchmark protocol)' },
  { name: 'definition', type: 'enum', values: DEFINITIONS, default: 'standard', help: 'metric definitions (standard = the protocol above; others reproduce that library\'s numbers)' },
  ...REPORT_FLAGS,
  ...DATA_FLAGS,
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
    "Fit a model on --train and evaluate it on --test (or on a seeded --test-fraction of --train) with the benchmark protocol: dense ids from train sorted numerically, every user with a test row evaluated, train items excluded, top-k ties to the lower item index.",
  flags: FLAGS,
  examples: [
    'recwise eval --model popularity --train train.tsv --test test.tsv --binary --json',
    'recwise eval --model popularity --train train.tsv --test test.tsv --k 20 --definition implicit',
    'recwise eval --model bpr --epochs 30 --train train.tsv --validation validation.tsv --test test.tsv --binary --report report.html',
    'recwise eval --model als --train ml-100k/u.data --test-fraction 0.2 --seed 1',
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
    const { train, t } = await readEvalSplit(f, binary, ctx);
    await initFromFlags(f);
    const validation = await readValidation(f, train, binary, ctx);
    let model: Recommender;
    let fitted: Awaited<ReturnType<typeof fitModel>>;
    if (file !== undefined) {
      // A loaded model was fitted elsewhere: its fit time is the load time.
      const t0 = performance.now();
      model = await loadModel(file, { onProgress: ctx.progress.callback('load') });
      fitted = { fitSeconds: since(t0), curve: undefined };
    } else {
      model = CLI_MODELS[f.model as string].create(f);
      fitted = await fitModel(model, train, ctx, 'fit', { report: typeof f.report === 'string', validation, k: f.k as number, definition: f.definition as Definition });
    }
    const { fitSeconds, curve } = fitted;
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

/**
 * The train and test interactions of `eval` and `compare`: --train and --test read with the data flags, or --train
 * split per user at random when --test-fraction is given; what the readers decided goes to ctx.note.
 */
export async function readEvalSplit(f: FlagValues, binary: boolean, ctx: CliContext): Promise<{ train: Interactions; t: { test: Interactions; rows: number; dropped: number; users: number } }> {
    if ((f.test === undefined) === (f['test-fraction'] === undefined)) {
      throw new UsageError('--test', f.test, 'give either --test or --test-fraction', 'pass --test PATH, or --test-fraction 0.2 to split --train.');
    }
    const fraction = f['test-fraction'] as number | undefined;
    if (fraction !== undefined && !(fraction > 0 && fraction < 1)) throw new UsageError('--test-fraction', fraction, 'expected a number in (0, 1)', 'pass e.g. --test-fraction 0.2.');
    const read = await readTrain(f.train as string, binary, f, ctx.progress.callback('read train'));
    await ctx.note(read.summary);
    let train = read.train;
    let t: { test: Interactions; rows: number; dropped: number; users: number };
    if (fraction !== undefined) {
      const split = randomSplit(train, { testFraction: fraction, seed: f.seed as number });
      train = split.train;
      t = { test: split.test, rows: split.test.nnz, dropped: 0, users: activeUsers(split.test) };
      await ctx.note(`recwise: split ${f.train} per user at random (test fraction ${fraction}, seed ${f.seed}): ${train.nnz} train rows, ${t.rows} test rows`);
    } else {
      const tt = await readTest(f.test as string, f.train as string, train, binary, f, ctx.progress.callback('read test'));
      await ctx.note(tt.summary);
      t = tt;
    }
  return { train, t };
}
