// Issue 19 probe (not a bench case): validation NDCG@10 on ml-1m's valid.tsv of candidate second blend members beside
// tune's EASE winner, and of their 2-member blends. Run: node --import tsx test/bench/member-probe.ts
import { AlsRecommender, EaseRecommender, init, type Recommender } from 'recwise';
import { AutoencoderRecommender } from 'recwise/nn';
import { BlendRecommender } from '../../src/models/blend.ts';
import { evaluate } from '../../src/eval/evaluate.ts';
import { readTest } from '../../src/cli/data.ts';
import { SHARED, loadSplit } from './protocol.ts';

await init();
const split = await loadSplit('ml-1m');
const valid = (await readTest(`${SHARED}/ml-1m/valid.tsv`, `${SHARED}/ml-1m/train.tsv`, split.train, true, {})).test;
const which = (process.argv[2] ?? 'als64,als512,ae').split(',');
const fit = async (name: string, m: Recommender) => {
  const t0 = performance.now();
  await m.fit(split.train);
  const s = (performance.now() - t0) / 1000;
  const e = await evaluate(m, { test: valid }, { k: 10 });
  console.log(`${name}: fit ${s.toFixed(1)} s valid ndcg@10 ${e.means.ndcg!.toFixed(4)} P@10 ${e.means.precision!.toFixed(4)}`);
  return m;
};
const ease = await fit('ease winner', new EaseRecommender({ lambda: 443, diagonalPenalty: 0.898, userNormalization: 0.642, itemNormalization: 0.00587 }));
const others: [string, Recommender][] = [];
if (which.includes('als64')) others.push(['als64 (tuned)', await fit('als64', new AlsRecommender(JSON.parse(process.env.ALS32 ?? '{"factors":64,"alpha":3.67,"iterations":15,"regularization":70.4}')))]);
if (which.includes('als512')) {
  // Rendle et al. 2022's recipe: large dim, frequency-scaled λ, unobserved weight α0, init 0.1/√d-ish
  others.push(['ials512', await fit('ials512', new AlsRecommender({ factors: 512, iterations: 16, alpha: 1, regularization: Number(process.env.REG ?? 0.003), regularizationExponent: 1, unobservedWeight: Number(process.env.A0 ?? 0.1), initStd: 0.1 }))]);
}
if (which.includes('ae')) others.push(['autoencoder', await fit('autoencoder', new AutoencoderRecommender())]);
for (const [name, m] of others) {
  for (const w of [0.9, 0.8, 0.7, 0.6]) {
    const e = await evaluate(BlendRecommender.of([ease, m], { weights: [w, 1 - w] }), { test: valid }, { k: 10 });
    console.log(`blend ${w} ease + ${(1 - w).toFixed(1)} ${name}: valid ndcg@10 ${e.means.ndcg!.toFixed(4)} P@10 ${e.means.precision!.toFixed(4)}`);
  }
}
