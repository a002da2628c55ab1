// tune (issue 19): the search is deterministic for a seed, resumes from earlier trials without refitting them, keeps
// the best so far when stopped, refits the winner on all of train, and rejects bad options by name.
import { init, getBackend, InvalidArgumentError, UnknownOptionError, EaseRecommender, Interactions, randomSplit, evaluate } from 'recwise';
import { tune, dataFacts, DEFAULT_TUNE_MODELS, SEARCH_SPACES, BLEND_CANDIDATES, COMPLEMENT_CANDIDATES, BlendRecommender, type TuneTrial } from 'recwise/tune';
import { test } from './harness.ts';
import { randomInteractions, withSessions } from './fixtures.ts';
import { close, deepEqual, equal, ok, rejects } from './assert.ts';

const data = () => randomInteractions(120, 40, 12, 19, { binary: true, skewed: true });
const strip = (t: TuneTrial) => ({ model: t.model, params: t.params, rung: t.rung, score: t.score, users: t.users });

// blend: 0 and selectionFolds: 0 in the first two tests: they pin the halving and the resume; whether a blend stage
// follows depends on which families the seeded points promote (the blend stage has its own test in blend.cases.ts, the
// extra folds of the final choice the last test here).
test('tune: a seeded search is reproducible, scores each bracket\'s best third on every validation user, refits on all of train', async () => {
  await init();
  const train = data();
  const a = await tune({ train, models: ['ease', 'rp3beta'], maxPoints: 9, budgetSeconds: 3600, seed: 7, blend: 0, selectionFolds: 0 });
  const b = await tune({ train, models: ['ease', 'rp3beta'], maxPoints: 9, budgetSeconds: 3600, seed: 7, blend: 0, selectionFolds: 0 });
  deepEqual(a.trials.map(strip), b.trials.map(strip));
  equal(a.trials.filter((t) => t.rung === 0).length, 9);
  equal(a.trials.filter((t) => t.rung === 1).length, 3);
  const quarter = a.trials[0].users;
  const all = a.trials.find((t) => t.rung === 1)!.users;
  ok(quarter < all && quarter >= all / 4, `rung 0 on ${quarter} users, rung 1 on ${all}`);
  // the promoted points are the rung-0 best third
  const rung0 = a.trials.filter((t) => t.rung === 0).sort((x, y) => y.score - x.score).slice(0, 3).map((t) => JSON.stringify(t.params));
  deepEqual(a.trials.filter((t) => t.rung === 1).map((t) => JSON.stringify(t.params)).sort(), rung0.sort());
  // the winner is the best full-rung trial, refitted on every train row
  const best = a.trials.filter((t) => t.rung === 1).reduce((x, y) => (y.score > x.score ? y : x));
  deepEqual(a.best.params, best.params);
  equal(a.model.trainingIndex.seen.indices.length, train.nnz);
  equal(a.model.kind, a.best.model);
  ok(a.leaderboard.length >= 1 && a.leaderboard[0] === a.best, 'leaderboard best first');
});

test('tune: a rerun with the earlier trials resumes: those points are not fitted or scored again', async () => {
  await init();
  const train = data();
  const first = await tune({ train, models: ['ease', 'rp3beta'], maxPoints: 9, budgetSeconds: 3600, blend: 0, selectionFolds: 0 });
  const fresh: TuneTrial[] = [];
  const second = await tune({ train, models: ['ease', 'rp3beta'], maxPoints: 18, budgetSeconds: 3600, blend: 0, selectionFolds: 0, trials: first.trials, onTrial: (t) => fresh.push(t) });
  equal(fresh.length, 12, 'only the second bracket ran');
  deepEqual(second.trials.slice(0, first.trials.length).map(strip), first.trials.map(strip));
  const once = await tune({ train, models: ['ease', 'rp3beta'], maxPoints: 18, budgetSeconds: 3600, blend: 0, selectionFolds: 0 });
  deepEqual(second.trials.map(strip), once.trials.map(strip), 'resumed run equals an uninterrupted one');
  equal(second.staleTrials, 0);
  // trials scored on another validation split (another seed carves another one) are not reused
  const otherSplit = await tune({ train, models: ['ease', 'rp3beta'], maxPoints: 9, budgetSeconds: 3600, blend: 0, selectionFolds: 0, seed: 7, trials: second.trials });
  equal(otherSplit.staleTrials, second.trials.length);
  equal(otherSplit.trials.length, 12);
  equal(second.trials[0].context, first.trials[0].context);
  ok(/^[0-9a-f]{8}$/.test(first.trials[0].context!), 'an 8-digit hex fingerprint');
  ok(otherSplit.trials.every((t) => t.context !== first.trials[0].context), 'another seed, another context');
});

