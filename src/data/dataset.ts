/**
 * Building {@link Interactions} from the application's own records, in the spirit of LightFM's `Dataset`: ids
 * (strings or numbers) are mapped to dense indices by growable vocabularies, repeated (user, item) pairs are merged
 * by a stated policy, and the CSR is built by the active kernel backend (Wasm after `init()`).
 */
import { InvalidArgumentError } from '../errors.ts';
import { getBackend } from '../kernels/registry.ts';
import type { Csr, DuplicatePolicy } from '../kernels/types.ts';
import { Interactions } from './interactions.ts';
import { Vocabulary, type Id } from './vocabulary.ts';

/** One interaction as the application knows it. */
export interface InteractionRecord {
  user: Id;
  item: Id;
  /** Default 1. */
  weight?: number;
  /** Any monotone unit (Unix seconds in MovieLens). Give it on every row or on none. */
  timestamp?: number;
}

/** Column-wise interactions: arrays of equal length (plain arrays or typed arrays). */
export interface InteractionColumns {
  users: ArrayLike<Id>;
  items: ArrayLike<Id>;
  weights?: ArrayLike<number>;
  timestamps?: ArrayLike<number>;
}

/** What to do with a user or item id that is not in the vocabulary yet. */
export type UnknownIdPolicy = 'add' | 'drop' | 'error';

/** Options of {@link DatasetBuilder}. */
export interface DatasetBuilderOptions {
  /**
   * How repeated (user, item) pairs are merged: `'sum'` (default: the weights add up, as scipy's coo→csr
   * conversion and hence implicit and LightFM do), `'max'`, or `'last'` (the row with the latest timestamp, ties
   * and rows without timestamps by input order). A merged pair keeps the latest of its timestamps.
   */
  duplicates?: 'sum' | 'max' | 'last';
  /** Every stored weight is 1, whatever the input says (the benchmark protocol; repeated pairs stay 1). */
  binary?: boolean;
  /**
   * Order the ids this builder adds the way the benchmark protocol does (numbers ascending, then strings) instead
   * of first-seen order. Ids of a seeded vocabulary keep their indices; new ids follow them, sorted.
   */
  sortIds?: boolean;
  /** Start from these user ids (e.g. the training set's, to map a test set into the same rows). */
  users?: Vocabulary;
  /** Start from these item ids. */
  items?: Vocabulary;
  /**
   * Unknown user ids: `'add'` grows the vocabulary (default without `users`), `'drop'` skips the row and counts it
   * (default with `users`), `'error'` throws.
   */
  unknownUsers?: UnknownIdPolicy;
  /** Unknown item ids, as {@link unknownUsers} (default `'add'`, or `'drop'` when `items` is given). */
  unknownItems?: UnknownIdPolicy;
}

/** Counts of what a builder did with its input. */
export interface BuildStats {
  /** Rows given to add/addColumns. */
  readonly inputRows: number;
  /** Rows kept (before merging repeated pairs). */
  readonly keptRows: number;
  /** Rows dropped because the user id was unknown (unknownUsers: 'drop'). */
  readonly droppedUnknownUser: number;
  /** Rows dropped because the item id was unknown (and the user was known). */
  readonly droppedUnknownItem: number;
  /** Stored (user, item) pairs after merging repeats (set by build). */
  readonly pairs: number;
}

const POLICIES = ['sum', 'max', 'last'] as const;

/**
 * A direct-index cache in front of a vocabulary's Map for small non-negative integer ids (MovieLens and most
 * exported datasets): `slot[id] = index + 1`. Only lookups that hit are cached, and vocabulary indices never
 * change, so the cache stays valid however the vocabulary grows.
 */
class DenseIdCache {
  private slot = new Int32Array(0);
  static readonly LIMIT = 1 << 24;

  get(id: unknown): number {
    if (typeof id === 'number' && id >= 0 && id < this.slot.length && (id | 0) === id) return this.slot[id] - 1;
    return -1;
  }

