/**
 * Tuning run for the autoencoder's sampled-output defaults (issue 23): fits one configuration on the Gowalla-shaped
 * synthetic split and reports NDCG@10 / P@10 on every 6th user's test rows at chosen epochs (fit to the first, then
 * fitPartial to each next: the same run as one fit). Flags: `als` (ALS with the anchors' hyperparameters: 64
 * factors, reg 0.05, 15 iterations), `oracle` (the generator's own per-draw probabilities: the ceiling),
 * `popularity`, `shape={"users":…,"items":…,"interactions":…}` (another synthetic shape), `split=ml-1m` (a shared
 * split instead), `every=N` (every Nth user; 1: all). Epochs `0`: no autoencoder. Needs the Wasm kernels
 * (`node scripts/build.mjs --wasm-only`).
 *
 *   node --import tsx test/bench/ae-sampled-tune.ts '{"weightDecay":1e-3}' 5,10,15 als oracle
 *
 * 2026-12-04, 2 threads, shared 2-core machine, load average 2–7 (fit s: training only, evaluation excluded).
 * Gowalla shape (29,858 × 40,979, 721k train): oracle 0.1648 / P 0.0758, ALS 0.1247 / P 0.0588 in 4.6 s,
 * popularity 0.0507. Autoencoder, sampled output, 2000 popularity negatives, multinomial loss (the default until
 * this table's second half; NDCG@10 / P@10 at epochs):
 *   defaults (batch 500, adam 1e-3, wd 0)      5: 0.1030/0.0511  10: 0.1142/0.0538 (76 s)
 *   weightDecay 1e-4                           5: 0.1028  10: 0.1144  15: 0.1157/0.0521 (141 s)
 *   weightDecay 1e-3                           5: 0.1016  10: 0.1153  15: 0.1172/0.0533 (126 s)  20: 0.1164  25: 0.1157 (194 s)
 *   learningRate 3e-3                          4: 0.0980  7: 0.1026  10: 0.0973
 *   wd 1e-3, batchSize 128                     4: 0.1104  8: 0.1149  12: 0.1129 (132 s)
 *   wd 1e-3, batch 128, inputDropout 0.2       4: 0.1117  8: 0.1106
 *   wd 1e-3, batch 128, hiddenLayers [100]     5: 0.1044
 *   wd 1e-3, batch 128, hiddenLayers [400]     4: 0.1011 (69 s)
 *   wd 1e-3, negatives 4000                    8: 0.1132/0.0553  12: 0.1182/0.0555 (145 s)
 *   wd 1e-3, lr 2e-3, milestones [8], output bias initialised to log popularity   8: 0.1064  12: 0.1132 (114 s)
 * Is the gap the sampling or the model? A 10k-item shape ({"users":10000,"items":10000,"interactions":300000},
 * 235k train; every 6th user; all users in brackets) where the dense outputs are affordable: oracle 0.1879, ALS
 * 0.1505 [0.1531], popularity 0.0627. Multinomial: Recoder's batch output (the default below 20k columns)
 * 10: 0.1327  20: 0.1321  35: 0.1192; full softmax (Mult-DAE) 10: 0.1408  20: 0.1414; sampled 10: 0.1333
 * 20: 0.1387  35: 0.1298. So the multinomial autoencoder trails ALS without sampling too, and the sampled output is
 * as good as the dense ones. Variants of the sampled multinomial there (10 / 20 epochs): L2-normalised input (Mult-DAE)
 * 0.1023 / 0.1363, with log-popularity bias init 0.1380 / 0.1380, bias init alone 0.1338 / 0.1338, popularity^1
 * sampler (in-batch-like, Yi et al. 2019) 0.1339 / 0.1378, tied 0.1357 / 0.1346, lr 2e-3 + milestones [10]
 * 0.1311 / 0.1405, inputDropout 0.8 0.1172 / 0.1286, rows weighted 1/Σx or 1/√Σx 0.1348 / 0.1148, 0.1337 / 0.1217.
 * The loss is what differs from ALS: the full output with mse, confidence 1 (ALS's objective) 10: 0.1568 (above
 * ALS). The sampled bce / mse were unweighted then (bce 10: 0.0003, mse 10: 0.1238); with the negatives weighing
 * 1/(|S|·q) (src/nn/sampled-output.ts), sampled mse [all users]: uniform sampler 5: 0.1549  10: 0.1537; popularity
 * 5: 0.1586  10: 0.1584  15: 0.1554; confidence 0 5: 0.1588  10: 0.1591.
 * ml-1m (split=ml-1m every=1): ALS 0.2943; sampled mse confidence 1 5: 0.2570  10: 0.2906  20: 0.3079; sampled
 * multinomial 10: 0.2389  20: 0.2671  35: 0.2840 (the batch output's multinomial: 0.2974 at 35, test/bench/cases/nn.ts).
 * Gowalla shape, sampled mse: uniform sampler, confidence 1 3: 0.1150  6: 0.1209  10: 0.1182; popularity,
 * confidence 0 3: 0.1231  5: 0.1189; confidence 1 3: 0.1327/0.0634  10: 0.1297  20: 0.1302  35: 0.1312/0.0611
 * (231 s); with wd 1e-3 3: 0.1329  6: 0.1305  9: 0.1300.
 * Defaults since: above 20k output columns, loss 'auto' trains the sampled mse with confidence ≥ 1. `'{}' 35 als`
 * after the change: 0.1312 / 0.0611, fit 294 s at load average 4–7.7 (231 s at 2–4 in the run above). The scale
 * bench (`node test/bench/run.mjs scale-gowalla-autoencoder`: seed 23, all users, 2 epochs): NDCG@10 0.1326,
 * recall 0.1423, AUC 0.8116, fit 13.7 s; scale-gowalla-als 0.1242, 0.1312, 0.8386.
 */
