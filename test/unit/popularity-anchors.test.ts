// The popularity rows of ../shared/bench/anchors.md, reproduced end to end: read the shared splits, map ids as the
// protocol says (dense ids from train, sorted numerically; test rows of unknown users/items dropped; binary
// weights), fit popularity, evaluate. Popularity is deterministic, so a gap means a definition differs.
import { describe, expect, test } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { evaluate, PopularityRecommender, readInteractions } from 'recwise';

const splits = fileURLToPath(new URL('../../../shared/data/splits/', import.meta.url));

const ANCHORS = {
  'ml-100k': { precision: 0.1171, recall: 0.1213, recallMin: 0.1628, ndcg: 0.1609, map: 0.081, auc: 0.8557, mrr: 0.3489, coverage: 0.030 },
  'ml-1m': { precision: 0.1456, recall: 0.0687, recallMin: 0.1579, ndcg: 0.1632, map: 0.0821, auc: 0.864, mrr: 0.3359, coverage: 0.013 },
} as const;
const DATASETS = { 'ml-100k': { testUsers: 938, dropped: 0, testRows: 11040 }, 'ml-1m': { testUsers: 6038, dropped: 34, testRows: 164814 } } as const;

describe.each(Object.keys(ANCHORS) as (keyof typeof ANCHORS)[])('popularity anchors %s', (name) => {
  test('every metric within ±0.0005 of the anchors (coverage to 3 decimals)', async () => {
    const dir = splits + name;
    expect(existsSync(`${dir}/train.tsv`), `${dir}/train.tsv (../shared must be checked out beside the repo)`).toBe(true);
    const { interactions: train } = await readInteractions(`${dir}/train.tsv`, { binary: true, sortIds: true });
    const { interactions: test } = await readInteractions(`${dir}/test.tsv`, { binary: true });
    const model = await new PopularityRecommender().fit(train);
    const r = await evaluate(model, test, { k: 10 });
    expect(r.testUsers).toBe(DATASETS[name].testUsers);
    expect(r.droppedTestRows).toBe(DATASETS[name].dropped);
    expect(r.testRows).toBe(DATASETS[name].testRows);
    const a = ANCHORS[name];
    for (const m of ['precision', 'recall', 'recallMin', 'ndcg', 'map', 'auc', 'mrr'] as const) {
      expect(Math.abs(r.means[m]! - a[m]), `${m}: ${r.means[m]} vs ${a[m]}`).toBeLessThanOrEqual(0.0005);
    }
    expect(r.means.coverage!.toFixed(3)).toBe(a.coverage.toFixed(3));
  }, 120_000);
});
