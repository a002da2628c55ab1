// BlendRecommender (issue 19): scores are the weighted sum of each member's per-user normalised scores (checked against
// a plain TS computation from the members' own scores), one model file holds the members (save → load gives the
// same lists and scores; untrusted member contents are refused by the members' layouts), options are checked, and
// tune's blend stage scores weight vectors on the validation split and refits a winning blend.
import {
  init, EaseRecommender, ItemKnnRecommender, AlsRecommender, Rp3BetaRecommender, InvalidArgumentError,
  UnknownOptionError, NotSupportedError, saveModel, loadModel, evaluate, type Recommender,
} from 'recwise';
import { BlendRecommender, tune } from 'recwise/tune';
import { test } from './harness.ts';
import { describeRecommender } from './recommender-contract.ts';
import { checkerboard, randomInteractions } from './fixtures.ts';
import { edited, refused } from './untrusted-fixtures.ts';
import { close, deepEqual, equal, ok, rejects, throws } from './assert.ts';

describeRecommender('blend', {
  makeModel: () => new BlendRecommender({ members: [new EaseRecommender({ lambda: 1 }), new ItemKnnRecommender({ similarity: 'bm25', neighbors: 6 })], weights: [0.6, 0.4] }),
  fixture: checkerboard,
  top1: Array.from({ length: 20 }, (_, u) => [`u${u}`, `i${(u < 10 ? 0 : 10) + (u % 10)}`] as const),
  foldIn: 'same',
});

/** The blend's score row for `user`, computed from the members' raw scores (f64). */
function reference(members: Recommender[], weights: number[], how: 'z-score' | 'min-max' | 'none', user: number, items: number[], seen: Set<number>): number[] {
  const out = new Float64Array(items.length);
  members.forEach((m, r) => {
    const s = m.score(user, items);
    const cand = items.filter((i) => !seen.has(i)).map((i) => s[items.indexOf(i)]);
    let shift = 0;
    let scale = 1;
    if (how === 'z-score') {
      shift = cand.reduce((a, b) => a + b, 0) / cand.length;
      const sd = Math.sqrt(cand.reduce((a, b) => a + (b - shift) ** 2, 0) / cand.length);
      scale = sd > 0 ? 1 / sd : 0;
    } else if (how === 'min-max') {
      shift = Math.min(...cand);
      const range = Math.max(...cand) - shift;
      scale = range > 0 ? 1 / range : 0;
    }
    s.forEach((v, j) => (out[j] += weights[r] * (v - shift) * scale));
  });
  return Array.from(out);
}

test('blend/score: each member normalised per user over unseen items, then weighted (z-score, min-max, none)', async () => {
  await init();
  const data = randomInteractions(80, 30, 8, 11);
  const ease = await new EaseRecommender({ lambda: 5 }).fit(data);
  const als = await new AlsRecommender({ factors: 6, iterations: 4, regularization: 0.1 }).fit(data);
  const items = Array.from({ length: 30 }, (_, i) => i);
  for (const how of ['z-score', 'min-max', 'none'] as const) {
    const blend = BlendRecommender.of([ease, als], { weights: [0.7, -0.2], normalize: how });
    for (const user of [0, 17, 79]) {
      const seen = new Set(data.itemsOf(user));
      close(blend.score(user, items), reference([ease, als], [0.7, -0.2], how, user, items, seen), 1e-4, `${how} user ${user}`);
    }
  }
  // default weights are equal; fit fits every member on the data
  const fitted = await new BlendRecommender({ members: [new EaseRecommender({ lambda: 5 }), new AlsRecommender({ factors: 6, iterations: 4, regularization: 0.1 })] }).fit(data);
  deepEqual(fitted.weights, [0.5, 0.5]);
  ok(fitted.members.every((m) => m.fitted), 'members fitted');
  close(fitted.score(3, items), reference([ease, als], [0.5, 0.5], 'z-score', 3, items, new Set(data.itemsOf(3))), 1e-4);
});

