/**
 * Hyperparameter search over model families on a validation split carved from (or given beside) the training data;
 * the test split never enters. The chosen model is refitted on all of train.
 *
 * Method: random search with successive halving (Jamieson & Talwalkar 2016) over validation users. Each bracket
 * samples `bracketSize` points (families in turn), fits each on the fit part and scores it on a quarter of the
 * validation users; the best third is scored again on every validation user. Random search, not a TPE: the spaces
 * have at most four dimensions, where random search finds points as good as a model-based search for the same number
 * of trials (Bergstra & Bengio 2012), needs no state beyond the seed, and so resumes exactly from a trial log.
 * Halving over users, not epochs: half the families fit in closed form or one pass, and scoring every item for every
 * validation user costs as much as such a fit, so the cheap first rung saves real time for every family. Once a family
 * has a few points scored on every validation user, half its new points are drawn near its best one (`nextPoint`).
 *
 * Blends: with `blend` ≥ 2 (default 3) and at least two families scored, the end of the budget goes to linear blends
 * (BlendRecommender, per-user z-scores) of the best points of the families: every family's best point is refitted on
 * the fit part, and every weight vector of a 0.1-step grid over the simplex with two to `blend` non-zero weights is
 * scored on every validation user, from one scoring pass per member (rows cached per block of users). Every family is
 * a candidate member, not only the strongest alone (ensemble selection, Caruana et al. 2004, "Ensemble selection from
 * libraries of models", ICML): the member that helps a blend most is the least correlated one, not the second best
 * (session-weighted EASE scores below ∞-AE and ALS alone on ml-100k, and adds most to EASE, issue 19).
 *
 * Complements: the points of the grid are each family's best alone, but the member a blend gains most from is often a
 * point that is weak alone (less regularised, so less like the others). So a share of the budget
 * ({@link COMPLEMENT_SHARE}) searches the last member for the blend itself: the grid's best first-split blend of
 * `blend` − 1 members (with `blend` 2: the best single point) is the base, and points of every family (random draws,
 * then half of them near the family's best complement) are each scored beside it at weights 0.1 … 0.5 and alone, from
 * one scoring pass over the base's cached rows (stacking with the members tuned for the ensemble; Caruana et al. 2004,
 * §5). Its best blends join the short list ({@link COMPLEMENT_CANDIDATES}), beside the grid's.
 *
 * Final choice: the short list is re-scored on extra carved folds (`selectionFolds`), and the returned model is one
 * blend averaging the top `average` candidates by their mean over the folds (TuneOptions.average): the best few differ
 * by less than the validation noise.
 */
import { InvalidArgumentError, MemoryLimitError } from '../errors.ts';
import { checkFitMemory } from '../models/fit-memory.ts';
import type { Interactions } from '../data/interactions.ts';
import { randomSplit } from '../data/splits.ts';
import type { Recommender, TrainingIndex } from '../models/recommender.ts';
import { checkAborted, type LongRunOptions } from '../models/progress.ts';
import { ndcgAtK, precisionAtK, recallAtK, mapAtK, type UserRankFacts } from '../eval/metrics.ts';
import { alignTestData } from '../eval/evaluate.ts';
import { DEFAULT_TUNE_MODELS, SEARCH_SPACES, dataFacts, kindOf, type DataFacts } from './spaces.ts';
import { mulberry32 } from '../models/random.ts';
import { BlendRecommender, normalizeScores } from '../models/blend.ts';
import { getBackend } from '../kernels/registry.ts';
import { trialContext } from './context.ts';
import { checkOptionKeys, optionKeys } from '../options-check.ts';

/**
 * The share of each user's train rows a carved validation split holds out: the share the evaluation protocol holds out
 * for test (randomSplit's default, the shared splits' 20%), because the held-out share changes which model ranks
 * first, not only the scores. Issue 19, on two more random 80/20 splits of ml-100k (make_splits.py seeds 7 and 8): the
 * same models fitted on carvings of train rank session EASE above plain EASE on a 10% carving's held-out rows (mean of
 * four carvings) but below it on a 20% carving's and on the test rows, on both splits; with 10%, tune chose
 * session-EASE-heavy blends that lost to plain-EASE blends on test. `tune --budget 10m`, test NDCG@10 with 10% → 20%:
 * the shared split 0.3271 → 0.3334, two other seeds of the same protocol 0.3282 → 0.3264 and 0.3184 → 0.3259.
 *
 * @example
 * ```ts
 * import { tune, DEFAULT_VALID_FRACTION } from 'recwise/tune';
 * DEFAULT_VALID_FRACTION;                        // 0.2
 * await tune({ train, validFraction: 0.1 });     // when your own test split holds out 10% of each user's rows
 * ```
 */
export const DEFAULT_VALID_FRACTION = 0.2;
/** Points of a family checked against the memory limits before the search: none fitting leaves the family out. */
const MEMORY_PROBES = 8;
/** Grid step of the blend weights (weights are multiples of it and sum to 1). */
const BLEND_STEP = 0.1;
/**
 * The search stops when what is left of the budget is the closing stages' (blends, extra folds) cost estimated from
 * the trials so far, times this margin; at least {@link MIN_RESERVE} and at most {@link MAX_RESERVE} of the budget.
 */
const RESERVE_MARGIN = 1.5;
const MIN_RESERVE = 0.05;
const MAX_RESERVE = 0.5;
/**
 * The complement stage's margin on the extra folds' cost: smaller, since by then the estimate sums the measured costs
 * of exactly the models and blends the folds will score (issue 19, ml-1m with a 600 s budget: at 1.5 the search ended
 * at 573 s, at 1.2 at 598 s). A fold whose estimate no longer fits is skipped rather than started.
 */
const FOLDS_MARGIN = 1.2;
/**
 * Blends on the final short list, at least: the first split chose their weights among hundreds of vectors, and its
 * noise is as large as the differences between the best of them (issue 19: ml-100k's best blends differ by 0.001 on a
 * split); the folds' mean picks among these. Each costs one scoring pass per fold (its members are on the list anyway).
 */
export const BLEND_CANDIDATES = 10;
/**
 * Share of the budget kept for the complement stage when blending (it runs after the blend grid, before the folds).
 * The member a blend gains most from is rarely the family's best point alone (issue 19, a NumPy replay on ml-1m's
 * validation split: iALS at α 10, λ 5 scores 0.162 alone against the best iALS's 0.190, and lifts EASE + ∞-AE to
 * 0.198 where that one leaves it at 0.197), so the last member is searched for the blend itself.
 */
