// Smoke test of `recwise/report` in the installed package (copied beside node_modules/recwise by
// test/package/run.mjs, run under node, deno and bun): the report entry must share the user's recwise instance
// (it imports 'recwise', so `instanceof Recommender` holds for the user's models) and render a page.
import { DatasetBuilder, PopularityRecommender, shutdown } from 'recwise';
import { report } from 'recwise/report';

const build = async (rows) => {
  const b = new DatasetBuilder({ sortIds: true });
  for (const [user, item] of rows) b.add({ user, item });
  return b.build();
};
const train = await build([[1, 10], [1, 20], [2, 10], [2, 30], [3, 10], [3, 20]]);
const test = await build([[1, 30], [2, 20], [3, 30]]);
const model = await new PopularityRecommender().fit(train);
const html = await report({ models: [model], train, test, k: 2 });
await shutdown();
console.log(JSON.stringify({ ok: html.startsWith('<!doctype html>') && html.includes('data-chart="compare-ndcg"'), resolved: import.meta.resolve('recwise/report') }));