test('blend/io: one model file holds the members; save → load gives the same lists and scores', async () => {
  await init();
  const data = randomInteractions(60, 25, 8, 5);
  const blend = await new BlendRecommender({
    members: [new Rp3BetaRecommender({ neighbors: 10 }), new AlsRecommender({ factors: 5, iterations: 3 }), new EaseRecommender({ lambda: 3, neighbors: 6 })],
    weights: [0.5, 0.2, 0.3], normalize: 'min-max',
  }).fit(data);
  const bytes = await saveModel(blend);
  const back = await loadModel(bytes, BlendRecommender);
  deepEqual(back.params, blend.params);
  deepEqual(back.members.map((m) => m.kind), ['rp3beta', 'als', 'ease']);
  const users = data.users.ids();
  deepEqual(await back.recommendBatch(users, { k: 5 }), await blend.recommendBatch(users, { k: 5 }));
  deepEqual(back.score(4, [0, 1, 2, 3]), blend.score(4, [0, 1, 2, 3]));
  deepEqual(back.recommend('new', { userItems: [1, 2, 3], k: 4 }), blend.recommend('new', { userItems: [1, 2, 3], k: 4 }));
  // an unfitted blend saves its configuration and loads back unfitted
  const config = await loadModel(await saveModel(new BlendRecommender({ members: [new EaseRecommender()], normalize: 'none' })));
  ok(config instanceof BlendRecommender && !config.fitted && config.members[0] instanceof EaseRecommender, 'configuration round trip');
});

test('blend/untrusted: member tensors are checked by the member\'s layout; nesting, stray tensors and bad params refused', async () => {
  await init();
  const data = randomInteractions(40, 20, 6, 9);
  const blend = await new BlendRecommender({ members: [new EaseRecommender({ lambda: 3 }), new AlsRecommender({ factors: 4, iterations: 2 })] }).fit(data);
  const bytes = await saveModel(blend);
  ok((await loadModel(bytes)) instanceof BlendRecommender, 'the genuine file loads');
  // a member's factor table one row short
  await refused(edited(bytes, (s) => { s.tensors['m1.itemFactors'] = (s.tensors['m1.itemFactors'] as Float32Array).slice(4); s.shapes['m1.itemFactors'] = [19, 4]; }), 'MODEL_FILE_INVALID', 'tensors.m1.itemFactors.shape');
  // a member's similarity CSR pointing outside the catalogue
  await refused(edited(bytes, (s) => { const ix = (s.tensors['m0.similarityIndices'] as Int32Array).slice(); ix[0] = 999; s.tensors['m0.similarityIndices'] = ix; }), 'MODEL_FILE_INVALID', /m0\.similarityIndices/);
  // finite factor rows that would overflow float32 scores
  await refused(edited(bytes, (s) => {
    for (const name of ['m1.userFactors', 'm1.itemFactors']) {
      const f = (s.tensors[name] as Float32Array).slice();
      f[0] = 1e30;
      s.tensors[name] = f;
    }
  }), 'MODEL_FILE_INVALID', /m1\./);
  await refused(edited(bytes, (s) => { (s.params.members as { kind: string }[])[0].kind = 'blend'; }), 'MODEL_FILE_INVALID', 'params.members[0].kind');
  await refused(edited(bytes, (s) => { s.tensors.extra = new Float32Array(3); s.shapes.extra = [3]; }), 'MODEL_FILE_INVALID', 'params.tensors');
  await refused(edited(bytes, (s) => { s.params.weights = [1]; }), 'MODEL_FILE_INVALID', 'params.weights');
});

