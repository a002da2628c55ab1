/**
 * Inputs shared by the importers: bytes or a path, id lists in row order (JSON array, LightFM-style JSON mapping
 * `{id: row}`, or one id per line / first CSV column), and the seen-items CSR built from the caller's interactions.
 */
import { InteropError } from '../errors.ts';
import { readFileBytes } from '../runtime/files.ts';
import type { Id } from '../data/vocabulary.ts';
import { Vocabulary } from '../data/vocabulary.ts';
import { Interactions } from '../data/interactions.ts';
import type { InteropSource } from './npz.ts';

/** Bytes of a source and the name to put in errors (the path, or `fallback` for bytes). */
export async function interopBytes(source: InteropSource, fallback: string): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof source === 'string') return { bytes: await readFileBytes(source), name: source };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: fallback };
  if (source instanceof Uint8Array) return { bytes: source, name: fallback };
  throw new InteropError('INTEROP_SOURCE', fallback, 'source', source, 'expected bytes (Uint8Array or ArrayBuffer) or a file path', 'pass the file bytes, or a path on Node, Deno and Bun.');
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Ids in row order from a mapping file's text: a JSON array (`["a", "b"]`), a JSON object mapping id → row
 * (LightFM's `Dataset.mapping()` dicts, `{"a": 0, "b": 1}`), or plain text with one id per line (the first
 * comma/tab-separated column; a header line `id` is skipped). Text ids that are integers become numbers, as the
 * data readers do.
 *
 * @example
 * ```ts
 * parseIdList('["u1","u2"]', 'users.json'); // ['u1', 'u2']
 * parseIdList('id\n10\n20\n', 'items.csv');  // [10, 20]
 * ```
 */
export function parseIdList(text: string, file: string): Id[] {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new InteropError('IDS_INVALID', file, 'json', t.slice(0, 40), `not valid JSON (${(e as Error).message})`, 'write the ids as a JSON array in row order, or one id per line.');
    }
    if (Array.isArray(v)) {
      v.forEach((id, i) => {
        if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) throw new InteropError('IDS_INVALID', file, `[${i}]`, id, 'an id must be a string or a finite number');
      });
      return v as Id[];
    }
    const entries = Object.entries(v as Record<string, unknown>);
    const ids = new Array<Id>(entries.length);
    for (const [id, row] of entries) {
      if (!(Number.isInteger(row) && (row as number) >= 0 && (row as number) < entries.length) || ids[row as number] !== undefined) {
        throw new InteropError('IDS_INVALID', file, id, row, `rows must be 0…${entries.length - 1}, each used once`);
      }
      ids[row as number] = NUMERIC.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id;
    }
    return ids;
  }
  const lines = t.split(/\r?\n/).map((l) => l.split(/[,\t]/)[0].trim());
  if (lines.length && /^(id|user|item|user_?id|item_?id)$/i.test(lines[0])) lines.shift();
  return lines.filter((l) => l !== '').map((l) => (NUMERIC.test(l) && Number.isSafeInteger(Number(l)) ? Number(l) : l));
}

/**
 * Ids for `rows` rows: the caller's list (checked for length and duplicates; copied unless `fresh`, a list made for
 * this call) or the row indices.
 */
export function idsForRows(given: readonly Id[] | undefined, rows: number, file: string, side: 'users' | 'items', fresh = false): Id[] {
  if (!given) return Array.from({ length: rows }, (_, i) => i);
  if (given.length !== rows) {
    throw new InteropError('IDS_MISMATCH', file, side, given.length, `the ${side} mapping has ${given.length} ids, the factors have ${rows} rows`, `pass one ${side.slice(0, -1)} id per factor row, in row order.`);
  }
  if (repeatsAnId(given)) throw new InteropError('IDS_INVALID', file, side, given.length, `the ${side} mapping repeats an id`);
  return fresh ? (given as Id[]) : given.slice();
}

/**
 * Whether an id occurs twice. Ids in increasing numeric order (Spark's, exportNpz's, row numbers) cannot repeat, so
 * they are checked in one pass without a million-entry Set (issue 23); any other list goes through a Set.
 */
export function repeatsAnId(ids: ArrayLike<Id>): boolean {
  let increasing = true;
  for (let i = 1; i < ids.length && increasing; i++) increasing = typeof ids[i] === 'number' && (ids[i] as number) > (ids[i - 1] as number);
  if (increasing && (ids.length === 0 || typeof ids[0] === 'number')) return false;
  return new Set(Array.prototype.slice.call(ids) as Id[]).size !== ids.length;
}

/** A typed or plain array of ids as a plain array (a loop: Array.from over a typed array is several times slower). */
export function idArrayOf(data: ArrayLike<Id>): Id[] {
  const out = new Array<Id>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i];
  return out;
}

/** A training interaction for filterSeen after import. */
export interface SeenRecord {
  readonly user: Id;
  readonly item: Id;
  readonly weight?: number;
}

/**
 * Users × items CSR of seen items over the imported vocabularies, from Interactions or records. Files from other
 * libraries carry no training data, so without this the imported model filters nothing.
 */
export function seenCsr(users: readonly Id[], items: readonly Id[], seen: Interactions | readonly SeenRecord[] | undefined, file: string): { indptr: Int32Array; indices: Int32Array; data: Float32Array } {
  const nU = users.length;
  if (!seen) return { indptr: new Int32Array(nU + 1), indices: new Int32Array(0), data: new Float32Array(0) };
  const uv = Vocabulary.from(users, 'users');
  const iv = Vocabulary.from(items, 'items');
  const rows: Map<number, number>[] = Array.from({ length: nU }, () => new Map());
  const add = (user: Id, item: Id, w: number) => {
    const u = uv.indexOf(user);
    const i = iv.indexOf(item);
    if (u === undefined) throw new InteropError('SEEN_UNKNOWN', file, 'seen.user', user, 'a seen interaction names a user the imported model does not have', 'pass the users mapping that matches the factor rows.');
    if (i === undefined) throw new InteropError('SEEN_UNKNOWN', file, 'seen.item', item, 'a seen interaction names an item the imported model does not have', 'pass the items mapping that matches the factor rows.');
    rows[u].set(i, (rows[u].get(i) ?? 0) + w);
  };
  if (seen instanceof Interactions) {
    for (let u = 0; u < seen.nUsers; u++) {
      for (let p = seen.byUser.indptr[u]; p < seen.byUser.indptr[u + 1]; p++) add(seen.users.idAt(u), seen.items.idAt(seen.byUser.indices[p]), seen.byUser.data[p]);
    }
  } else for (const r of seen) add(r.user, r.item, r.weight ?? 1);
  const indptr = new Int32Array(nU + 1);
  for (let u = 0; u < nU; u++) indptr[u + 1] = indptr[u] + rows[u].size;
  const indices = new Int32Array(indptr[nU]);
  const data = new Float32Array(indptr[nU]);
  rows.forEach((m, u) => {
    const sorted = [...m.keys()].sort((a, b) => a - b);
    sorted.forEach((i, j) => {
      indices[indptr[u] + j] = i;
      data[indptr[u] + j] = m.get(i)!;
    });
  });
  return { indptr, indices, data };
}
