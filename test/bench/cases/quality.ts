/**
 * Quality beyond the anchors (issue 19): every model family's default figures on ml-100k and ml-1m beside the nearest
 * anchor row (../shared/bench/anchors.md), EASE at the NumPy reference's λ beside the ease-numpy rows (the issue's
 * bar: equal within 0.5%, fit faster), and (quality-tuned-*) the best model found by `tune` on a validation split,
 * refitted on all of train and scored once on test, beside the targets (NDCG@10 ≥ 1.03 × the reference,
 * P@10 not below it). Figures as in protocol.ts (fit s, every metric, top10-all s, single-user µs).
 */
import {
  AlsRecommender, EaseRecommender, ItemKnnRecommender, LightFmRecommender, PopularityRecommender, Rp3BetaRecommender,
  type Recommender,
} from 'recwise';
import { AutoencoderRecommender, InfiniteAeRecommender } from 'recwise/nn';
import { evaluate } from '../../../src/eval/evaluate.ts';
import { readTest } from '../../../src/cli/data.ts';
import { tune } from '../../../src/tune/tune.ts';
import { mulberry32 } from '../../../src/models/random.ts';
import { DEFAULT_TUNE_MODELS, SEARCH_SPACES } from '../../../src/tune/spaces.ts';
import type { BenchCase } from '../case.ts';
import { SHARED, loadSplit, measure } from '../protocol.ts';
import { existsSync } from 'node:fs';

/** tune's search budget in seconds (the 10 minutes; RECWISE_TUNE_BUDGET overrides it for a quick look). */
const TUNE_BUDGET = Number(process.env.RECWISE_TUNE_BUDGET ?? 600);

/** The NumPy float64 EASE reference of the issue and anchors.md: λ swept on test, so an optimistic bar. */
const REFERENCE = {
  'ml-100k': { lambda: 250, row: 'ease-numpy-l250', ndcg: 0.3191, precision: 0.2292 },
  'ml-1m': { lambda: 1000, row: 'ease-numpy-l1000', ndcg: 0.3274, precision: 0.2825 },
} as const;

/**
 * tune on train (ml-1m: its valid.tsv; otherwise 20% of each user's train rows), the returned model (the average of
 * the final choice's top three) refitted on all of train, then scored once on test. The leaderboard goes to stderr.
 */
async function tuned(dataset: keyof typeof REFERENCE): Promise<Record<string, number>> {
  const split = await loadSplit(dataset);
  const validPath = `${SHARED}/${dataset}/valid.tsv`;
  const valid = existsSync(validPath) ? (await readTest(validPath, `${SHARED}/${dataset}/train.tsv`, split.train, true, {})).test : undefined;
  const t0 = performance.now();
  const r = await tune({ train: split.train, valid, budgetSeconds: TUNE_BUDGET });
  const wallSeconds = (performance.now() - t0) / 1000;
  for (const t of r.leaderboard) console.error(`  ${dataset} ${t.model} ${JSON.stringify(t.params)} valid ndcg@10 ${t.score.toFixed(4)} P@10 ${t.precision.toFixed(4)}`);
  for (const x of r.skipped) console.error(`  ${dataset} skipped ${x.model}: ${x.reason}`);
  // the final choice: the short list's scores on the first validation split and the extra carved folds
  for (const c of r.selection) console.error(`  ${dataset} final choice ${c.model} ${JSON.stringify(c.params)} ndcg@10 per fold ${c.scores.map((x) => x.toFixed(4)).join(' ')} mean ${c.mean.toFixed(4)}`);
  console.error(`  ${dataset} saved (the average of the top ${r.saved.averageOf}) ${r.saved.model} ${JSON.stringify(r.saved.params)}`);
  // the closing note's search spaces (what the figures above were chosen from)
  for (const m of DEFAULT_TUNE_MODELS) console.error(`  search space ${m}: ${SEARCH_SPACES[m].description}`);
  const e = await evaluate(r.model, { test: split.test }, { k: 10 });
  const gain = await pairedGain(e, dataset);
  return {
    ndcg: e.means.ndcg!, precision: e.means.precision!, recall: e.means.recall!, map: e.means.map!,
    gainVsReference: gain.mean, gainCi95Low: gain.low, gainCi95High: gain.high,
    validNdcg: r.best.score, validMeanNdcg: r.selection[0].mean, folds: r.selection[0].scores.length, trials: r.trials.length, searchSeconds: r.searchSeconds, refitSeconds: r.refitSeconds, wallSeconds,
    overheadShare: r.overheadSeconds / r.searchSeconds,
  };
}

