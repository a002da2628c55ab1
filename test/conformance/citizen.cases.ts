// Issue 15, "a good citizen": unknown option keys are typed errors naming the key and the closest valid one; errors
// say what the user did and how to fix it; non-finite numbers never pass silently; rows without interactions have
// no similarity; typed loading.
import {
  AlsRecommender, BprRecommender, LmfRecommender, LightFmRecommender, ItemKnnRecommender, PopularityRecommender,
  Interactions, Vocabulary, InvalidArgumentError, UnknownOptionError, UnknownUserError, UnknownItemError,
  ModelFileError, randomSplit, temporalSplit, leaveKOut, globalTemporalSplit, evaluate, saveModel, loadModel,
  readModelState, encodeModelState, readInteractions, init, getBackend, TrainingDivergedError, type Recommendation,
} from 'recwise';
import {
  AutoencoderRecommender, SampledMfRecommender, HashedMfRecommender, GruRecommender, TwoTowerRecommender,
} from 'recwise/nn';
import { createHandler } from 'recwise/serve';
import {
  createPipeline, popularCandidates, mmr, businessRules, ExactIndex, HnswIndex, SimilarityRecommender,
  InferenceRecommender,
} from 'recwise/retrieval';
import { test } from './harness.ts';
import { deepEqual, equal, ok, rejects, throws } from './assert.ts';
import { checkerboard } from './fixtures.ts';

/** Interactions straight from arrays (no builder validation): users × items with the given weights per row. */
function fromRows(users: readonly (string | number)[], items: readonly (string | number)[], rows: readonly (readonly [number, number][])[]): Interactions {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const row of rows) {
    for (const [i, w] of [...row].sort((a, b) => a[0] - b[0])) {
      indices.push(i);
      data.push(w);
    }
    indptr.push(indices.length);
  }
  const csr = { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data), rows: users.length, cols: items.length };
  return new Interactions(Vocabulary.from(users), Vocabulary.from(items), csr);
}

/** The checkerboard plus item `i20` that nobody interacted with. */
function checkerboardWithEmptyItem(): Interactions {
  const base = checkerboard();
  const items = Vocabulary.from([...base.items.ids(), 'i20']);
  return new Interactions(base.users, items, { ...base.byUser, cols: 21 });
}

function unknownOption(fn: () => unknown, key: string, suggestion: string | undefined): void {
  throws(fn, UnknownOptionError, { code: 'UNKNOWN_OPTION', field: key, suggestion });
}

async function unknownOptionAsync(fn: () => Promise<unknown>, key: string, suggestion: string | undefined): Promise<void> {
  await rejects(fn, UnknownOptionError, { code: 'UNKNOWN_OPTION', field: key, suggestion });
}

// ---- unknown option keys ----------------------------------------------------------------------------------------

test('citizen/options: every model constructor rejects an unknown key and names the closest one', () => {
  const cases: [() => unknown, string, string | undefined][] = [
    [() => new AlsRecommender({ factor: 8 } as never), 'factor', 'factors'],
    [() => new AlsRecommender({ regularisation: 0.1 } as never), 'regularisation', 'regularization'],
    [() => new BprRecommender({ learning_rate: 0.1 } as never), 'learning_rate', 'learningRate'],
    [() => new LmfRecommender({ itertions: 3 } as never), 'itertions', 'iterations'],
    [() => new LightFmRecommender({ no_components: 8 } as never), 'no_components', undefined],
    [() => new LightFmRecommender({ item_alpha: 1e-6 } as never), 'item_alpha', 'itemAlpha'],
    [() => new ItemKnnRecommender({ neighbours: 5 } as never), 'neighbours', 'neighbors'],
    [() => new PopularityRecommender({ wieghted: true } as never), 'wieghted', 'weighted'],
    [() => new AutoencoderRecommender({ hiddenLayer: [8] } as never), 'hiddenLayer', 'hiddenLayers'],
    [() => new SampledMfRecommender({ epoch: 2 } as never), 'epoch', 'epochs'],
    [() => new HashedMfRecommender({ userBucket: 8 } as never), 'userBucket', 'userBuckets'],
    [() => new GruRecommender({ maxSeqLength: 5 } as never), 'maxSeqLength', 'maxSeqLen'],
    [() => new TwoTowerRecommender({ hiden: [8] } as never), 'hiden', 'hidden'],
  ];
  for (const [fn, key, suggestion] of cases) unknownOption(fn, key, suggestion);
  // the message says what and how
  throws(() => new AlsRecommender({ factor: 8 } as never), UnknownOptionError, /Unknown option `factor` in AlsRecommender options.*did you mean `factors`\?/);
  // known keys still work, and an explicit undefined of a known key is not an error
  equal(new HashedMfRecommender({ userBuckets: 8, factors: 4 }).hashing.userBuckets, 8);
});

