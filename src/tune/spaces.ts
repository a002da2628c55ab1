/**
 * The hyperparameter spaces `tune` searches, one per model family, and how a sampled point becomes a model. Ranges
 * are the ones the literature tunes over (Dacrema et al. 2019 for RP3beta and item-kNN; Steck 2019/2020 and Shen et al. 2021's normalisation for EASE;
 * implicit's and Rendle et al. 2022's for ALS; Sachdeva et al. 2022's λ for ∞-AE), written as scale-free as the models allow, so no range depends on a
 * data set's size or name. The ranges bound the random draws; tune's local draws around a family's best point may step
 * past them (see `nextPoint` in tune.ts).
 */
import type { Recommender } from '../models/recommender.ts';
import { EaseRecommender } from '../models/neighbourhood/ease.ts';
import { Rp3BetaRecommender } from '../models/neighbourhood/rp3beta.ts';
import { ItemKnnRecommender } from '../models/neighbourhood/itemknn.ts';
import { AlsRecommender } from '../models/factorization/als.ts';
import { LightFmRecommender } from '../models/factorization/lightfm.ts';
import { InfiniteAeRecommender } from '../models/neural/infinite-ae.ts';
import type { Interactions } from '../data/interactions.ts';

/** A source of uniform numbers in [0, 1) (the tuner's seeded generator). */
export type Random = () => number;

const uniform = (r: Random, lo: number, hi: number) => lo + r() * (hi - lo);
const logUniform = (r: Random, lo: number, hi: number) => Math.exp(uniform(r, Math.log(lo), Math.log(hi)));
const logInt = (r: Random, lo: number, hi: number) => Math.round(logUniform(r, lo, hi));
const pick = <T>(r: Random, values: readonly T[]): T => values[Math.floor(r() * values.length)];
/** Short decimals, so logged parameters read well and compare equal after a JSON round trip. */
const round = (v: number) => Number(v.toPrecision(3));

/**
 * What a space may scale its ranges by, measured once on the training data, so that no range is written in a data
 * set's units (seconds or milliseconds, say).
 */
export interface DataFacts {
  /**
   * The 90th and 95th percentiles of the positive gaps between a user's consecutive interactions, in the timestamps'
   * unit (undefined without timestamps, or when no user's timestamps differ). Most such gaps fall inside a session
   * (MovieLens-100K: 90% under 6 minutes, 95% under 36).
   */
  readonly sessionGaps?: { readonly p90: number; readonly p95: number };
}

/** One family's search space. */
export interface SearchSpace {
  /** What is searched, for the docs and `recwise tune --help`. */
  readonly description: string;
  /** The model kind the family fits, when it is not the family's name (`ease-session` fits EASE models). */
  readonly kind?: string;
  /** Why the family cannot run on data with these facts (undefined: it can); tune lists it as skipped. */
  unavailable?(facts: DataFacts): string | undefined;
  /** The parameters local draws scale (the rest are discrete choices or constants of the space). */
  readonly continuous: readonly string[];
  /** A random point of the space. */
  sample(random: Random, facts: DataFacts): Record<string, unknown>;
  /** The model for a point. */
  create(params: Record<string, unknown>): Recommender;
}

/**
 * The facts the spaces scale by (see {@link DataFacts}).
 *
 * @example
 * ```ts
 * dataFacts(train).sessionGaps;  // { p90: 352, p95: 2155 } on MovieLens-100K (seconds)
 * ```
 */
export function dataFacts(train: Interactions): DataFacts {
  const ts = train.timestamps;
  if (!ts) return {};
  const { indptr } = train.byUser;
  const gaps: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < train.nUsers; u++) {
    times.length = 0;
    for (let e = indptr[u]; e < indptr[u + 1]; e++) times.push(ts[e]);
    times.sort((a, b) => a - b);
    for (let r = 1; r < times.length; r++) if (times[r] > times[r - 1]) gaps.push(times[r] - times[r - 1]);
  }
  if (gaps.length === 0) return {};
  gaps.sort((a, b) => a - b);
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
  return { sessionGaps: { p90: at(0.9), p95: at(0.95) } };
}

/** EASE's penalties λ and ρ (shared by `ease` and `ease-session`; drawn first, in this order). */
const easePenalties = (r: Random) => ({
  lambda: round(logUniform(r, 10, 10000)),
  diagonalPenalty: r() < 0.3 ? 0 : round(uniform(r, 0, 1.5)),
});
const EASE_PENALTIES = 'lambda log-uniform [10, 10000]; diagonalPenalty 0 (30%) or uniform [0, 1.5]';

