/**
 * Tuning run for the autoencoder's sampled-output defaults (issue 23): fits one configuration on the Gowalla-shaped
 * synthetic split and reports NDCG@10 / P@10 on every 6th user's test rows at chosen epochs (fit to the first, then
 * fitPartial to each next: the same run as one fit), and, with `als`, ALS with the anchors' hyperparameters (64
 * factors, reg 0.05, 15 iterations) on the same users. Needs the Wasm kernels (`node scripts/build.mjs --wasm-only`).
 *
 *   node --import tsx test/bench/ae-sampled-tune.ts '{"weightDecay":1e-3}' 5,10,15 [als]
 *
 * 2026-12-04, 2 threads, shared 2-core machine (fit s: training only, evaluation excluded): ALS 0.1247 / P 0.0588
 * in 4.6 s. Autoencoder (sampled output, 2000 popularity negatives; NDCG@10 / P@10 at epochs):
 *   defaults (batch 500, adam 1e-3, wd 0)      5: 0.1030/0.0511  10: 0.1142/0.0538 (76 s)
 *   weightDecay 1e-4                           5: 0.1028  10: 0.1144  15: 0.1157/0.0521 (141 s)
 *   weightDecay 1e-3                           5: 0.1016  10: 0.1153  15: 0.1172/0.0533 (126 s)  20: 0.1164  25: 0.1157 (194 s)
 *   learningRate 3e-3                          4: 0.0980  7: 0.1026  10: 0.0973
 *   wd 1e-3, batchSize 128                     4: 0.1104  8: 0.1149  12: 0.1129 (132 s)
 *   wd 1e-3, batch 128, inputDropout 0.2       4: 0.1117  8: 0.1106
 *   wd 1e-3, batch 128, hiddenLayers [100]     5: 0.1044
 *   wd 1e-3, batch 128, hiddenLayers [400]     4: 0.1011 (69 s)
 *   wd 1e-3, negatives 4000                    8: 0.1132/0.0553  12: 0.1182/0.0555 (145 s)
 * None reaches ALS; the defaults were left as they are.
 */
import { init, evaluate, AlsRecommender, Interactions } from 'recwise';
import { AutoencoderRecommender } from 'recwise/nn';
import { SCALE_SHAPES, syntheticSplit } from './synthetic.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const checkpoints = (process.argv[3] ?? '10').split(',').map(Number);
const withAls = process.argv[4] === 'als';
await init({ threads: 2 });
const split = syntheticSplit(SCALE_SHAPES['gowalla-shape']);

// every 6th user's test rows (the others' rows emptied, so evaluate skips them)
const t = split.test.byUser;
const indptr = new Int32Array(t.rows + 1);
const keep: number[] = [];
for (let u = 0; u < t.rows; u++) {
  if (u % 6 === 0) for (let p = t.indptr[u]; p < t.indptr[u + 1]; p++) keep.push(p);
  indptr[u + 1] = keep.length;
}
const test = new Interactions(split.test.users, split.test.items, {
  rows: t.rows, cols: t.cols, indptr, indices: Int32Array.from(keep, (p) => t.indices[p]), data: Float32Array.from(keep, (p) => t.data[p]),
});
const score = async (model: Parameters<typeof evaluate>[0]) => {
  const r = await evaluate(model, { train: split.train, test }, { k: 10, metrics: ['ndcg', 'precision'] });
  return `ndcg@10 ${r.means.ndcg.toFixed(4)} p@10 ${r.means.precision.toFixed(4)}`;
};

if (withAls) {
  const t0 = performance.now();
  const als = await new AlsRecommender({ factors: 64, regularization: 0.05, alpha: 1, solver: 'cg', iterations: 15 }).fit(split.train);
  console.log(`als64 fit ${((performance.now() - t0) / 1000).toFixed(1)}s ${await score(als)}`);
}

// fit to the first checkpoint, then fitPartial to each next one (per-epoch seeded streams: the same run as one fit)
const model = new AutoencoderRecommender({ ...config, epochs: checkpoints[0] });
let trainSeconds = 0;
let done = 0;
for (const c of checkpoints) {
  const t0 = performance.now();
  if (done === 0) await model.fit(split.train);
  else await model.fitPartial(split.train, { epochs: c - done });
  trainSeconds += (performance.now() - t0) / 1000;
  done = c;
  console.log(`ae ${JSON.stringify(config)} epoch ${model.epochsTrained} fit ${trainSeconds.toFixed(1)}s ${await score(model)}`);
}