test('citizen/options: fit, recommend, recommendBatch and similar* reject unknown keys', async () => {
  const data = checkerboard();
  const als = await new AlsRecommender({ factors: 4, iterations: 2 }).fit(data);
  await unknownOptionAsync(() => new AlsRecommender({ factors: 4 }).fit(data, { onProgres: () => {} } as never), 'onProgres', 'onProgress');
  await unknownOptionAsync(() => new LightFmRecommender({ factors: 4 }).fit(data, { epoch: 1 } as never), 'epoch', 'epochs');
  await unknownOptionAsync(() => new SampledMfRecommender({ factors: 4 }).fit(data, { resume: als } as never), 'resume', 'resumeFrom');
  unknownOption(() => als.recommend('u0', { filter_seen: false } as never), 'filter_seen', 'filterSeen');
  unknownOption(() => als.recommend('u0', { exlude: ['i1'] } as never), 'exlude', 'exclude');
  await unknownOptionAsync(() => als.recommendBatch(['u0'], { n: 3 } as never), 'n', undefined);
  unknownOption(() => als.similarItems('i0', { N: 3 } as never), 'N', undefined);
  unknownOption(() => als.similarItems('i0', { K: 3 } as never), 'K', 'k');
  unknownOption(() => als.similarUsers('u0', { filter_items: ['u1'] } as never), 'filter_items', undefined);
  await unknownOptionAsync(() => als.similarItemsBatch(['i0'], { exclud: [] } as never), 'exclud', 'exclude');
  const knn = await new ItemKnnRecommender({ neighbors: 5 }).fit(data);
  unknownOption(() => knn.similarItems('i0', { items: ['i1'] } as never), 'items', undefined);
  await unknownOptionAsync(() => knn.recommendBatch(['u0'], { K: 3 } as never), 'K', 'k');
});

test('citizen/options: splits, evaluate, saveModel/loadModel, createHandler and pipeline factories reject unknown keys', async () => {
  const data = checkerboard();
  unknownOption(() => randomSplit(data, { test_fraction: 0.2 } as never), 'test_fraction', 'testFraction');
  unknownOption(() => temporalSplit(data, { testcount: 1 } as never), 'testcount', 'testCount');
  unknownOption(() => leaveKOut(data, { seeds: 1 } as never), 'seeds', 'seed');
  unknownOption(() => globalTemporalSplit(data, { cutof: 3 } as never), 'cutof', 'cutoff');
  const model = await new PopularityRecommender().fit(data);
  await unknownOptionAsync(() => evaluate(model, data, { metric: ['ndcg'] } as never), 'metric', 'metrics');
  await unknownOptionAsync(() => saveModel(model, undefined, { precison: 'f16' } as never), 'precison', 'precision');
  const bytes = await saveModel(model);
  await unknownOptionAsync(() => loadModel(bytes, { signl: undefined } as never), 'signl', 'signal');
  await unknownOptionAsync(() => readModelState(bytes, { onprogress: () => {} } as never), 'onprogress', 'onProgress');
  unknownOption(() => createHandler(Promise.resolve(model), { maxk: 5 } as never), 'maxk', 'maxK');
  unknownOption(() => createPipeline({ generators: [popularCandidates({ items: [] })], rerank: [] } as never), 'rerank', 'rerankers');
  unknownOption(() => popularCandidates({ items: [], wen: 'always' } as never), 'wen', 'when');
  unknownOption(() => mmr({ vectors: new Map(), lamda: 0.5 } as never), 'lamda', 'lambda');
  unknownOption(() => businessRules({ maxPerCategoy: 2 } as never), 'maxPerCategoy', 'maxPerCategory');
  const pipeline = createPipeline({ generators: [popularCandidates({ items: [{ item: 'i1', score: 1 }], when: 'always' })] });
  await unknownOptionAsync(() => pipeline.run({ user: 'u0', exludes: [] } as never), 'exludes', 'exclude');
});