export const SEARCH_SPACES: Readonly<Record<string, SearchSpace>> = {
  ease: {
    description: `${EASE_PENALTIES}; userNormalization 0 (30%) or uniform [0, 1]; itemNormalization 0 (30%) or uniform [0, 0.4]`,
    continuous: ['lambda', 'diagonalPenalty', 'userNormalization', 'itemNormalization'],
    sample: (r) => ({
      ...easePenalties(r),
      // the normalised Gram (GF-CF's degree normalisation, Shen et al. 2021); α ≥ 0.35 lost on every MovieLens validation split tried (issue 19)
      userNormalization: r() < 0.3 ? 0 : round(uniform(r, 0, 1)),
      itemNormalization: r() < 0.3 ? 0 : round(uniform(r, 0, 0.4)),
    }),
    create: (p) => new EaseRecommender(p),
  },
  // A family of its own, not a point of `ease`: the blend stage takes one point per family, and the session-weighted
  // Gram matrix gains most beside a plain EASE (issue 19: +1.7% NDCG@10 on ml-100k's validation folds, NumPy). No
  // degree normalisation: it made the session member more like the normalised EASE it blends with and lost on those
  // folds (β 0.5: −0.001, α 0.25: −0.003).
  'ease-session': {
    description: `EASE with sessionWindow log-uniform [p90, 10 × p95] of the gaps between a user's consecutive interactions (needs timestamps); ${EASE_PENALTIES}`,
    kind: 'ease',
    continuous: ['lambda', 'diagonalPenalty', 'sessionWindow'],
    unavailable: (facts) => (facts.sessionGaps ? undefined : 'needs timestamps that differ within users (the training data has none)'),
    sample: (r, facts) => {
      const gaps = facts.sessionGaps!;
      return {
        ...easePenalties(r),
        sessionWindow: round(logUniform(r, gaps.p90, 10 * Math.max(gaps.p95, gaps.p90))),
      };
    },
    create: (p) => new EaseRecommender(p),
  },
  rp3beta: {
    description: 'alpha uniform [0.2, 1.5]; beta uniform [0, 1]; neighbors log-uniform [10, 500]; normalize true/false',
    continuous: ['alpha', 'beta'],
    sample: (r) => ({ alpha: round(uniform(r, 0.2, 1.5)), beta: round(uniform(r, 0, 1)), neighbors: logInt(r, 10, 500), normalize: r() < 0.5 }),
    create: (p) => new Rp3BetaRecommender(p),
  },
  itemknn: {
    description: "similarity cosine/bm25/tfidf; neighbors log-uniform [10, 500]; bm25 k1 uniform [0.5, 2], b uniform [0, 1]",
    continuous: ['k1', 'b'],
    sample: (r) => ({ similarity: pick(r, ['cosine', 'bm25', 'tfidf'] as const), neighbors: logInt(r, 10, 500), k1: round(uniform(r, 0.5, 2)), b: round(r()) }),
    create: (p) => new ItemKnnRecommender(p),
  },
  als: {
    description:
      'factors 32/64/128/256; alpha log-uniform [0.5, 50]; 15 iterations; half the points as implicit (regularization log-uniform [0.01, 100]), ' +
      'half with Rendle et al. 2022\'s knobs (regularizationExponent 1, regularization log-uniform [1e-4, 1], unobservedWeight log-uniform [0.01, 1], initStd 0.1)',
    continuous: ['alpha', 'regularization', 'unobservedWeight'],
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
    continuous: ['lambda', 'itemNormalization'],
    sample: (r) => ({ lambda: round(logUniform(r, 1, 100)), itemNormalization: r() < 0.3 ? 0 : round(uniform(r, 0, 0.5)) }),
    create: (p) => new InfiniteAeRecommender(p),
  },
  lightfm: {
    description: 'warp loss; factors 16/32/64/128; learningRate log-uniform [0.01, 0.1]; epochs 10/20/30',
    continuous: ['learningRate'],
    sample: (r) => ({ loss: 'warp', factors: pick(r, [16, 32, 64, 128]), learningRate: round(logUniform(r, 0.01, 0.1)), epochs: pick(r, [10, 20, 30]) }),
    create: (p) => new LightFmRecommender(p),
  },
};

/** The families `tune` searches when none are named: the fast, strong ones. */
export const DEFAULT_TUNE_MODELS: readonly string[] = ['ease', 'ease-session', 'rp3beta', 'itemknn', 'als', 'infinite-ae'];

/** The model kind a family fits (its name, unless the space says otherwise). */
export const kindOf = (family: string): string => SEARCH_SPACES[family]?.kind ?? family;
