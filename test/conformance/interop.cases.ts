// Interop (issue 11) on every runtime, from bytes: .npz archives written by NumPy (stored and deflated, f32/f16/f64,
// Fortran order), a Spark ALSModel directory written by parquetjs-lite, LightFM arrays; exports read back; bad input.
// Fixtures: fixtures/interop-fixtures.gen.ts (regenerate with fixtures/make-interop-fixtures.mjs).
import {
  importImplicit, exportNpz, importSpark, exportSpark, importLightFm, readNpz, InteropError,
} from 'recwise/interop';
import { AlsRecommender, BprRecommender, LmfRecommender, type FactorRecommender, type Id } from 'recwise';
import { test } from './harness.ts';
import { close, deepEqual, equal, ok, rejects } from './assert.ts';
import { INTEROP_FIXTURES as FX } from './fixtures/interop-fixtures.gen.ts';

function bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function files(record: Record<string, string>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, bytes(v)]));
}

type Ref = readonly { readonly items: readonly number[]; readonly scores: readonly number[] }[];

function checkTopK(model: FactorRecommender, users: readonly Id[], items: readonly Id[], ref: Ref): void {
  users.forEach((u, r) => {
    const got = model.recommend(u, { k: 5 });
    deepEqual(got.map((x) => x.item), ref[r].items.map((i) => items[i]), `top-5 of ${u}`);
    close(got.map((x) => x.score), ref[r].scores, 1e-4, `scores of ${u}`);
  });
}

for (const [name, Cls] of [['als', AlsRecommender], ['bpr', BprRecommender], ['lmf', LmfRecommender]] as const) {
  test(`interop: implicit ${name} .npz written by NumPy → recommendations equal NumPy's brute force (seen filtered)`, async () => {
    const fx = FX[name];
    const model = await importImplicit(bytes(fx.npz), { users: fx.meta.users, items: fx.meta.items });
    ok(model instanceof Cls, `a ${Cls.name}`);
    equal(model.kind, fx.meta.kind);
    checkTopK(model, fx.meta.users, fx.meta.items, fx.meta.reference);
    const filtered = await importImplicit(bytes(fx.npz), { users: fx.meta.users, items: fx.meta.items, seen: fx.meta.seen });
    checkTopK(filtered, fx.meta.users, fx.meta.items, fx.meta.referenceSeen);
  });
}

test('interop: exportNpz → readNpz gives the same arrays and implicit keys; re-import keeps ids and recommendations', async () => {
  const fx = FX.bpr;
  const model = await importImplicit(bytes(fx.npz), { users: fx.meta.users, items: fx.meta.items });
  const out = exportNpz(model);
  const arrays = await readNpz(out, 'export.npz');
  deepEqual(Array.from(arrays.user_factors.data as Float32Array), Array.from(model.userFactors));
  deepEqual(arrays.item_factors.shape, [fx.meta.items.length, model.factorCount]);
  equal(arrays.verify_negative_samples.data[0], 1);
  equal(arrays.dtype.data[0], 'float32');
  const again = await importImplicit(out);
  deepEqual(again.itemIds, fx.meta.items);
  checkTopK(again, fx.meta.users, fx.meta.items, fx.meta.reference);
  // same model, same bytes, on every runtime
  deepEqual(Array.from(exportNpz(again)), Array.from(out));
});

test('interop: Spark ALSModel written by parquetjs-lite → ids and dot-product top-k from the raw rows', async () => {
  const model = await importSpark(files(FX.spark));
  const { users, items } = FX.sparkRows;
  deepEqual(model.userIds, users.map((u) => u.id).sort((a, b) => a - b));
  for (const u of users) {
    const scores = items.map((it) => ({ item: it.id, score: it.features.reduce((s, f, j) => s + Math.fround(f) * Math.fround(u.features[j]), 0) }));
    scores.sort((a, b) => b.score - a.score || a.item - b.item);
    const got = model.recommend(u.id, { k: 4 });
    deepEqual(got.map((g) => g.item), scores.slice(0, 4).map((s) => s.item), `user ${u.id}`);
    close(got.map((g) => g.score), scores.slice(0, 4).map((s) => s.score), 1e-5);
  }
});

test('interop: exportSpark → importSpark round trip from bytes (string ids through userIds.json)', async () => {
  const fx = FX.als;
  const model = await importImplicit(bytes(fx.npz), { users: fx.meta.users, items: fx.meta.items });
  const out = await exportSpark(model);
  ok(out['userFactors/part-00000-recwise-c000.snappy.parquet'].length > 0, 'a parquet part file');
  equal(JSON.parse(new TextDecoder().decode(out['metadata/part-00000'])).rank, model.factorCount);
  const back = await importSpark(out);
  deepEqual(back.userIds, fx.meta.users);
  checkTopK(back, fx.meta.users, fx.meta.items, fx.meta.reference);
});

test("interop: LightFM arrays + Dataset mapping → scores equal LightFM's predict", async () => {
  const fx = FX.lightfm;
  const model = await importLightFm(bytes(fx.npz), { mapping: JSON.stringify(fx.mapping) });
  deepEqual(model.userIds, [...fx.users]);
  fx.users.forEach((u, r) => close(model.score(u, fx.items), fx.predict[r], 1e-5, `user ${u}`));
});

test('interop: bad input is a typed error naming the file and the problem', async () => {
  const als = bytes(FX.als.npz);
  await rejects(importImplicit(als.subarray(0, als.length >> 1), { name: 'half.npz' }), InteropError, /half\.npz.*truncated/);
  await rejects(importImplicit(bytes(FX.complex), { name: 'complex.npz' }), InteropError, /complex\.npz:user_factors\.npy.*unsupported dtype/);
  await rejects(importImplicit(als, { users: ['only-one'] }), InteropError, { code: 'IDS_MISMATCH' });
  await rejects(importSpark(files(FX.sparkNoColumn)), InteropError, /userFactors\/part-00000.*missing column 'features'/);
  const spark = files(FX.spark);
  const meta = JSON.parse(new TextDecoder().decode(spark['metadata/part-00000']));
  spark['metadata/part-00000'] = new TextEncoder().encode(JSON.stringify({ ...meta, rank: meta.rank + 1 }));
  await rejects(importSpark(spark), InteropError, { code: 'RANK_MISMATCH' });
  // a deflated member with damaged data: inflate or CRC fails, never a raw exception
  const bpr = bytes(FX.bpr.npz);
  bpr.fill(0x55, 120, 180);
  await rejects(importImplicit(bpr, { name: 'damaged.npz' }), InteropError, /damaged\.npz/);
});
