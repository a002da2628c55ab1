/**
 * `recwise split`: one interactions file → train and test files (issue 16), by the split functions of
 * src/data/splits.ts: random per user, global random with the exact fraction (LightFM's random_train_test_split),
 * temporal per user, leave-k-out. Output is TSV with the header `user item weight timestamp`, which every command
 * reads back as written.
 */
import type { Command } from './command.ts';
import { UsageError, type FlagSpec } from './args.ts';
import { DATA_FILE_HELP, DATA_FLAGS, readTrain } from './data.ts';
import { fmtNumber } from './format.ts';
import { globalRandomSplit, leaveKOut, randomSplit, temporalSplit, type Split } from '../data/splits.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Id } from '../data/vocabulary.ts';
import { writeFileAtomic } from '../runtime/files.ts';

const METHODS = ['random', 'global-random', 'temporal', 'leave-k-out'] as const;

const FLAGS: FlagSpec[] = [
  { name: 'input', type: 'string', meta: 'PATH', required: true, positional: true, help: DATA_FILE_HELP },
  { name: 'train-out', type: 'string', meta: 'FILE', required: true, help: 'where to write the training rows (TSV)' },
  { name: 'test-out', type: 'string', meta: 'FILE', required: true, help: 'where to write the test rows (TSV)' },
  {
    name: 'method', type: 'enum', values: METHODS, default: 'random',
    help: "random: each user's rows at random (≥ 1 stays in train) · global-random: all rows shuffled, exactly the fraction to test (LightFM) · temporal: each user's latest rows · leave-k-out: k rows per user (--latest: the latest k)",
  },
  { name: 'test-fraction', type: 'number', meta: 'F', default: 0.2, help: 'share of rows for test (random, global-random, temporal)' },
  { name: 'k', type: 'int', min: 1, help: 'leave-k-out: rows per user for test; temporal: the latest k per user instead of a fraction' },
  { name: 'latest', type: 'boolean', help: 'leave-k-out: hold out the latest k rows (needs timestamps) instead of random ones' },
  { name: 'seed', type: 'int', default: 42, help: 'seed of the random methods (the same seed gives the same split on every runtime)' },
  ...DATA_FLAGS,
];

/** A TSV field: ids with tabs, line breaks or quotes are quoted (the readers unquote them). */
function field(id: Id): string {
  const s = String(id);
  return /[\t\n\r"]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows of one half as TSV text. */
export function toTsv(x: Interactions): string {
  const { indptr, indices, data } = x.byUser;
  const ts = x.timestamps;
  const users = x.users.ids();
  const items = x.items.ids().map(field);
  const out: string[] = [ts ? 'user\titem\tweight\ttimestamp' : 'user\titem\tweight'];
  for (let u = 0; u < x.nUsers; u++) {
    const uid = field(users[u]);
    for (let p = indptr[u]; p < indptr[u + 1]; p++) out.push(`${uid}\t${items[indices[p]]}\t${data[p]}${ts ? `\t${ts[p]}` : ''}`);
  }
  return out.join('\n') + '\n';
}

export const splitCommand: Command = {
  name: 'split',
  summary: 'split one interactions file into train and test files',
  description: 'Split an interactions file into train and test TSV files (user item weight timestamp), per user at random, globally at random (exact fraction), by time, or leave-k-out; seeded.',
  flags: FLAGS,
  examples: [
    'recwise split ml-100k/u.data --train-out train.tsv --test-out test.tsv --test-fraction 0.2 --seed 1',
    'recwise split ratings.csv --method leave-k-out --k 1 --latest --train-out train.tsv --test-out test.tsv',
    'recwise split ratings.csv --min-rating 4 --method global-random --train-out train.tsv --test-out test.tsv',
  ],
  async run(ctx) {
    const f = ctx.flags;
    const fraction = f['test-fraction'] as number;
    if (!(fraction > 0 && fraction < 1)) throw new UsageError('--test-fraction', fraction, 'expected a number in (0, 1)', 'pass e.g. --test-fraction 0.2.');
    const method = f.method as (typeof METHODS)[number];
    if (f.latest && method !== 'leave-k-out') throw new UsageError('--latest', undefined, `applies to --method leave-k-out, not ${method}`, 'use --method temporal for time-based fractions.');
    if (f.k !== undefined && method !== 'leave-k-out' && method !== 'temporal') throw new UsageError('--k', f.k, `applies to leave-k-out and temporal, not ${method}`, 'drop --k or change --method.');
    const read = await readTrain(f.input as string, false, f, ctx.progress.callback('read'));
    await ctx.note(read.summary.replace('read train', 'read'));
    const all = read.train;
    if ((method === 'temporal' || f.latest) && !all.timestamps) {
      throw new UsageError('--method', method, `needs timestamps, and ${f.input} has no timestamp column`, 'map one with --columns timestamp=NAME, or use --method random.');
    }
    const seed = f.seed as number;
    let split: Split;
    if (method === 'random') split = randomSplit(all, { testFraction: fraction, seed });
    else if (method === 'global-random') split = globalRandomSplit(all, { testFraction: fraction, seed });
    else if (method === 'temporal') split = f.k !== undefined ? temporalSplit(all, { testCount: f.k as number }) : temporalSplit(all, { testFraction: fraction });
    else split = leaveKOut(all, { k: (f.k as number | undefined) ?? 1, by: f.latest ? 'latest' : 'random', seed });
    await writeFileAtomic(f['train-out'] as string, new TextEncoder().encode(toTsv(split.train)));
    await writeFileAtomic(f['test-out'] as string, new TextEncoder().encode(toTsv(split.test)));
    const summary = { method, seed, trainRows: split.train.nnz, testRows: split.test.nnz, trainOut: f['train-out'], testOut: f['test-out'] };
    if (f.json) await ctx.printJson(summary);
    else await ctx.print(`${method} split: ${fmtNumber(summary.trainRows)} train rows → ${summary.trainOut}, ${fmtNumber(summary.testRows)} test rows → ${summary.testOut}`);
    return 0;
  },
};