test('blend/options: typed errors naming the field; members of different data are refused', async () => {
  await init();
  throws(() => new BlendRecommender({ members: [new EaseRecommender()], wieghts: [1] } as never), UnknownOptionError, { field: 'wieghts' });
  await rejects(new BlendRecommender({ members: [] }).fit(randomInteractions(5, 5, 2, 1)), InvalidArgumentError, { field: 'members' });
  throws(() => new BlendRecommender({ members: {} as never }), InvalidArgumentError, { field: 'members' });
  throws(() => new BlendRecommender({ members: [new EaseRecommender()], weights: [1, 2] }), InvalidArgumentError, { field: 'weights' });
  throws(() => new BlendRecommender({ members: [new EaseRecommender()], weights: [Number.NaN] }), InvalidArgumentError, { field: 'weights' });
  throws(() => new BlendRecommender({ members: [new EaseRecommender()], normalize: 'rank' as never }), InvalidArgumentError, { field: 'normalize' });
  throws(() => new BlendRecommender({ members: [{ kind: 'svd', params: {} }] }), InvalidArgumentError, { field: 'members[0].kind' });
  const a = await new EaseRecommender({ lambda: 3 }).fit(randomInteractions(30, 12, 5, 1));
  const b = await new EaseRecommender({ lambda: 3 }).fit(randomInteractions(31, 12, 5, 2));
  throws(() => BlendRecommender.of([a, b]), InvalidArgumentError, { field: 'members[1]' });
  throws(() => BlendRecommender.of([a]).similarItems(0), NotSupportedError);
});

test('tune/blend: after the single-model search, weight vectors over the families\' best points are scored on validation and a winning blend is refitted', async () => {
  await init();
  const train = randomInteractions(150, 40, 12, 31, { binary: true, skewed: true });
  const valid = randomInteractions(150, 40, 3, 37, { binary: true });
  const r = await tune({ train, valid, models: ['ease', 'rp3beta'], maxPoints: 4, bracketSize: 1, budgetSeconds: 3600, blend: 2, complementPoints: 0 });
  const blends = r.trials.filter((t) => t.model === 'blend' && !t.fold);
  equal(blends.length, 9, 'the 0.1-step grid over two members without its two vertices');
  for (const t of blends) {
    const w = t.params.weights as number[];
    equal(w.length, 2);
    close(w[0] + w[1], 1, 1e-12);
    equal(t.rung, 1);
  }
  // a blend trial's score is the blend's metric on the validation rows (members fitted on train: valid was given)
  const t = blends[4];
  const members = await Promise.all((t.params.members as { kind: string; params: Record<string, unknown> }[]).map((m) =>
    (m.kind === 'ease' ? new EaseRecommender(m.params) : new Rp3BetaRecommender(m.params)).fit(train)));
  const direct = await evaluate(BlendRecommender.of(members, { weights: t.params.weights as number[] }), { test: valid }, { k: 10 });
  close(t.score, direct.means.ndcg!, 1e-5);
  close(t.precision, direct.means.precision!, 1e-5);
  if (r.best.model === 'blend') ok(r.model instanceof BlendRecommender && r.model.fitted, 'a winning blend is refitted on train');
  // no blend stage with blend: 0 or a single family
  equal((await tune({ train, valid, models: ['ease', 'rp3beta'], maxPoints: 3, bracketSize: 3, budgetSeconds: 3600, blend: 0 })).trials.filter((x) => x.model === 'blend').length, 0);
  await rejects(tune({ train, blend: -1 }), InvalidArgumentError, { field: 'blend' });
});

