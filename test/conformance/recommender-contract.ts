/**
 * The behavioural contract every model family satisfies (design.md §1.5; implicit's RecommenderBase tests):
 * a planted fixture whose right top-1 is known for the family, batch equals single, include/exclude semantics and
 * their exclusivity, k larger than the catalogue, unknown users, filterSeen, scores, fold-in, and save → load
 * giving identical recommendations. A model family calls {@link describeRecommender} with its own fixture and
 * expectations; the cases register under `<name>/contract: …`.
 */
import {
  init, getBackend, modelFactory, saveModel, loadModel, InvalidArgumentError, UnknownUserError,
  type Recommender, type Interactions, type Id, type Recommendation,
} from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, throws } from './assert.ts';

/** What a family provides to the contract suite. */
export interface RecommenderContract {
  /** A fresh, unfitted model. */
  makeModel: () => Recommender;
  /** Training data; built once per case (cheap fixtures only). */
  fixture: () => Interactions | Promise<Interactions>;
  /** Users whose best unseen item is known for this family: [user, expected top-1 item]. */
  top1: readonly (readonly [Id, Id])[];
  /**
   * Fold-in: `'same'` when recommend({ userItems: <a trained user's items> }) must give that user's list (exact
   * for popularity, refit-equal models), `'supported'` when it only has to work and filter the given items,
   * `'unsupported'` when the family throws NotSupportedError.
   */
  foldIn: 'same' | 'supported' | 'unsupported';
  /** Tolerance on scores compared across save → load (default 0: identical). */
  scoreTolerance?: number;
}

function ids(list: readonly Recommendation[]): Id[] {
  return list.map((r) => r.item);
}

async function fitted(c: RecommenderContract): Promise<{ model: Recommender; data: Interactions }> {
  const data = await c.fixture();
  const model = await c.makeModel().fit(data);
  return { model, data };
}

