/**
 * What a tune trial was scored on, as a short fingerprint: the training data, the validation split (given or carved),
 * the metric and the seed. A resumed log reuses only trials with the current fingerprint, so changing the data, the
 * validation split, `validFraction`, the metric or the seed between runs starts a fresh search instead of comparing
 * scores that were measured on something else (issue 19: a log written with the 10% validation share of earlier
 * releases would otherwise be resumed under the 20% default, its fold scores mixed with new ones).
 */
import type { Interactions } from '../data/interactions.ts';
import { murmur3_32 } from '../data/hashing.ts';

/** Ids hashed per chunk, so a vocabulary of millions is never joined into one string. */
const ID_CHUNK = 4096;

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A 32-bit fingerprint of interactions: shape, ids in index order, the user-major CSR, weights and timestamps. */
function fingerprint(x: Interactions, seed: number): number {
  let h = murmur3_32(`${x.nUsers}:${x.nItems}:${x.nnz}`, seed);
  for (const vocabulary of [x.users, x.items]) {
    const ids = vocabulary.ids();
    for (let i = 0; i < ids.length; i += ID_CHUNK) h = murmur3_32(JSON.stringify(ids.slice(i, i + ID_CHUNK)), h);
  }
  const { indptr, indices, data } = x.byUser;
  for (const a of [indptr, indices, data]) h = murmur3_32(bytesOf(a), h);
  if (x.timestamps) h = murmur3_32(bytesOf(x.timestamps), h);
  return h;
}

/** What decides a trial's score besides its model and parameters. */
export interface TrialSetting {
  readonly train: Interactions;
  /** The given validation interactions; absent: carved from train with `validFraction` and `seed`. */
  readonly valid?: Interactions;
  readonly validFraction: number;
  readonly metric: string;
  readonly k: number;
  readonly seed: number;
}

/**
 * The fingerprint trials of this setting carry (8 hex digits). Extra folds are carved with `validFraction` even when
 * a validation split is given, so it always counts.
 *
 * @example
 * ```ts
 * trialContext({ train, validFraction: 0.2, metric: 'ndcg', k: 10, seed: 42 }); // e.g. '5f0c2a91'
 * ```
 */
export function trialContext(s: TrialSetting): string {
  let h = murmur3_32(JSON.stringify([s.metric, s.k, s.seed, s.validFraction, s.valid ? 'given' : 'carved']));
  h = fingerprint(s.train, h);
  if (s.valid) h = fingerprint(s.valid, h);
  return h.toString(16).padStart(8, '0');
}