import { init, evaluate, AlsRecommender, Interactions, PopularityRecommender } from 'recwise';
import { AutoencoderRecommender } from 'recwise/nn';
import { SCALE_SHAPES, syntheticSplit, type SyntheticTruth } from './synthetic.ts';
import { loadSplit } from './protocol.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const checkpoints = (process.argv[3] ?? '10').split(',').map(Number).filter((c) => c > 0);
const flags = process.argv.slice(4);
const shapeFlag = flags.find((f) => f.startsWith('shape='));
await init({ threads: 2 });
const splitFlag = flags.find((f) => f.startsWith('split='));
const synthetic = splitFlag ? undefined : syntheticSplit(shapeFlag ? JSON.parse(shapeFlag.slice(6)) : SCALE_SHAPES['gowalla-shape']);
const split = synthetic ?? (await loadSplit(splitFlag!.slice(6)));
console.log(`${split.name}: ${split.train.nnz} train pairs`);

// every 6th user's test rows (the others' rows emptied, so evaluate skips them; `every=1`: all users)
const every = Number(flags.find((f) => f.startsWith('every='))?.slice(6) ?? 6);
const t = split.test.byUser;
const indptr = new Int32Array(t.rows + 1);
const keep: number[] = [];
for (let u = 0; u < t.rows; u++) {
  if (u % every === 0) for (let p = t.indptr[u]; p < t.indptr[u + 1]; p++) keep.push(p);
  indptr[u + 1] = keep.length;
}
const test = new Interactions(split.test.users, split.test.items, {
  rows: t.rows, cols: t.cols, indptr, indices: Int32Array.from(keep, (p) => t.indices[p]), data: Float32Array.from(keep, (p) => t.data[p]),
});
const score = async (model: Parameters<typeof evaluate>[0]) => {
  const r = await evaluate(model, { train: split.train, test }, { k: 10, metrics: ['ndcg', 'precision'] });
  return `ndcg@10 ${r.means.ndcg.toFixed(4)} p@10 ${r.means.precision.toFixed(4)}`;
};

/** The generator's own per-draw probabilities as scores: the ranking a perfect model of this data would make. */
class OracleRecommender extends PopularityRecommender {
  constructor(private readonly truth: SyntheticTruth) {
    super();
  }

  override scoreUsers(users: Int32Array): Float32Array {
    const n = this.itemIds.length;
    const out = new Float32Array(users.length * n);
    for (let r = 0; r < users.length; r++) this.truth.scores(users[r], out.subarray(r * n, (r + 1) * n));
    return out;
  }
}

if (flags.includes('oracle') && synthetic) console.log(`oracle ${await score(await new OracleRecommender(synthetic.truth).fit(split.train))}`);
if (flags.includes('popularity')) console.log(`popularity ${await score(await new PopularityRecommender().fit(split.train))}`);
if (flags.includes('als')) {
  const t0 = performance.now();
  const als = await new AlsRecommender({ factors: 64, regularization: 0.05, alpha: 1, solver: 'cg', iterations: 15 }).fit(split.train);
  console.log(`als64 fit ${((performance.now() - t0) / 1000).toFixed(1)}s ${await score(als)}`);
}

// fit to the first checkpoint, then fitPartial to each next one (per-epoch seeded streams: the same run as one fit)
if (checkpoints.length) {
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
}
