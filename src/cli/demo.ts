/**
 * `recwise demo`: the README's first command. Trains on the embedded synthetic dataset (src/data/demo.ts, planted
 * genre tastes), holds out 20% of each user's interactions, prints the metrics of the popularity baseline next to a
 * personalised model, and shows a few users' histories and recommendations by title.
 */
import type { Command } from './command.ts';
import type { FlagSpec } from './args.ts';
import { demoDataset, type DemoItem } from '../data/demo.ts';
import { DatasetBuilder } from '../data/dataset.ts';
import { randomSplit } from '../data/splits.ts';
import type { Recommender } from '../models/recommender.ts';
import { AlsRecommender } from '../models/factorization/als.ts';
import { CLI_MODELS } from './models.ts';
import { METRIC_KEYS, METRIC_LABELS, runEvaluation, type CliMetrics } from './evaluation.ts';
import { since, table } from './format.ts';
import { init } from '../kernels/registry.ts';
import type { Interactions } from '../data/interactions.ts';
import { makeDirectory, writeFileAtomic } from '../runtime/files.ts';

const FLAGS: FlagSpec[] = [
  { name: 'seed', type: 'int', min: 0, default: 42, help: 'seed of the synthetic data and the split' },
  { name: 'k', type: 'int', min: 1, default: 10, help: 'cut-off of the metrics and length of the shown lists' },
  { name: 'show', type: 'int', min: 0, default: 3, help: 'how many users to show' },
  {
    name: 'write-data', type: 'string', meta: 'DIR',
    help: 'write the split the demo used as TSV files (train.tsv, test.tsv; items.tsv titles; item-features.tsv genres) into DIR, for recwise eval/compare/fit',
  },
];

/** A path as one shell word (quoted only when it needs to be), so a printed command runs as printed. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Interactions as the CLI's TSV (header `user item weight timestamp`), in user then item index order. */
function interactionsTsv(x: Interactions): string {
  const lines = ['user\titem\tweight\ttimestamp'];
  const { indptr, indices, data } = x.byUser;
  for (let u = 0; u < x.nUsers; u++) {
    for (let e = indptr[u]; e < indptr[u + 1]; e++) lines.push(`${x.users.idAt(u)}\t${x.items.idAt(indices[e])}\t${data[e]}\t${x.timestamps?.[e] ?? 0}`);
  }
  return lines.join('\n') + '\n';
}

/** Write the demo's split and catalogue under `dir`; returns the file paths by role. */
async function writeDemoData(dir: string, train: Interactions, test: Interactions, items: readonly DemoItem[]): Promise<Record<string, string>> {
  await makeDirectory(dir);
  const files: Record<string, string> = {
    train: `${dir}/train.tsv`, test: `${dir}/test.tsv`, items: `${dir}/items.tsv`, itemFeatures: `${dir}/item-features.tsv`,
  };
  const text = (s: string) => new TextEncoder().encode(s);
  await writeFileAtomic(files.train, text(interactionsTsv(train)));
  await writeFileAtomic(files.test, text(interactionsTsv(test)));
  await writeFileAtomic(files.items, text(['id\ttitle\tgenre', ...items.map((it) => `${it.id}\t${it.title}\t${it.genre}`)].join('\n') + '\n'));
  await writeFileAtomic(files.itemFeatures, text(items.map((it) => `${it.id}\tgenre:${it.genre}`).join('\n') + '\n'));
  return files;
}

