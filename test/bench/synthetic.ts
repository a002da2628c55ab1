/**
 * Seeded synthetic interaction data of a real dataset's shape, for the scale bench (issue 23).
 *
 * Real implicit-feedback data (check-ins, clicks, plays) has two power laws: item popularity is Zipf-like and user
 * activity is heavy-tailed (a few users with thousands of interactions, most with a handful). Uniform random data
 * has neither and makes every kernel look better than it is (no hot items, no long rows). It also needs some
 * collaborative structure, or no model can beat popularity and quality comparisons mean nothing: each user here
 * draws most of their items from one to three "topics" (disjoint item groups, each with its own Zipf popularity)
 * and the rest from global popularity, like the latent-topic generators of the recommender literature.
 *
 * The split follows anchors.md's protocol: per user, 20% of the interactions (rounded down, users with ≥ 5 only)
 * go to test; test items and users are indexed by the train vocabularies (ids are the dense numbers themselves).
 */
import { Interactions } from '../../src/data/interactions.ts';
import { Vocabulary } from '../../src/data/vocabulary.ts';
import { mulberry32 } from '../../src/models/random.ts';
import type { Split } from './protocol.ts';

export interface SyntheticOptions {
  users: number;
  items: number;
  /** Target number of distinct (user, item) pairs before the split (the result is within a few percent). */
  interactions: number;
  seed?: number;
  /** Zipf exponent of item popularity (Gowalla/ML-like data: 0.8–1.1). */
  itemExponent?: number;
  /** Zipf exponent of user activity. */
  userExponent?: number;
  /** Minimum interactions per user (a k-core-like floor, as in the public benchmark sets). */
  minPerUser?: number;
  /** Number of topics items are grouped into. */
  topics?: number;
  /** Share of a user's interactions drawn from their own topics (the rest: global popularity). */
  topicShare?: number;
  /** Share of each user's interactions held out as test (anchors.md: 0.2). */
  testShare?: number;
}

/** The shapes the scale bench runs (issue 23): Gowalla's, then bigger catalogues and more interactions. */
export const SCALE_SHAPES = {
  'gowalla-shape': { users: 29_858, items: 40_979, interactions: 900_000 },
  '1m-40k': { users: 50_000, items: 40_000, interactions: 1_000_000 },
  '5m-200k': { users: 250_000, items: 200_000, interactions: 5_000_000 },
  '20m-1m': { users: 1_000_000, items: 1_000_000, interactions: 20_000_000 },
  '50m-1m': { users: 2_000_000, items: 1_000_000, interactions: 50_000_000 },
} as const satisfies Record<string, SyntheticOptions>;

/** Cumulative Zipf weights 1/(r+1)^s over n ranks, normalised to end at 1 (for inverse-CDF sampling). */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cdf[r] = sum += 1 / Math.pow(r + 1, s);
  for (let r = 0; r < n; r++) cdf[r] /= sum;
  return cdf;
}