const COMPLEMENT_SHARE = 0.2;
/**
 * Complement blends on the final short list, at most (beside the grid's {@link BLEND_CANDIDATES}): its local draws
 * give many near-copies of the best complement, which would otherwise crowd the grid's blends off the list.
 */
export const COMPLEMENT_CANDIDATES = 5;
/** Weights a complement point is scored at beside the base (whose weights are scaled by 1 − w). */
const COMPLEMENT_WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5];
/** Most floats of the base's cached rows (validation users × items; 128 MiB): past it they are recomputed per point. */
const COMPLEMENT_CACHE = 1 << 25;
/** Users scored together when scoring blends (the cached member rows are members × block × items floats)... */
const BLEND_BLOCK = 256;
/** ...fewer when those rows and the mixed one would pass this many floats (64 MiB; large catalogues, many members). */
const BLEND_ROWS = 1 << 24;
/** Users per block when `sources` member rows (and one mixed row) over `n` items are held at once. */
const blendBlock = (sources: number, n: number) => Math.max(1, Math.min(BLEND_BLOCK, Math.floor(BLEND_ROWS / ((sources + 1) * n))));

/** Metrics tune can optimise (at cut-off `k`). */
export type TuneMetric = 'ndcg' | 'precision' | 'recall' | 'map';

/** Options of {@link tune}. */
export interface TuneOptions extends LongRunOptions {
  /** Training interactions: the winner is refitted on all of them. */
  train: Interactions;
  /** Validation interactions (same ids); when absent, `validFraction` of each user's train rows are held out. */
  valid?: Interactions;
  /**
   * Share of each user's train rows held out for validation when `valid` is absent, and by each extra fold (default
   * 0.2, randomSplit's and eval's protocol; see {@link DEFAULT_VALID_FRACTION}).
   */
  validFraction?: number;
  /** Families to search (default ease, rp3beta, itemknn, als; also lightfm). */
  models?: readonly string[];
  /** Wall-clock budget for the search in seconds (default 600); the final refit comes on top. */
  budgetSeconds?: number;
  /** What to maximise (default 'ndcg'). */
  metric?: TuneMetric;
  /** Cut-off of the metric (default 10). */
  k?: number;
  /** Seed of the search and of the carved split (default 42). */
  seed?: number;
  /** Stop after sampling this many points (default: no limit; the budget decides). Resumed points count. */
  maxPoints?: number;
  /** Points per successive-halving bracket (default 9: 9 on a quarter of the users, the best 3 on all). */
  bracketSize?: number;
  /**
   * Trials of an earlier run (e.g. read back from its log): their points are not fitted again. Only trials scored on
   * the same data, validation split, `validFraction`, metric and seed are reused (their `context`); the others are
   * counted in {@link TuneResult.staleTrials} and left out.
   */
  trials?: readonly TuneTrial[];
  /**
   * Most members of a blend (default 3; 0 or 1: no blends): the best points of up to `blend` families, any of them,
   * are blended with weights searched on the validation split (see the module comment).
   */
  blend?: number;
  /**
   * Extra validation folds the final short list is re-scored on (default 3; 0: the best trial on the one validation
   * split wins). Each fold holds out `validFraction` of each user's train rows with another seed; the winner has the
   * best mean over the first split and the completed folds (see the module comment: the winner's curse).
   */
  selectionFolds?: number;
  /**
   * Distinct points per family on the short list re-scored on the extra folds (default 2); blends get at least
   * {@link BLEND_CANDIDATES} (their weights were chosen among hundreds of vectors on one split).
   */
  selectionCandidates?: number;
  /**
   * Most points the complement stage samples (default: `maxPoints`, so the budget decides unless that is set; 0: no
   * complement stage). See the module comment.
   */
  complementPoints?: number;
  /**
   * The returned model averages the top `average` candidates of the final choice (by mean over the folds; default 3,
   * 1: the top candidate alone): one blend whose weights are the mean of their weight vectors, a single point counting
   * as weight 1 on itself and a member shared by candidates merged. Only once an extra fold is completed
   * (`selectionFolds` ≥ 1); otherwise the top candidate is returned.
   * Why: the short list's best few differ by less than the validation noise, so the first of them is partly chosen
   * by that noise (the winner's curse); averaging them, as Caruana et al. 2004 bag their ensemble selection, keeps
   * what they share. Issue 19, `--budget 10m`, test NDCG@10 of the top candidate → the average of the top 3, on six
   * searches: ml-1m 0.3376 → 0.3373, 0.3362 → 0.3380, 0.3362 → 0.3373; ml-100k (shared split) 0.3334 → 0.3331; two
   * more random splits of ml-100k 0.3264 → 0.3281 and 0.3259 → 0.3284.
   */
  average?: number;
  /** Called once per finished trial (the CLI appends it to its JSONL log). */
  onTrial?: (trial: TuneTrial) => void;
}

/** One point scored on one rung. */
export interface TuneTrial {
  readonly model: string;
  readonly params: Record<string, unknown>;
  /** 0: a quarter of the validation users; 1: all of them. */
  readonly rung: number;
  /** The optimised metric, mean over the rung's users. */
  readonly score: number;
  /** precision@k, for the leaderboard. */
  readonly precision: number;
  readonly users: number;
  readonly fitSeconds: number;
  readonly evalSeconds: number;
  /** Extra validation fold of the final choice (1, 2, …; absent: the first validation split). */
  readonly fold?: number;
  /** A trial of the complement stage (a point scored alone beside its blends, or one of those blends). */
  readonly complement?: boolean;
  /**
   * Fingerprint of what the score was measured on (data, validation split, `validFraction`, metric, seed): a resumed
   * run reuses a trial only when it matches (absent in logs of releases before it: never reused).
   */
  readonly context?: string;
}

/** One point of the final short list and its scores on every completed validation fold. */
export interface TuneCandidate {
  readonly model: string;
  readonly params: Record<string, unknown>;
  /** The optimised metric per fold: the first validation split, then each completed extra fold. */
  readonly scores: readonly number[];
  /** Mean of `scores`: what the winner is chosen by. */
  readonly mean: number;
}

