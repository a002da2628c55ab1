/**
 * `recwise tune`: search model families' hyperparameters on a validation split (given, or carved from train with
 * eval's per-user protocol), refit the winner on all of train, save it, print the leaderboard. Every trial is appended
 * to a JSONL log; a rerun with the same log resumes the trials scored on the same data, validation split, metric and
 * seed (their points are not fitted again; the log's other trials are not reused). Ctrl-C stops the search and keeps
 * the best so far. The test split is never read: check the result with `recwise eval --model-file`.
 */
import type { Command } from './command.ts';
import { UsageError, type FlagSpec } from './args.ts';
import { BACKEND_FLAGS, initFromFlags } from './models.ts';
import { readTest, readTrain, requireFile, DATA_FLAGS } from './data.ts';
import { describeParams, table } from './format.ts';
import { saveModel } from '../io/model.ts';
import { DEFAULT_VALID_FRACTION, tune, type TuneMetric, type TuneTrial } from '../tune/tune.ts';
import { DEFAULT_TUNE_MODELS, SEARCH_SPACES } from '../tune/spaces.ts';
import { appendTextFile, fileExists, readFileBytes } from '../runtime/files.ts';
import { onSignals } from '../runtime/server.ts';

const FLAGS: FlagSpec[] = [
  { name: 'train', type: 'string', meta: 'PATH', required: true, help: 'training interactions (the winner is refitted on all of them)' },
  { name: 'valid', type: 'string', meta: 'PATH', help: 'validation interactions; without it --valid-fraction of each user\'s train rows are held out' },
  { name: 'valid-fraction', type: 'number', min: 0, default: DEFAULT_VALID_FRACTION, help: 'share of each user\'s train rows held out for validation when --valid is absent, and by each extra fold (the evaluation protocol\'s test share)' },
  { name: 'models', type: 'string', meta: 'LIST', default: DEFAULT_TUNE_MODELS.join(','), help: `families to search, comma-separated (${Object.keys(SEARCH_SPACES).join(', ')})` },
  { name: 'budget', type: 'string', meta: 'TIME', default: '10m', help: 'search time: seconds, or with a unit (90s, 10m, 1h); the final refit comes on top' },
  { name: 'metric', type: 'string', meta: 'NAME@K', default: 'ndcg@10', help: 'what to maximise: ndcg, precision, recall or map, at a cut-off' },
  { name: 'max-points', type: 'int', min: 1, help: 'stop after sampling this many points (resumed ones count), for runs that do not depend on the machine\'s speed' },
  { name: 'blend', type: 'int', min: 0, default: 3, help: 'members of the closing blend stage: the best point of each of the top N families, weights searched on validation (0: no blends)' },
  { name: 'complement-points', type: 'int', min: 0, help: 'most points searched as the last member of the best blend (default: --max-points, else the budget\'s share decides; 0: none)' },
  { name: 'average', type: 'int', min: 1, default: 3, help: 'the saved model averages the top N candidates of the final choice in one blend (1: the top one alone; needs --selection-folds >= 1)' },
  { name: 'selection-folds', type: 'int', min: 0, default: 3, help: 'extra validation folds (carved from train, other seeds) the best few points of each family are re-scored on; the winner has the best mean (0: best on one split)' },
  { name: 'seed', type: 'int', min: 0, default: 42, help: 'seed of the search and the carved split (a resumed run needs the same one)' },
  { name: 'out', type: 'string', meta: 'FILE', default: 'best.recwise', help: 'where to save the refitted model' },
  { name: 'log', type: 'string', meta: 'FILE', help: 'JSONL log of every trial; an existing log is resumed (its trials scored on the same data and settings)' },
  { name: 'binary', type: 'boolean', help: 'treat every row as weight 1 (the benchmark protocol)' },
  ...DATA_FLAGS,
  ...BACKEND_FLAGS,
];