test('tune: an abort keeps the best so far; given validation data is used as is; bad options are typed errors', async () => {
  await init();
  const train = data();
  const controller = new AbortController();
  const r = await tune({
    train, models: ['ease'], budgetSeconds: 3600, signal: controller.signal,
    onTrial: (t) => { if (t.rung === 1) controller.abort(); },
  });
  ok(r.aborted, 'aborted');
  equal(r.trials.filter((t) => t.rung === 1).length, 1);
  ok(r.model instanceof EaseRecommender && r.model.fitted, 'best so far refitted');
  const valid = randomInteractions(120, 40, 3, 23, { binary: true });
  const v = await tune({ train, valid, models: ['ease'], maxPoints: 3, budgetSeconds: 3600 });
  ok(v.trials.every((t) => t.users <= 120), 'validation users from the given data');
  await rejects(tune({ train, models: ['svd'] }), InvalidArgumentError, { field: 'models' });
  await rejects(tune({ train, metric: 'auc' as never }), InvalidArgumentError, { field: 'metric' });
  await rejects(tune({ train, budgetSeconds: 0 }), InvalidArgumentError, { field: 'budgetSeconds' });
});

test('tune: once a family has a few full-rung points, about half its new points are drawn near its best so far', async () => {
  await init();
  const r = await tune({ train: data(), models: ['ease'], maxPoints: 36, bracketSize: 3, budgetSeconds: 3600, blend: 0, selectionFolds: 0 });
  let best: TuneTrial | undefined;
  let full = 0;
  let later = 0;
  let near = 0;
  const close30 = (a: number, b: number) => (a === 0 || b === 0 ? a === b : Math.abs(Math.log(a / b)) <= 0.3 + 0.01);
  for (const t of r.trials) {
    if (t.rung === 1) {
      full++;
      if (!best || t.score > best.score) best = t;
    } else if (full >= 3 && best) {
      later++;
      const p = t.params as { lambda: number; diagonalPenalty: number };
      const b = best.params as { lambda: number; diagonalPenalty: number };
      if (close30(p.lambda, b.lambda) && close30(p.diagonalPenalty, b.diagonalPenalty)) near++;
    }
  }
  ok(later >= 20, `${later} points after refinement could start`);
  // a fresh log-uniform sample lands that close to both values by chance in well under 10% of draws
  ok(near >= later * 0.3 && near < later, `${near} of ${later} points near the best`);
});

