/**
 * Train/test splits of {@link Interactions}: random per user (seeded), temporal per user, leave-k-out and a global
 * temporal cutoff. Both halves share the input's vocabularies (same objects, same indices), so a model trained on
 * `train` scores `test` rows directly. Per-user splits keep at least one training row per user (a user with a
 * single interaction stays in train only), as the shared splits keep every user in train.
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { Csr } from '../kernels/types.ts';
import { murmur3_32 } from './hashing.ts';
import { Interactions, checkInteractionsArgument } from './interactions.ts';
import type { Id } from './vocabulary.ts';

/** A train/test pair over the same vocabularies. */
export interface Split {
  readonly train: Interactions;
  readonly test: Interactions;
}

/** Round half to even, as Python's round() in the shared split script (make_splits.py). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function checkFraction(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new InvalidArgumentError(name, v, 'a number in (0, 1)', `pass e.g. ${name}: 0.2.`);
  return v;
}

function checkCount(name: string, v: unknown): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(name, v, 'an integer >= 1');
  return v;
}

function needTimestamps(x: Interactions, what: string): Float64Array {
  if (!x.timestamps) throw new InvalidArgumentError('interactions.timestamps', undefined, `timestamps for ${what}`, 'give every interaction a timestamp (a timestamp column when reading).');
  return x.timestamps;
}

/** Split the stored entries by a mask (1 = test). Filtering a sorted CSR keeps it sorted. */
function bySplitMask(x: Interactions, isTest: Uint8Array): Split {
  const { indptr, indices, data } = x.byUser;
  const ts = x.timestamps;
  const half = (want: number): Interactions => {
    let nnz = 0;
    for (let k = 0; k < isTest.length; k++) if (isTest[k] === want) nnz++;
    const ip = new Int32Array(x.nUsers + 1);
    const ix = new Int32Array(nnz);
    const dv = new Float32Array(nnz);
    const tv = ts ? new Float64Array(nnz) : undefined;
    let w = 0;
    for (let u = 0; u < x.nUsers; u++) {
      for (let p = indptr[u]; p < indptr[u + 1]; p++) {
        if (isTest[p] !== want) continue;
        ix[w] = indices[p];
        dv[w] = data[p];
        if (tv) tv[w] = ts![p];
        w++;
      }
      ip[u + 1] = w;
    }
    const csr: Csr = { indptr: ip, indices: ix, data: dv, rows: x.nUsers, cols: x.nItems };
    return new Interactions(x.users, x.items, csr, tv);
  };
  return { train: half(0), test: half(1) };
}

/** A small fast PRNG (mulberry32) for shuffles; seeded per user so one user's split never depends on another's. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-user seed: murmur3 of "seed:userId", after the shared splits' `random.Random(f"{seed}:{user}")`. */
function userRandom(seed: number, id: Id): () => number {
  return mulberry32(murmur3_32(`${seed}:${typeof id === 'number' ? id : JSON.stringify(id)}`));
}

/** How many of a user's n rows go to test: `max(1, round(fraction · n))` (Python rounding), leaving ≥ 1 in train. */
function testCount(n: number, fraction: number | undefined, k: number | undefined): number {
  if (n <= 1) return 0;
  const want = k ?? Math.max(1, roundHalfEven(fraction! * n));
  return Math.min(want, n - 1);
}

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions {
  /** Share of each user's interactions that go to test (default 0.2); the count is `max(1, round(f·n))`. */
  testFraction?: number;
  /** Seed (default 42). The same seed gives the same split on every runtime. */
  seed?: number;
}

/**
 * Random split per user: each user's interactions (in item-index order) are shuffled with a PRNG seeded from
 * (seed, user id), and the first `max(1, round(testFraction · n))` go to test, at most n − 1 (the shared splits'
 * protocol, with our own PRNG, so the exact rows differ from make_splits.py's).
 *
 * @example
 * ```ts
 * const { train, test } = randomSplit(all, { testFraction: 0.2, seed: 42 });
 * ```
 */
export function randomSplit(interactions: Interactions, options: RandomSplitOptions = {}): Split {
  checkInteractionsArgument(interactions, 'randomSplit');
  checkOptionKeys('randomSplit options', options, optionKeys<RandomSplitOptions>({ testFraction: true, seed: true }));
  const fraction = checkFraction('testFraction', options.testFraction ?? 0.2);
  return leaveRandom(interactions, fraction, undefined, options.seed ?? 42);
}