test('citizen/options: init, indexes, search, initKnn, history recommenders and model-specific methods reject unknown keys', async () => {
  await unknownOptionAsync(() => init({ thread: 1 } as never), 'thread', 'threads');
  const vectors = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
  const ids = Array.from({ length: 10 }, (_, i) => `v${i}`);
  await unknownOptionAsync(() => HnswIndex.build(ids, vectors, 4, { efconstruction: 10 } as never), 'efconstruction', 'efConstruction');
  await unknownOptionAsync(() => ExactIndex.build(ids, vectors, 4, { metrc: 'cosine' } as never), 'metrc', 'metric');
  const exact = await ExactIndex.build(ids, vectors, 4);
  unknownOption(() => exact.search('v0', 3, { exclued: ['v1'] } as never), 'exclued', 'exclude');
  const hnsw = await HnswIndex.build(ids, vectors, 4);
  unknownOption(() => hnsw.search('v0', 3, { eff: 10 } as never), 'eff', 'ef');
  const data = checkerboard();
  const als = await new AlsRecommender({ factors: 4, iterations: 2 }).fit(data);
  await unknownOptionAsync(() => als.initKnn({ approximate: false, sim_type: 'cosine' } as never), 'sim_type', 'simType');
  await unknownOptionAsync(() => als.initKnn({ hnsw: { m: 8 } } as never), 'm', 'M');
  unknownOption(() => als.explain('u0', 'i1', { K: 2 } as never), 'K', 'k');
  await als.initKnn({ approximate: false });
  unknownOption(() => new SimilarityRecommender(als.knnIndexes!.items, { neighbours: 3 } as never), 'neighbours', 'neighbors');
  unknownOption(() => new InferenceRecommender(als).recommend(['i1'], { filter_seen: true } as never), 'filter_seen', 'filterSeen');
  const lfm = await new LightFmRecommender({ factors: 4, epochs: 1 }).fit(data);
  unknownOption(() => lfm.predictRank('u0', ['i1'], { filterseen: true } as never), 'filterseen', 'filterSeen');
  unknownOption(() => lfm.similarFeatures('x', { sides: 'item' } as never), 'sides', 'side');
  unknownOption(() => lfm.explain('u0', 'i1', { n: 3 } as never), 'n', undefined);
  const tt = await new TwoTowerRecommender({ factors: 4, epochs: 1, hidden: [4], negatives: 4 }).fit(data);
  unknownOption(() => tt.dynUserEmbedding('new', { sequence: ['i1'] } as never), 'sequence', 'seq');
});

test('citizen/options: a model file with an unknown param (saved before keys were checked) loads, and re-saves without it', async () => {
  const model = await new AlsRecommender({ factors: 3, iterations: 1 }).fit(checkerboard());
  const state = model.toState();
  // what the old version wrote for new AlsRecommender({ factors: 3, factor: 8 })
  const bytes = encodeModelState({ ...state, params: { ...state.params, factor: 8 } });
  const loaded = await loadModel(bytes, AlsRecommender);
  equal(loaded.options.factors, 3);
  ok(!('factor' in loaded.params), 'the unknown key is dropped');
  deepEqual(loaded.recommend('u0', { k: 3 }), model.recommend('u0', { k: 3 }));
  ok(!('factor' in (await readModelState(await saveModel(loaded))).params), 're-saved clean');
});