test('tune: the final choice re-scores the best points of each family and the blends on extra carved folds and picks the best mean', async () => {
  await init();
  const train = data();
  const options = { train, models: ['ease', 'rp3beta'], maxPoints: 18, budgetSeconds: 3600, blend: 2, selectionFolds: 2, selectionCandidates: 2, complementPoints: 3 };
  const r = await tune(options);
  const first = r.trials.filter((t) => t.rung === 1 && !t.fold);
  // the short list: the best two distinct first-split points of each family, the grid's blends (all 9 of the
  // two-member grid: fewer than BLEND_CANDIDATES) and the best COMPLEMENT_CANDIDATES of the complement stage's 3 × 5
  const grid = first.filter((t) => t.model === 'blend' && !t.complement);
  const complements = first.filter((t) => t.model === 'blend' && t.complement);
  equal(grid.length, 9);
  equal(complements.length, 3 * 5);
  const best = (list: TuneTrial[], count: number) => list.slice().sort((a, b) => b.score - a.score).slice(0, count).map((t) => JSON.stringify(t.params)).sort();
  const listed = (list: TuneTrial[]) => r.selection.filter((c) => list.some((t) => JSON.stringify(t.params) === JSON.stringify(c.params) && t.model === c.model)).map((c) => JSON.stringify(c.params)).sort();
  for (const family of ['ease', 'rp3beta']) deepEqual(listed(first.filter((t) => t.model === family)), best(first.filter((t) => t.model === family), 2), family);
  deepEqual(listed(grid), best(grid, BLEND_CANDIDATES), 'grid blends');
  deepEqual(listed(complements), best(complements, COMPLEMENT_CANDIDATES), 'complement blends');
  equal(r.selection.length, 2 + 2 + 9 + COMPLEMENT_CANDIDATES);
  for (const c of r.selection) {
    const folds = [1, 2].map((f) => r.trials.find((t) => t.fold === f && t.model === c.model && JSON.stringify(t.params) === JSON.stringify(c.params))!);
    ok(folds.every(Boolean), `${c.model} scored on both extra folds`);
    const onFirst = first.find((t) => t.model === c.model && JSON.stringify(t.params) === JSON.stringify(c.params))!;
    deepEqual(c.scores, [onFirst.score, folds[0].score, folds[1].score]);
    close(c.mean, (c.scores[0] + c.scores[1] + c.scores[2]) / 3, 1e-12);
  }
  // the folds are other splits of train: other users hold rows out, so the scores differ from the first split's
  ok(r.selection.some((c) => c.scores[1] !== c.scores[0] && c.scores[2] !== c.scores[1]), 'extra folds are different splits');
  // a fold scores all its blends from one pass per distinct member: each blend's fold score is still the blend's own
  // metric on that fold (members fitted on the fold's carved train: seed 42 + fold, tune's default share, eval's 20%)
  const carved = randomSplit(train, { testFraction: 0.2, seed: 43 });
  type Member = { kind: string; params: Record<string, unknown> };
  const foldBlends = r.trials.filter((t) => t.model === 'blend' && t.fold === 1);
  ok(foldBlends.some((t) => t.complement) && foldBlends.some((t) => !t.complement), 'grid and complement blends on fold 1');
  for (const t of foldBlends) {
    const members = await Promise.all((t.params.members as Member[]).map((m) => SEARCH_SPACES[m.kind].create(m.params).fit(carved.train)));
    const direct = await evaluate(BlendRecommender.of(members, { weights: t.params.weights as number[] }), { test: carved.test }, { k: 10 });
    close(t.score, direct.means.ndcg!, 1e-5);
    close(t.precision, direct.means.precision!, 1e-5);
  }
  // the winner has the best mean, not necessarily the best first-split score
  for (const c of r.selection) ok(c.mean <= r.selection[0].mean, 'best mean first');
  equal(r.best.model, r.selection[0].model);
  deepEqual(r.best.params, r.selection[0].params);
  ok(!r.best.fold, 'best is the winner\'s first-split trial');
  equal(r.leaderboard[0], r.best);
  // the returned model averages the top three by mean: each distinct member weighted by its mean weight over them
  equal(r.saved.averageOf, 3);
  const expected: Record<string, number> = {};
  for (const c of r.selection.slice(0, 3)) {
    const parts: [Member, number][] = c.model === 'blend'
      ? (c.params.members as Member[]).map((m, i) => [m, (c.params.weights as number[])[i]])
      : [[{ kind: SEARCH_SPACES[c.model].kind ?? c.model, params: c.params }, 1]];
    for (const [m, w] of parts) expected[JSON.stringify([m.kind, m.params])] = (expected[JSON.stringify([m.kind, m.params])] ?? 0) + w / 3;
  }
  equal(r.saved.model, 'blend');
  equal(r.model.kind, 'blend');
  const savedMembers = r.saved.params.members as Member[];
  deepEqual(savedMembers.map((m) => JSON.stringify([m.kind, m.params])).sort(), Object.keys(expected).sort());
  savedMembers.forEach((m, i) => close((r.saved.params.weights as number[])[i], expected[JSON.stringify([m.kind, m.params])], 1e-4));
  deepEqual(r.model.params.weights, r.saved.params.weights);
  // average: 1 returns the top candidate itself
  const top = await tune({ ...options, trials: r.trials, average: 1 });
  equal(top.saved.averageOf, 1);
  equal(top.model.kind, SEARCH_SPACES[top.best.model]?.kind ?? top.best.model);
  deepEqual(top.saved.params, top.best.params);
  // a rerun with the trials fits nothing again, extra folds included, and chooses the same
  const fresh: TuneTrial[] = [];
  const again = await tune({ ...options, trials: r.trials, onTrial: (t) => fresh.push(t) });
  equal(fresh.length, 0);
  deepEqual(again.selection, r.selection);
  // bad values are typed errors naming the option
  await rejects(tune({ train, selectionFolds: -1 }), InvalidArgumentError, { field: 'selectionFolds' });
  await rejects(tune({ train, selectionCandidates: 0 }), InvalidArgumentError, { field: 'selectionCandidates' });
  await rejects(tune({ train, average: 0 }), InvalidArgumentError, { field: 'average' });
  // an option tune does not know (a typo of budgetSeconds) is refused, not ignored
  await rejects(tune({ train, budget: 60 } as never), UnknownOptionError, { field: 'budget' });
});

