// A user's script (issue 15), copied next to the installed package by test/package/run.mjs and run there under
// node, deno, bun and `node --input-type=module` (from stdin): fits and recommends on worker threads and ends WITHOUT
// shutdown(): the process must exit by itself, having printed only one JSON line.
import * as R from 'recwise';

const info = await R.init();
const b = new R.DatasetBuilder();
for (let u = 0; u < 300; u++) for (let i = u % 3; i < 120; i += 3) b.add({ user: u, item: i });
const model = await new R.AlsRecommender({ factors: 8, iterations: 2 }).fit(await b.build());
const recommended = model.recommend(0, { k: 3 }).length;

console.log(JSON.stringify({ backend: info.backend, threads: info.threads, maxThreads: info.capabilities.maxThreads, recommended }));