// ---- messages that say what the user did -----------------------------------------------------------------------

test('citizen/messages: fit(readInteractions result) says to pass .interactions, fit(split) says .train', async () => {
  const read = await readInteractions(new TextEncoder().encode('user\titem\n1\t10\n1\t11\n2\t10\n'), { format: 'tsv' });
  await rejects(() => new AlsRecommender({ factors: 2 }).fit(read as never), InvalidArgumentError, /pass its `\.interactions`/);
  await rejects(() => new PopularityRecommender().fit(randomSplit(checkerboard()) as never), InvalidArgumentError, /pass its `\.train`/);
  await rejects(() => new PopularityRecommender().fit(undefined as never), InvalidArgumentError, { field: 'data' });
  throws(() => leaveKOut(read as never), InvalidArgumentError, /pass its `\.interactions`: .*leaveKOut\(interactions/);
  const model = await new PopularityRecommender().fit(read.interactions);
  await rejects(() => evaluate(model, read as never), InvalidArgumentError, /pass its `\.interactions`/);
});

test('citizen/messages: an id of the wrong type (string vs number) gets a hint with the right one', async () => {
  const data = fromRows([196, 197], [10, 11, 12], [[[10 - 10, 1], [1, 1]], [[1, 1], [2, 1]]]);
  const als = await new AlsRecommender({ factors: 2, iterations: 1 }).fit(data);
  throws(() => als.recommend('196'), UnknownUserError, /ids are numbers in this model.*did you mean 196/);
  throws(() => als.similarItems('10'), UnknownItemError, /did you mean 10/);
  throws(() => als.recommend(196, { include: ['11'] }), UnknownItemError, /did you mean 11/);
  throws(() => als.recommend('999'), UnknownUserError, /^(?!.*did you mean)/);
  const named = await new PopularityRecommender().fit(fromRows(['7'], ['a'], [[[0, 1]]]));
  throws(() => named.recommend(7), UnknownUserError, /ids are strings in this model.*did you mean "7"/);
});

test('citizen/messages: evaluating on the training data says every test pair is a train pair', async () => {
  const data = checkerboard();
  const model = await new PopularityRecommender().fit(data);
  await rejects(() => evaluate(model, data), InvalidArgumentError, /all 180 test pairs are training pairs/);
  const other = fromRows(['x'], ['y'], [[[0, 1]]]);
  await rejects(() => evaluate(model, other), InvalidArgumentError, /same ids/);
});

// ---- non-finite numbers -----------------------------------------------------------------------------------------

test('citizen/numbers: fit rejects NaN and ±Infinity weights of directly built interactions, naming the row', async () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const data = fromRows(['a', 'b'], ['x', 'y'], [[[0, 1]], [[0, 1], [1, bad]]]);
    for (const model of [new AlsRecommender({ factors: 2 }), new BprRecommender({ factors: 2 }), new PopularityRecommender(), new LightFmRecommender({ factors: 2 })]) {
      await rejects(() => model.fit(data), InvalidArgumentError, /byUser\.data\[2\] \(user "b", item "y"\)/);
    }
  }
  const lfm = await new LightFmRecommender({ factors: 2, epochs: 1 }).fit(fromRows(['a'], ['x'], [[[0, 1]]]));
  await rejects(() => lfm.fitPartial(fromRows(['a'], ['x'], [[[0, NaN]]])), InvalidArgumentError, /byUser\.data\[0\]/);
});

test('citizen/numbers: LightFM rejects NaN and ±Infinity feature values, naming the row and feature', async () => {
  const data = fromRows(['a', 'b'], ['x', 'y'], [[[0, 1]], [[1, 1]]]);
  const matrix = { indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(0, 1), data: Float32Array.of(1, NaN), rows: 2, cols: 2 };
  await rejects(
    () => new LightFmRecommender({ factors: 2 }).fit(data, { itemFeatures: { matrix, names: ['genre:a', 'genre:b'] } }),
    InvalidArgumentError,
    /itemFeatures row 1 \("y"\), feature "genre:b"/,
  );
});

