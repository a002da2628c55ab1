/** `recwise export`: a recwise factor model file → NumPy .npz (implicit's layout) or a Spark ALSModel directory. */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { UsageError } from './args.ts';
import { requireFile } from './data.ts';
import { fmtNumber, table } from './format.ts';
import { loadModel } from '../io/model.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { FactorRecommender } from '../models/factorization/factor.ts';
import { exportNpz } from '../interop/implicit.ts';
import { exportSpark } from '../interop/spark.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model-file', type: 'string', meta: 'FILE', required: true, help: 'a recwise model file (ALS, BPR, LMF or another factor model)' },
  { name: 'to', type: 'enum', values: ['npz', 'spark'], required: true, help: "npz: implicit's save() layout (np.load / Model.load); spark: an ALSModel directory" },
  { name: 'out', type: 'string', meta: 'PATH', required: true, help: 'the .npz file, or the directory for spark' },
];

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a factor model to NumPy .npz (implicit) or a Spark ALSModel directory',
  description:
    "Write a recwise factor model in another library's format: --to npz gives implicit's model.save() layout (user_factors,\n" +
    'item_factors and settings; ids as recwise_user_ids / recwise_item_ids), --to spark the directory ALSModel.load() reads.',
  flags: FLAGS,
  examples: ['recwise export --model-file als.recwise --to npz --out als.npz', 'recwise export --model-file als.recwise --to spark --out ./als-model'],
  async run(ctx) {
    const f = ctx.flags;
    const file = f['model-file'] as string;
    await requireFile('model-file', file);
    const model = await loadModel(file);
    if (!(model instanceof FactorRecommender)) throw new UsageError('--model-file', model.kind, 'is not a factor model', 'export ALS, BPR, LMF or another factor model.');
    let bytes = 0;
    if (f.to === 'npz') {
      const data = exportNpz(model);
      await writeFileAtomic(f.out as string, data);
      bytes = data.length;
    } else {
      const files = await exportSpark(model, f.out as string);
      for (const b of Object.values(files)) bytes += b.length;
    }
    if (f.json) await ctx.printJson({ to: f.to, kind: model.kind, out: f.out, bytes });
    else await ctx.print(table([['exported', `${model.kind} → ${f.to}`], ['written', `${f.out} (${fmtNumber(bytes)} bytes)`]]));
    return 0;
  },
};
