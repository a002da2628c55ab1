/**
 * The implicit family (issue 6): ALS (CG and Cholesky, alpha 1/10/40), BPR and LMF on ml-100k and ml-1m with the
 * anchors' hyperparameters (../shared/bench/anchors.md: 64 factors, reg 0.05, 15 iterations for ALS; BPR lr 0.01,
 * reg 0.01, 100 epochs; LMF 30 factors, 30 epochs). Names match the anchors' rows ('als-cg-a1-ml-1m' → row
 * 'als-cg-a1' of '### ml-1m'). One-thread runs of ALS CG and BPR on ml-1m are the same-run baselines of the
 * 2-thread cases.
 */
import { AlsRecommender, BprRecommender, LmfRecommender } from 'recwise';
import type { BenchCase } from '../case.ts';
import { loadSplit, measure } from '../protocol.ts';

const als = (solver: 'cg' | 'cholesky', alpha: number) => () => new AlsRecommender({ factors: 64, regularization: 0.05, iterations: 15, alpha, solver });
const bpr = () => new BprRecommender({ factors: 64, learningRate: 0.01, regularization: 0.01, iterations: 100 });
const lmf = () => new LmfRecommender({ factors: 30, iterations: 30 });

export const cases: BenchCase[] = [];
for (const dataset of ['ml-100k', 'ml-1m']) {
  for (const solver of ['cg', 'cholesky'] as const) {
    for (const alpha of [1, 10, 40]) {
      const name = `als-${solver === 'cg' ? 'cg' : 'chol'}-a${alpha}`;
      cases.push({
        name: `${name}-${dataset}`,
        baseline: dataset === 'ml-1m' && solver === 'cg' && alpha === 1 ? 'als-cg-a1-ml-1m-1thread' : undefined,
        run: async () => measure(als(solver, alpha), await loadSplit(dataset), { epochs: 15, similar: true }),
      });
    }
  }
  cases.push({
    name: `implicit-bpr-${dataset}`,
    baseline: dataset === 'ml-1m' ? 'implicit-bpr-ml-1m-1thread' : undefined,
    run: async () => measure(bpr, await loadSplit(dataset), { epochs: 100, similar: true }),
  });
  cases.push({ name: `implicit-lmf-${dataset}`, run: async () => measure(lmf, await loadSplit(dataset), { epochs: 30, similar: true }) });
}
cases.push(
  {
    name: 'als-cg-a1-ml-1m-1thread',
    anchor: { dataset: 'ml-1m', model: 'als-cg-a1' },
    run: async () => measure(als('cg', 1), await loadSplit('ml-1m'), { epochs: 15, threads: 1, fitOnly: true }),
  },
  {
    name: 'implicit-bpr-ml-1m-1thread',
    anchor: { dataset: 'ml-1m', model: 'implicit-bpr' },
    run: async () => measure(bpr, await loadSplit('ml-1m'), { epochs: 100, threads: 1, fitOnly: true }),
  },
);
