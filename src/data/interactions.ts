/**
 * The interaction matrix every model trains on: users × items with weights, stored as CSR by user (and, on demand,
 * CSR by item), plus the vocabularies that map back to the application's ids. The public API talks in ids and
 * records; rows/columns orientation stays inside (implicit #182, #738).
 */
import type { Csr } from '../kernels/types.ts';
import type { Vocabulary, Id } from './vocabulary.ts';
import type { Backend } from '../kernels/types.ts';
import { InvalidArgumentError } from '../errors.ts';
import { transposeCsr } from './csr-rows.ts';

/**
 * Users × items interactions, the input of every model's `fit` and of `evaluate`: a CSR matrix by user (`byUser`:
 * each user's item indices ascending, one weight per pair) with the user and item {@link Vocabulary} that map rows
 * and columns back to the application's ids, and optional timestamps for temporal splits. Treat it as immutable;
 * build one with `readInteractions`, `DatasetBuilder` or the constructor.
 *
 * @example
 * ```ts
 * import { DatasetBuilder, readInteractions } from 'recwise';
 * const b = new DatasetBuilder();
 * b.add({ user: 'ann', item: 'dune', weight: 2 });
 * b.add({ user: 'bob', item: 'alien' });
 * const data = await b.build();                 // an Interactions
 * data.nUsers; data.nItems; data.nnz;           // 2, 2, 2
 * data.itemsOf(data.userIndex('ann')!);         // Int32Array [0]: 'dune'
 * const { interactions } = await readInteractions('ratings.csv', { binary: true });
 * ```
 */
export class Interactions {
  private byItem?: Csr;

  /**
   * @param users  vocabulary of user ids (row i of `byUser` is users.idAt(i))
   * @param items  vocabulary of item ids
   * @param byUser CSR users × items, columns sorted within each row, no repeated (user, item) pairs
   * @param timestamps optional, aligned with byUser.indices (seconds or any monotone unit)
   */
  constructor(
    readonly users: Vocabulary,
    readonly items: Vocabulary,
    readonly byUser: Csr,
    readonly timestamps?: Float64Array,
  ) {
    if (byUser.rows !== users.size || byUser.cols !== items.size) {
      throw new InvalidArgumentError('byUser', `${byUser.rows}×${byUser.cols}`, `a CSR of ${users.size} users × ${items.size} items`);
    }
  }

  /** Number of users (rows). */
  get nUsers(): number {
    return this.users.size;
  }

  /** Number of items (columns). */
  get nItems(): number {
    return this.items.size;
  }

  /** Number of stored (user, item) pairs. */
  get nnz(): number {
    return this.byUser.indices.length;
  }

  /** Dense item indices of a user's interactions (a view, sorted ascending). */
  itemsOf(userIndex: number): Int32Array {
    return this.byUser.indices.subarray(this.byUser.indptr[userIndex], this.byUser.indptr[userIndex + 1]);
  }

  /** Weights aligned with {@link itemsOf}. */
  weightsOf(userIndex: number): Float32Array {
    return this.byUser.data.subarray(this.byUser.indptr[userIndex], this.byUser.indptr[userIndex + 1]);
  }

  /**
   * CSR items × users, each item's users ascending (built once, on first use). A stable counting sort of the user-major
   * rows on the JS heap: O(nnz), faster than the kernels' COO sort, and it holds none of the kernels' memory, where
   * the COO sort held 36 bytes per interaction at once and capped ALS fits at ~59M interactions (issue 23).
   * `backend` is no longer needed (accepted for existing callers).
   */
  itemUsers(_backend?: Backend): Csr {
    this.byItem ??= transposeCsr(this.byUser);
    return this.byItem;
  }

  /** Index of a user id, or undefined. */
  userIndex(id: Id): number | undefined {
    return this.users.indexOf(id);
  }

  /** Index of an item id, or undefined. */
  itemIndex(id: Id): number | undefined {
    return this.items.indexOf(id);
  }
}

/** The property of a wrapper object that holds the Interactions the caller meant (readInteractions, randomSplit, …). */
function wrappedInteractions(data: object): string | undefined {
  for (const key of ['interactions', 'train'] as const) {
    if ((data as Record<string, unknown>)[key] instanceof Interactions) return key;
  }
  return undefined;
}

/** Throw unless `data` is Interactions, naming the property to pass when `data` wraps one. `where` names the call. */
export function checkInteractionsArgument(data: unknown, where: string): asserts data is Interactions {
  if (data instanceof Interactions) return;
  const key = data !== null && typeof data === 'object' ? wrappedInteractions(data) : undefined;
  if (key === 'interactions') {
    throw new InvalidArgumentError('data', data, `Interactions for ${where}, not the result object of a reader`, `pass its \`.interactions\`: const { interactions } = await readInteractions(...), then ${where}(interactions, …).`);
  }
  if (key === 'train') {
    throw new InvalidArgumentError('data', data, `Interactions for ${where}, not the result object of a split`, `pass its \`.train\` (or \`.test\`): const { train, test } = randomSplit(interactions), then ${where}(train, …).`);
  }
  throw new InvalidArgumentError('data', data, `Interactions for ${where}`, 'build them with readInteractions(...).interactions, DatasetBuilder or new Interactions(users, items, csr).');
}
