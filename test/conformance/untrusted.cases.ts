// Untrusted model files (issue 22): what params imply is checked against the tensors a file carries and a memory
// budget before anything is built; non-finite values and broken CSR tensors are refused naming the tensor; errors
// name the field and the fault, never an engine message.
import { InvalidArgumentError, loadModel, saveModel, DEFAULT_LOAD_BUDGET, type ModelState, type Recommender } from 'recwise';
import { test } from './harness.ts';
import { equal, ok, rejects } from './assert.ts';
import { edited, KINDS, refused, tinyModels } from './untrusted-fixtures.ts';

const firstUser = (m: Recommender) => m.trainingIndex.users.idAt(0);

test('untrusted/layout: every kind loads through the layout check, in every precision and profile, with the same answers', async () => {
  const models = await tinyModels();
  for (const kind of KINDS) {
    const m = models[kind];
    const want = m.recommend(firstUser(m), { k: 3 });
    for (const options of [{}, { precision: 'f16' as const }, { precision: 'int8' as const }, { profile: 'resumable' as const }]) {
      const back = await loadModel(await saveModel(m, undefined, options));
      const got = back.recommend(firstUser(m), { k: 3 });
      equal(got.length, want.length, `${kind} ${JSON.stringify(options)}: answers`);
      ok(got.every((r) => Number.isFinite(r.score)), `${kind}: finite scores`);
      if (!options.precision) equal(JSON.stringify(got), JSON.stringify(want), `${kind} ${JSON.stringify(options)}: same answers`);
    }
  }
  equal(DEFAULT_LOAD_BUDGET, 2 * 1024 ** 3);
});

test('untrusted/layout: params implying tables the file does not carry are refused naming the param, before allocation', async () => {
  const models = await tinyModels();
  const file = async (kind: (typeof KINDS)[number], edit: (s: ModelState) => void) => edited(await saveModel(models[kind]), edit);
  const param = (key: string, v: unknown) => (s: ModelState) => void (s.params[key] = v);
  // the examples: each used to allocate gigabytes (or spin) before comparing anything
  await refused(await file('autoencoder', param('hiddenLayers', [1048576])), 'MODEL_FILE_INVALID', 'tensors.in.weight.shape', ['params.hiddenLayers', '1048576']);
  await refused(await file('sampled-mf', param('factors', 2 ** 20)), 'MODEL_FILE_INVALID', 'tensors.U.shape', ['params.factors']);
  await refused(await file('hashed-mf', param('userBuckets', 2 ** 24)), 'MODEL_FILE_INVALID', 'tensors.U.shape', ['params.userBuckets']);
  await refused(await file('lightfm-features', (s) => void ((s.params.features as { item: { identityPrefix: number } }).item.identityPrefix = 2 ** 28)),
    'MODEL_FILE_INVALID', 'params.features.item.identityPrefix');
  await refused(await file('lightfm', (s) => void (s.tensors.itemFeatureIndptr[5] = 2 ** 31 - 1)), 'MODEL_FILE_INVALID', 'tensors.itemFeatureIndptr');
  // beyond what any typed array holds, and over the budget: MODEL_FILE_BUDGET naming the param and the budget
  await refused(await file('autoencoder', param('hiddenLayers', [2 ** 30, 8])), 'MODEL_FILE_BUDGET', 'params.hiddenLayers');
  await refused(await file('hashed-mf', param('itemBuckets', 2 ** 40)), 'MODEL_FILE_BUDGET', 'params.itemBuckets');
  await refused(await file('gru', param('factors', 2 ** 13)), 'MODEL_FILE_BUDGET', 'params.factors', ['MiB', 'maxBytes']);
  await refused(await file('bpr', param('factors', 2 ** 28)), 'MODEL_FILE_BUDGET', 'params.factors');
  await refused(await saveModel(models.als), 'MODEL_FILE_BUDGET', /./, ['maxBytes'], { maxBytes: 1000 });
  await rejects(loadModel(await saveModel(models.als), { maxBytes: -1 }), InvalidArgumentError, { field: 'maxBytes' });
  // every other implied tensor of every kind: a param one larger than the file's tables is refused naming the tensor
  await refused(await file('two-tower', param('hidden', [7])), 'MODEL_FILE_INVALID', /^tensors\.tower\d\.(weight|bias)\.shape$/, ['params.hidden']);
  await refused(await file('two-tower', param('featureNames', ['a', 'b', 'c'])), 'MODEL_FILE_INVALID', /^tensors\.(featIn|tower0\.weight)\.shape$/);
  await refused(await file('autoencoder-item', param('tied', false)), 'MODEL_FILE_INVALID', 'tensors.out.weight');
  await refused(await file('lmf', param('factors', 5)), 'MODEL_FILE_INVALID', 'tensors.userFactors.shape', ['params.factors']);
  await refused(await file('popularity', (s) => void ((s.tensors.popularity = new Float32Array(3)), (s.shapes.popularity = [3]))), 'MODEL_FILE_INVALID', 'tensors.popularity.shape');
});