  set(id: unknown, index: number): void {
    if (typeof id !== 'number' || !(id >= 0 && id < DenseIdCache.LIMIT) || (id | 0) !== id) return;
    if (id >= this.slot.length) {
      const grown = new Int32Array(Math.min(DenseIdCache.LIMIT, Math.max(1024, id + 1, this.slot.length * 2)));
      grown.set(this.slot);
      this.slot = grown;
    }
    this.slot[id] = index + 1;
  }
}


function checkPolicy(name: string, value: unknown): UnknownIdPolicy | undefined {
  if (value === undefined) return undefined;
  if (value !== 'add' && value !== 'drop' && value !== 'error') throw new InvalidArgumentError(name, value, "'add', 'drop' or 'error'");
  return value;
}

function isId(v: unknown): v is Id {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * Collects interactions and builds {@link Interactions}.
 *
 * @example
 * ```ts
 * import { DatasetBuilder } from 'recwise';
 * const b = new DatasetBuilder();                       // duplicates: 'sum'
 * b.add({ user: 'ann', item: 'dune', weight: 2 });
 * b.addColumns({ users: ['bob', 'bob'], items: ['dune', 'emma'] });
 * const train = await b.build();                        // 2 users × 2 items
 *
 * // map a test set into the same vocabularies; rows of unknown users/items are dropped and counted
 * const t = new DatasetBuilder({ users: train.users, items: train.items });
 * t.add({ user: 'cid', item: 'dune' });
 * const test = await t.build();                         // t.stats.droppedUnknownUser === 1
 * ```
 */
export class DatasetBuilder {
  readonly duplicates: 'sum' | 'max' | 'last';
  readonly binary: boolean;
  readonly sortIds: boolean;
  private readonly users: Vocabulary;
  private readonly items: Vocabulary;
  private readonly seededUsers: number;
  private readonly seededItems: number;
  private readonly unknownUsers: UnknownIdPolicy;
  private readonly unknownItems: UnknownIdPolicy;
  private readonly userCache = new DenseIdCache();
  private readonly itemCache = new DenseIdCache();

  private n = 0;
  private u = new Int32Array(1024);
  private i = new Int32Array(1024);
  private w = new Float32Array(1024);
  private ts?: Float64Array;
  private inputRows = 0;
  private droppedUser = 0;
  private droppedItem = 0;
  private pairs = 0;

  constructor(options: DatasetBuilderOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object');
    const dup = options.duplicates ?? 'sum';
    if (!POLICIES.includes(dup)) throw new InvalidArgumentError('duplicates', dup, "'sum', 'max' or 'last'");
    this.duplicates = dup;
    this.binary = options.binary ?? false;
    this.sortIds = options.sortIds ?? false;
    for (const k of ['users', 'items'] as const) {
      const v = options[k];
      if (v !== undefined && !(v instanceof Vocabulary)) throw new InvalidArgumentError(k, v, 'a Vocabulary (e.g. train.users)');
    }
    this.unknownUsers = checkPolicy('unknownUsers', options.unknownUsers) ?? (options.users ? 'drop' : 'add');
    this.unknownItems = checkPolicy('unknownItems', options.unknownItems) ?? (options.items ? 'drop' : 'add');
    // A seeded vocabulary that may grow is copied, so the Interactions that own it never change under their CSR.
    // One that may not grow is shared: train and test then hold the very same vocabulary object.
    this.users = options.users ? (this.unknownUsers === 'add' ? Vocabulary.from(options.users.ids()) : options.users) : new Vocabulary();
    this.items = options.items ? (this.unknownItems === 'add' ? Vocabulary.from(options.items.ids()) : options.items) : new Vocabulary();
    this.seededUsers = this.users.size;
    this.seededItems = this.items.size;
  }

  /** Counts of rows given, kept and dropped. */
  get stats(): BuildStats {
    return {
      inputRows: this.inputRows,
      keptRows: this.n,
      droppedUnknownUser: this.droppedUser,
      droppedUnknownItem: this.droppedItem,
      pairs: this.pairs,
    };
  }

  private grow(): void {
    const cap = this.u.length * 2;
    const u = new Int32Array(cap);
    u.set(this.u);
    this.u = u;
    const i = new Int32Array(cap);
    i.set(this.i);
    this.i = i;
    const w = new Float32Array(cap);
    w.set(this.w);
    this.w = w;
    if (this.ts) {
      const t = new Float64Array(cap);
      t.set(this.ts);
      this.ts = t;
    }
  }

  private lookup(vocab: Vocabulary, policy: UnknownIdPolicy, id: unknown, row: number, field: string): number {
    const cache = field === 'user' ? this.userCache : this.itemCache;
    const hit = cache.get(id);
    if (hit >= 0) return hit;
    const idx = vocab.indexOf(id as Id);
    if (idx !== undefined) {
      cache.set(id, idx);
      return idx;
    }
    if (!isId(id)) throw new InvalidArgumentError(`interactions[${row}].${field}`, id, 'a string or a finite number');
    if (policy === 'add') {
      const added = vocab.add(id);
      cache.set(id, added);
      return added;
    }
    if (policy === 'error') {
      throw new InvalidArgumentError(`interactions[${row}].${field}`, id, `a ${field} id in the vocabulary`, `add the id to the vocabulary first, or pass unknown${field === 'user' ? 'Users' : 'Items'}: 'drop'.`);
    }
    return -1;
  }

  private push(user: unknown, item: unknown, weight: unknown, timestamp: unknown, row: number): void {
    this.inputRows++;
    let wv = 1;
    if (!this.binary && weight !== undefined) {
      if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new InvalidArgumentError(`interactions[${row}].weight`, weight, 'a finite number');
      wv = weight;
    }
    const hasTs = timestamp !== undefined;
    if (hasTs && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) {
      throw new InvalidArgumentError(`interactions[${row}].timestamp`, timestamp, 'a finite number');
    }
    if (this.inputRows === 1) {
      if (hasTs) this.ts = new Float64Array(this.u.length);
    } else if (hasTs !== (this.ts !== undefined)) {
      throw new InvalidArgumentError(`interactions[${row}].timestamp`, timestamp, hasTs ? 'no timestamp, as on the earlier rows' : 'a timestamp, as on the earlier rows', 'give a timestamp on every row or on none.');
    }
    const ui = this.lookup(this.users, this.unknownUsers, user, row, 'user');
    if (ui < 0) {
      this.droppedUser++;
      return;
    }
    const ii = this.lookup(this.items, this.unknownItems, item, row, 'item');
    if (ii < 0) {
      this.droppedItem++;
      return;
    }
    if (this.n === this.u.length) this.grow();
    this.u[this.n] = ui;
    this.i[this.n] = ii;
    this.w[this.n] = wv;
    if (this.ts) this.ts[this.n] = timestamp as number;
    this.n++;
  }

  /** Add one interaction. Returns this, for chaining. */
  add(record: InteractionRecord): this {
    if (record === null || typeof record !== 'object') throw new InvalidArgumentError(`interactions[${this.inputRows}]`, record, 'an object { user, item, weight?, timestamp? }');
    this.push(record.user, record.item, record.weight, record.timestamp, this.inputRows);
    return this;
  }

  /** Add many interactions given as columns of equal length (typed arrays welcome). Returns this. */
  addColumns(columns: InteractionColumns): this {
    if (columns === null || typeof columns !== 'object') throw new InvalidArgumentError('columns', columns, 'an object { users, items, weights?, timestamps? }');
    const { users, items, weights, timestamps } = columns;
    const n = users?.length;
    if (typeof n !== 'number') throw new InvalidArgumentError('columns.users', users, 'an array of ids');
    for (const [name, col] of [['items', items], ['weights', weights], ['timestamps', timestamps]] as const) {
      if (col === undefined && name !== 'items') continue;
      if (col?.length !== n) throw new InvalidArgumentError(`columns.${name}`, col, `an array of length ${n} (as columns.users)`);
    }
    // Fast path: consecutive rows of one user (sorted files) skip the map lookup.
    let lastUser: unknown = undefined;
    let lastUserIdx = -2;
    for (let r = 0; r < n; r++) {
      const row = this.inputRows;
      const user = users[r];
      const weight = weights ? weights[r] : undefined;
      const timestamp = timestamps ? timestamps[r] : undefined;
      if (user === lastUser && lastUserIdx >= 0 && this.inputRows > 0) {
        // same checks as push, without the user lookup
        this.inputRows++;
        let wv = 1;
        if (!this.binary && weight !== undefined) {
          if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new InvalidArgumentError(`interactions[${row}].weight`, weight, 'a finite number');
          wv = weight;
        }
        if ((timestamp !== undefined) !== (this.ts !== undefined) || (timestamp !== undefined && !Number.isFinite(timestamp))) {
          throw new InvalidArgumentError(`interactions[${row}].timestamp`, timestamp, 'a finite number on every row or on none');
        }
        const ii = this.lookup(this.items, this.unknownItems, items[r], row, 'item');
        if (ii < 0) {
          this.droppedItem++;
          continue;
        }
        if (this.n === this.u.length) this.grow();
        this.u[this.n] = lastUserIdx;
        this.i[this.n] = ii;
        this.w[this.n] = wv;
        if (this.ts) this.ts[this.n] = timestamp as number;
        this.n++;
      } else {
        const before = this.n;
        this.push(user, items[r], weight, timestamp, row);
        lastUser = user;
        lastUserIdx = this.n > before ? this.u[before] : this.users.indexOf(user as Id) ?? -1;
      }
    }
    return this;
  }

  /** Move ids added by this builder into protocol order; returns old→new index maps (undefined when unchanged). */
  private sortVocabularies(): { users: Vocabulary; items: Vocabulary; userMap?: Int32Array; itemMap?: Int32Array } {
    const sortOne = (vocab: Vocabulary, seeded: number) => {
      if (!this.sortIds || vocab.size === seeded) return { vocab };
      const ids = vocab.ids();
      const added = Vocabulary.sorted(ids.slice(seeded));
      const out = Vocabulary.from(ids.slice(0, seeded));
      for (const id of added.ids()) out.add(id);
      const map = new Int32Array(ids.length);
      for (let k = 0; k < ids.length; k++) map[k] = out.indexOf(ids[k])!;
      return { vocab: out, map };
    };
    const u = sortOne(this.users, this.seededUsers);
    const it = sortOne(this.items, this.seededItems);
    return { users: u.vocab, items: it.vocab, userMap: u.map, itemMap: it.map };
  }

  /**
   * Build the interactions (CSR by user through the active backend's `csrFromCoo`). The builder can keep
   * collecting afterwards; a later build includes every row so far.
   */
  async build(): Promise<Interactions> {
    const n = this.n;
    const { users, items, userMap, itemMap } = this.sortVocabularies();
    const rows = this.u.slice(0, n);
    const cols = this.i.slice(0, n);
    if (userMap) for (let k = 0; k < n; k++) rows[k] = userMap[rows[k]];
    if (itemMap) for (let k = 0; k < n; k++) cols[k] = itemMap[cols[k]];
    const vals = this.w.slice(0, n);
    // binary: every weight is 1 and stays 1 after merging (max of ones), as the protocol's "duplicates dropped".
    const policy: DuplicatePolicy = this.binary ? 'max' : this.duplicates;
    const backend = await getBackend();
    const csr = backend.csrFromCoo(rows, cols, vals, users.size, items.size, policy);
    this.pairs = csr.indices.length;
    // weights are stored as float32: 1e308, or two 2e38 summed, would become Infinity and poison training (issue 22)
    for (let p = 0; p < csr.data.length; p++) {
      if (!Number.isFinite(csr.data[p])) {
        throw new InvalidArgumentError('weights', csr.data[p], 'weights, and sums of repeated (user, item) pairs, within the float32 range (±3.4e38)', "scale the weights down, or merge repeats with duplicates: 'max'.");
      }
    }
    const timestamps = this.ts ? mergeTimestamps(csr, rows, cols, vals, this.ts, this.duplicates === 'last' && !this.binary) : undefined;
    return new Interactions(users, items, csr, timestamps);
  }
}

/** Position of column `c` within CSR row `r` (binary search; the row is sorted and holds c). */
function positionOf(csr: Csr, r: number, c: number): number {
  let lo = csr.indptr[r];
  let hi = csr.indptr[r + 1] - 1;
  const idx = csr.indices;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idx[mid] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Timestamps aligned with the merged CSR: each stored pair keeps the latest timestamp of its input rows. For the
 * 'last' policy the stored weight is the one of the row with the latest timestamp (ties: the later input row),
 * which overrides the kernel's input-order choice.
 */
function mergeTimestamps(csr: Csr, rows: Int32Array, cols: Int32Array, vals: Float32Array, ts: Float64Array, lastByTime: boolean): Float64Array {
  const n = rows.length;
  if (csr.indices.length === n) {
    // Input already in CSR order with no repeated pair (sorted files such as the shared splits): aligned as is.
    let sorted = true;
    for (let k = 1; k < n; k++) {
      if (rows[k] < rows[k - 1] || (rows[k] === rows[k - 1] && cols[k] <= cols[k - 1])) {
        sorted = false;
        break;
      }
    }
    if (sorted) return ts.slice(0, n);
  }
  const out = new Float64Array(csr.indices.length).fill(-Infinity);
  const data = csr.data as Float32Array;
  for (let k = 0; k < rows.length; k++) {
    const p = positionOf(csr, rows[k], cols[k]);
    if (ts[k] >= out[p]) {
      out[p] = ts[k];
      if (lastByTime) data[p] = vals[k];
    }
  }
  return out;
}

/** A feature given by name (weight 1) or as [name, weight]. */
export type FeatureSpec = Id | readonly [Id, number];

/** Options of {@link buildFeatures}. */
export interface BuildFeaturesOptions {
  /** One feature per entity, identity features first (LightFM's `*_identity_features`, default true). */
  identity?: boolean;
  /** Scale every row to sum 1 (L1; LightFM's `normalize`, default true). Every row must then have a feature. */
  normalize?: boolean;
  /**
   * Named features to start from (e.g. the training features, so new rows map into the same columns). With it,
   * unknown feature names are an error unless `growFeatures` is true.
   */
  features?: Vocabulary;
  /** Allow new feature names when `features` is given (default false). */
  growFeatures?: boolean;
}

/** Result of {@link buildFeatures}. */
export interface FeatureMatrix {
  /** The named features; named feature f is column `identityFeatures + featureVocabulary.indexOf(f)`. */
  readonly featureVocabulary: Vocabulary;
  /** Number of identity columns (the entity count, or 0): entity e's identity feature is column e. */
  readonly identityFeatures: number;
  /** Total number of columns. */
  readonly nFeatures: number;
  /** Entities × features (rows in the vocabulary's order), repeated features summed, then normalised. */
  readonly matrix: Csr;
}

/**
 * Build a user or item feature matrix in LightFM's model (Kula 2015, "Metadata Embeddings for User and Item
 * Cold-start Recommendations"): each entity is the sum of its features' embeddings. Follows LightFM's
 * `Dataset.build_user_features` / `build_item_features`: identity features (one per entity) come first, repeated
 * features add up, and with `normalize` each row is divided by the sum of its absolute weights (sklearn's
 * `normalize(norm="l1")`); a row with no feature at all is then an error, as in LightFM.
 *
 * @param vocab the entities (e.g. `train.items`); rows of the matrix follow its order
 * @param rows  `{ id, features }` per entity; entities not listed get their identity feature only
 * @example
 * ```ts
 * const { matrix, featureVocabulary } = await buildFeatures(train.items, [
 *   { id: 'dune', features: ['genre:sf', ['year:1965', 0.5]] },
 * ]);
 * // row of 'dune': identity 1, genre:sf 1, year:1965 0.5 → normalised to 0.4, 0.4, 0.2
 * ```
 */
export async function buildFeatures(
  vocab: Vocabulary,
  rows: Iterable<{ id: Id; features: Iterable<FeatureSpec> }>,
  options: BuildFeaturesOptions = {},
): Promise<FeatureMatrix> {
  if (!(vocab instanceof Vocabulary)) throw new InvalidArgumentError('vocab', vocab, 'a Vocabulary (e.g. train.items)');
  const identity = options.identity ?? true;
  const normalize = options.normalize ?? true;
  const growFeatures = options.features ? (options.growFeatures ?? false) : true;
  const names = options.features ? (growFeatures ? Vocabulary.from(options.features.ids()) : options.features) : new Vocabulary();
  const nEntities = vocab.size;
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  if (identity) {
    for (let e = 0; e < nEntities; e++) {
      r.push(e);
      c.push(e);
      v.push(1);
    }
  }
  const named: { row: number; name: number; weight: number }[] = [];
  let k = 0;
  for (const entry of rows) {
    const at = `rows[${k}]`;
    if (entry === null || typeof entry !== 'object') throw new InvalidArgumentError(at, entry, 'an object { id, features }');
    const e = vocab.indexOf(entry.id);
    if (e === undefined) throw new InvalidArgumentError(`${at}.id`, entry.id, 'an id of the vocabulary', 'build features for ids that occur in the interactions, or add them to the vocabulary first.');
    if (entry.features === null || typeof entry.features !== 'object' || !(Symbol.iterator in Object(entry.features))) {
      throw new InvalidArgumentError(`${at}.features`, entry.features, 'an array of feature names or [name, weight] pairs');
    }
    let j = 0;
    for (const f of entry.features) {
      const name = Array.isArray(f) ? f[0] : f;
      const weight = Array.isArray(f) ? f[1] : 1;
      if (!isId(name)) throw new InvalidArgumentError(`${at}.features[${j}]`, f, 'a feature name (string or number) or [name, weight]');
      if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new InvalidArgumentError(`${at}.features[${j}] weight`, weight, 'a finite number');
      let idx = names.indexOf(name);
      if (idx === undefined) {
        if (!growFeatures) throw new InvalidArgumentError(`${at}.features[${j}]`, name, 'a known feature name', 'pass growFeatures: true to add new features, or drop this one.');
        idx = names.add(name);
      }
      named.push({ row: e, name: idx, weight });
      j++;
    }
    k++;
  }
  const offset = identity ? nEntities : 0;
  for (const f of named) {
    r.push(f.row);
    c.push(offset + f.name);
    v.push(f.weight);
  }
  const nFeatures = offset + names.size;
  const backend = await getBackend();
  const csr = backend.csrFromCoo(Int32Array.from(r), Int32Array.from(c), Float32Array.from(v), nEntities, nFeatures, 'sum');
  if (normalize) {
    const { indptr, data } = csr;
    for (let e = 0; e < nEntities; e++) {
      let s = 0;
      for (let p = indptr[e]; p < indptr[e + 1]; p++) s += Math.abs(data[p]);
      if (s === 0) {
        throw new InvalidArgumentError(`features of ${JSON.stringify(vocab.idAt(e))}`, 'no feature', 'at least one non-zero feature per row when normalize is on', 'give every entity a feature, keep identity features on, or pass normalize: false.');
      }
      for (let p = indptr[e]; p < indptr[e + 1]; p++) data[p] = data[p] / s;
    }
  }
  return { featureVocabulary: names, identityFeatures: offset, nFeatures, matrix: csr };
}