/** Result of {@link tune}. */
export interface TuneResult {
  /** The winner's trial on the first validation split (the candidate with the best mean over the folds). */
  readonly best: TuneTrial;
  /** The winner refitted on all of train. */
  readonly model: Recommender;
  /** Per family, the first-split trial of its best candidate (by the mean over folds), best first. */
  readonly leaderboard: readonly TuneTrial[];
  /** The short list re-scored on the extra folds, best mean first (with no extra folds: the family bests). */
  readonly selection: readonly TuneCandidate[];
  /** Every trial of this run and the resumed ones. */
  readonly trials: readonly TuneTrial[];
  /** Trials passed in `trials` that were scored on other data or settings, so not reused (see TuneTrial.context). */
  readonly staleTrials: number;
  /**
   * What `model` is: the average of the top `averageOf` candidates of `selection` (see TuneOptions.average), or the
   * top candidate itself (`averageOf` 1, the same point as `best`).
   */
  readonly saved: { readonly model: string; readonly params: Record<string, unknown>; readonly averageOf: number };
  /** The search stopped on the signal (the best so far was still refitted). */
  readonly aborted: boolean;
  readonly searchSeconds: number;
  /** Search time spent outside fits and scoring (bookkeeping), in seconds. */
  readonly overheadSeconds: number;
  readonly refitSeconds: number;
  /** Families left out because a fit would not fit in memory on this data, with the limit's message. */
  readonly skipped: readonly { readonly model: string; readonly reason: string }[];
}

const METRICS: Record<TuneMetric, (f: UserRankFacts) => number> = { ndcg: ndcgAtK, precision: precisionAtK, recall: recallAtK, map: mapAtK };


const TUNE_OPTION_KEYS = optionKeys<TuneOptions>({
  train: true, valid: true, validFraction: true, models: true, budgetSeconds: true, metric: true, k: true, seed: true, maxPoints: true,
  bracketSize: true, trials: true, blend: true, selectionFolds: true, selectionCandidates: true, complementPoints: true, average: true,
  onTrial: true, onProgress: true, signal: true,
});

const trialKey = (model: string, params: Record<string, unknown>, rung: number, fold = 0) => JSON.stringify(fold ? [model, params, rung, fold] : [model, params, rung]);
const pointKey = (model: string, params: Record<string, unknown>) => JSON.stringify([model, params]);

/** Validation users of one split, a seeded quarter of them, and each one's relevant items (model indices). */
interface SplitUsers { all: number[]; quarter: number[]; rows: Map<number, Set<number>> }
/** A blend's member as its params name it. */
interface MemberSpec { kind: string; params: Record<string, unknown> }
/** One member's normalised score rows for a block of users (`offset`: the block's first position in the split). */
type MemberRows = (block: Int32Array, offset: number) => Float32Array;

/** A fitted model's rows as a blend member sees them: per-user z-scores over the items each user has not seen. */
function zRows(m: Recommender): MemberRows {
  return (block) => {
    const { seen, items } = m.trainingIndex;
    const n = items.size;
    const s = m.scoreUsers(block);
    for (let r = 0; r < block.length; r++) normalizeScores(s.subarray(r * n, (r + 1) * n), seen.indices.subarray(seen.indptr[block[r]], seen.indptr[block[r] + 1]), 'z-score');
    return s;
  };
}

/** The models a trial fits: a blend's members, or the point itself (by its model kind). */
function membersOf(t: { readonly model: string; readonly params: Record<string, unknown> }): MemberSpec[] {
  return t.model === 'blend' ? (t.params.members as MemberSpec[]) : [{ kind: kindOf(t.model), params: t.params }];
}

/** The distinct models a list of trials fits, by point key. */
function basesOf(list: readonly TuneTrial[]): Map<string, MemberSpec> {
  const bases = new Map<string, MemberSpec>();
  for (const t of list) for (const m of membersOf(t)) bases.set(pointKey(m.kind, m.params), m);
  return bases;
}

/**
 * Search the families' spaces on validation data and refit the chosen model (the average of the final choice's top
 * `average` candidates) on all of train.
 *
 * @example
 * ```ts
 * import { saveModel } from 'recwise';
 * import { tune } from 'recwise/tune';
 * const { model, best, leaderboard } = await tune({ train, budgetSeconds: 120, onTrial: (t) => console.log(t) });
 * await saveModel(model, 'best.recwise');
 * ```
 */
