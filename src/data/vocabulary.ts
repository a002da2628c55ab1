/**
 * Id vocabularies: the user's own ids (strings or numbers) ↔ dense row indices. Growable, like LightFM's
 * Dataset.fit_partial, so new users and items can be added without rebuilding. `1` and `"1"` are different ids;
 * parsers that read text decide which one they mean (numeric columns become numbers).
 */
import { InvalidArgumentError } from '../errors.ts';

/** A user or item id as the application knows it. */
export type Id = string | number;

/**
 * A two-way map between an application's ids (strings or numbers) and dense indices 0..size−1, the row or column
 * numbers every matrix in recwise uses. Indices are assigned in insertion order and never change, so a vocabulary
 * can grow (new users and items appended, as LightFM's `Dataset.fit_partial`) without invalidating the rows a
 * model already has. `1` and `"1"` are different ids.
 *
 * @example
 * ```ts
 * import { Vocabulary } from 'recwise';
 * const items = Vocabulary.from(['dune', 'alien']);
 * items.indexOf('alien'); // 1
 * items.add('heat');      // 2 (new ids go at the end)
 * items.idAt(0);          // 'dune'
 * Vocabulary.sorted([10, 2, 'b', 'a']).ids(); // [2, 10, 'a', 'b'], the benchmark protocol's order
 * ```
 */
export class Vocabulary {
  private readonly byId = new Map<Id, number>();
  private readonly list: Id[] = [];

  /** Build from ids in index order (duplicates are an error). */
  static from(ids: Iterable<Id>, field = 'ids'): Vocabulary {
    const v = new Vocabulary();
    for (const id of ids) {
      if (v.byId.has(id)) throw new InvalidArgumentError(field, id, 'unique ids', `remove the repeated id ${JSON.stringify(id)}.`);
      v.add(id);
    }
    return v;
  }

  /** Ids sorted the way the benchmark protocol maps them: numbers ascending, then strings by code unit. */
  static sorted(ids: Iterable<Id>): Vocabulary {
    const unique = [...new Set(ids)];
    unique.sort((a, b) => {
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      if (typeof a === 'number') return -1;
      if (typeof b === 'number') return 1;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    return Vocabulary.from(unique);
  }

  /** Number of ids (the next index {@link add} assigns). */
  get size(): number {
    return this.list.length;
  }

  /** Index of `id`, adding it at the end when new. */
  add(id: Id): number {
    let idx = this.byId.get(id);
    if (idx === undefined) {
      if (!((typeof id === 'string') || (typeof id === 'number' && Number.isFinite(id)))) {
        throw new InvalidArgumentError('id', id, 'a string or a finite number');
      }
      idx = this.list.length;
      this.byId.set(id, idx);
      this.list.push(id);
    }
    return idx;
  }

  /** Index of `id`, or undefined when unknown. */
  indexOf(id: Id): number | undefined {
    return this.byId.get(id);
  }

  /** Whether `id` is in the vocabulary. */
  has(id: Id): boolean {
    return this.byId.has(id);
  }

  /** Id at `index` (throws RangeError outside [0, size)). */
  idAt(index: number): Id {
    if (!(index >= 0 && index < this.list.length)) throw new RangeError(`index ${index} outside [0, ${this.list.length})`);
    return this.list[index];
  }

  /** All ids in index order (a copy). */
  ids(): Id[] {
    return this.list.slice();
  }
}
