// Each package entry of the installed package (issue 18), run by test/package/run.mjs under node, deno and bun and
// bundled into the Chromium page: import it, check its exports, do one small thing with it. Prints one JSON line:
// { ok, failures[], resolved: { entry: url } }.
import * as root from 'recwise';

const failures = [];
const check = async (name, fn) => {
  try {
    await fn();
  } catch (e) {
    failures.push(`${name}: ${e?.stack ?? e}`);
  }
};
const fail = (msg) => {
  throw new Error(msg);
};
const expectExports = (name, mod, wanted) => {
  const missing = wanted.filter((n) => !(n in mod));
  if (missing.length) fail(`${name} lacks ${missing.join(', ')}`);
};

// Before recwise/webgpu is imported, asking for WebGPU names the entry to import (no GPU is probed).
await check('recwise: init({ backend: "webgpu" }) without recwise/webgpu', async () => {
  try {
    await root.init({ backend: 'webgpu' });
  } catch (e) {
    if (!(e instanceof root.BackendUnavailableError) || !e.message.includes('not loaded') || !String(e.fix ?? e.message).includes('recwise/webgpu')) fail(`wrong error: ${e}`);
    return;
  }
  fail('init({ backend: "webgpu" }) started without recwise/webgpu');
});

const [nn, retrieval, serve, interop, webgpu, testing, tuning] = await Promise.all(['recwise/nn', 'recwise/retrieval', 'recwise/serve', 'recwise/interop', 'recwise/webgpu', 'recwise/testing', 'recwise/tune'].map((e) => import(e)));
const entries = { recwise: root, 'recwise/nn': nn, 'recwise/retrieval': retrieval, 'recwise/serve': serve, 'recwise/interop': interop, 'recwise/webgpu': webgpu, 'recwise/testing': testing, 'recwise/tune': tuning };

// The root carries no other entry's API: only error classes may be exported twice (each entry's own errors).
await check('recwise: exports', () => {
  expectExports('recwise', root, ['init', 'DatasetBuilder', 'AlsRecommender', 'BprRecommender', 'LmfRecommender', 'LightFmRecommender', 'ItemKnnRecommender', 'EaseRecommender', 'Rp3BetaRecommender', 'PopularityRecommender', 'evaluate', 'saveModel', 'loadModel', 'RecwiseError']);
  if ('tune' in root) fail('the root still exports tune (it is recwise/tune)');
  for (const [name, mod] of Object.entries(entries)) {
    if (name === 'recwise') continue;
    const shared = Object.keys(mod).filter((k) => k in root && !k.endsWith('Error'));
    if (shared.length) fail(`the root also exports ${name}'s ${shared.join(', ')}`);
  }
  const refs = Object.keys(root).filter((k) => /Ref$/.test(k));
  if (refs.length) fail(`the root exports reference kernels: ${refs.join(', ')}`);
});
const b = new root.DatasetBuilder();
for (let u = 0; u < 12; u++) for (let i = u % 3; i < 9; i += 2) b.add({ user: `u${u}`, item: `i${i}` });
const data = await b.build();
await check('recwise: fit, save and load a model', async () => {
  const model = await new root.PopularityRecommender().fit(data);
  const loaded = await root.loadModel(await root.saveModel(model), root.PopularityRecommender);
  if (loaded.recommend('u0', { k: 2 }).length !== 2) fail('no recommendations from the loaded model');
});
await check('recwise/nn', async () => {
  expectExports('recwise/nn', nn, ['AutoencoderRecommender', 'SampledMfRecommender', 'HashedMfRecommender', 'GruRecommender', 'TwoTowerRecommender', 'Dense', 'createOptimizer', 'gradCheck']);
  const model = await new nn.SampledMfRecommender({ factors: 4, epochs: 1 }).fit(data);
  if (model.recommend('u1', { k: 2 }).length !== 2) fail('no recommendations');
});
await check('recwise/retrieval', async () => {
  expectExports('recwise/retrieval', retrieval, ['ExactIndex', 'HnswIndex', 'createPipeline', 'KnnNotInitializedError']);
  const index = await retrieval.ExactIndex.build(['a', 'b'], Float32Array.of(1, 0, 0, 1), 2);
  if (index.searchVector([0, 1], 1)[0]?.id !== 'b') fail('wrong nearest neighbour');
});
await check('recwise/serve', async () => {
  expectExports('recwise/serve', serve, ['createHandler', 'lazyModel']);
  const model = await new root.PopularityRecommender().fit(data);
  const handler = serve.createHandler(model);
  const response = await handler(new Request('http://x/recommend?user=u0&k=2'));
  const body = await response.json();
  if (response.status !== 200 || body.items?.length !== 2) fail(`answer ${response.status} ${JSON.stringify(body)}`);
});
await check('recwise/interop', async () => {
  expectExports('recwise/interop', interop, ['importImplicit', 'importLightFm', 'importSpark', 'exportSpark', 'exportNpz', 'readNpz', 'writeNpz', 'InteropError']);
  const npz = await interop.readNpz(interop.writeNpz({ x: { data: Float32Array.of(1, 2, 3), shape: [3] } }));
  if (Array.from(npz.x.data).join() !== '1,2,3') fail('npz round trip');
});
await check('recwise/webgpu', () => {
  expectExports('recwise/webgpu', webgpu, ['webgpuKernels', 'GPU_TOPK_MAX']);
  if (!root.registeredBackends().includes('webgpu')) fail('importing recwise/webgpu did not register the backend');
});
await check('recwise/testing', () => {
  expectExports('recwise/testing', testing, ['topkRef', 'alsCgRef', 'hybridEpochRef', 'gruForwardRef', 'referenceNnKernels', 'demoDataset']);
  const idx = new Int32Array(1);
  const score = new Float32Array(1);
  testing.topkRef(Float32Array.of(0.1, 0.9, 0.5), 3, 1, idx, score);
  if (idx[0] !== 1) fail('topkRef');
});
await check('recwise/tune', async () => {
  expectExports('recwise/tune', tuning, ['tune', 'SEARCH_SPACES', 'DEFAULT_TUNE_MODELS']);
  const r = await tuning.tune({ train: data, models: ['ease'], maxPoints: 2, bracketSize: 2, budgetSeconds: 60, blend: 0 });
  if (r.best.model !== 'ease' || r.model.recommend('u0', { k: 2 }).length !== 2) fail(`tune gave ${r.best.model}`);
});
await check('recwise: the wasm backend runs', async () => {
  const info = await root.init();
  if (info.backend !== 'wasm') fail(`backend ${info.backend}`);
});
await root.shutdown();
const resolved = typeof import.meta.resolve === 'function' ? Object.fromEntries(Object.keys(entries).map((e) => [e, import.meta.resolve(e)])) : {};
const line = JSON.stringify({ ok: failures.length === 0, failures, resolved });
if (typeof window === 'object') window.__recwiseEntries = line;
else console.log(line);