// ---- divergence --------------------------------------------------------------------------------------------------

test('citizen/diverged: Backend.allFinite (Wasm SIMD scan) agrees with the reference for NaN/±Infinity at every position', async () => {
  for (const name of ['js', 'wasm'] as const) {
    await init({ backend: name });
    const b = await getBackend();
    for (let n = 1; n <= 19; n++) {
      const clean = Float32Array.from({ length: n }, (_, i) => (i % 3) - 1.5e38 * (i % 2));
      const m = b.matrix(clean, n, 1);
      equal(b.allFinite(m), true, `${name} n ${n} clean`);
      m.dispose();
      for (let at = 0; at < n; at++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const data = clean.slice();
          data[at] = bad;
          const bm = b.matrix(data, 1, n);
          equal(b.allFinite(bm), false, `${name} n ${n}, ${bad} at ${at}`);
          bm.dispose();
        }
      }
    }
  }
  await init();
});

test('citizen/diverged: a learning rate that blows up stops the fit with TrainingDivergedError naming the epoch and the fix', async () => {
  const data = checkerboard();
  const cases: [() => { fit(d: Interactions): Promise<unknown>; fitted: boolean }, RegExp][] = [
    [() => new LightFmRecommender({ factors: 4, learningRate: 1e7, epochs: 30, loss: 'logistic' }), /decreasing the learning rate \(learningRate is 10000000/],
    [() => new BprRecommender({ factors: 4, learningRate: 1e7, iterations: 30 }), /decreasing the learning rate/],
    [() => new LmfRecommender({ factors: 4, learningRate: 1e20, iterations: 30 }), /decreasing the learning rate/],
    [() => new SampledMfRecommender({ factors: 4, learningRate: 1e12, optimizer: 'sgd', epochs: 30, batchSize: 4 }), /decreasing the learning rate/],
    [() => new AlsRecommender({ factors: 4, iterations: 3, alpha: 1e38 }), /alpha/],
  ];
  for (const [make, fix] of cases) {
    const model = make();
    await rejects(() => model.fit(data), TrainingDivergedError, fix);
    ok(!model.fitted, 'the model stays unfitted');
  }
  try {
    await new BprRecommender({ factors: 4, learningRate: 1e7, iterations: 30 }).fit(data);
  } catch (e) {
    ok(e instanceof TrainingDivergedError && e.epoch >= 1 && e.epoch <= 30 && e.code === 'DIVERGED' && /after epoch \d+ of the bpr fit/.test(e.message));
  }
});

// ---- no signal, no similarity -----------------------------------------------------------------------------------

for (const solver of ['cg', 'cholesky'] as const) {
  test(`citizen/empty-rows: ALS (${solver}) gives rows without interactions zero factors; similar* never returns them`, async () => {
    const data = checkerboardWithEmptyItem();
    const als = await new AlsRecommender({ factors: 4, iterations: 3, solver }).fit(data);
    deepEqual(als.getItemEmbedding('i20'), new Float32Array(4));
    for (const item of data.items.ids()) {
      const similar = als.similarItems(item, { k: 21 });
      ok(!similar.some((r) => r.item === 'i20'), `i20 in similarItems(${item})`);
    }
    deepEqual(als.similarItems('i20'), [], 'an item without signal has no neighbours');
    const batch = await als.similarItemsBatch(['i0', 'i20'], { k: 21 });
    equal(batch[0].length, 20);
    equal(batch[1].length, 0);
  });
}

test('citizen/empty-rows: BPR and LMF leave items without interactions at zero; similar* skips them', async () => {
  const data = checkerboardWithEmptyItem();
  for (const model of [new BprRecommender({ factors: 4, iterations: 3 }), new LmfRecommender({ factors: 4, iterations: 3 })]) {
    await model.fit(data);
    ok(model.getItemEmbedding('i20').every((v) => v === 0), `${model.kind}: zero row`);
    ok(!model.similarItems('i0', { k: 21 }).some((r) => r.item === 'i20'), `${model.kind}: i20 returned`);
  }
});

test('citizen/empty-rows: sampled MF never returns an item without interactions (its factors are the untouched random init)', async () => {
  const data = checkerboardWithEmptyItem();
  const mf = await new SampledMfRecommender({ factors: 4, epochs: 2, batchSize: 5 }).fit(data);
  ok(mf.getItemEmbedding('i20').some((v) => v !== 0), 'the row is random, not zero');
  ok(!mf.similarItems('i0', { k: 21 }).some((r) => r.item === 'i20'));
  deepEqual(mf.similarItems('i20'), []);
});

// ---- similar* include / exclude ---------------------------------------------------------------------------------

function ids(list: readonly Recommendation[]): unknown[] {
  return list.map((r) => r.item);
}

test('citizen/similar: include ranks only the listed items, exclude leaves items out (implicit items / filter_items)', async () => {
  const data = checkerboard();
  const models = [
    await new AlsRecommender({ factors: 4, iterations: 3 }).fit(data),
    await new BprRecommender({ factors: 4, iterations: 5 }).fit(data),
    await new LightFmRecommender({ factors: 4, epochs: 3 }).fit(data),
    await new ItemKnnRecommender({ neighbors: 20 }).fit(data),
  ];
  for (const m of models) {
    const all = m.similarItems('i0', { k: 20 });
    const excluded = m.similarItems('i0', { k: 5, exclude: ['i0', String(all[1].item), 'not-an-item'] });
    deepEqual(ids(excluded), ids(all.filter((r) => r.item !== 'i0' && r.item !== all[1].item)).slice(0, 5), `${m.kind} exclude`);
    const wanted = ['i13', 'i2', 'i5'];
    const included = m.similarItems('i0', { k: 10, include: wanted });
    deepEqual(ids(included), ids(all.filter((r) => wanted.includes(String(r.item)))), `${m.kind} include`);
    for (const r of included) ok(Math.abs(r.score - all.find((a) => a.item === r.item)!.score) < 1e-4, `${m.kind} include scores`);
    throws(() => m.similarItems('i0', { include: ['nope'] }), UnknownItemError);
    throws(() => m.similarItems('i0', { include: ['i1'], exclude: ['i2'] }), InvalidArgumentError, { field: 'include' });
  }
  const als = models[0] as AlsRecommender;
  const users = als.similarUsers('u0', { k: 3, exclude: ['u0'] });
  ok(!ids(users).includes('u0'));
  equal(users.length, 3);
  deepEqual(ids(als.similarUsers('u0', { include: ['u15', 'u1'] })), ['u1', 'u15']);
  const batch = await als.similarItemsBatch(['i0', 'i1'], { k: 4, exclude: ['i0', 'i1'] });
  deepEqual(batch.map(ids), [ids(als.similarItems('i0', { k: 4, exclude: ['i0', 'i1'] })), ids(als.similarItems('i1', { k: 4, exclude: ['i0', 'i1'] }))]);
});

// ---- typed loading ----------------------------------------------------------------------------------------------

test('citizen/load: Model.load and loadModel(source, Model) check the kind and return the class', async () => {
  const als = await new AlsRecommender({ factors: 3, iterations: 1 }).fit(checkerboard());
  const bytes = await saveModel(als);
  const a = await AlsRecommender.load(bytes);
  ok(a instanceof AlsRecommender);
  equal(a.explain('u0', 'i1').contributions.length > 0, true); // an AlsRecommender method, no cast
  const b = await loadModel(bytes, AlsRecommender);
  ok(b instanceof AlsRecommender);
  await rejects(() => BprRecommender.load(bytes), ModelFileError, { code: 'MODEL_FILE_KIND', value: 'als' });
  await rejects(() => loadModel(bytes, LightFmRecommender), ModelFileError, /expected a 'lightfm' model, the file holds a 'als' model/);
  ok((await loadModel(bytes)) instanceof AlsRecommender, 'untyped loading still returns the concrete model');
});
