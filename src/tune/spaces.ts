/**
 * The hyperparameter spaces `tune` searches, one per model family, and how a sampled point becomes a model. Ranges
 * are the ones the literature tunes over (Dacrema et al. 2019 for RP3beta and item-kNN; Steck 2019/2020 and Shen et al. 2021's normalisation for EASE;
 * implicit's and Rendle et al. 2022's for ALS; Sachdeva et al. 2022's λ for ∞-AE), written as scale-free as the models allow, so no range depends on a
 * data set's size or name.
 */
import type { Recommender } from '../models/recommender.ts';
import { EaseRecommender } from '../models/neighbourhood/ease.ts';
import { Rp3BetaRecommender } from '../models/neighbourhood/rp3beta.ts';
import { ItemKnnRecommender } from '../models/neighbourhood/itemknn.ts';
import { AlsRecommender } from '../models/factorization/als.ts';
import { LightFmRecommender } from '../models/factorization/lightfm.ts';
import { InfiniteAeRecommender } from '../models/neural/infinite-ae.ts';

/** A source of uniform numbers in [0, 1) (the tuner's seeded generator). */
export type Random = () => number;

const uniform = (r: Random, lo: number, hi: number) => lo + r() * (hi - lo);
const logUniform = (r: Random, lo: number, hi: number) => Math.exp(uniform(r, Math.log(lo), Math.log(hi)));
const logInt = (r: Random, lo: number, hi: number) => Math.round(logUniform(r, lo, hi));
const pick = <T>(r: Random, values: readonly T[]): T => values[Math.floor(r() * values.length)];
/** Short decimals, so logged parameters read well and compare equal after a JSON round trip. */
const round = (v: number) => Number(v.toPrecision(3));

/** One family's search space. */
export interface SearchSpace {
  /** What is searched, for the docs and `recwise tune --help`. */
  readonly description: string;
  /** A random point of the space. */
  sample(random: Random): Record<string, unknown>;
  /** The model for a point. */
  create(params: Record<string, unknown>): Recommender;
}

export const SEARCH_SPACES: Readonly<Record<string, SearchSpace>> = {
  ease: {
    description:
      'lambda log-uniform [10, 10000]; diagonalPenalty 0 (30%) or uniform [0, 1.5]; userNormalization 0 (30%) or uniform [0, 1]; ' +
      'itemNormalization 0 (30%) or uniform [0, 0.4]',
    sample: (r) => ({
      lambda: round(logUniform(r, 10, 10000)),
      diagonalPenalty: r() < 0.3 ? 0 : round(uniform(r, 0, 1.5)),
      // the normalised Gram (GF-CF's degree normalisation, Shen et al. 2021); α ≥ 0.35 lost on every MovieLens validation split tried (issue 19)
      userNormalization: r() < 0.3 ? 0 : round(uniform(r, 0, 1)),
      itemNormalization: r() < 0.3 ? 0 : round(uniform(r, 0, 0.4)),
    }),
    create: (p) => new EaseRecommender(p),
  },
  rp3beta: {
    description: 'alpha uniform [0.2, 1.5]; beta uniform [0, 1]; neighbors log-uniform [10, 500]; normalize true/false',
    sample: (r) => ({ alpha: round(uniform(r, 0.2, 1.5)), beta: round(uniform(r, 0, 1)), neighbors: logInt(r, 10, 500), normalize: r() < 0.5 }),
    create: (p) => new Rp3BetaRecommender(p),
  },
  itemknn: {
    description: "similarity cosine/bm25/tfidf; neighbors log-uniform [10, 500]; bm25 k1 uniform [0.5, 2], b uniform [0, 1]",
    sample: (r) => ({ similarity: pick(r, ['cosine', 'bm25', 'tfidf'] as const), neighbors: logInt(r, 10, 500), k1: round(uniform(r, 0.5, 2)), b: round(r()) }),
    create: (p) => new ItemKnnRecommender(p),
  },
  als: {
    description:
      'factors 32/64/128/256; alpha log-uniform [0.5, 50]; 15 iterations; half the points as implicit (regularization log-uniform [0.01, 100]), ' +
      'half with Rendle et al. 2022\'s knobs (regularizationExponent 1, regularization log-uniform [1e-4, 1], unobservedWeight log-uniform [0.01, 1], initStd 0.1)',
    sample: (r) => {
      const base = { factors: pick(r, [32, 64, 128, 256]), alpha: round(logUniform(r, 0.5, 50)), iterations: 15 };
      if (r() < 0.5) return { ...base, regularization: round(logUniform(r, 0.01, 100)) };
      // frequency-scaled λ multiplies by (|I_u| + α₀|I|): useful values are orders of magnitude smaller (Rendle et al. 2022, Fig. 1)
      return { ...base, regularization: round(logUniform(r, 1e-4, 1)), regularizationExponent: 1, unobservedWeight: round(logUniform(r, 0.01, 1)), initStd: 0.1 };
    },
    create: (p) => new AlsRecommender(p),
  },
  'infinite-ae': {
    description: 'lambda log-uniform [1, 100]; itemNormalization 0 (30%) or uniform [0, 0.5]',
    sample: (r) => ({ lambda: round(logUniform(r, 1, 100)), itemNormalization: r() < 0.3 ? 0 : round(uniform(r, 0, 0.5)) }),
    create: (p) => new InfiniteAeRecommender(p),
  },
  lightfm: {
    description: 'warp loss; factors 16/32/64/128; learningRate log-uniform [0.01, 0.1]; epochs 10/20/30',
    sample: (r) => ({ loss: 'warp', factors: pick(r, [16, 32, 64, 128]), learningRate: round(logUniform(r, 0.01, 0.1)), epochs: pick(r, [10, 20, 30]) }),
    create: (p) => new LightFmRecommender(p),
  },
};

/** The families `tune` searches when none are named: the fast, strong ones. */
export const DEFAULT_TUNE_MODELS: readonly string[] = ['ease', 'rp3beta', 'itemknn', 'als', 'infinite-ae'];