/** Register the contract cases for one model family. */
export function describeRecommender(name: string, c: RecommenderContract): void {
  test(`${name}/contract: planted fixture gives the known top-1`, async () => {
    const { model } = await fitted(c);
    for (const [user, item] of c.top1) {
      const recs = model.recommend(user, { k: 1 });
      equal(recs.length, 1, `one item for ${user}`);
      equal(recs[0].item, item, `top-1 of ${user}`);
    }
  });

  test(`${name}/contract: recommendBatch equals recommend per user, in the requested order`, async () => {
    const { model, data } = await fitted(c);
    const users = data.users.ids().reverse();
    for (const options of [{ k: 3 }, { k: 5, filterSeen: false }, { k: 4, exclude: [data.items.idAt(0)] }]) {
      const batch = await model.recommendBatch(users, options);
      equal(batch.length, users.length);
      users.forEach((u, r) => deepEqual(batch[r], model.recommend(u, options), `user ${u} ${JSON.stringify(options)}`));
    }
  });

  test(`${name}/contract: results are sorted best first and never contain seen items`, async () => {
    const { model, data } = await fitted(c);
    for (let u = 0; u < data.nUsers; u++) {
      const recs = model.recommend(data.users.idAt(u), { k: data.nItems });
      const seen = new Set(Array.from(data.itemsOf(u), (i) => data.items.idAt(i)));
      for (const r of recs) ok(!seen.has(r.item), `seen item ${r.item} returned`);
      for (let i = 1; i < recs.length; i++) ok(recs[i - 1].score >= recs[i].score, 'scores descending');
    }
  });

  test(`${name}/contract: exclude removes items, include restricts to them, both at once is an error`, async () => {
    const { model, data } = await fitted(c);
    const user = data.users.idAt(0);
    const full = ids(model.recommend(user, { k: data.nItems, filterSeen: false }));
    const excluded = full.slice(0, 2);
    deepEqual(ids(model.recommend(user, { k: data.nItems, filterSeen: false, exclude: excluded })), full.slice(2));
    const include = [full[full.length - 1], full[1]];
    // ranked in the model's order, whatever order include lists them in
    deepEqual(ids(model.recommend(user, { k: 10, filterSeen: false, include })), [full[1], full[full.length - 1]]);
    // include with filterSeen (default): seen items stay out even when included
    const seenId = data.items.idAt(data.itemsOf(0)[0]);
    ok(!ids(model.recommend(user, { k: 10, include: [seenId, ...include] })).includes(seenId), 'included seen item filtered');
    throws(() => model.recommend(user, { include, exclude: excluded }), InvalidArgumentError, { field: 'include' });
  });

  test(`${name}/contract: k larger than the catalogue returns every eligible item; k = 0 returns none`, async () => {
    const { model, data } = await fitted(c);
    const user = data.users.idAt(0);
    const unseen = data.nItems - data.itemsOf(0).length;
    equal(model.recommend(user, { k: data.nItems + 50 }).length, unseen);
    const all = model.recommend(user, { k: data.nItems + 50, filterSeen: false });
    equal(all.length, data.nItems);
    equal(new Set(ids(all)).size, data.nItems, 'each item once');
    deepEqual(model.recommend(user, { k: 0 }), []);
    throws(() => model.recommend(user, { k: -1 }), InvalidArgumentError, { field: 'k' });
    throws(() => model.recommend(user, { k: 1.5 }), InvalidArgumentError, { field: 'k' });
  });

  test(`${name}/contract: unknown user throws UnknownUserError; filterSeen false returns seen items`, async () => {
    const { model, data } = await fitted(c);
    throws(() => model.recommend('no-such-user-☃'), UnknownUserError);
    await Promise.resolve(model.recommendBatch([data.users.idAt(0), 'no-such-user-☃'])).then(
      () => ok(false, 'recommendBatch should reject'),
      (e) => ok(e instanceof UnknownUserError, String(e)),
    );
    const user = data.users.idAt(0);
    const seen = Array.from(data.itemsOf(0), (i) => data.items.idAt(i));
    const all = ids(model.recommend(user, { k: data.nItems, filterSeen: false }));
    for (const s of seen) ok(all.includes(s), `seen item ${s} listed with filterSeen: false`);
  });

  test(`${name}/contract: score() agrees with recommend() scores`, async () => {
    const { model, data } = await fitted(c);
    const user = data.users.idAt(1 % data.nUsers);
    const recs = model.recommend(user, { k: 5, filterSeen: false });
    close(model.score(user, ids(recs)), recs.map((r) => r.score), 1e-6);
  });

  test(`${name}/contract: fold-in (${c.foldIn})`, async () => {
    const { model, data } = await fitted(c);
    const history = Array.from(data.itemsOf(0), (i) => data.items.idAt(i));
    if (c.foldIn === 'unsupported') {
      let threw = false;
      try {
        model.recommend('new-user', { userItems: history });
      } catch (e) {
        threw = (e as Error).name === 'NotSupportedError';
      }
      ok(threw, 'fold-in should throw NotSupportedError');
      return;
    }
    const recs = model.recommend('new-user', { k: data.nItems, userItems: history });
    for (const h of history) ok(!ids(recs).includes(h), `history item ${h} filtered`);
    equal(recs.length, data.nItems - history.length);
    if (c.foldIn === 'same') deepEqual(ids(recs), ids(model.recommend(data.users.idAt(0), { k: data.nItems })));
  });

  test(`${name}/contract: save → load (toState + modelFactory, and file bytes) gives identical recommendations`, async () => {
    const { model, data } = await fitted(c);
    await init();
    const backend = await getBackend();
    const fromState = modelFactory(model.kind)(model.toState(), backend);
    const fromBytes = await loadModel(await saveModel(model));
    equal(fromState.kind, model.kind);
    deepEqual(fromBytes.params, model.params);
    const tol = c.scoreTolerance ?? 0;
    for (const loaded of [fromState, fromBytes]) {
      deepEqual(loaded.userIds, model.userIds);
      deepEqual(loaded.itemIds, model.itemIds);
      for (const user of data.users.ids()) {
        const want = model.recommend(user, { k: 5 });
        const got = loaded.recommend(user, { k: 5 });
        deepEqual(ids(got), ids(want), `user ${user}`);
        close(got.map((r) => r.score), want.map((r) => r.score), tol);
      }
    }
  });
}