test('tune: every trial\'s model releases its kernel memory (factor models and kNN indexes keep it resident after scoring)', async () => {
  await init({ backend: 'wasm' });
  const heap = (await getBackend()).kernels!.heap;
  const before = heap.usedBytes;
  const r = await tune({ train: data(), models: ['als', 'itemknn'], maxPoints: 4, bracketSize: 1, budgetSeconds: 3600, blend: 2, selectionFolds: 1 });
  ok(r.trials.some((t) => t.model === 'als' && t.rung === 1) && r.trials.some((t) => t.fold === 1), 'ALS points scored on every user and an extra fold ran');
  await r.model[Symbol.asyncDispose]();
  equal(heap.usedBytes, before, 'kernel memory in use after tune and disposing its winner');
});

test('tune: ∞-AE is a default family and blends with the others (three members: EASE, ALS and ∞-AE)', async () => {
  await init();
  ok(DEFAULT_TUNE_MODELS.includes('infinite-ae'), 'infinite-ae among the default families');
  const train = data();
  const r = await tune({ train, models: ['ease', 'als', 'infinite-ae'], maxPoints: 6, bracketSize: 1, budgetSeconds: 3600, blend: 3, selectionFolds: 0, complementPoints: 0 });
  deepEqual(r.skipped, []);
  ok(r.trials.some((t) => t.model === 'infinite-ae' && t.rung === 1), 'an ∞-AE point scored on every validation user');
  const three = r.trials.filter((t) => t.model === 'blend' && (t.params.members as unknown[]).length === 3);
  // the 0.1-step simplex grid with all three weights non-zero: C(9, 2) = 36 points
  equal(three.length, 36);
  ok(three.every((t) => Number.isFinite(t.score)), 'every three-member blend scored');
});

test('tune: a family none of whose points fits in memory on the data is left out and named in skipped; the search goes on', async () => {
  await init();
  // 25,000 users: ∞-AE's users² kernel (2.5 GB) is past the kernel memory; RP3beta's items × neighbors is tiny
  const train = randomInteractions(25_000, 10, 2, 7, { binary: true });
  const r = await tune({ train, models: ['infinite-ae', 'rp3beta'], maxPoints: 2, bracketSize: 1, budgetSeconds: 3600, blend: 0, selectionFolds: 0 });
  deepEqual(r.skipped.map((s) => s.model), ['infinite-ae']);
  ok(/infinite-ae/.test(r.skipped[0].reason) && /Wasm kernel memory maximum|edge isolate memory|largest typed array/.test(r.skipped[0].reason), r.skipped[0].reason);
  ok(r.trials.length > 0 && r.trials.every((t) => t.model === 'rp3beta'), 'only rp3beta was searched');
  equal(r.model.kind, 'rp3beta');
  await rejects(tune({ train, models: ['infinite-ae'], maxPoints: 1, budgetSeconds: 3600 }), InvalidArgumentError, { field: 'models' });
});