export async function tune(options: TuneOptions): Promise<TuneResult> {
  checkOptionKeys('tune options', options, TUNE_OPTION_KEYS);
  const { train, signal } = options;
  const requested = options.models ?? DEFAULT_TUNE_MODELS;
  for (const m of requested) if (!SEARCH_SPACES[m]) throw new InvalidArgumentError('models', m, `families tune can search (${Object.keys(SEARCH_SPACES).join(', ')})`);
  if (requested.length === 0) throw new InvalidArgumentError('models', requested, 'at least one family');
  const metric = options.metric ?? 'ndcg';
  if (!METRICS[metric]) throw new InvalidArgumentError('metric', metric, "'ndcg', 'precision', 'recall' or 'map'");
  const k = options.k ?? 10;
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidArgumentError('k', k, 'an integer >= 1');
  const budget = options.budgetSeconds ?? 600;
  if (!(budget > 0)) throw new InvalidArgumentError('budgetSeconds', budget, 'a number of seconds > 0');
  const bracketSize = options.bracketSize ?? 9;
  if (!(Number.isInteger(bracketSize) && bracketSize >= 1)) throw new InvalidArgumentError('bracketSize', bracketSize, 'an integer >= 1');
  const seed = options.seed ?? 42;
  const blendSize = options.blend ?? 3;
  if (!(Number.isInteger(blendSize) && blendSize >= 0)) throw new InvalidArgumentError('blend', blendSize, 'an integer >= 0 (members of the blend stage; 0: none)');
  const selectionFolds = options.selectionFolds ?? 3;
  if (!(Number.isInteger(selectionFolds) && selectionFolds >= 0)) throw new InvalidArgumentError('selectionFolds', selectionFolds, 'an integer >= 0 (extra validation folds of the final choice; 0: none)');
  const perFamily = options.selectionCandidates ?? 2;
  if (!(Number.isInteger(perFamily) && perFamily >= 1)) throw new InvalidArgumentError('selectionCandidates', perFamily, 'an integer >= 1');
  const validFraction = options.validFraction ?? DEFAULT_VALID_FRACTION;
  const maxPoints = options.maxPoints ?? Number.POSITIVE_INFINITY;
  if (!(maxPoints >= 1)) throw new InvalidArgumentError('maxPoints', maxPoints, 'an integer >= 1');
  const complementPoints = options.complementPoints ?? maxPoints;
  if (!(complementPoints >= 0)) throw new InvalidArgumentError('complementPoints', complementPoints, 'an integer >= 0 (0: no complement stage)');
  const averageOf = options.average ?? 3;
  if (!(Number.isInteger(averageOf) && averageOf >= 1)) throw new InvalidArgumentError('average', averageOf, 'an integer >= 1 (candidates the returned model averages; 1: the top one alone)');

  // The fit part and the validation rows: never the test split.
  const { fitPart, valid } = options.valid
    ? { fitPart: train, valid: options.valid }
    : (() => {
        const s = randomSplit(train, { testFraction: validFraction, seed });
        return { fitPart: s.train, valid: s.test };
      })();

  // Families that cannot run on this data (session EASE without timestamps) or none of whose points fits in memory
  // on it (∞-AE's users², say) are left out, with the reason, before the search (a few points of each are checked,
  // off the search's random stream); a single point that does not fit (ALS with 256 factors on a huge catalogue) is
  // passed over in the search itself.
  const facts = dataFacts(train);
  const skipped: { model: string; reason: string }[] = [];
  const backend = await getBackend();
  const shape = { users: fitPart.nUsers, items: fitPart.nItems, interactions: fitPart.nnz };
  const models: string[] = [];
  for (const m of requested) {
    const unavailable = SEARCH_SPACES[m].unavailable?.(facts);
    if (unavailable) {
      skipped.push({ model: m, reason: `${m} ${unavailable}.` });
      continue;
    }
    const probe = mulberry32(seed ^ 0x2545f491);
    let refusal: MemoryLimitError | undefined;
    for (let tries = 0; tries < MEMORY_PROBES; tries++) {
      try {
        await checkFitMemory(kindOf(m), SEARCH_SPACES[m].create(SEARCH_SPACES[m].sample(probe, facts)).params, shape, backend);
        refusal = undefined;
        break;
      } catch (e) {
        if (!(e instanceof MemoryLimitError)) throw e;
        refusal = e;
      }
    }
    if (refusal) skipped.push({ model: m, reason: refusal.message });
    else models.push(m);
  }
  if (models.length === 0) throw new InvalidArgumentError('models', requested, 'a family that can run and whose fit fits in memory on this data', skipped.map((s) => s.reason).join(' '));
  const blending = blendSize >= 2 && models.length >= 2;

  const context = trialContext({ train, valid: options.valid, validFraction, metric, k, seed });
  const reusable = (options.trials ?? []).filter((t) => t.context === context);
  const staleTrials = (options.trials?.length ?? 0) - reusable.length;
  const previous = new Map<string, TuneTrial>();
  for (const t of reusable) previous.set(trialKey(t.model, t.params, t.rung, t.fold), t);
  const trials: TuneTrial[] = [...reusable];
  const random = mulberry32(seed);
  const t0 = performance.now();
  let measured = 0;
  let aborted = false;
  // This run's trials in the order the search reached them (resumed ones included), so a resumed run refines around
  // the same best points as an uninterrupted one.
  const history: TuneTrial[] = [];
  let validUsers: SplitUsers | undefined;

  const elapsed = () => (performance.now() - t0) / 1000;
  // Every trial's model is released as soon as it is done with: factor models and kNN indexes keep kernel memory
  // resident after scoring, and thousands of trials would otherwise fill the Wasm heap (2 GiB on ml-100k in 10 minutes).
  const release = (m: Recommender | undefined) => void m?.[Symbol.asyncDispose]();
  // `fitted` (with the seconds its fit took) is a model promoted from rung 0, scored again without a refit.
  const score = async (model: string, params: Record<string, unknown>, rung: number, fitted?: Recommender, fittedSeconds = 0): Promise<{ trial: TuneTrial; fitted?: Recommender }> => {
    checkAborted(signal, 'tune');
    const known = previous.get(trialKey(model, params, rung));
    if (known) {
      history.push(known);
      return { trial: known, fitted };
    }
    const f0 = performance.now();
    const m = fitted ?? (await SEARCH_SPACES[model].create(params).fit(fitPart, { signal }));
    const fitSeconds = fitted ? fittedSeconds : (performance.now() - f0) / 1000;
    const e0 = performance.now();
    validUsers ??= await validationUsers(m, valid, seed);
    const users = rung === 0 ? validUsers.quarter : validUsers.all;
    const acc = await scoreModel(m, users, validUsers.rows);
    const evalSeconds = (performance.now() - e0) / 1000;
    measured += (fitted ? 0 : fitSeconds) + evalSeconds;
    return { trial: record({ model, params, rung, score: acc.score / users.length, precision: acc.precision / users.length, users: users.length, fitSeconds, evalSeconds }), fitted: m };
  };
  /** One fitted model's summed metric and precision@k over `users` (their relevant items in `rows`). */
  const scoreModel = async (m: Recommender, users: readonly number[], rows: Map<number, Set<number>>) => {
    const ids = users.map((u) => m.trainingIndex.users.idAt(u));
    const lists = await m.recommendBatch(ids, { k });
    const acc = { score: 0, precision: 0 };
    for (let r = 0; r < users.length; r++) addUser(acc, lists[r].map((rec) => m.trainingIndex.items.indexOf(rec.item)!), rows.get(users[r])!);
    return acc;
  };
  /**
   * Summed metric and precision@k of blends of member rows (`sources`, of models fitted on the data `index` describes),
   * one per weight vector, over every user of `split`: one scoring pass per member, rows cached per block of users.
   */
  const scoreBlends = async (index: TrainingIndex, sources: readonly MemberRows[], weights: readonly number[][], split: SplitUsers) => {
    const users = Int32Array.from(split.all);
    const { seen } = index;
    const n = index.items.size;
    const backend = await getBackend();
    const acc = weights.map(() => ({ score: 0, precision: 0 }));
    const size = blendBlock(sources.length, n);
    for (let b0 = 0; b0 < users.length; b0 += size) {
      checkAborted(signal, 'tune');
      const block = users.subarray(b0, b0 + size);
      const rows = sources.map((source) => source(block, b0));
      const mixed = new Float32Array(block.length * n);
      for (let g = 0; g < weights.length; g++) {
        mixed.fill(0);
        for (let m = 0; m < sources.length; m++) {
          const w = weights[g][m];
          if (w === 0) continue;
          const s = rows[m];
          for (let e = 0; e < mixed.length; e++) mixed[e] += w * s[e];
        }
        for (let r = 0; r < block.length; r++) for (let q = seen.indptr[block[r]]; q < seen.indptr[block[r] + 1]; q++) mixed[r * n + seen.indices[q]] = -Infinity;
        const top = backend.topk(mixed, block.length, n, k);
        for (let r = 0; r < block.length; r++) addUser(acc[g], top.indices.subarray(r * k, r * k + top.counts[r]), split.rows.get(block[r])!);
      }
      await Promise.resolve();
    }
    return acc;
  };
  /** Add one user's metric and precision@k, from the ranked item indices. */
  const addUser = (acc: { score: number; precision: number }, ranked: ArrayLike<number>, relevant: Set<number>) => {
    const hits: number[] = [];
    for (let j = 0; j < k; j++) hits.push(j < ranked.length && relevant.has(ranked[j]) ? 1 : 0);
    const facts = { k, hits, nTest: relevant.size } as unknown as UserRankFacts;
    acc.score += METRICS[metric](facts);
    acc.precision += precisionAtK(facts);
  };
  const record = (measuredTrial: Omit<TuneTrial, 'context'>): TuneTrial => {
    const trial: TuneTrial = { ...measuredTrial, context };
    trials.push(trial);
    history.push(trial);
    options.onTrial?.(trial);
    options.onProgress?.({ phase: 'tune', done: Math.min(elapsed(), budget), total: budget, info: { trials: trials.length, score: trial.score } });
    return trial;
  };

  /**
   * The blend stage: the best point of each of the top families refitted on the fit part, then every grid weight
   * vector scored on all validation users from cached, normalised member rows.
   */
  const blendStage = async (): Promise<void> => {
    const tops = bestPerFamily(trials.filter((t) => t.rung === 1 && !t.fold && !t.complement && t.model !== 'blend'));
    if (tops.length < 2) return;
    const grid = blendGrid(tops.length, blendSize);
    const paramsOf = (w: number[]) => ({
      members: tops.flatMap((t, r) => (w[r] > 0 ? [{ kind: kindOf(t.model), params: t.params }] : [])),
      weights: w.filter((x) => x > 0),
      normalize: 'z-score',
    });
    const todo = grid.filter((w) => !previous.has(trialKey('blend', paramsOf(w), 1)));
    if (todo.length === 0) return; // resumed: every grid point is among the earlier trials
    const members: Recommender[] = [];
    const fitSeconds: number[] = [];
    for (const t of tops) {
      checkAborted(signal, 'tune');
      const f0 = performance.now();
      members.push(await SEARCH_SPACES[t.model].create(t.params).fit(fitPart, { signal }));
      fitSeconds.push((performance.now() - f0) / 1000);
    }
    const e0 = performance.now();
    validUsers ??= await validationUsers(members[0], valid, seed);
    const users = validUsers.all;
    const acc = await scoreBlends(members[0].trainingIndex, members.map(zRows), todo, validUsers);
    const evalSeconds = (performance.now() - e0) / 1000;
    members.forEach(release);
    measured += fitSeconds.reduce((a, b) => a + b, 0) + evalSeconds;
    todo.forEach((w, g) => record({
      model: 'blend', params: paramsOf(w), rung: 1, score: acc[g].score / users.length, precision: acc[g].precision / users.length, users: users.length,
      fitSeconds: w.reduce((sum, x, r) => sum + (x > 0 ? fitSeconds[r] : 0), 0), evalSeconds: evalSeconds / todo.length,
    }));
  };

  /**
   * The complement stage (see the module comment): points of every family, drawn as the search draws them, each scored
   * as the last member of the base (the best first-split blend of `blend` − 1 members), at the weights
   * {@link COMPLEMENT_WEIGHTS} and alone, from one scoring pass; local draws refine each family's best complement. It
   * ends when the extra folds of the short list as it stands would no longer fit in the budget, or after
   * `complementPoints`.
   */
  const complementStage = async (): Promise<void> => {
    // The base has as many members as it can (blend − 1) and the best first-split score among those: a complement
    // of a single point would only redo the grid's pairs with a tuned partner.
    const eligible = trials.filter((t) => t.rung === 1 && !t.fold && !t.complement && membersOf(t).length < blendSize);
    const size = Math.max(0, ...eligible.map((t) => membersOf(t).length));
    const base = eligible.filter((t) => membersOf(t).length === size).reduce<TuneTrial | undefined>((a, t) => (a && a.score >= t.score ? a : t), undefined);
    if (!base || !validUsers) return;
    const split = validUsers;
    const baseSpecs = membersOf(base);
    const baseWeights = base.model === 'blend' ? (base.params.weights as number[]) : [1];
    const baseModels: Recommender[] = [];
    try {
      for (const spec of baseSpecs) {
        const f0 = performance.now();
        baseModels.push(await SEARCH_SPACES[spec.kind].create(spec.params).fit(fitPart, { signal }));
        measured += (performance.now() - f0) / 1000;
      }
      const index = baseModels[0].trainingIndex;
      const n = index.items.size;
      const baseMix: MemberRows = (block, offset) => {
        const mixed = new Float32Array(block.length * n);
        baseModels.forEach((m, r) => {
          const rows = zRows(m)(block, offset);
          for (let e = 0; e < mixed.length; e++) mixed[e] += baseWeights[r] * rows[e];
        });
        return mixed;
      };
      // The base's mixed rows, computed once when they fit in COMPLEMENT_CACHE floats (else again for every point).
      let baseRows = baseMix;
      if (split.all.length * n <= COMPLEMENT_CACHE) {
        const e0 = performance.now();
        const cache = new Float32Array(split.all.length * n);
        const users = Int32Array.from(split.all);
        const size = blendBlock(baseModels.length, n);
        for (let b0 = 0; b0 < users.length; b0 += size) cache.set(baseMix(users.subarray(b0, b0 + size), b0), b0 * n);
        measured += (performance.now() - e0) / 1000;
        baseModels.splice(0).forEach(release);
        baseRows = (block, offset) => cache.subarray(offset * n, (offset + block.length) * n);
      }
      const random = mulberry32(seed ^ 0x68e31da4);
      const complements: TuneTrial[] = []; // each point's best blend score, as the history its local draws refine
      const baseKeys = new Set(baseSpecs.map((m) => pointKey(m.kind, m.params)));
      // The extra folds' cost: the short list as the stage starts, and the best COMPLEMENT_CANDIDATES complement blends
      // so far (each distinct member's fit and scoring, each blend's scoring), kept as the stage goes rather than
      // re-drawing the list after every point (thousands of points on small data).
      const listed = foldCost(shortList(trials, perFamily));
      let leaders: { score: number; member: string; memberSeconds: number; blendSeconds: number }[] = [];
      const foldsLeft = () => {
        const members = new Map(leaders.map((l) => [l.member, l.memberSeconds]));
        const extra = [...members.values()].reduce((a, b) => a + b, 0) + leaders.reduce((a, l) => a + l.blendSeconds, 0);
        return FOLDS_MARGIN * selectionFolds * (listed + extra);
      };
      let family = 0;
      for (let points = 0; points < complementPoints && elapsed() + foldsLeft() < budget; points++) {
        checkAborted(signal, 'tune');
        const model = models[family++ % models.length];
        const params = nextPoint(model, complements, random, facts);
        const member = { kind: kindOf(model), params };
        if (baseKeys.has(pointKey(member.kind, params))) continue;
        const blends = COMPLEMENT_WEIGHTS.map((w) => ({
          members: [...baseSpecs, member], weights: [...baseWeights.map((x) => Number((x * (1 - w)).toFixed(4))), w], normalize: 'z-score',
        }));
        const known = [previous.get(trialKey(model, params, 1)), ...blends.map((b) => previous.get(trialKey('blend', b, 1)))];
        let scores: number[];
        let memberSeconds: number; // the point's fit and scoring pass, and below one blend's scoring
        let step: number;
        if (known.every((t) => t !== undefined)) {
          scores = known.map((t) => t!.score); // resumed
          memberSeconds = known[0]!.fitSeconds + known[0]!.evalSeconds;
          step = known[1]!.evalSeconds;
        } else {
          const f0 = performance.now();
          let fitted: Recommender;
          try {
            fitted = await SEARCH_SPACES[model].create(params).fit(fitPart, { signal });
          } catch (e) {
            if (e instanceof MemoryLimitError) continue;
            throw e;
          }
          const fitSeconds = (performance.now() - f0) / 1000;
          const e0 = performance.now();
          const acc = await scoreBlends(index, [baseRows, zRows(fitted)], [[0, 1], ...COMPLEMENT_WEIGHTS.map((w) => [1 - w, w])], split);
          const evalSeconds = (performance.now() - e0) / 1000;
          release(fitted);
          measured += fitSeconds + evalSeconds;
          const trialOf = (name: string, point: Record<string, unknown>, a: { score: number; precision: number }, fit: number): TuneTrial => ({
            model: name, params: point, rung: 1, score: a.score / split.all.length, precision: a.precision / split.all.length, users: split.all.length, fitSeconds: fit, evalSeconds: evalSeconds / acc.length, complement: true,
          });
          scores = [record(trialOf(model, params, acc[0], fitSeconds)), ...blends.map((b, g) => record(trialOf('blend', b, acc[g + 1], base.fitSeconds + fitSeconds)))].map((t) => t.score);
          step = evalSeconds / acc.length;
          memberSeconds = fitSeconds + step;
        }
        leaders = [...leaders, ...scores.slice(1).map((score) => ({ score, member: pointKey(member.kind, params), memberSeconds, blendSeconds: step }))]
          .sort((a, b) => b.score - a.score)
          .slice(0, COMPLEMENT_CANDIDATES);
        complements.push({ model, params, rung: 1, score: Math.max(...scores.slice(1)), precision: 0, users: split.all.length, fitSeconds: 0, evalSeconds: 0 });
      }
    } finally {
      baseModels.forEach(release);
    }
  };

  /**
   * Seconds one extra fold of `list` is expected to take, as measured on the first split: the fit and scoring of each
   * distinct base model (single points and blend members), and the scoring of each blend.
   */
  const foldCost = (list: readonly TuneTrial[]): number => {
    const firstSplit = new Map(trials.filter((t) => t.rung === 1 && !t.fold).map((t) => [pointKey(kindOf(t.model), t.params), t]));
    let estimate = 0;
    for (const key of basesOf(list).keys()) estimate += (firstSplit.get(key)?.fitSeconds ?? 0) + (firstSplit.get(key)?.evalSeconds ?? 0);
    for (const c of list) if (c.model === 'blend') estimate += c.evalSeconds;
    return estimate;
  };

  /**
   * The final choice's extra folds: the short list (the best `perFamily` distinct first-split points of each family,
   * blends included) re-scored on splits carved from train with seeds seed + 1, seed + 2, …; each base model is fitted
   * and scored once per fold and shared by the blends that use it. A fold runs only if its estimated cost fits in the
   * budget.
   */
  const selectionStage = async (candidates: readonly TuneTrial[]): Promise<void> => {
    for (let f = 1; f <= selectionFolds; f++) {
      const todo = candidates.filter((c) => !previous.has(trialKey(c.model, c.params, 1, f)));
      for (const c of candidates) if (!todo.includes(c)) history.push(previous.get(trialKey(c.model, c.params, 1, f))!);
      if (todo.length === 0) continue; // resumed
      // The models this fold fits: the single points on the list, and the members of its blends.
      const bases = basesOf(todo);
      const estimate = foldCost(todo);
      if (elapsed() + estimate > budget) return;
      checkAborted(signal, 'tune');
      const carved = randomSplit(train, { testFraction: validFraction, seed: seed + f });
      const fitted = new Map<string, { model: Recommender; fitSeconds: number }>();
      let split: SplitUsers | undefined;
      for (const [key, spec] of bases) {
        checkAborted(signal, 'tune');
        const f0 = performance.now();
        const model = await SEARCH_SPACES[spec.kind].create(spec.params).fit(carved.train, { signal });
        const fitSeconds = (performance.now() - f0) / 1000;
        measured += fitSeconds;
        fitted.set(key, { model, fitSeconds });
        split ??= await validationUsers(model, carved.test, seed + f);
        const single = todo.find((c) => c.model !== 'blend' && pointKey(kindOf(c.model), c.params) === key);
        if (single) {
          const e0 = performance.now();
          const acc = await scoreModel(model, split.all, split.rows);
          const evalSeconds = (performance.now() - e0) / 1000;
          measured += evalSeconds;
          record({ ...single, score: acc.score / split.all.length, precision: acc.precision / split.all.length, users: split.all.length, fitSeconds, evalSeconds, fold: f });
        }
      }
      // Every blend of the fold from one scoring pass per distinct member (each blend a weight vector over them all),
      // not one pass per member per blend: the list's blends share their members, and the fold's cost estimate
      // (foldCost) counts each member once and each blend at a weight vector's mixing cost.
      const blends = todo.filter((t) => t.model === 'blend');
      if (blends.length > 0) {
        const used = [...basesOf(blends).keys()];
        const weights = blends.map((c) => {
          const w = new Array<number>(used.length).fill(0);
          (c.params.members as MemberSpec[]).forEach((m, r) => (w[used.indexOf(pointKey(m.kind, m.params))] = (c.params.weights as number[])[r]));
          return w;
        });
        const members = used.map((key) => fitted.get(key)!);
        const e0 = performance.now();
        const accs = await scoreBlends(members[0].model.trainingIndex, members.map((m) => zRows(m.model)), weights, split!);
        const evalSeconds = (performance.now() - e0) / 1000;
        measured += evalSeconds;
        blends.forEach((c, g) => record({
          ...c, score: accs[g].score / split!.all.length, precision: accs[g].precision / split!.all.length, users: split!.all.length,
          fitSeconds: weights[g].reduce((sum, x, r) => sum + (x > 0 ? members[r].fitSeconds : 0), 0), evalSeconds: evalSeconds / blends.length, fold: f,
        }));
      }
      for (const f of fitted.values()) release(f.model);
    }
  };

  /** Seconds the closing stages are expected to take, from the first-split trials so far (see RESERVE_MARGIN). */
  const closingSeconds = (): number => {
    if (!blending && selectionFolds === 0) return 0;
    const full = trials.filter((t) => t.rung === 1 && !t.fold && !t.complement && t.model !== 'blend');
    const cost = (list: readonly TuneTrial[]) => list.reduce((sum, t) => sum + t.fitSeconds + t.evalSeconds, 0);
    const members = blending ? bestPerFamily(full) : [];
    // scoring one blend weight vector: about half a member's scoring (mixing and top-k, no model pass)
    const blendEval = members.length ? (0.5 * members.reduce((sum, t) => sum + t.evalSeconds, 0)) / members.length : 0;
    const blendStageCost = members.length >= 2 ? cost(members) + blendGrid(members.length, blendSize).length * blendEval : 0;
    const listCost = cost(shortList(full, perFamily)) + (members.length >= 2 ? Math.max(perFamily, BLEND_CANDIDATES) * blendEval : 0);
    const estimate = RESERVE_MARGIN * (blendStageCost + selectionFolds * listCost);
    return Math.min(MAX_RESERVE * budget, Math.max(MIN_RESERVE * budget, estimate) + (blending && complementPoints > 0 ? COMPLEMENT_SHARE * budget : 0));
  };

  let family = 0;
  let points = 0;
  let candidates: TuneTrial[] = [];
  let searchBudget = budget - closingSeconds();
  try {
    while (elapsed() < searchBudget && points < maxPoints) {
      checkAborted(signal, 'tune');
      searchBudget = budget - closingSeconds();
      // Rung 0: a fresh bracket of points, families in turn, each scored on a quarter of the validation users.
      const bracket: { model: string; params: Record<string, unknown>; trial: TuneTrial; fitted?: Recommender }[] = [];
      for (let i = 0; i < bracketSize && elapsed() < searchBudget && points < maxPoints; i++) {
        points++;
        const model = models[family++ % models.length];
        const params = nextPoint(model, history, random, facts);
        let scored: Awaited<ReturnType<typeof score>>;
        try {
          scored = await score(model, params, 0);
        } catch (e) {
          if (e instanceof MemoryLimitError) continue; // this point does not fit here; the family's others may
          throw e;
        }
        const { trial, fitted } = scored;
        bracket.push({ model, params, trial, fitted: undefined });
        // Keep the fitted model only while it may be promoted (memory: EASE holds items² floats).
        bracket[bracket.length - 1].fitted = fitted;
        const keep = Math.max(1, Math.floor(bracketSize / 3));
        bracket.sort((a, b) => b.trial.score - a.trial.score);
        for (let j = keep; j < bracket.length; j++) {
          release(bracket[j].fitted);
          bracket[j].fitted = undefined;
        }
      }
      // Rung 1: the best third on every validation user (their fitted models are reused).
      const promoted = bracket.slice(0, Math.max(1, Math.floor(bracketSize / 3)));
      for (const p of promoted) {
        if (elapsed() >= searchBudget && trials.some((t) => t.rung === 1)) break;
        release((await score(p.model, p.params, 1, p.fitted, p.trial.fitSeconds)).fitted); // fitted here if resumed at rung 0
        p.fitted = undefined;
      }
      for (const p of bracket) {
        release(p.fitted); // promoted points the budget left unscored
        p.fitted = undefined;
      }
    }
    if (blending) await blendStage();
    if (blending && complementPoints > 0) await complementStage();
    candidates = shortList(trials, perFamily);
    if (selectionFolds > 0) await selectionStage(candidates);
  } catch (e) {
    if (!signal?.aborted) throw e;
    aborted = true;
  }
  const searchSeconds = elapsed();
  const full = trials.filter((t) => t.rung === 1);
  if (full.length === 0) {
    throw new InvalidArgumentError('budgetSeconds', budget, 'enough time for at least one point scored on every validation user', 'give a larger budget.');
  }
  if (candidates.length === 0) candidates = shortList(trials, perFamily); // aborted before the list was drawn
  const selection = choose(candidates, trials, selectionFolds);
  const firstSplit = (c: TuneCandidate) => candidates.find((t) => pointKey(t.model, t.params) === pointKey(c.model, c.params))!;
  const leaderboard: TuneTrial[] = [];
  for (const c of selection) if (!leaderboard.some((t) => t.model === c.model)) leaderboard.push(firstSplit(c));
  const best = leaderboard[0];
  const averaged = selection.slice(0, selection[0].scores.length > 1 ? averageOf : 1);
  const saved = { ...averageCandidates(averaged), averageOf: averaged.length };
  // Refit on all of train (without the signal: an interrupted search still hands back its best model).
  const r0 = performance.now();
  const model = await (saved.model === 'blend' ? new BlendRecommender(saved.params as never) : SEARCH_SPACES[saved.model].create(saved.params)).fit(train);
  const refitSeconds = (performance.now() - r0) / 1000;
  return { best, model, saved, leaderboard, selection, trials, staleTrials, aborted, searchSeconds, overheadSeconds: Math.max(0, searchSeconds - measured), refitSeconds, skipped };
}

