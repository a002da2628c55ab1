/** `recwise fit`: train a model on a TSV/CSV file and save it to one model file. */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { initFromFlags, CLI_MODELS, MODEL_NAMES, epochsOf, modelFlags } from './models.ts';
import { DATA_FILE_HELP, DATA_FLAGS, readTrain } from './data.ts';
import { fmtNumber, since, table } from './format.ts';
import { saveModel } from '../io/model.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model', type: 'enum', values: MODEL_NAMES, required: true, help: 'model family' },
  { name: 'train', type: 'string', meta: 'PATH', required: true, help: `training ${DATA_FILE_HELP}` },
  { name: 'out', type: 'string', meta: 'FILE', required: true, help: 'where to write the model file' },
  { name: 'binary', type: 'boolean', help: 'treat every row as weight 1 (the benchmark protocol)' },
  { name: 'f16', type: 'boolean', help: 'store factors as 16-bit floats (half the size)' },
  ...DATA_FLAGS,
  ...modelFlags(),
];

export const fitCommand: Command = {
  name: 'fit',
  summary: 'train a model and save it to a file',
  description: 'Train a model on an interactions file and save it (MessagePack model file, loadable in every runtime).',
  flags: FLAGS,
  examples: ['recwise fit --model popularity --train train.tsv --out model.recwise'],
  async run(ctx) {
    const f = ctx.flags;
    const { train, rows, summary: readNote } = await readTrain(f.train as string, f.binary === true, f, ctx.progress.callback('read train'));
    await ctx.note(readNote);
    await initFromFlags(f);
    const model = CLI_MODELS[f.model as string].create(f);
    const t0 = performance.now();
    await model.fit(train, { onProgress: ctx.progress.callback('fit') });
    const fitSeconds = since(t0);
    const bytes = await saveModel(model, f.out as string, f.f16 ? { precision: 'f16' } : {});
    const summary = {
      model: model.kind,
      params: model.params,
      dataset: { users: train.nUsers, items: train.nItems, trainRows: train.nnz },
      timing: { fitSeconds, epochSeconds: fitSeconds / epochsOf(model) },
      out: f.out as string,
      bytes: bytes.length,
    };
    if (f.json) await ctx.printJson(summary);
    else {
      await ctx.print(
        table([
          ['model', model.kind],
          ['users', fmtNumber(train.nUsers)],
          ['items', fmtNumber(train.nItems)],
          ['train rows', `${fmtNumber(train.nnz)}${rows !== train.nnz ? ` (${fmtNumber(rows)} read)` : ''}`],
          ['fit seconds', fitSeconds.toFixed(3)],
          ['model file', `${f.out} (${fmtNumber(bytes.length)} bytes)`],
        ]),
      );
    }
    return 0;
  },
};