test('untrusted/values: non-finite values and broken CSR tensors are refused naming the tensor', async () => {
  const models = await tinyModels();
  const file = async (kind: (typeof KINDS)[number], edit: (s: ModelState) => void, profile: 'inference' | 'resumable' = 'inference') =>
    edited(await saveModel(models[kind], undefined, { profile }), edit);
  for (const [kind, name] of [['als', 'itemFactors'], ['popularity', 'popularity'], ['autoencoder', 'out.bias'], ['lightfm', 'userFeatureBiases'], ['itemknn', 'similarityScores']] as const) {
    for (const v of [NaN, Infinity, -Infinity]) {
      await refused(await file(kind, (s) => void (s.tensors[name][1] = v)), 'MODEL_FILE_INVALID', `tensors.${name}`, ['non-finite']);
    }
  }
  // finite but so large that scores overflow float32 (found by the long fuzz run): refused naming the table
  await refused(await file('als', (s) => void (s.tensors.itemFactors[3] = 3e38)), 'MODEL_FILE_INVALID', 'tensors.itemFactors', ['overflow']);
  await refused(await file('lmf', (s) => void (s.tensors.userFactors[0] = -3e38)), 'MODEL_FILE_INVALID', 'tensors.userFactors', ['overflow']);
  await refused(await file('lightfm-features', (s) => void (s.tensors.itemFeatureData[0] = 3e38)), 'MODEL_FILE_INVALID', /^itemFactors \(derived/, ['overflow']);
  await refused(await file('itemknn', (s) => void s.tensors.similarityScores.fill(3e38)), 'MODEL_FILE_INVALID', 'tensors.similarityScores', ['overflow']);
  await refused(await file('itemknn', (s) => void s.seen.data.fill(1e36)), 'MODEL_FILE_INVALID', 'tensors.similarityScores', ['overflow']);
  await refused(await file('autoencoder', (s) => void s.tensors['out.weight'].fill(1e36)), 'MODEL_FILE_INVALID', 'tensors.out.weight', ['overflow']);
  await refused(await file('autoencoder-item', (s) => void s.tensors['in.weight'].fill(3e38)), 'MODEL_FILE_INVALID', 'tensors.in.weight', ['overflow']);
  await refused(await file('sampled-mf', (s) => void (Object.values(s.training!.tensors)[0][0] = NaN), 'resumable'), 'MODEL_FILE_INVALID', /^training\.tensors\./, ['non-finite']);
  await refused(await file('als', (s) => void (s.seen.data = s.seen.data.map((x, i) => (i === 2 ? Infinity : x + 0.5)))), 'MODEL_FILE_INVALID', 'seen.data', ['non-finite']);
  // CSR index arrays: negative, out of range, shorter than declared, not monotone
  const csr = (name: string, edit: (a: Int32Array) => Int32Array | void) => (s: ModelState) => {
    const out = edit(s.tensors[name] as Int32Array);
    if (out) s.tensors[name] = out;
    s.shapes[name] = [s.tensors[name].length];
  };
  await refused(await file('itemknn', csr('similarityIndices', (a) => void (a[0] = -1))), 'MODEL_FILE_INVALID', 'tensors.similarityIndices');
  await refused(await file('itemknn', csr('similarityIndices', (a) => void (a[3] = 20))), 'MODEL_FILE_INVALID', 'tensors.similarityIndices');
  await refused(await file('itemknn', csr('similarityIndptr', (a) => a.subarray(0, 10))), 'MODEL_FILE_INVALID', 'tensors.similarityIndptr.shape');
  await refused(await file('itemknn', csr('similarityIndptr', (a) => void ([a[2], a[3]] = [a[3], a[2]]))), 'MODEL_FILE_INVALID', 'tensors.similarityIndptr');
  await refused(await file('gru', csr('seqItems', (a) => void (a[1] = 99))), 'MODEL_FILE_INVALID', 'tensors.seqItems');
  await refused(await file('gru', csr('seqItems', (a) => a.subarray(1))), 'MODEL_FILE_INVALID', 'tensors.seqIndptr');
  await refused(await file('two-tower', csr('featIndices', (a) => void (a[0] = 2))), 'MODEL_FILE_INVALID', 'tensors.featIndices');
  await refused(await file('lightfm-features', csr('itemFeatureIndices', (a) => void (a[0] = -5))), 'MODEL_FILE_INVALID', 'tensors.itemFeatureIndices');
});

test('untrusted/errors: malformed params get an error naming the field and the fault, never an engine message', async () => {
  const models = await tinyModels();
  const file = async (kind: (typeof KINDS)[number], edit: (s: ModelState) => void) => edited(await saveModel(models[kind]), edit);
  const features = (s: ModelState) => s.params.features as Record<string, Record<string, unknown>>;
  await refused(await file('lightfm-features', (s) => void (features(s).item.names = 7)), 'MODEL_FILE_INVALID', 'params.features.item.names');
  await refused(await file('lightfm-features', (s) => void (features(s).item.keys = 'x')), 'MODEL_FILE_INVALID', 'params.features.item.keys');
  await refused(await file('lightfm', (s) => void (s.params.features = 3)), 'MODEL_FILE_INVALID', 'params.features');
  await refused(await file('lightfm', (s) => void (features(s).user.cols = 1.5)), 'MODEL_FILE_INVALID', 'params.features.user.cols');
  await refused(await file('two-tower', (s) => void (s.params.featureNames = 5)), 'MODEL_FILE_INVALID', 'params.featureNames');
  await refused(await file('autoencoder', (s) => void (s.params.hiddenLayers = 'wide')), 'MODEL_FILE_INVALID', 'params.hiddenLayers');
  await refused(await file('hashed-mf', (s) => void (s.params.factors = -3)), 'MODEL_FILE_INVALID', 'params.factors');
  await refused(await file('gru', (s) => void (s.params.factors = 0.5)), 'MODEL_FILE_INVALID', 'params.factors');
});
