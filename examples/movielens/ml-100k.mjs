// MovieLens 100K end to end, as you would do it with your own ratings: read the original files, keep the ratings a
// user liked (4 or 5 stars) as implicit feedback, hold out 20% of each user's likes, train ALS and LightFM with genre
// features next to a popularity baseline, evaluate, write the HTML report, save the best model and serve it.
//
//   node examples/movielens/ml-100k.mjs ML_100K_DIR [OUT_DIR] [--json]
//   (ML_100K_DIR holds u.data, u.item, u.genre: https://grouplens.org/datasets/movielens/100k/)
//
// In this repository `node scripts/build.mjs` first ('recwise' resolves to the built package); in an app,
// `npm install recwise`. The MovieLens licence forbids redistribution: the data is never copied into the package.
import { readFile, writeFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  AlsRecommender, DatasetBuilder, LightFmRecommender, PopularityRecommender, buildFeatures, evaluate, loadModel,
  randomSplit, readRecords, saveModel, shutdown,
} from 'recwise';
import { createHandler } from 'recwise/serve';
import { fitWithCurves, report } from 'recwise/report';

const args = process.argv.slice(2);
const json = args.includes('--json');
const [dataDir, outDir = 'ml-100k-out'] = args.filter((a) => a !== '--json');
if (!dataDir) {
  console.error('usage: node examples/movielens/ml-100k.mjs ML_100K_DIR [OUT_DIR] [--json]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const log = (...line) => json || console.log(...line);

// 1. Ratings → likes. u.data: user, item, rating, timestamp (tab separated, no header).
const ratings = await readRecords(join(dataDir, 'u.data'), { format: 'ml-100k' });
const keep = [];
for (let r = 0; r < ratings.rows; r++) if (ratings.weights[r] >= 4) keep.push(r);
const likes = new DatasetBuilder({ sortIds: true });
likes.addColumns({ users: keep.map((r) => ratings.users[r]), items: keep.map((r) => ratings.items[r]), timestamps: keep.map((r) => ratings.timestamps[r]) });
const all = await likes.build();

// 2. Titles and genres. u.item: id|title|release|video release|IMDb URL|19 genre flags in u.genre's order (Latin-1).
const latin1 = (bytes) => new TextDecoder('latin1').decode(bytes);
const genres = latin1(await readFile(join(dataDir, 'u.genre'))).split('\n').filter((l) => l.trim()).map((l) => l.split('|')[0]);
const movies = new Map();
for (const line of latin1(await readFile(join(dataDir, 'u.item'))).split('\n')) {
  const f = line.split('|');
  if (f.length < 5 + genres.length) continue;
  movies.set(Number(f[0]), { title: f[1], genres: genres.filter((_, g) => f[5 + g] === '1') });
}
const title = (id) => movies.get(id)?.title ?? String(id);

// 3. Split: 20% of each user's likes to test; 10% of the rest to validation (for the curves, never the test split).
const { train: full, test } = randomSplit(all, { testFraction: 0.2, seed: 42 });
const { train, test: validation } = randomSplit(full, { testFraction: 0.1, seed: 7 });
log(`${all.nUsers} users, ${all.nItems} movies, ${all.nnz} likes (ratings >= 4 of ${ratings.rows}); train ${train.nnz}, validation ${validation.nnz}, test ${test.nnz}`);

// 4. LightFM with genre features: each movie is its identity plus its genres (LightFM's hybrid model).
const itemFeatures = await buildFeatures(train.items, train.items.ids().map((id) => ({ id, features: (movies.get(id)?.genres ?? []).map((g) => `genre:${g}`) })));
const popularity = await new PopularityRecommender().fit(train);
const als = await fitWithCurves(new AlsRecommender({ factors: 64, iterations: 15, regularization: 0.05 }), train, { validation });
const lightfm = await fitWithCurves(new LightFmRecommender({ loss: 'warp', factors: 32, epochs: 20, learningRate: 0.05 }), train, { validation, fit: { itemFeatures } });

// 5. Evaluate on the test split (the anchors' protocol: train items excluded, top 10).
const models = { popularity, als: als.model, lightfm: lightfm.model };
const metrics = {};
for (const [name, model] of Object.entries(models)) {
  const { means } = await evaluate(model, { train, test }, { k: 10 });
  metrics[name] = means;
  log(`${name.padEnd(10)} P@10 ${means.precision.toFixed(4)}  NDCG@10 ${means.ndcg.toFixed(4)}  coverage ${means.coverage.toFixed(3)}`);
}
const html = await report({
  title: 'MovieLens 100K: ALS and LightFM (genre features) against popularity',
  models: [{ model: popularity, name: 'popularity' }, { model: als.model, name: 'als', curve: als.curve }, { model: lightfm.model, name: 'lightfm', curve: lightfm.curve }],
  train, test, k: 10, itemLabel: title,
});
const reportPath = join(outDir, 'report.html');
await writeFile(reportPath, html);
log(`report: ${reportPath}`);

// 6. Save the model, load it back as a server would, and answer /recommend over HTTP.
const modelPath = join(outDir, 'lightfm.recwise');
await saveModel(lightfm.model, modelPath);
const handler = createHandler(await loadModel(modelPath), { fallback: 'popularity' });
const server = createServer(async (req, res) => {
  // Node's http to the Fetch handler (Deno.serve, Bun.serve and Workers take the handler as it is).
  const response = await handler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const user = test.users.idAt(0);
const answer = await (await fetch(`http://127.0.0.1:${server.address().port}/recommend?user=${user}&k=5`)).json();
server.close();
const served = answer.items.map((r) => ({ ...r, title: title(r.item) }));
log(`GET /recommend?user=${user}&k=5 → ${served.map((r) => r.title).join(' · ')}`);
await shutdown();
if (json) console.log(JSON.stringify({ dataset: { users: all.nUsers, items: all.nItems, likes: all.nnz, ratings: ratings.rows }, metrics, report: reportPath, model: modelPath, served: { user, items: served } }));
