/**
 * Matrix factorization over hashed ids (issue 9; the hashing trick, Weinberger et al. 2009): user and item ids are
 * hashed into `userBuckets` / `itemBuckets` rows (MurmurHash3 or modulo, src/data/hashing.ts), so the trained tables
 * have a fixed size whatever the number of distinct ids (10^6–10^7 ids train in buckets × factors floats). Training
 * is {@link SampledMfRecommender}'s (Recoder's sampled mini-batches and losses); ids sharing a bucket share a row,
 * and {@link HashedMfRecommender.collisions} reports how many did.
 *
 * @example
 * ```ts
 * import { HashedMfRecommender } from 'recwise/nn';
 * const mf = await new HashedMfRecommender({ userBuckets: 1 << 16, itemBuckets: 1 << 14 }).fit(interactions);
 * mf.collisions; // { users: 12, items: 3 }: distinct ids that landed in an already occupied bucket
 * ```
 */
import { registerModelKind, type ModelState } from '../registry.ts';
import type { Backend } from '../../kernels/types.ts';
import { InvalidArgumentError } from '../../errors.ts';
import { moduloBucket, murmurBucket } from '../../data/hashing.ts';
import type { Id } from '../../data/vocabulary.ts';
import { MF_DEFAULTS, SampledMfRecommender, type RowMaps, type SampledMfOptions } from './sampled-mf.ts';
import { checkIntegerOption } from '../options.ts';
import { checkOptionKeys } from '../../options-check.ts';

/** Hyper-parameters of {@link HashedMfRecommender}. */
export interface HashedMfOptions extends SampledMfOptions {
  /** Rows of the user table (default 2^16). */
  userBuckets?: number;
  /** Rows of the item table (default 2^16). */
  itemBuckets?: number;
  /** 'murmur3' (default) or 'modulo' (integer ids kept as id mod buckets). */
  hash?: 'murmur3' | 'modulo';
  /** Seed of the hash (default 0). */
  hashSeed?: number;
}

/** Collision counts of a hashed model: distinct ids that landed in a bucket an earlier id already occupied. */
export interface HashCollisions {
  readonly users: number;
  readonly items: number;
  /** Buckets in use. */
  readonly userBucketsUsed: number;
  readonly itemBucketsUsed: number;
}

const HASH_DEFAULTS: Required<Omit<HashedMfOptions, keyof SampledMfOptions>> = { userBuckets: 1 << 16, itemBuckets: 1 << 16, hash: 'murmur3', hashSeed: 0 };

export class HashedMfRecommender extends SampledMfRecommender {
  override readonly kind: string = 'hashed-mf';
  readonly hashing: { userBuckets: number; itemBuckets: number; hash: 'murmur3' | 'modulo'; hashSeed: number };
  private counted?: HashCollisions;

  constructor(options: HashedMfOptions = {}) {
    checkOptionKeys('HashedMfRecommender options', options, [...Object.keys(MF_DEFAULTS), ...Object.keys(HASH_DEFAULTS)]);
    const { userBuckets = HASH_DEFAULTS.userBuckets, itemBuckets = HASH_DEFAULTS.itemBuckets, hash = HASH_DEFAULTS.hash, hashSeed = HASH_DEFAULTS.hashSeed, ...rest } = options;
    super(rest);
    checkIntegerOption('userBuckets', userBuckets, 1);
    checkIntegerOption('itemBuckets', itemBuckets, 1);
    checkIntegerOption('hashSeed', hashSeed, 0);
    if (hash !== 'murmur3' && hash !== 'modulo') throw new InvalidArgumentError('hash', hash, "'murmur3' or 'modulo'");
    this.hashing = { userBuckets, itemBuckets, hash, hashSeed };
  }

  override get params(): Record<string, unknown> {
    return { ...this.options, ...this.hashing };
  }

  /** Collisions among the training ids (after fit or load). */
  get collisions(): HashCollisions {
    if (!this.counted) throw new InvalidArgumentError('collisions', undefined, 'a fitted model', 'call fit() first.');
    return this.counted;
  }

  /** The bucket of a user or item id. */
  bucketOf(side: 'user' | 'item', id: Id): number {
    const n = side === 'user' ? this.hashing.userBuckets : this.hashing.itemBuckets;
    return this.hashing.hash === 'modulo' ? moduloBucket(id, n, this.hashing.hashSeed) : murmurBucket(id, n, this.hashing.hashSeed);
  }

  protected override rowMaps(data: { users: { ids(): unknown[] }; items: { ids(): unknown[] }; nUsers: number; nItems: number }): RowMaps {
    const map = (side: 'user' | 'item', ids: unknown[], buckets: number) => {
      const out = new Int32Array(ids.length);
      const used = new Uint8Array(buckets);
      let collisions = 0;
      let distinct = 0;
      for (let i = 0; i < ids.length; i++) {
        const b = this.bucketOf(side, ids[i] as Id);
        out[i] = b;
        if (used[b]) collisions++;
        else { used[b] = 1; distinct++; }
      }
      return { out, collisions, distinct };
    };
    const u = map('user', data.users.ids(), this.hashing.userBuckets);
    const i = map('item', data.items.ids(), this.hashing.itemBuckets);
    this.counted = { users: u.collisions, items: i.collisions, userBucketsUsed: u.distinct, itemBucketsUsed: i.distinct };
    return { userRows: this.hashing.userBuckets, itemRows: this.hashing.itemBuckets, user: u.out, item: i.out };
  }

  protected override tableRows(): { userRows: number; itemRows: number; users: string; items: string } {
    return { userRows: this.hashing.userBuckets, itemRows: this.hashing.itemBuckets, users: 'params.userBuckets', items: 'params.itemBuckets' };
  }

  static override fromState(state: ModelState, backend: Backend): HashedMfRecommender {
    return new HashedMfRecommender(state.params as HashedMfOptions).adopt(state, backend);
  }
}

registerModelKind('hashed-mf', (state, backend) => HashedMfRecommender.fromState(state, backend), {
  layout: (state) => HashedMfRecommender.layout(state),
  create: (params) => new HashedMfRecommender(params as HashedMfOptions),
});