/**
 * One model averaging `list` (see TuneOptions.average): a blend of the candidates' merged members, each weighted by the
 * mean of its weights over the candidates (a single point is weight 1 on itself); one candidate is returned as is.
 */
function averageCandidates(list: readonly TuneCandidate[]): { model: string; params: Record<string, unknown> } {
  if (list.length === 1) return { model: list[0].model, params: list[0].params };
  const merged = new Map<string, { spec: MemberSpec; weight: number }>();
  for (const c of list) {
    membersOf(c).forEach((m, i) => {
      const key = pointKey(m.kind, m.params);
      const entry = merged.get(key) ?? { spec: m, weight: 0 };
      entry.weight += (c.model === 'blend' ? (c.params.weights as number[])[i] : 1) / list.length;
      merged.set(key, entry);
    });
  }
  // two or more distinct candidates always merge into two or more members: every blend of the list has at least two
  const parts = [...merged.values()];
  // weights to 4 decimals, so the saved parameters read well (they still sum to 1 within 2e-4 and only their ratios matter)
  const normalize = list.find((c) => c.model === 'blend')?.params.normalize ?? 'z-score';
  return { model: 'blend', params: { members: parts.map((p) => p.spec), weights: parts.map((p) => Number(p.weight.toFixed(4))), normalize } };
}

