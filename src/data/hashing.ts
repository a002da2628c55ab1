/**
 * Hashed ids for id spaces too large (or too open-ended) to hold a vocabulary: every id maps to one of a fixed
 * number of buckets, so a model's tables have a fixed size and never grow. Two ids may share a bucket; the
 * {@link HashedVocabulary} counts how often that happens so the bucket count can be sized (the "hashing trick",
 * Weinberger et al. 2009, as used by Vowpal Wabbit and scikit-learn's FeatureHasher).
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Id } from './vocabulary.ts';

const encoder = new TextEncoder();

/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's MurmurHash3.cpp, `MurmurHash3_x86_32`), as an unsigned 32-bit
 * integer. Strings are hashed as their UTF-8 bytes, so results match the reference implementation, Python's
 * `mmh3.hash(s, seed, signed=False)` and Guava's `murmur3_32_fixed`.
 *
 * @param key   bytes, or a string (hashed as UTF-8)
 * @param seed  32-bit seed (default 0); taken modulo 2^32
 * @example
 * ```ts
 * murmur3_32('hello');              // 0x248bfa47
 * murmur3_32('Hello, world!', 1234) // 0xfaf6cdb3
 * ```
 */
export function murmur3_32(key: string | Uint8Array, seed = 0): number {
  const data = typeof key === 'string' ? encoder.encode(key) : key;
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('key', key, 'a string or a Uint8Array');
  if (!Number.isFinite(seed)) throw new InvalidArgumentError('seed', seed, 'an integer in [0, 2^32)');
  const len = data.length;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h1 = seed >>> 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    // blocks are read little-endian, as the reference does on x86
    let k1 = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  // tail: the last 1-3 bytes, little-endian (the reference's fall-through switch, unrolled)
  const rest = len & 3;
  if (rest > 0) {
    let k1 = data[blocks];
    if (rest > 1) k1 |= data[blocks + 1] << 8;
    if (rest > 2) k1 |= data[blocks + 2] << 16;
    k1 = Math.imul(k1, c1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
  }
  h1 ^= len;
  // fmix32: force every input bit to avalanche
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

function checkBuckets(buckets: number): void {
  if (!(Number.isInteger(buckets) && buckets >= 1 && buckets <= 2 ** 32)) {
    throw new InvalidArgumentError('buckets', buckets, 'an integer in [1, 2^32]', 'pass the number of hash buckets, e.g. 1 << 20.');
  }
}

/**
 * Bucket of an id by plain modulo: integer ids map to `id mod buckets` (always non-negative, so -1 goes to
 * `buckets - 1`); strings and non-integer numbers map to `murmur3_32(String(id), seed) mod buckets`.
 * Modulo keeps dense integer ids collision-free while they fit; use {@link murmurBucket} for ids with structure
 * (e.g. multiples of the bucket count), which modulo would pile into few buckets.
 *
 * @example
 * ```ts
 * moduloBucket(1234567, 1000); // 567
 * moduloBucket(-1, 1000);      // 999
 * moduloBucket('user-42', 1000); // murmur3_32('user-42') % 1000
 * ```
 */
export function moduloBucket(id: Id, buckets: number, seed = 0): number {
  checkBuckets(buckets);
  if (typeof id === 'number') {
    if (Number.isSafeInteger(id)) return ((id % buckets) + buckets) % buckets;
    if (!Number.isFinite(id)) throw new InvalidArgumentError('id', id, 'a string or a finite number');
  } else if (typeof id !== 'string') {
    throw new InvalidArgumentError('id', id, 'a string or a finite number');
  }
  return murmur3_32(String(id), seed) % buckets;
}

/**
 * Bucket of an id by MurmurHash3: `murmur3_32(String(id), seed) mod buckets`. Numbers are hashed through their
 * decimal text, so `7` and `"7"` share a bucket (ids read from text files then hash the same whichever type they
 * were parsed as).
 *
 * @example
 * ```ts
 * murmurBucket('item-9', 1 << 20);
 * ```
 */
export function murmurBucket(id: Id, buckets: number, seed = 0): number {
  checkBuckets(buckets);
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) {
    throw new InvalidArgumentError('id', id, 'a string or a finite number');
  }
  return murmur3_32(String(id), seed) % buckets;
}

/** Options of {@link HashedVocabulary}. */
export interface HashedVocabularyOptions {
  /** Number of buckets (the size of the model table indexed by the result). */
  buckets: number;
  /** `'murmur3'` (default) hashes every id; `'modulo'` keeps integer ids as `id mod buckets`. */
  method?: 'murmur3' | 'modulo';
  /** Seed of the hash (default 0). */
  seed?: number;
  /** Remember ids seen so far to count collisions (default true; costs memory per distinct id). */
  countCollisions?: boolean;
}

/**
 * Maps any id to a bucket index in `[0, buckets)`, with no stored vocabulary needed to answer (new ids work at once,
 * like Vowpal Wabbit's hashed features). When `countCollisions` is on, it also tracks how many distinct ids landed
 * in a bucket that another id already occupied.
 *
 * @example
 * ```ts
 * const users = new HashedVocabulary({ buckets: 1 << 18 });
 * const row = users.indexOf('user-123');   // always in [0, 262144)
 * users.collisions;                        // distinct ids that shared a bucket with an earlier id
 * ```
 */
export class HashedVocabulary {
  readonly buckets: number;
  readonly method: 'murmur3' | 'modulo';
  readonly seed: number;
  private readonly seen?: Map<Id, number>;
  private readonly occupied?: Uint32Array;
  private collided = 0;

  constructor(options: HashedVocabularyOptions) {
    checkBuckets(options?.buckets);
    const method = options.method ?? 'murmur3';
    if (method !== 'murmur3' && method !== 'modulo') throw new InvalidArgumentError('method', method, "'murmur3' or 'modulo'");
    this.buckets = options.buckets;
    this.method = method;
    this.seed = options.seed ?? 0;
    if (options.countCollisions ?? true) {
      this.seen = new Map();
      this.occupied = new Uint32Array(Math.ceil(this.buckets / 32));
    }
  }

  /** Same as indexOf (the vocabulary never refuses an id): kept for symmetry with Vocabulary.add. */
  add(id: Id): number {
    return this.indexOf(id);
  }

  /** Bucket of `id`. */
  indexOf(id: Id): number {
    const b = this.method === 'modulo' ? moduloBucket(id, this.buckets, this.seed) : murmurBucket(id, this.buckets, this.seed);
    if (this.seen && !this.seen.has(id)) {
      this.seen.set(id, b);
      const word = b >>> 5;
      const bit = 1 << (b & 31);
      if (this.occupied![word] & bit) this.collided++;
      else this.occupied![word] |= bit;
    }
    return b;
  }

  /** Distinct ids seen that landed in an already occupied bucket (0 when collision counting is off). */
  get collisions(): number {
    return this.collided;
  }

  /** Distinct ids seen (0 when collision counting is off). */
  get distinctIds(): number {
    return this.seen?.size ?? 0;
  }

  /** Buckets holding at least one seen id. */
  get usedBuckets(): number {
    return this.distinctIds - this.collided;
  }
}
