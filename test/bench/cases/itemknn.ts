/**
 * Item-item kNN benchmark (issue 6): cosine, BM25 and TF-IDF on ml-100k and ml-1m with the anchors' hyperparameters
 * (K = 100, BM25 K1 1.2, B 0.75) and protocol (../shared/bench/anchors.md: binarised, ids sorted numerically from
 * train, test rows outside train dropped, train items excluded, ties to the lower item index).
 * Figures: fitSeconds (whole fit: weighting + all-pairs kNN on every thread), precision and ndcg (P@10, NDCG@10 by
 * src/eval/evaluate.ts, the protocol's definitions), top10AllSeconds (recommendBatch over every train user, seen
 * items filtered), singleUserMicros (median single-user top-10), similarAllSeconds (10 most similar items of every
 * item).
 */
import { init, Interactions, ItemKnnRecommender, type ItemSimilarity } from 'recwise';
import { evaluate } from '../../../src/eval/evaluate.ts';
import type { BenchCase } from '../case.ts';
import { loadSplit } from '../protocol.ts';

async function run(similarity: ItemSimilarity, dataset: string): Promise<Record<string, number>> {
  await init();
  const { train, test } = await loadSplit(dataset);
  // Warm-up fit: the first one compiles and tiers up the Wasm kernel and starts the workers.
  await new ItemKnnRecommender({ similarity, neighbors: 100 }).fit(train);
  const model = new ItemKnnRecommender({ similarity, neighbors: 100, k1: 1.2, b: 0.75 });
  // A fresh Interactions over the same arrays, so the timed fit also builds the item-major copy (as implicit's
  // fit transposes its input). fitCpuSeconds: process CPU time of the fit (all threads), for loaded machines.
  const fresh = new Interactions(train.users, train.items, train.byUser);
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  await model.fit(fresh);
  const fitSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const fitCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const r = await evaluate(model, { test }, { k: 10, metrics: ['precision', 'ndcg', 'coverage'] });
  const users = train.users.ids();
  t = performance.now();
  await model.recommendBatch(users, { k: 10 });
  const top10AllSeconds = (performance.now() - t) / 1000;
  // Median of 1000 single-user top-10 calls (users spread over the vocabulary).
  const single: number[] = [];
  for (let n = 0; n < 1000; n++) {
    const user = users[(n * 7919) % users.length];
    const s = performance.now();
    model.recommend(user, { k: 10 });
    single.push((performance.now() - s) * 1000);
  }
  single.sort((a, b) => a - b);
  const singleUserMicros = single[500];
  const items = train.items.ids();
  t = performance.now();
  for (const item of items) model.similarItems(item, { k: 10 });
  const similarAllSeconds = (performance.now() - t) / 1000;
  return { fitSeconds, fitCpuSeconds, precision: r.means.precision!, ndcg: r.means.ndcg!, coverage: r.means.coverage!, top10AllSeconds, singleUserMicros, similarAllSeconds };
}

const ROWS: Record<ItemSimilarity, string> = { cosine: 'cosine-k100', bm25: 'bm25-k100', tfidf: 'tfidf-k100', plain: '' };

export const cases: BenchCase[] = (['ml-100k', 'ml-1m'] as const).flatMap((dataset) =>
  (['cosine', 'bm25', 'tfidf'] as const).map((similarity) => ({
    name: `itemknn-${similarity}-${dataset}`,
    anchor: { dataset, model: ROWS[similarity] },
    run: () => run(similarity, dataset),
  })),
);
