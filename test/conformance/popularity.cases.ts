// The popularity baseline: the common Recommender contract on a planted fixture, plus its own scores and options.
import { PopularityRecommender, Interactions, Vocabulary, DatasetBuilder, InvalidArgumentError, evaluate } from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, throws } from './assert.ts';
import { describeRecommender } from './recommender-contract.ts';

/*
 * Planted popularity: i0 5 users, i1 4, i2 4, i3 3, i4 2, i5 1, i6 1, i7 1.
 * The best unseen item of each user (ties → lower item index):
 *   u0 {i0 i1 i2 i3 i4} → i5 (ties with i6, i7) · u1 {i0 i1 i3} → i2 · u2 {i0 i2} → i1 · u3 {i0 i1 i2 i5} → i3
 *   u4 {i0 i6} → i1 (ties with i2) · u5 {i1 i2 i3 i4 i7} → i0
 */
const HISTORIES = [[0, 1, 2, 3, 4], [0, 1, 3], [0, 2], [0, 1, 2, 5], [0, 6], [1, 2, 3, 4, 7]];
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const ITEMS = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7'];

function fixture(weights?: (u: number, i: number) => number): Interactions {
  const indptr = new Int32Array(HISTORIES.length + 1);
  HISTORIES.forEach((h, u) => (indptr[u + 1] = indptr[u] + h.length));
  const data = Float32Array.from(HISTORIES.flatMap((h, u) => h.map((i) => (weights ? weights(u, i) : 1))));
  return new Interactions(Vocabulary.from(USERS), Vocabulary.from(ITEMS), { indptr, indices: Int32Array.from(HISTORIES.flat()), data, rows: USERS.length, cols: ITEMS.length });
}

describeRecommender('popularity', {
  makeModel: () => new PopularityRecommender(),
  fixture: () => fixture(),
  top1: [['u0', 'i5'], ['u1', 'i2'], ['u2', 'i1'], ['u3', 'i3'], ['u4', 'i1'], ['u5', 'i0']],
  foldIn: 'same',
});

test('popularity: scores count users per item, whatever the weights; weighted sums them', async () => {
  const heavy = fixture((u, i) => (u === 5 && i === 7 ? 10 : 2));
  const counts = await new PopularityRecommender().fit(heavy);
  deepEqual(counts.itemScores, [5, 4, 4, 3, 2, 1, 1, 1]);
  deepEqual(counts.params, { weighted: false });
  const weighted = await new PopularityRecommender({ weighted: true }).fit(heavy);
  deepEqual(weighted.itemScores, [10, 8, 8, 6, 4, 2, 2, 10]);
  // one heavy user lifts i7 (10) above i1 (8) for u2, who has seen i0 and i2
  deepEqual(weighted.recommend('u2', { k: 3 }).map((r) => r.item), ['i7', 'i1', 'i3']);
  deepEqual(counts.recommend('u2', { k: 3 }).map((r) => r.item), ['i1', 'i3', 'i4']);
  throws(() => new PopularityRecommender({ weighted: 'yes' as unknown as boolean }), InvalidArgumentError, { field: 'weighted' });
});

test('popularity: fit from records, repeated pairs count one user; scoreUsers gives one row per user', async () => {
  const b = new DatasetBuilder({ binary: true });
  b.addColumns({ users: ['a', 'a', 'b', 'c', 'c'], items: ['x', 'x', 'x', 'y', 'x'] });
  const model = await new PopularityRecommender().fit(await b.build());
  deepEqual(model.itemScores, [3, 1]);
  deepEqual(model.scoreUsers(Int32Array.of(0, 2)), [3, 1, 3, 1]);
  deepEqual(model.recommend('a', { k: 2 }), [{ item: 'y', score: 1 }]);
});

test('popularity: evaluate on the planted fixture (hand-computed)', async () => {
  const model = await new PopularityRecommender().fit(fixture());
  // test: u1 → {i2, i7}, u4 → {i5}. k = 2.
  // u1 unseen ranking: i2(4) i4(2) i5 i6 i7 → top [i2, i4], hits [1, 0]: P 1/2, R 1/2, NDCG 1/(1 + 1/log2 3), MRR 1
  //   AUC: negatives i4(2) i5(1) i6(1); i2 beats all 3, i7(1) beats none and ties i5, i6 → (3 + 1)/(2·3) = 2/3
  // u4 unseen ranking: i1(4) i2(4) i3 i4 i5 i7 → no hits; MRR: i1 i2 i3 i4 above i5 → 1/5
  //   AUC: negatives i1 i2 i3 i4 i7; i5 ties i7 only → 0.5/5 = 0.1
  const test = new Interactions(Vocabulary.from(USERS), Vocabulary.from(ITEMS), {
    indptr: Int32Array.of(0, 0, 2, 2, 2, 3, 3), indices: Int32Array.of(2, 7, 5), data: new Float32Array(3).fill(1), rows: 6, cols: 8,
  });
  const r = await evaluate(model, test, { k: 2 });
  deepEqual(r.users, ['u1', 'u4']);
  close(r.perUser.precision!, [0.5, 0], 1e-12);
  close(r.perUser.ndcg!, [1 / (1 + 1 / Math.log2(3)), 0], 1e-12);
  close(r.perUser.mrr!, [1, 1 / 5], 1e-12);
  close(r.perUser.auc!, [2 / 3, 0.1], 1e-12);
  close(r.means.coverage!, 3 / 8, 1e-12); // i2, i4, i1
  equal(r.droppedTestRows, 0);
});
