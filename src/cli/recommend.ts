/** `recwise recommend`: top-k items for one user from a saved model file. */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { requireFile } from './data.ts';
import { fmtNumber, table } from './format.ts';
import { loadModel } from '../io/model.ts';
import type { Recommender } from '../models/recommender.ts';
import type { Id } from '../data/vocabulary.ts';
import { UnknownUserError } from '../errors.ts';

const FLAGS: FlagSpec[] = [
  { name: 'model-file', type: 'string', meta: 'FILE', required: true, help: 'a model saved by recwise fit' },
  { name: 'user', type: 'string', meta: 'ID', required: true, help: 'user id (a number matches numeric ids in the model, else the text is the id)' },
  { name: 'k', type: 'int', min: 1, default: 10, help: 'how many items' },
  { name: 'include-seen', type: 'boolean', help: "also recommend the user's training items" },
];

/**
 * The model's id for a command-line user: ids from text files are numbers when the whole column was numeric, so
 * "42" means the number 42 when the model knows it, otherwise the string "42".
 */
export function resolveUser(model: Recommender, raw: string): Id {
  const users = model.userIds;
  const asNumber = raw.trim() !== '' ? Number(raw) : NaN;
  if (Number.isFinite(asNumber) && users.includes(asNumber)) return asNumber;
  if (users.includes(raw)) return raw;
  throw new UnknownUserError(Number.isFinite(asNumber) ? asNumber : raw);
}

export const recommendCommand: Command = {
  name: 'recommend',
  summary: 'recommend items for a user from a saved model',
  description: "Load a model file and print a user's top-k items, best first (training items left out unless --include-seen).",
  flags: FLAGS,
  examples: ['recwise recommend --model-file model.recwise --user 42 --k 5 --json'],
  async run(ctx) {
    const f = ctx.flags;
    const path = f['model-file'] as string;
    await requireFile('model-file', path);
    const model = await loadModel(path, { onProgress: ctx.progress.callback('load') });
    const user = resolveUser(model, f.user as string);
    const items = model.recommend(user, { k: f.k as number, filterSeen: !f['include-seen'] });
    if (f.json) await ctx.printJson({ user, items: items.map((r) => ({ item: r.item, score: r.score })) });
    else {
      await ctx.print(
        `Top ${items.length} for user ${JSON.stringify(user)} (${model.kind}):\n` +
          table([['rank', 'item', 'score'], ...items.map((r, i) => [String(i + 1), String(r.item), fmtNumber(r.score)])]),
      );
    }
    return 0;
  },
};
