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
  /**
   * Id → index, built only once the ids stop being consecutive integers `base, base + 1, …` (the common case of
   * dense numeric ids, e.g. Spark's or a StringIndexer's, needs no map: a million-entry Map was most of a 1M-user
   * import, issue 23).
   */
  private byId?: Map<Id, number>;
  /** The first id while every id so far is `base + index` (an integer); NaN once they are not. */
  private base = Number.NaN;
  private list: Id[] = [];

  /** Build from ids in index order (duplicates are an error). */
  static from(ids: Iterable<Id>, field = 'ids'): Vocabulary {
    const v = new Vocabulary();
    if (Array.isArray(ids) && consecutiveIntegers(ids)) {
      // one copy instead of a million add() calls (issue 23: imports of 1M users)
      v.base = ids[0] as number;
      v.list = ids.slice();
      return v;
    }
    for (const id of ids) {
      const size = v.list.length;
      if (v.add(id) !== size) throw new InvalidArgumentError(field, id, 'unique ids', `remove the repeated id ${JSON.stringify(id)}.`);
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

  /** Index of `id`, adding it at the end if new. */
  add(id: Id): number {
    const n = this.list.length;
    if (!this.byId) {
      if (n === 0 ? Number.isSafeInteger(id) : id === this.base + n) {
        if (n === 0) this.base = id as number;
        this.list.push(id);
        return n;
      }
      const known = this.indexOf(id);
      if (known !== undefined) return known;
      // no longer consecutive: from here on, a map
      this.byId = new Map(this.list.map((x, i) => [x, i]));
    }
    let idx = this.byId.get(id);
    if (idx === undefined) {
      if (!((typeof id === 'string') || (typeof id === 'number' && Number.isFinite(id)))) {
        throw new InvalidArgumentError('id', id, 'a string or a finite number');
      }
      idx = n;
      this.byId.set(id, idx);
      this.list.push(id);
    }
    return idx;
  }

  /** Index of `id`, or undefined when unknown. */
  indexOf(id: Id): number | undefined {
    if (this.byId) return this.byId.get(id);
    if (typeof id !== 'number') return undefined;
    const i = id - this.base;
    return i >= 0 && i < this.list.length && Number.isInteger(i) ? i : undefined;
  }

  /** Whether `id` is in the vocabulary. */
  has(id: Id): boolean {
    return this.indexOf(id) !== undefined;
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

/** Whether `ids` is a non-empty run of consecutive safe integers `k, k + 1, …` (the map-free case of Vocabulary). */
function consecutiveIntegers(ids: readonly Id[]): boolean {
  const first = ids[0];
  if (!(ids.length > 0 && Number.isSafeInteger(first) && Number.isSafeInteger((first as number) + ids.length))) return false;
  for (let i = 1; i < ids.length; i++) if (ids[i] !== (first as number) + i) return false;
  return true;
}