function leaveRandom(x: Interactions, fraction: number | undefined, k: number | undefined, seed: number): Split {
  if (!Number.isFinite(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  const { indptr } = x.byUser;
  const isTest = new Uint8Array(x.nnz);
  for (let u = 0; u < x.nUsers; u++) {
    const start = indptr[u];
    const n = indptr[u + 1] - start;
    const t = testCount(n, fraction, k);
    if (t === 0) continue;
    const order = Array.from({ length: n }, (_, j) => j);
    const rand = userRandom(seed, x.users.idAt(u));
    // Fisher–Yates, only as far as the t test positions
    for (let j = 0; j < t; j++) {
      const r = j + Math.floor(rand() * (n - j));
      const tmp = order[j];
      order[j] = order[r];
      order[r] = tmp;
      isTest[start + order[j]] = 1;
    }
  }
  return bySplitMask(x, isTest);
}

/** Rank of each item in the protocol's id order (numbers ascending, then strings), for timestamp ties. */
function itemRanks(x: Interactions): Int32Array {
  const ids = x.items.ids();
  const order = ids.map((_, k) => k);
  order.sort((a, b) => {
    const ia = ids[a];
    const ib = ids[b];
    if (typeof ia === 'number' && typeof ib === 'number') return ia - ib;
    if (typeof ia === 'number') return -1;
    if (typeof ib === 'number') return 1;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  const rank = new Int32Array(ids.length);
  order.forEach((item, r) => (rank[item] = r));
  return rank;
}

function leaveLatest(x: Interactions, fraction: number | undefined, k: number | undefined): Split {
  const ts = needTimestamps(x, 'a temporal split');
  const { indptr, indices } = x.byUser;
  const rank = itemRanks(x);
  const isTest = new Uint8Array(x.nnz);
  for (let u = 0; u < x.nUsers; u++) {
    const start = indptr[u];
    const n = indptr[u + 1] - start;
    const t = testCount(n, fraction, k);
    if (t === 0) continue;
    const pos = Array.from({ length: n }, (_, j) => start + j);
    // latest first; a timestamp tie goes to the higher item id (the shared temporal split's rule)
    pos.sort((a, b) => ts[b] - ts[a] || rank[indices[b]] - rank[indices[a]]);
    for (let j = 0; j < t; j++) isTest[pos[j]] = 1;
  }
  return bySplitMask(x, isTest);
}

/** Options of {@link temporalSplit}. */
export interface TemporalSplitOptions {
  /** Share of each user's latest interactions that go to test (`max(1, round(f·n))`). Default 0.2 unless testCount is given. */
  testFraction?: number;
  /** Exactly this many latest interactions per user go to test (at most n − 1). */
  testCount?: number;
}

/**
 * Temporal split per user: each user's latest interactions go to test (by timestamp; a tie goes to the higher item
 * id, as in the shared `-temporal` splits), the earlier ones to train. Needs timestamps.
 *
 * @example
 * ```ts
 * const { train, test } = temporalSplit(all, { testCount: 1 });   // leave-last-one-out
 * ```
 */
export function temporalSplit(interactions: Interactions, options: TemporalSplitOptions = {}): Split {
  checkInteractionsArgument(interactions, 'temporalSplit');
  checkOptionKeys('temporalSplit options', options, optionKeys<TemporalSplitOptions>({ testFraction: true, testCount: true }));
  if (options.testCount !== undefined && options.testFraction !== undefined) {
    throw new InvalidArgumentError('testCount', options.testCount, 'either testCount or testFraction, not both');
  }
  if (options.testCount !== undefined) return leaveLatest(interactions, undefined, checkCount('testCount', options.testCount));
  return leaveLatest(interactions, checkFraction('testFraction', options.testFraction ?? 0.2), undefined);
}

/** Options of {@link leaveKOut}. */
export interface LeaveKOutOptions {
  /** Interactions per user held out (default 1; a user keeps at least one in train). */
  k?: number;
  /** `'random'` (default, seeded) or `'latest'` (by timestamp, as {@link temporalSplit}). */
  by?: 'random' | 'latest';
  /** Seed of the random choice (default 42). */
  seed?: number;
}

/**
 * Leave-k-out: k interactions of every user go to test (chosen at random, or the latest); a user with k or fewer
 * puts only n − 1 in test, so every user keeps at least one training row.
 *
 * @example
 * ```ts
 * const { train, test } = leaveKOut(all, { k: 1, by: 'latest' });
 * ```
 */
export function leaveKOut(interactions: Interactions, options: LeaveKOutOptions = {}): Split {
  checkInteractionsArgument(interactions, 'leaveKOut');
  checkOptionKeys('leaveKOut options', options, optionKeys<LeaveKOutOptions>({ k: true, by: true, seed: true }));
  const k = checkCount('k', options.k ?? 1);
  const by = options.by ?? 'random';
  if (by === 'latest') return leaveLatest(interactions, undefined, k);
  if (by !== 'random') throw new InvalidArgumentError('by', by, "'random' or 'latest'");
  return leaveRandom(interactions, undefined, k, options.seed ?? 42);
}

/** Options of {@link globalTemporalSplit}. */
export interface GlobalTemporalSplitOptions {
  /** Interactions at or after this timestamp go to test. */
  cutoff?: number;
  /** Instead of a cutoff: the latest share of all interactions goes to test (the cutoff is that quantile). */
  testFraction?: number;
  /** Drop test rows whose user or item has no training row (default true, as the protocol drops cold test rows). */
  dropCold?: boolean;
}

/** Result of {@link globalTemporalSplit}. */
export interface GlobalSplit extends Split {
  /** The timestamp used as cutoff. */
  readonly cutoff: number;
  /** Test rows dropped because their user or item had no training row. */
  readonly droppedTestRows: number;
}

/**
 * Global temporal cutoff: everything before the cutoff trains, everything at or after it tests, for all users at
 * once (no look-ahead across users). Users whose whole history is after the cutoff have no training rows; their
 * test rows (and those of items first seen after the cutoff) are dropped unless `dropCold: false`.
 *
 * @example
 * ```ts
 * const { train, test, cutoff } = globalTemporalSplit(all, { testFraction: 0.1 });
 * ```
 */
export function globalTemporalSplit(interactions: Interactions, options: GlobalTemporalSplitOptions = {}): GlobalSplit {
  checkInteractionsArgument(interactions, 'globalTemporalSplit');
  checkOptionKeys('globalTemporalSplit options', options, optionKeys<GlobalTemporalSplitOptions>({ cutoff: true, testFraction: true, dropCold: true }));
  const x = interactions;
  const ts = needTimestamps(x, 'a temporal split');
  let cutoff: number;
  if (options.cutoff !== undefined) {
    if (options.testFraction !== undefined) throw new InvalidArgumentError('cutoff', options.cutoff, 'either cutoff or testFraction, not both');
    if (typeof options.cutoff !== 'number' || Number.isNaN(options.cutoff)) throw new InvalidArgumentError('cutoff', options.cutoff, 'a timestamp (number)');
    cutoff = options.cutoff;
  } else {
    const f = checkFraction('testFraction', options.testFraction ?? 0.2);
    const sorted = Float64Array.from(ts).sort();
    const nTest = Math.max(1, roundHalfEven(f * sorted.length));
    cutoff = sorted.length ? sorted[Math.max(0, sorted.length - nTest)] : 0;
  }
  const isTest = new Uint8Array(x.nnz);
  for (let p = 0; p < x.nnz; p++) if (ts[p] >= cutoff) isTest[p] = 1;
  let dropped = 0;
  if (options.dropCold ?? true) {
    const { indptr, indices } = x.byUser;
    const userTrain = new Uint8Array(x.nUsers);
    const itemTrain = new Uint8Array(x.nItems);
    for (let u = 0; u < x.nUsers; u++) {
      for (let p = indptr[u]; p < indptr[u + 1]; p++) {
        if (!isTest[p]) {
          userTrain[u] = 1;
          itemTrain[indices[p]] = 1;
        }
      }
    }
    for (let u = 0; u < x.nUsers; u++) {
      for (let p = indptr[u]; p < indptr[u + 1]; p++) {
        if (isTest[p] && (!userTrain[u] || !itemTrain[indices[p]])) {
          isTest[p] = 2; // in neither half
          dropped++;
        }
      }
    }
  }
  return { ...bySplitMask(x, isTest), cutoff, droppedTestRows: dropped };
}

/** Options of {@link globalRandomSplit}. */
export interface GlobalRandomSplitOptions {
  /** Share of all interactions that go to test (default 0.2): exactly `n − floor((1 − f)·n)` of them. */
  testFraction?: number;
  /** Seed (default 42). The same seed gives the same split on every runtime. */
  seed?: number;
}

/**
 * Global random split, as LightFM's `random_train_test_split`: all interactions shuffled together (seeded) and
 * cut at `floor((1 − testFraction)·n)`, so the test share is exact and users are not kept apart (a user may end up
 * with no training rows; evaluation then skips them as cold).
 *
 * @example
 * ```ts
 * const { train, test } = globalRandomSplit(all, { testFraction: 0.2, seed: 1 });
 * ```
 */
export function globalRandomSplit(interactions: Interactions, options: GlobalRandomSplitOptions = {}): Split {
  checkInteractionsArgument(interactions, 'globalRandomSplit');
  checkOptionKeys('globalRandomSplit options', options, optionKeys<GlobalRandomSplitOptions>({ testFraction: true, seed: true }));
  const fraction = checkFraction('testFraction', options.testFraction ?? 0.2);
  const seed = options.seed ?? 42;
  if (!Number.isFinite(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
  const n = interactions.nnz;
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const rand = mulberry32(seed);
  for (let k = n - 1; k > 0; k--) {
    const r = Math.floor(rand() * (k + 1));
    const t = order[k];
    order[k] = order[r];
    order[r] = t;
  }
  const isTest = new Uint8Array(n);
  for (let k = Math.floor((1 - fraction) * n); k < n; k++) isTest[order[k]] = 1;
  return bySplitMask(interactions, isTest);
}
