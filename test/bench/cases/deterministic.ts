/**
 * What `deterministic: true` costs (issue 22) for the Hogwild models on ml-1m, measured in one run: s/epoch of the
 * default fit (every thread) and of the deterministic fit, their ratio, and NDCG@10 of both. The noise scale of
 * NDCG is the deterministic fit with another seed (`…NdcgSeed2`): "unchanged within noise" means the default and
 * deterministic figures differ by about as much as two seeds do.
 *
 * Settings: the anchors' (../shared/bench/anchors.md) BPR (64 factors, lr 0.01, reg 0.01) and LMF (30 factors),
 * LightFM WARP with 64 factors and lr 0.05; epochs cut to BPR 30, LMF 30, LightFM 10 to keep the case within minutes
 * (RECWISE_DETERMINISTIC_EPOCHS=N sets all three).
 */
import { BprRecommender, LightFmRecommender, LmfRecommender, init, type Recommender } from 'recwise';
import { evaluate } from '../../../src/eval/evaluate.ts';
import type { BenchCase } from '../case.ts';
import { loadSplit, type Split } from '../protocol.ts';

const EPOCHS = Number(process.env.RECWISE_DETERMINISTIC_EPOCHS) || undefined;

const MODELS: [string, number, (deterministic: boolean, seed: number) => Recommender][] = [
  ['bpr', EPOCHS ?? 30, (deterministic, seed) => new BprRecommender({ factors: 64, learningRate: 0.01, regularization: 0.01, iterations: EPOCHS ?? 30, seed, deterministic })],
  ['lmf', EPOCHS ?? 30, (deterministic, seed) => new LmfRecommender({ factors: 30, iterations: EPOCHS ?? 30, seed, deterministic })],
  ['lightfm', EPOCHS ?? 10, (deterministic, seed) => new LightFmRecommender({ loss: 'warp', factors: 64, learningRate: 0.05, epochs: EPOCHS ?? 10, seed, deterministic })],
];

async function fitOnce(split: Split, make: () => Recommender, epochs: number): Promise<{ epochSeconds: number; ndcg: number }> {
  const model = make();
  const t0 = performance.now();
  await model.fit(split.train);
  const epochSeconds = (performance.now() - t0) / 1000 / epochs;
  const r = await evaluate(model, { test: split.test }, { k: 10 });
  return { epochSeconds, ndcg: r.means.ndcg as number };
}

export const cases: BenchCase[] = [
  {
    name: 'deterministic-ml-1m',
    run: async () => {
      const split = await loadSplit('ml-1m');
      const { threads } = await init();
      const out: Record<string, number> = { threads };
      for (const [name, epochs, make] of MODELS) {
        // warm-up: kernels compiled, workers started, Wasm tiered up
        await make(false, 1).fit(split.train, { signal: AbortSignal.timeout(1500) }).catch(() => undefined);
        const hogwild = await fitOnce(split, () => make(false, 42), epochs);
        const fixed = await fitOnce(split, () => make(true, 42), epochs);
        const seed2 = await fitOnce(split, () => make(true, 43), epochs);
        out[`${name}EpochSeconds`] = hogwild.epochSeconds;
        out[`${name}DeterministicEpochSeconds`] = fixed.epochSeconds;
        out[`${name}DeterministicCostRatio`] = fixed.epochSeconds / hogwild.epochSeconds;
        out[`${name}Ndcg`] = hogwild.ndcg;
        out[`${name}DeterministicNdcg`] = fixed.ndcg;
        out[`${name}DeterministicNdcgSeed2`] = seed2.ndcg;
      }
      return out;
    },
  },
];