/** The models the demo compares: the baseline, then a personalised model that should beat it clearly. */
function demoModels(): { label: string; make: () => Recommender }[] {
  return [
    { label: 'popularity', make: () => CLI_MODELS.popularity.create({}) },
    { label: 'als', make: () => new AlsRecommender({ factors: 8, regularization: 0.05, iterations: 15 }) },
  ];
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train on the built-in demo dataset and show recommendations',
  description:
    'Train on a built-in synthetic dataset (600 users, 400 titled items in 8 genres, each user with 1-2 favourite genres), evaluate on a held-out 20% of every user\'s interactions, and show a few users\' histories and recommendations. No download needed.',
  flags: FLAGS,
  examples: ['recwise demo', 'recwise demo --json', 'recwise demo --seed 7 --show 5', 'recwise demo --write-data demo-data'],
  async run(ctx) {
    const f = ctx.flags;
    const seed = f.seed as number;
    const k = f.k as number;
    const info = await init();
    const data = demoDataset({ seed });
    const byId = new Map<number, DemoItem>(data.items.map((it) => [it.id, it]));
    const builder = new DatasetBuilder({ sortIds: true });
    builder.addColumns({
      users: data.records.map((r) => r.user),
      items: data.records.map((r) => r.item),
      weights: data.records.map((r) => r.weight),
      timestamps: data.records.map((r) => r.timestamp),
    });
    const all = await builder.build();
    const { train, test } = randomSplit(all, { testFraction: 0.2, seed });

    const results: { model: string; params: Record<string, unknown>; metrics: CliMetrics; fitSeconds: number; evalSeconds: number }[] = [];
    const fitted: Recommender[] = [];
    for (const m of demoModels()) {
      const model = m.make();
      const t0 = performance.now();
      await model.fit(train, { onProgress: ctx.progress.callback(`fit ${m.label}`) });
      const fitSeconds = since(t0);
      const t1 = performance.now();
      const metrics = await runEvaluation(model, test, { k, definition: 'standard', onProgress: ctx.progress.callback(`evaluate ${m.label}`) });
      results.push({ model: m.label, params: model.params, metrics, fitSeconds, evalSeconds: since(t1) });
      fitted.push(model);
    }

    // Show users spread over the id range, deterministic.
    const shown: number[] = [];
    const nShow = Math.min(f.show as number, train.nUsers);
    for (let i = 0; i < nShow; i++) shown.push(Math.floor(((i + 0.5) * train.nUsers) / nShow));
    const best = fitted[fitted.length - 1];
    const title = (id: unknown) => byId.get(id as number)?.title ?? String(id);
    const examples = shown.map((u) => {
      const user = train.users.idAt(u) as number;
      const history = Array.from(train.itemsOf(u)).map((i) => train.items.idAt(i) as number);
      const heldOut = Array.from(test.itemsOf(u)).map((i) => test.items.idAt(i) as number);
      const recs = fitted.map((model, j) => ({
        model: results[j].model,
        items: model.recommend(user, { k }).map((r) => ({ item: r.item, title: title(r.item), score: r.score, heldOut: heldOut.includes(r.item as number) })),
      }));
      return { user, favourites: data.favourites.get(user) ?? [], history: history.map((id) => ({ item: id, title: title(id) })), heldOut, recommendations: recs };
    });

    const dir = typeof f['write-data'] === 'string' ? f['write-data'].replace(/\/+$/, '') || '/' : undefined;
    const files = dir === undefined ? undefined : await writeDemoData(dir, train, test, data.items);
    if (f.json) {
      await ctx.printJson({
        ...(files ? { files } : {}),
        dataset: { users: all.nUsers, items: all.nItems, interactions: all.nnz, trainRows: train.nnz, testRows: test.nnz, seed },
        backend: { name: info.backend, threads: info.threads },
        models: results,
        examples,
      });
      return 0;
    }
    const lines: string[] = [];
    lines.push(`recwise demo: ${all.nUsers} users, ${all.nItems} items in ${data.genres.length} genres, ${all.nnz.toLocaleString('en-US')} interactions (synthetic, seed ${seed})`);
    lines.push(`train ${train.nnz.toLocaleString('en-US')} / test ${test.nnz.toLocaleString('en-US')} (20% of each user held out) · backend ${info.backend}, ${info.threads} thread(s)`);
    lines.push('');
    lines.push(
      table([
        ['model', ...METRIC_KEYS.map((m) => METRIC_LABELS[m].replace('@K', `@${k}`)), 'fit s'],
        ...results.map((r) => [r.model, ...METRIC_KEYS.map((m) => r.metrics[m].toFixed(4)), r.fitSeconds.toFixed(3)]),
      ]),
    );
    for (const ex of examples) {
      lines.push('');
      const genres = new Map<string, number>();
      for (const h of ex.history) {
        const g = byId.get(h.item)?.genre ?? '?';
        genres.set(g, (genres.get(g) ?? 0) + 1);
      }
      const mix = [...genres].sort((a, b) => b[1] - a[1]).map(([g, n]) => `${g} ${n}`).join(', ');
      lines.push(`user ${ex.user} (planted taste: ${ex.favourites.join(' + ')}) · ${ex.history.length} items in train: ${mix}`);
      lines.push(`  history    ${ex.history.slice(0, 8).map((h) => h.title).join(', ')}${ex.history.length > 8 ? ', …' : ''}`);
      for (const r of ex.recommendations) {
        lines.push(`  ${r.model.padEnd(10)} ${r.items.map((it) => (it.heldOut ? `${it.title}*` : it.title)).join(', ')}`);
      }
    }
    lines.push('');
    lines.push(`* = held out for this user (a hit). Best personalised model here: ${best.kind}.`);
    // Suggest only a command that runs as printed: the files exist once --write-data wrote them.
    if (files) {
      const q = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, shellWord(v)]));
      lines.push(`Wrote ${files.train}, ${files.test} (the split above), ${files.items} (titles) and ${files.itemFeatures} (genres). Next:`);
      lines.push(`  recwise compare --models als,bpr,lightfm,popularity --train ${q.train} --test ${q.test} --report report.html --item-names ${q.items}`);
      lines.push(`  recwise eval --model lightfm --item-features ${q.itemFeatures} --train ${q.train} --test ${q.test}`);
    } else {
      lines.push('Next: recwise demo --write-data demo-data  (writes this split as demo-data/train.tsv and demo-data/test.tsv, and prints what to run on them)');
    }
    await ctx.print(lines.join('\n'));
    return 0;
  },
};