/**
 * How much the tuned model's NDCG@10 exceeds EASE at the reference's λ (ours equals the NumPy reference within 0.5%,
 * quality-ease-reference-*), paired over the same test users: the mean per-user difference and a 95% percentile
 * bootstrap interval (2,000 resamples of users, seeded), so "better than the reference" comes with its test-split noise.
 */
async function pairedGain(tuned: Awaited<ReturnType<typeof evaluate>>, dataset: keyof typeof REFERENCE): Promise<{ mean: number; low: number; high: number }> {
  const split = await loadSplit(dataset);
  const reference = await evaluate(await new EaseRecommender({ lambda: REFERENCE[dataset].lambda }).fit(split.train), { test: split.test }, { k: 10 });
  const at = new Map(reference.users.map((u, i) => [u, reference.perUser.ndcg![i]]));
  const diff = Float64Array.from(tuned.users, (u, i) => tuned.perUser.ndcg![i] - at.get(u)!);
  const random = mulberry32(19);
  const means = Array.from({ length: 2000 }, () => {
    let sum = 0;
    for (let i = 0; i < diff.length; i++) sum += diff[Math.floor(random() * diff.length)];
    return sum / diff.length;
  }).sort((a, b) => a - b);
  return { mean: diff.reduce((a, b) => a + b, 0) / diff.length, low: means[50], high: means[1949] };
}

/** Each family at its defaults, with the anchor row closest to it. */
const DEFAULT_MODELS: [name: string, make: () => Recommender, anchorRow: (d: keyof typeof REFERENCE) => string][] = [
  ['popularity', () => new PopularityRecommender(), () => 'popularity'],
  ['als', () => new AlsRecommender(), () => 'als-cg-a1'],
  ['itemknn', () => new ItemKnnRecommender(), () => 'cosine-k100'],
  ['lightfm', () => new LightFmRecommender(), () => 'lightfm-warp'],
  ['autoencoder', () => new AutoencoderRecommender(), (d) => REFERENCE[d].row],
  ['rp3beta', () => new Rp3BetaRecommender(), (d) => REFERENCE[d].row],
  ['ease', () => new EaseRecommender(), (d) => REFERENCE[d].row],
  ['infinite-ae', () => new InfiniteAeRecommender(), (d) => REFERENCE[d].row],
];

export const cases: BenchCase[] = [];
for (const dataset of ['ml-100k', 'ml-1m'] as const) {
  const ref = REFERENCE[dataset];
  cases.push({
    name: `quality-ease-reference-${dataset}`,
    anchor: { dataset, model: ref.row },
    run: async () => measure(() => new EaseRecommender({ lambda: ref.lambda }), await loadSplit(dataset), { epochs: 1, similar: true }),
  });
  cases.push({
    name: `quality-tuned-${dataset}`,
    // the targets: NDCG@10 ≥ 1.03 × the NumPy EASE reference, P@10 not below it
    anchors: { ndcg: Number((1.03 * ref.ndcg).toFixed(4)), precision: ref.precision },
    run: () => tuned(dataset),
  });
  for (const [name, make, row] of DEFAULT_MODELS) {
    cases.push({
      name: `quality-default-${name}-${dataset}`,
      anchor: { dataset, model: row(dataset) },
      run: async () => measure(make, await loadSplit(dataset), { epochs: 1 }),
    });
  }
}

// EASE with session-weighted co-occurrence at the reference's λ (ml-100k: the shared split with timestamps; ml-1m's
// published split has none), beside the NumPy reference row: the session member tune blends with plain EASE.
cases.push({
  name: 'quality-ease-session-ml-100k',
  anchor: { dataset: 'ml-100k', model: REFERENCE['ml-100k'].row },
  run: async () => measure(() => new EaseRecommender({ lambda: REFERENCE['ml-100k'].lambda, sessionWindow: 3600 }), await loadSplit('ml-100k'), { epochs: 1 }),
});