test('tune/blend: the complement stage scores points of every family beside the best base at weights 0.1 … 0.5 and alone, each blend as the blend itself scores', async () => {
  await init();
  const train = randomInteractions(150, 40, 12, 31, { binary: true, skewed: true });
  const valid = randomInteractions(150, 40, 3, 37, { binary: true });
  const r = await tune({ train, valid, models: ['ease', 'rp3beta'], maxPoints: 4, bracketSize: 1, budgetSeconds: 3600, blend: 2, selectionFolds: 0, complementPoints: 4 });
  const first = r.trials.filter((t) => !t.fold);
  // the search's points, the grid's 9 blends of the two families' best points, then 4 complement points of 6 trials each
  const searched = first.slice(0, first.findIndex((t) => t.model === 'blend'));
  const complement = first.slice(searched.length + 9);
  equal(complement.length, 4 * 6, 'complement trials');
  ok(complement.every((t) => t.complement) && first.slice(0, searched.length + 9).every((t) => !t.complement), 'complement trials are marked');
  // the base: the best point of at most blend − 1 = 1 member
  const base = searched.filter((t) => t.rung === 1).reduce((a, t) => (t.score > a.score ? t : a));
  const spec = (t: { model: string; params: Record<string, unknown> }) => ({ kind: t.model, params: t.params });
  for (let p = 0; p < 4; p++) {
    const [single, ...blends] = complement.slice(p * 6, p * 6 + 6);
    ok(single.model === 'ease' || single.model === 'rp3beta', single.model);
    equal(single.rung, 1);
    deepEqual(blends.map((b) => b.params), [0.1, 0.2, 0.3, 0.4, 0.5].map((w) => ({
      members: [spec(base), spec(single)], weights: [Number((1 - w).toFixed(4)), w], normalize: 'z-score',
    })));
  }
  // a complement blend's score is the blend's metric on validation (the base's rows come from its cache); the
  // point's own score is its metric alone
  const [single, , , pick] = complement.slice(6, 12);
  const fit = (t: { model: string; params: Record<string, unknown> }) => (t.model === 'ease' ? new EaseRecommender(t.params) : new Rp3BetaRecommender(t.params)).fit(train);
  const [b, m] = await Promise.all([fit(base), fit(single)]);
  const direct = await evaluate(BlendRecommender.of([b, m], { weights: pick.params.weights as number[] }), { test: valid }, { k: 10 });
  close(pick.score, direct.means.ndcg!, 1e-5);
  close(pick.precision, direct.means.precision!, 1e-5);
  close(single.score, (await evaluate(m, { test: valid }, { k: 10 })).means.ndcg!, 1e-5);
  // the complement stage's blends compete for the win with the grid's
  ok(r.selection.some((c) => c.model === 'blend'), 'blends on the short list');
  await rejects(tune({ train, complementPoints: -1 }), InvalidArgumentError, { field: 'complementPoints' });
});

test('tune/blend: with blend 3 the complement stage\'s base is the grid\'s best two-member blend, its weights scaled by 1 − w', async () => {
  await init();
  const train = randomInteractions(150, 40, 12, 31, { binary: true, skewed: true });
  const valid = randomInteractions(150, 40, 3, 37, { binary: true });
  const r = await tune({ train, valid, models: ['ease', 'rp3beta', 'itemknn'], maxPoints: 3, bracketSize: 1, budgetSeconds: 3600, blend: 3, selectionFolds: 0, complementPoints: 2 });
  type Members = { kind: string; params: Record<string, unknown> }[];
  const grid = r.trials.filter((t) => t.model === 'blend' && !t.complement);
  const pairs = grid.filter((t) => (t.params.members as Members).length === 2);
  ok(pairs.length > 0 && grid.some((t) => (t.params.members as Members).length === 3), 'the grid has two- and three-member blends');
  const base = pairs.reduce((a, t) => (t.score > a.score ? t : a));
  const complements = r.trials.filter((t) => t.model === 'blend' && t.complement);
  equal(complements.length, 2 * 5);
  complements.forEach((t, i) => {
    const w = [0.1, 0.2, 0.3, 0.4, 0.5][i % 5];
    const members = t.params.members as Members;
    equal(members.length, 3);
    deepEqual(members.slice(0, 2), base.params.members);
    deepEqual(t.params.weights, [...(base.params.weights as number[]).map((x) => Number((x * (1 - w)).toFixed(4))), w]);
  });
});
