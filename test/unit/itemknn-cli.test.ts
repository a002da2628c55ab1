/**
 * Item-item kNN through the command line on ml-100k (issue 6): `recwise eval --model itemknn --similarity …
 * --neighbors 100` reproduces the anchors' cosine-k100, bm25-k100 and tfidf-k100 rows (implicit 0.7.3), which pins
 * the weightings and the neighbour selection to implicit's definitions.
 */
import 'recwise'; // the default entry: registers the embedded wasm kernels, as dist/cli.mjs does
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { anchorRow, cli, root } from './fixtures/cli.ts';

const split = join(root, '..', 'shared', 'data', 'splits', 'ml-100k');

describe('itemknn through the CLI', () => {
  for (const similarity of ['cosine', 'bm25', 'tfidf']) {
    it(`eval --model itemknn --similarity ${similarity} --neighbors 100 reproduces the anchors' ${similarity}-k100 row`, async () => {
      const anchor = anchorRow('ml-100k', `${similarity}-k100`);
      const r = await cli('eval', '--model', 'itemknn', '--similarity', similarity, '--neighbors', '100', '--k1', '1.2', '--b', '0.75',
        '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'), '--binary', '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.model).toBe('itemknn');
      expect(j.params).toMatchObject({ similarity, neighbors: 100, k1: 1.2, b: 0.75 });
      // Ranking metrics to ±0.0005 (float32 vs implicit's float64 sums can swap near-ties); coverage is printed
      // with three decimals in the anchors.
      const pairs: [string, string, number][] = [
        ['precision', 'P@10', 0.0005], ['recall', 'R@10', 0.0005], ['recallMin', 'R@10 (min-denom)', 0.0005], ['ndcg', 'NDCG@10', 0.0005],
        ['map', 'MAP@10', 0.0005], ['mrr', 'MRR', 0.0005], ['auc', 'AUC', 0.0005], ['coverage', 'coverage', 0.0015],
      ];
      for (const [ours, col, tol] of pairs) {
        expect(Number.isFinite(anchor(col)), col).toBe(true);
        expect(Math.abs(j.metrics[ours] - anchor(col)), `${ours} ${j.metrics[ours]} vs ${col} ${anchor(col)}`).toBeLessThanOrEqual(tol);
      }
    });
  }
  it('rejects a bad similarity with a usage error naming the flag', async () => {
    const r = await cli('eval', '--model', 'itemknn', '--similarity', 'jaccard', '--train', join(split, 'train.tsv'), '--test', join(split, 'test.tsv'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--similarity');
  });
});
