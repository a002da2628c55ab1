// A model file handed over as a Node Buffer from the shared pool (readFileSync or Buffer.from of a small file): the
// tensors must cover the file's bytes only. Node-only (Buffer), so not a conformance case.
import { expect, test } from 'vitest';
import { AlsRecommender, DatasetBuilder, loadModel, saveModel } from 'recwise';

test('loadModel reads a small model from a pooled Node Buffer', async () => {
  const b = new DatasetBuilder();
  for (let u = 0; u < 8; u++) for (let i = u % 2; i < 6; i += 2) b.add({ user: `u${u}`, item: `i${i}` });
  const model = await new AlsRecommender({ factors: 2, iterations: 2, seed: 1 }).fit(await b.build());
  const bytes = await saveModel(model);
  const pooled = Buffer.from(bytes); // small: copied into Node's shared allocation pool, at an offset
  expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
  const loaded = await loadModel(pooled, AlsRecommender);
  expect(loaded.recommend('u0', { k: 2 })).toEqual(model.recommend('u0', { k: 2 }));
});