/**
 * The best `perFamily` distinct first-split full-rung points of each family; blends are a family of their own, and the
 * complement stage's blends another.
 */
function shortList(trials: readonly TuneTrial[], perFamily: number): TuneTrial[] {
  const full = trials.filter((t) => t.rung === 1 && !t.fold).map((t, order) => ({ t, order }));
  full.sort((a, b) => b.t.score - a.t.score || a.order - b.order);
  const out: TuneTrial[] = [];
  const taken = new Set<string>();
  const listed = new Map<string, number>(); // per group: the family, 'blend' (the grid's) or 'complement'
  for (const { t } of full) {
    const key = pointKey(t.model, t.params);
    const group = t.model === 'blend' && t.complement ? 'complement' : t.model;
    const cap = t.model !== 'blend' ? perFamily : Math.max(perFamily, t.complement ? COMPLEMENT_CANDIDATES : BLEND_CANDIDATES);
    if (taken.has(key) || (listed.get(group) ?? 0) >= cap) continue;
    taken.add(key);
    listed.set(group, (listed.get(group) ?? 0) + 1);
    out.push(t);
  }
  return out;
}

/**
 * The short list with its scores on the first split and on every extra fold that all candidates completed (a fold cut
 * short by the budget or a signal would compare candidates on different data), best mean first (ties: the first
 * split's order).
 */