/** Seconds from '90', '90s', '10m' or '1h'. */
export function parseBudget(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(raw);
  if (!m || !(Number(m[1]) > 0)) throw new UsageError('--budget', raw, 'expected seconds or a time such as 90s, 10m, 1h', 'pass e.g. --budget 10m.');
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

function parseMetric(raw: string): { metric: TuneMetric; k: number } {
  const m = /^(ndcg|precision|recall|map)(?:@(\d+))?$/.exec(raw.trim().toLowerCase());
  if (!m || (m[2] !== undefined && !(Number(m[2]) >= 1))) throw new UsageError('--metric', raw, 'expected ndcg, precision, recall or map, optionally @k', 'pass e.g. --metric ndcg@10.');
  return { metric: m[1] as TuneMetric, k: m[2] ? Number(m[2]) : 10 };
}

/** Trials of an earlier run's log (lines that are not whole trials, e.g. a line cut by a crash, are skipped). */
async function readLog(path: string): Promise<TuneTrial[]> {
  if (!(await fileExists(path))) return [];
  const out: TuneTrial[] = [];
  for (const line of new TextDecoder().decode(await readFileBytes(path)).split('\n')) {
    if (!line.trim()) continue;
    try {
      const t = JSON.parse(line) as TuneTrial;
      if (typeof t.model === 'string' && (SEARCH_SPACES[t.model] || t.model === 'blend') && t.params && typeof t.score === 'number' && (t.rung === 0 || t.rung === 1)) out.push(t);
    } catch {
      // a torn last line: its trial runs again
    }
  }
  return out;
}

export const tuneCommand: Command = {
  name: 'tune',
  summary: 'search hyperparameters on a validation split, refit the best model and save it',
  description:
    'Random search with successive halving over validation users (a quarter of them first, the best third on all), ' +
    'families in turn, until --budget; the best point is refitted on all of --train and saved to --out. Search spaces: ' +
    Object.entries(SEARCH_SPACES).map(([name, s]) => `${name}: ${s.description}`).join('; ') +
    '. The ranges bound the random draws; once a family has three points scored on every validation user, half its ' +
    'new points scale its best point\'s continuous parameters by up to e^±0.3, so the search can step past a range\'s edge where the best point sits. ' +
    'Then (--blend) a linear blend of the top families\' best points, per-user z-scores, weights on a 0.1 grid; ' +
    'then (--selection-folds) the best two points of each family are re-scored on extra carved folds, and (--average) the top three by mean are averaged into the saved blend. ' +
    'The test split is never read: evaluate the result with recwise eval --model-file.',
  flags: FLAGS,
  examples: [
    'recwise tune --train train.tsv --valid valid.tsv --models ease,rp3beta --budget 10m --log tune.jsonl --out best.recwise',
    'recwise tune --train train.tsv --budget 90s --binary && recwise eval --model-file best.recwise --train train.tsv --test test.tsv --binary',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const binary = f.binary === true;
    const budgetSeconds = parseBudget(f.budget as string);
    const { metric, k } = parseMetric(f.metric as string);
    const models = (f.models as string).split(',').map((m) => m.trim()).filter(Boolean);
    for (const m of models) if (!SEARCH_SPACES[m]) throw new UsageError('--models', m, `is not a family tune searches (${Object.keys(SEARCH_SPACES).join(', ')})`, `pass e.g. --models ${DEFAULT_TUNE_MODELS.join(',')}.`);
    const fraction = f['valid-fraction'] as number;
    if (!(fraction > 0 && fraction < 1)) throw new UsageError('--valid-fraction', fraction, 'expected a share in (0, 1)', 'pass e.g. --valid-fraction 0.2.');
    const read = await readTrain(f.train as string, binary, f, ctx.progress.callback('read train'));
    await ctx.note(read.summary);
    const { train } = read;
    let valid;
    if (typeof f.valid === 'string') {
      await requireFile('valid', f.valid);
      valid = (await readTest(f.valid, f.train as string, train, binary, f, ctx.progress.callback('read valid'))).test;
    }
    await initFromFlags(f);
    const logPath = f.log as string | undefined;
    const previous = logPath ? await readLog(logPath) : [];
    const controller = new AbortController();
    const stopSignals = await onSignals(() => controller.abort());
    let writes = Promise.resolve();
    let result;
    try {
      result = await tune({
        train, valid, validFraction: fraction, models, budgetSeconds, metric, k, seed: f.seed as number, blend: f.blend as number, selectionFolds: f['selection-folds'] as number, average: f.average as number, trials: previous, maxPoints: f['max-points'] as number | undefined, complementPoints: f['complement-points'] as number | undefined,
        signal: controller.signal, onProgress: ctx.progress.callback('tune'),
        onTrial: (t) => {
          if (logPath) writes = writes.then(() => appendTextFile(logPath, JSON.stringify(t) + '\n'));
        },
      });
    } finally {
      stopSignals();
      await writes;
    }
    const out = f.out as string;
    const resumed = previous.length - result.staleTrials;
    const bytes = await saveModel(result.model, out);
    const label = `${metric}@${k}`;
    const summary = {
      best: { model: result.best.model, params: result.best.params, [label]: result.best.score, [`precision@${k}`]: result.best.precision, [`mean ${label} over folds`]: result.selection[0].mean, folds: result.selection[0].scores.length },
      saved: result.saved,
      leaderboard: result.leaderboard.map((t) => ({ model: t.model, params: t.params, [label]: t.score, [`precision@${k}`]: t.precision, fitSeconds: t.fitSeconds })),
      trials: result.trials.length, resumedTrials: resumed, staleTrials: result.staleTrials, aborted: result.aborted, skipped: result.skipped,
      timing: { searchSeconds: result.searchSeconds, overheadSeconds: result.overheadSeconds, refitSeconds: result.refitSeconds },
      out, bytes: bytes.length,
    };
    if (f.json) await ctx.printJson(summary);
    else {
      await ctx.print(
        [
          table(
            [
              ['model', `valid ${label}`, `valid precision@${k}`, 'fit s', 'params'],
              ...result.leaderboard.map((t) => [t.model, t.score.toFixed(4), t.precision.toFixed(4), t.fitSeconds.toFixed(2), describeParams(t.model, t.params)]),
            ],
            [0, 4],
          ),
          '',
          `${result.trials.length} trials (${resumed} resumed` +
            `${result.staleTrials ? `; ${result.staleTrials} in the log scored on other data or settings, not reused` : ''})${result.aborted ? ', stopped early' : ''} · search ${result.searchSeconds.toFixed(1)} s ` +
            `(overhead ${result.overheadSeconds.toFixed(2)} s) · refit ${result.refitSeconds.toFixed(2)} s · saved ${out}`,
          `saved: ${result.saved.averageOf > 1 ? `the average of the top ${result.saved.averageOf} candidates, ` : ''}${result.saved.model} ${describeParams(result.saved.model, result.saved.params)}`,
          ...result.skipped.map((s) => `skipped ${s.model}: ${s.reason}`),
        ].join('\n'),
      );
    }
    return 0;
  },
};
