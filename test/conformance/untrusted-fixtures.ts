// One tiny fitted model of every registered kind, and helpers to edit model files as an attacker would (issue 22):
// through decode → edit the state → encode, so every checksum is valid and the edit reaches the loader's checks.
import {
  AlsRecommender, BprRecommender, ItemKnnRecommender, LightFmRecommender, LmfRecommender, PopularityRecommender,
  buildFeatures, decodeModelState, encodeModelState, init, loadModel, ModelFileError, type ModelState,
  type Recommender,
} from 'recwise';
import {
  AutoencoderRecommender, GruRecommender, HashedMfRecommender, SampledMfRecommender, TwoTowerRecommender,
} from 'recwise/nn';
import { equal, ok } from './assert.ts';
import { checkerboard } from './fixtures.ts';

export const KINDS = ['popularity', 'als', 'bpr', 'lmf', 'itemknn', 'lightfm', 'lightfm-features', 'autoencoder', 'autoencoder-item', 'sampled-mf', 'hashed-mf', 'gru', 'two-tower'] as const;
export type FixtureKind = (typeof KINDS)[number];

let cache: Promise<Record<FixtureKind, Recommender>> | undefined;

/** One model per kind (LightFM and the autoencoder in two variants), fitted for a few epochs on the checkerboard. */
export function tinyModels(): Promise<Record<FixtureKind, Recommender>> {
  cache ??= (async () => {
    await init({ threads: 1 });
    const data = checkerboard();
    const itemFeatures = await buildFeatures(data.items, data.items.ids().map((id, i) => ({ id, features: [i < 10 ? 'genre:a' : 'genre:b'] })));
    const userFeatures = Object.fromEntries(data.users.ids().map((u, i) => [u, [i < 10 ? 'group:A' : 'group:B']]));
    const nn = { epochs: 2, batchSize: 8, seed: 1 };
    return {
      popularity: await new PopularityRecommender().fit(data),
      als: await new AlsRecommender({ factors: 4, iterations: 2 }).fit(data),
      bpr: await new BprRecommender({ factors: 4, iterations: 2 }).fit(data),
      lmf: await new LmfRecommender({ factors: 4, iterations: 2 }).fit(data),
      itemknn: await new ItemKnnRecommender({ neighbors: 5 }).fit(data),
      lightfm: await new LightFmRecommender({ factors: 4, epochs: 2, threads: 1 }).fit(data),
      'lightfm-features': await new LightFmRecommender({ factors: 4, epochs: 2, threads: 1 }).fit(data, { itemFeatures }),
      autoencoder: await new AutoencoderRecommender({ hiddenLayers: [6, 3], ...nn }).fit(data),
      'autoencoder-item': await new AutoencoderRecommender({ hiddenLayers: [5], mode: 'item', tied: true, ...nn }).fit(data),
      'sampled-mf': await new SampledMfRecommender({ factors: 4, ...nn }).fit(data),
      'hashed-mf': await new HashedMfRecommender({ factors: 4, userBuckets: 16, itemBuckets: 8, ...nn }).fit(data),
      gru: await new GruRecommender({ factors: 4, maxSeqLen: 4, negatives: 5, ...nn }).fit(data),
      'two-tower': await new TwoTowerRecommender({ factors: 4, hidden: [6], maxSeqLen: 4, negatives: 5, ...nn }).fit(data, { userFeatures }),
    };
  })();
  return cache;
}

/** A file whose state was edited after decoding; checksums are valid, so the edit reaches the model checks. */
export function edited(bytes: Uint8Array, edit: (s: ModelState) => void): Uint8Array {
  const state = decodeModelState(bytes) as ModelState & { file?: unknown };
  delete state.file;
  edit(state);
  return encodeModelState(state, { profile: state.training ? 'resumable' : 'inference' });
}

/** loadModel must refuse `bytes` with a ModelFileError of `code` whose field matches and whose message names `names`. */
export async function refused(bytes: Uint8Array, code: string, field: string | RegExp, names: string[] = [], options = {}): Promise<ModelFileError> {
  try {
    await loadModel(bytes, options);
  } catch (e) {
    ok(e instanceof ModelFileError, `expected ModelFileError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    equal(e.code, code, `code (${e.message})`);
    ok(typeof field === 'string' ? e.field === field : field.test(String(e.field)), `field ${e.field} matches ${field} (${e.message})`);
    for (const n of names) ok(e.message.includes(n), `the message names ${n}: ${e.message}`);
    ok(!/is not iterable|Invalid typed array length|is not a function|Cannot read propert/.test(e.message), `no engine message: ${e.message}`);
    return e;
  }
  throw new Error(`expected ${code} (${field}), but the file loaded`);
}