function choose(candidates: readonly TuneTrial[], trials: readonly TuneTrial[], folds: number): TuneCandidate[] {
  const byKey = new Map(trials.filter((t) => t.fold).map((t) => [trialKey(t.model, t.params, t.rung, t.fold), t]));
  const complete: number[] = [];
  for (let f = 1; f <= folds; f++) if (candidates.every((c) => byKey.has(trialKey(c.model, c.params, 1, f)))) complete.push(f);
  const out = candidates.map((c, order) => {
    const scores = [c.score, ...complete.map((f) => byKey.get(trialKey(c.model, c.params, 1, f))!.score)];
    return { model: c.model, params: c.params, scores, mean: scores.reduce((a, b) => a + b, 0) / scores.length, order };
  });
  out.sort((a, b) => b.mean - a.mean || a.order - b.order);
  return out.map(({ order: _order, ...c }) => c);
}

/** Share of points drawn near the family's best full-rung point once it has {@link REFINE_AFTER} of them. */
const REFINE_SHARE = 0.5;
const REFINE_AFTER = 3;

/**
 * The next point of a family: a fresh sample of its space, or (half the time, once the family has a few points scored
 * on every validation user) its best point so far with each of the space's continuous parameters scaled by a random
 * factor in [e^−0.3, e^0.3] (by name, not by type: EASE's λ of 460 is continuous, ALS's 64 factors and its fixed
 * initStd are not). Random search alone rarely lands in narrow optima (iALS's frequency-scaled λ is good within a factor
 * of ~1.5, Rendle et al. 2022, Fig. 1); the local draws find them while half the budget keeps exploring. They are not
 * clamped to the space's ranges (those bound the random draws): a best point at a range's edge is followed past it (on
 * ml-1m iALS's best frequency-scaled λ went below the range's 1e-4), and only values the model rejects are redrawn.
 */