/** Smallest index whose cumulative weight is ≥ x. */
function sampleCdf(cdf: Float64Array, x: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A seeded random permutation of 0..n-1 (so popular items and active users are spread over the id range). */
function permutation(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * The generator's latent model: user u's per-draw probability of every item (topic share spread over the user's
 * topics' Zipf slices, the rest over global popularity). Ranking a user's unseen items by it is the Bayes-optimal
 * ranking up to draws being without replacement, so its NDCG is the ceiling a learned model can approach.
 */
export interface SyntheticTruth {
  /** Writes user u's per-draw item probabilities into `out` (length items). */
  scores(u: number, out: Float32Array): void;
}

/** Generate a train/test split of the given shape (deterministic for a seed), with the latent model it drew from. */
export function syntheticSplit(options: SyntheticOptions): Split & { truth: SyntheticTruth } {
  const { users, items, interactions } = options;
  const rand = mulberry32(options.seed ?? 42);
  const itemExponent = options.itemExponent ?? 0.9;
  const userExponent = options.userExponent ?? 0.8;
  const minPerUser = options.minPerUser ?? 5;
  const topics = Math.max(1, Math.min(items, options.topics ?? Math.max(8, Math.round(Math.sqrt(items) / 4))));
  const topicShare = options.topicShare ?? 0.7;
  const testShare = options.testShare ?? 0.2;
  const maxPerUser = Math.max(minPerUser, Math.floor(items / 4));

  // User activity: a Zipf profile scaled so the counts sum to about `interactions`, floored at minPerUser.
  const userOrder = permutation(users, rand);
  const raw = new Float64Array(users);
  let rawSum = 0;
  for (let r = 0; r < users; r++) rawSum += raw[r] = 1 / Math.pow(r + 1, userExponent);
  const budget = Math.max(0, interactions - users * minPerUser);
  const counts = new Int32Array(users);
  for (let r = 0; r < users; r++) counts[userOrder[r]] = Math.min(maxPerUser, minPerUser + Math.round((raw[r] / rawSum) * budget));

  // Items: a global popularity order, and topics as contiguous slices of a second permutation.
  const globalCdf = zipfCdf(items, itemExponent);
  const globalOrder = permutation(items, rand);
  const topicOrder = permutation(items, rand);
  const topicSize = Math.ceil(items / topics);
  const topicCdf = zipfCdf(topicSize, itemExponent);

  const indptr = new Int32Array(users + 1);
  const rows: Int32Array[] = [];
  const userTopics: number[][] = [];
  const seen = new Set<number>();
  for (let u = 0; u < users; u++) {
    const want = counts[u];
    const nTopics = 1 + Math.floor(rand() * 3);
    const mine = Array.from({ length: nTopics }, () => Math.floor(rand() * topics));
    userTopics.push(mine);
    seen.clear();
    let attempts = 0;
    while (seen.size < want && attempts < want * 20) {
      attempts++;
      let item: number;
      if (rand() < topicShare) {
        const t = mine[Math.floor(rand() * nTopics)];
        const slot = t * topicSize + sampleCdf(topicCdf, rand());
        if (slot >= items) continue;
        item = topicOrder[slot];
      } else {
        item = globalOrder[sampleCdf(globalCdf, rand())];
      }
      seen.add(item);
    }
    const row = Int32Array.from(seen).sort();
    rows.push(row);
    indptr[u + 1] = indptr[u] + row.length;
  }

  // Per-user random holdout.
  const trainRows: Int32Array[] = [];
  const testRows: Int32Array[] = [];
  for (let u = 0; u < users; u++) {
    const row = rows[u];
    const nTest = row.length >= 5 ? Math.floor(row.length * testShare) : 0;
    const pick = permutation(row.length, rand).subarray(0, nTest);
    const inTest = new Uint8Array(row.length);
    for (const i of pick) inTest[i] = 1;
    trainRows.push(row.filter((_, i) => !inTest[i]));
    testRows.push(row.filter((_, i) => inTest[i] === 1));
  }
  const userVocab = Vocabulary.from(Array.from({ length: users }, (_, i) => i));
  const itemVocab = Vocabulary.from(Array.from({ length: items }, (_, i) => i));
  return {
    name: `synthetic-${users}x${items}-${indptr[users]}`,
    train: new Interactions(userVocab, itemVocab, toCsr(trainRows, items)),
    test: new Interactions(userVocab, itemVocab, toCsr(testRows, items)),
    truth: latentModel(items, topicShare, userTopics, globalOrder, globalCdf, topicOrder, topicSize, topicCdf),
  };
}

/** {@link SyntheticTruth} from the generator's draws (pmfs from the cumulative weights; off-catalogue topic slots are redrawn, so a topic's weights renormalise over its items). */
function latentModel(
  items: number, topicShare: number, userTopics: number[][], globalOrder: Int32Array, globalCdf: Float64Array, topicOrder: Int32Array, topicSize: number, topicCdf: Float64Array,
): SyntheticTruth {
  const pmf = (cdf: Float64Array, r: number) => cdf[r] - (r ? cdf[r - 1] : 0);
  const global = new Float32Array(items);
  for (let r = 0; r < items; r++) global[globalOrder[r]] = (1 - topicShare) * pmf(globalCdf, r);
  return {
    scores(u, out) {
      out.set(global);
      const mine = userTopics[u];
      for (const t of mine) {
        const slots = Math.min(topicSize, items - t * topicSize);
        const mass = topicCdf[slots - 1];
        for (let r = 0; r < slots; r++) out[topicOrder[t * topicSize + r]] += (topicShare / mine.length) * (pmf(topicCdf, r) / mass);
      }
    },
  };
}

function toCsr(rows: Int32Array[], cols: number) {
  const indptr = new Int32Array(rows.length + 1);
  for (let u = 0; u < rows.length; u++) indptr[u + 1] = indptr[u] + rows[u].length;
  const indices = new Int32Array(indptr[rows.length]);
  for (let u = 0; u < rows.length; u++) indices.set(rows[u], indptr[u]);
  return { rows: rows.length, cols, indptr, indices, data: new Float32Array(indices.length).fill(1) };
}