test('tune: session EASE is a default family on data with timestamps, blends as an EASE model, and is skipped (named) without them', async () => {
  await init();
  ok(DEFAULT_TUNE_MODELS.includes('ease-session'), 'ease-session among the default families');
  const train = withSessions(data(), 4);
  const facts = dataFacts(train);
  ok(facts.sessionGaps !== undefined && facts.sessionGaps.p90 > 0 && facts.sessionGaps.p90 <= facts.sessionGaps.p95, JSON.stringify(facts));
  const r = await tune({ train, models: ['ease', 'ease-session'], maxPoints: 4, bracketSize: 1, budgetSeconds: 3600, blend: 2, selectionFolds: 1, complementPoints: 0 });
  deepEqual(r.skipped, []);
  const sessions = r.trials.filter((t) => t.model === 'ease-session');
  ok(sessions.length > 0, 'session EASE points searched');
  for (const t of sessions) {
    const w = t.params.sessionWindow as number;
    ok(w >= facts.sessionGaps!.p90 * 0.99 && w <= 10 * facts.sessionGaps!.p95 * 1.01, `window ${w} in [p90, 10 × p95] of ${JSON.stringify(facts.sessionGaps)}`);
  }
  // a blend of the two families names its members by model kind (a model file's members load by kind)
  const blends = r.trials.filter((t) => t.model === 'blend' && !t.fold);
  equal(blends.length, 9, 'two members: the 0.1-step grid with both weights non-zero');
  for (const t of blends) {
    const kinds = (t.params.members as { kind: string; params: Record<string, unknown> }[]).map((m) => m.kind);
    deepEqual(kinds.slice().sort(), ['ease', 'ease']);
  }
  ok(r.trials.some((t) => t.model === 'blend' && t.fold === 1), 'the blends on the short list re-scored on the extra fold');
  ok(r.model.kind === 'ease' || r.model.kind === 'blend', r.model.kind);
  // without timestamps (or with timestamps that never differ within a user) the family is left out, with the reason
  for (const untimed of [data(), withSessions(data(), 4)]) {
    const flat = untimed.timestamps ? new Interactions(untimed.users, untimed.items, untimed.byUser, new Float64Array(untimed.nnz)) : untimed;
    const s = await tune({ train: flat, models: ['ease-session', 'ease'], maxPoints: 1, bracketSize: 1, budgetSeconds: 3600, blend: 0, selectionFolds: 0 });
    deepEqual(s.skipped.map((x) => x.model), ['ease-session']);
    ok(/timestamps/.test(s.skipped[0].reason), s.skipped[0].reason);
    ok(s.trials.every((t) => t.model === 'ease'), 'only ease searched');
  }
  await rejects(tune({ train: data(), models: ['ease-session'], maxPoints: 1, budgetSeconds: 3600 }), InvalidArgumentError, { field: 'models' });
});

test('tune: every family\'s best point is a candidate blend member, blends have at most `blend` members, and local draws scale only continuous parameters', async () => {
  await init();
  const r = await tune({ train: data(), models: ['ease', 'rp3beta', 'itemknn'], maxPoints: 3, bracketSize: 1, budgetSeconds: 3600, blend: 2, selectionFolds: 0, complementPoints: 0 });
  const blends = r.trials.filter((t) => t.model === 'blend');
  // three families, blends of two: 3 pairs × 9 weight vectors, whichever family scored lowest alone
  equal(blends.length, 27);
  const pairs = new Set(blends.map((t) => (t.params.members as { kind: string }[]).map((m) => m.kind).sort().join('+')));
  deepEqual([...pairs].sort(), ['ease+itemknn', 'ease+rp3beta', 'itemknn+rp3beta']);
  ok(blends.every((t) => (t.params.members as unknown[]).length === 2), 'no blend has more than two members');
  // continuous parameters are declared per space and are keys its points have
  for (const [name, space] of Object.entries(SEARCH_SPACES)) {
    const point = space.sample(() => 0.5, { sessionGaps: { p90: 60, p95: 600 } });
    for (const key of space.continuous) ok(key in point || name === 'als', `${name}: ${key} is a parameter of its points`);
  }
  ok(SEARCH_SPACES.ease.continuous.includes('lambda') && !SEARCH_SPACES.als.continuous.includes('factors'), 'EASE\'s λ is refined, ALS\'s factors are not');
});