function nextPoint(model: string, history: readonly TuneTrial[], random: () => number, facts: DataFacts): Record<string, unknown> {
  const space = SEARCH_SPACES[model];
  const full = history.filter((t) => t.model === model && t.rung === 1 && !t.fold);
  if (full.length < REFINE_AFTER || random() >= REFINE_SHARE) return space.sample(random, facts);
  const best = full.reduce((a, b) => (b.score > a.score ? b : a));
  const params: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(best.params)) {
    params[key] = typeof v === 'number' && space.continuous.includes(key) ? Number((v * Math.exp(0.6 * (random() - 0.5))).toPrecision(3)) : v;
  }
  try {
    space.create(params);
    return params;
  } catch {
    return space.sample(random, facts); // a scaled value out of the family's range (e.g. a share over 1)
  }
}

/** The best trial of each family, best first (ties: the earlier trial). */
function bestPerFamily(trials: readonly TuneTrial[]): TuneTrial[] {
  const best = new Map<string, TuneTrial>();
  for (const t of trials) if (!(t.score <= (best.get(t.model)?.score ?? -Infinity))) best.set(t.model, t);
  return [...best.values()].sort((a, b) => b.score - a.score);
}

/** The blend stage's weight vectors over `parts` members: the 0.1-step simplex grid with 2 to `most` non-zero weights. */
function blendGrid(parts: number, most: number): number[][] {
  return simplexGrid(parts, Math.round(1 / BLEND_STEP)).filter((w) => {
    const nonZero = w.filter((x) => x > 0).length;
    return nonZero >= 2 && nonZero <= most;
  });
}

/** Every vector of `parts` non-negative multiples of 1/`steps` summing to 1. */
function simplexGrid(parts: number, steps: number): number[][] {
  const compositions = (p: number, total: number): number[][] =>
    p === 1 ? [[total]] : Array.from({ length: total + 1 }, (_, s) => compositions(p - 1, total - s).map((rest) => [s, ...rest])).flat();
  return compositions(parts, steps).map((c) => c.map((x) => x / steps));
}

/**
 * Validation users (those with a validation row not among their fit-part items), in index order, a seeded quarter of
 * them for the first rung, and each one's relevant items, all in the model's dense indices.
 */
async function validationUsers(model: Recommender, valid: Interactions, seed: number): Promise<{ all: number[]; quarter: number[]; rows: Map<number, Set<number>> }> {
  const aligned = (await alignTestData(model, valid)).test.byUser;
  const seen = model.trainingIndex.seen;
  const rows = new Map<number, Set<number>>();
  for (let u = 0; u < aligned.rows; u++) {
    const own = new Set(seen.indices.subarray(seen.indptr[u], seen.indptr[u + 1]));
    const relevant = new Set<number>();
    for (let p = aligned.indptr[u]; p < aligned.indptr[u + 1]; p++) if (!own.has(aligned.indices[p])) relevant.add(aligned.indices[p]);
    if (relevant.size) rows.set(u, relevant);
  }
  const all = [...rows.keys()].sort((a, b) => a - b);
  if (all.length === 0) throw new InvalidArgumentError('valid', `${valid.nnz} rows`, 'validation rows whose users and items occur in train', 'check that train and valid use the same ids.');
  const random = mulberry32(seed ^ 0x5bd1e995);
  const shuffled = all.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const quarter = shuffled.slice(0, Math.max(1, Math.ceil(all.length / 4))).sort((a, b) => a - b);
  return { all, quarter, rows };
}
