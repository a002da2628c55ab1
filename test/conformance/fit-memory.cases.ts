// Fit memory (issue 23): every trainable model's fit estimates its memory from the data's shape and refuses, with a
// MemoryLimitError naming the estimate and the limit, a fit that cannot fit, before it allocates anything.
import {
  init, getBackend, AlsRecommender, BprRecommender, ItemKnnRecommender, LightFmRecommender,
  MemoryLimitError, InvalidArgumentError, fitMemoryEstimate, FIT_MEMORY_KINDS, type Recommender, type Interactions,
} from 'recwise';
import { AutoencoderRecommender, InfiniteAeRecommender } from 'recwise/nn';
import { test } from './harness.ts';
import { randomInteractions } from './fixtures.ts';
import { equal, ok, throws } from './assert.ts';

/** 20,000 items and a few users: cheap data, but a catalogue × width product far past any Wasm32 memory. */
const ITEMS = 20_000;
const WIDE = 30_000;

/** Models whose fit on 20,000 items needs ≥ 2.4 GB: 30,000 factors (or hidden units, or neighbours) per item. */
const impossible: [string, () => Recommender, data?: () => Interactions][] = [
  ['als', () => new AlsRecommender({ factors: WIDE, iterations: 1 })],
  ['bpr', () => new BprRecommender({ factors: WIDE, iterations: 1 })],
  ['lightfm', () => new LightFmRecommender({ factors: WIDE, epochs: 1 })],
  ['itemknn', () => new ItemKnnRecommender({ neighbors: WIDE })],
  ['autoencoder', () => new AutoencoderRecommender({ hiddenLayers: [WIDE], epochs: 1 })],
  // ∞-AE's kernel is users²: 25,000 users with one item each need 2.5 GB
  ['infinite-ae', () => new InfiniteAeRecommender(), () => randomInteractions(25_000, 10, 1, 7)],
];

test('fit-memory: every estimated kind is covered here', () => {
  equal([...FIT_MEMORY_KINDS].sort().join(','), impossible.map(([k]) => k).sort().join(','));
});

for (const [kind, make, makeData] of impossible) {
  test(`fit-memory/${kind}: a shape past the memory limit throws MemoryLimitError before allocating`, async () => {
    await init();
    const backend = await getBackend();
    const data = makeData ? makeData() : randomInteractions(8, ITEMS, 5, 7);
    const model = make();
    const need = fitMemoryEstimate(model.kind, model.params, { users: data.nUsers, items: data.nItems, interactions: data.nnz }, backend.threads)!;
    ok(need.wasm + need.js > 2 ** 31, `${kind}: the estimate (${need.wasm} + ${need.js} bytes) is past 2 GiB`);
    const memory = backend.kernels?.heap.memory;
    const before = memory?.buffer.byteLength;
    const used = backend.kernels?.heap.usedBytes;
    let error: unknown;
    try {
      await model.fit(data);
    } catch (e) {
      error = e;
    }
    ok(error instanceof MemoryLimitError, `${kind}: got ${(error as Error)?.name}: ${(error as Error)?.message}`);
    const e = error as MemoryLimitError;
    equal(e.code, 'MEMORY_LIMIT');
    ok(e.needed > e.limit, `${kind}: needed ${e.needed} > limit ${e.limit}`);
    ok(/Wasm kernel memory maximum|edge isolate memory|largest typed array/.test(e.limitName), e.limitName);
    ok(e.message.includes(kind) && /Fix: /.test(e.message), e.message);
    ok(!model.fitted, 'nothing fitted');
    // nothing was allocated: the kernel memory did not grow and holds what it held before
    if (memory) {
      equal(memory.buffer.byteLength, before, 'kernel memory size');
      equal(backend.kernels!.heap.usedBytes, used, 'kernel memory in use');
    }
  });
}

test('fit-memory: estimates grow with the shape and fit the allocations of a real fit', async () => {
  await init();
  const backend = await getBackend();
  const als = new AlsRecommender({ factors: 16, iterations: 2 });
  const small = fitMemoryEstimate('als', als.params, { users: 100, items: 50, interactions: 1000 })!;
  const more = fitMemoryEstimate('als', als.params, { users: 100, items: 50, interactions: 2000 })!;
  const wider = fitMemoryEstimate('als', { ...als.params, factors: 32 }, { users: 100, items: 50, interactions: 1000 })!;
  ok(more.wasm > small.wasm && wider.wasm > small.wasm, 'more interactions or factors need more');
  ok(small.wasm >= (100 + 50) * 16 * 4 + 2 * 1000 * 8, 'at least the factors and both confidence CSRs');
  equal(fitMemoryEstimate('popularity', {}, { users: 1, items: 1, interactions: 1 }), undefined);
  throws(() => fitMemoryEstimate('als', {}, { users: -1, items: 1, interactions: 1 }), InvalidArgumentError, { field: 'shape.users' });
  // a fit the estimate admits trains, and the kernel memory it held at its peak is within the estimate
  const data = randomInteractions(300, 120, 20, 11);
  const heap = backend.kernels?.heap;
  const base = heap?.usedBytes ?? 0;
  heap?.resetPeak();
  await als.fit(data);
  ok(als.fitted);
  const need = fitMemoryEstimate('als', als.params, { users: data.nUsers, items: data.nItems, interactions: data.nnz }, backend.threads)!;
  if (heap) {
    const peak = heap.peakUsedBytes - base;
    ok(peak > 0 && peak <= need.wasm, `peak ${peak} within the estimate ${need.wasm}`);
    ok(peak >= need.wasm * 0.5, `the estimate ${need.wasm} is not far above the peak ${peak}`);
  }
});
