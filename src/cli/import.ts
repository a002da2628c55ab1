/** `recwise import`: a model trained by implicit, LightFM or Spark MLlib ALS → a recwise model file. */
import type { CliContext, Command } from './command.ts';
import type { FlagSpec, FlagValues } from './args.ts';
import { requireFile } from './data.ts';
import { fmtNumber, table } from './format.ts';
import { saveModel } from '../io/model.ts';
import { readFileBytes } from '../runtime/files.ts';
import { importImplicit, type ImplicitKind } from '../interop/implicit.ts';
import { importSpark } from '../interop/spark.ts';
import { importLightFm } from '../interop/lightfm.ts';
import { parseIdList } from '../interop/source.ts';
import type { Recommender } from '../models/recommender.ts';
import type { Id } from '../data/vocabulary.ts';

const FLAGS: FlagSpec[] = [
  { name: 'path', type: 'string', meta: 'PATH', positional: true, required: true, help: 'the file (implicit, LightFM .npz) or directory (Spark) to import; may be given without --path' },
  { name: 'from', type: 'enum', values: ['implicit', 'lightfm', 'spark'], required: true, help: 'the library that trained the model' },
  { name: 'out', type: 'string', meta: 'FILE', required: true, help: 'where to write the recwise model file' },
  { name: 'kind', type: 'enum', values: ['als', 'bpr', 'lmf'], help: 'implicit model family (default: inferred from the saved settings)' },
  { name: 'users', type: 'string', meta: 'FILE', help: 'user ids in row order (JSON array or mapping, or one per line); Spark: labels of the integer ids' },
  { name: 'items', type: 'string', meta: 'FILE', help: 'item ids in row order (as --users)' },
  { name: 'mapping', type: 'string', meta: 'FILE', help: "LightFM: the Dataset mapping and features as JSON ({user_id_map, user_feature_map, item_id_map, item_feature_map, user_features?, item_features?})" },
];

async function ids(path: string | undefined, flag: string): Promise<Id[] | undefined> {
  if (path === undefined) return undefined;
  await requireFile(flag, path);
  return parseIdList(new TextDecoder().decode(await readFileBytes(path)), path);
}

export const importCommand: Command = {
  name: 'import',
  summary: 'convert an implicit, LightFM or Spark ALS model into a recwise model file',
  description:
    'Read a model saved by another library and write it as a recwise model file with the same recommendations.\n' +
    'implicit: the .npz of model.save(). LightFM: an .npz of item_embeddings, item_biases, user_embeddings, user_biases\n' +
    '(plus --mapping). Spark: the directory ALSModel.save() wrote. Without --users/--items, ids are row numbers\n' +
    "(Spark: its integer ids). The files hold no training data, so recommendations do not filter seen items.",
  flags: FLAGS,
  examples: [
    'recwise import --from implicit als.npz --users users.json --items items.json --out als.recwise',
    'recwise import --from spark ./als-model --out als.recwise',
    'recwise import --from lightfm lightfm.npz --mapping mapping.json --out lightfm.recwise',
  ],
  async run(ctx) {
    const f = ctx.flags;
    return runImport(ctx, f, f.path as string);
  },
};

async function runImport(ctx: CliContext, f: FlagValues, path: string): Promise<number> {
  const users = await ids(f.users as string | undefined, 'users');
  const items = await ids(f.items as string | undefined, 'items');
  let model: Recommender;
  if (f.from === 'implicit') {
    await requireFile('from', path);
    model = await importImplicit(path, { kind: f.kind as ImplicitKind | undefined, users, items });
  } else if (f.from === 'spark') {
    model = await importSpark(path, { users, items });
  } else {
    await requireFile('from', path);
    const mappingPath = f.mapping as string | undefined;
    if (mappingPath !== undefined) await requireFile('mapping', mappingPath);
    model = await importLightFm(path, { mapping: mappingPath === undefined ? undefined : await readFileBytes(mappingPath) });
  }
  const bytes = await saveModel(model, f.out as string);
  const summary = { from: f.from, kind: model.kind, users: model.userIds.length, items: model.itemIds.length, out: f.out, bytes: bytes.length };
  if (f.json) await ctx.printJson(summary);
  else {
    await ctx.print(
      table([
        ['imported', `${f.from} → ${model.kind}`],
        ['users', fmtNumber(summary.users)],
        ['items', fmtNumber(summary.items)],
        ['model file', `${f.out} (${fmtNumber(bytes.length)} bytes)`],
      ]),
    );
  }
  return 0;
}
