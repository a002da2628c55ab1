/**
 * Implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008, "Collaborative Filtering for Implicit
 * Feedback Datasets"), with implicit's conjugate-gradient solver (Takács et al. 2011) or exact Cholesky solves.
 * Semantics follow implicit's AlternatingLeastSquares: random init `U[0, 0.01)`, per iteration users then items,
 * CG warm-started from the previous factors, recalculateUser by an exact solve, explain as in §5 of the paper.
 *
 * Rendle, Krichene, Zhang & Koren 2022 ("Revisiting the Performance of iALS on Item Recommendation Benchmarks",
 * RecSys '22) showed that tuned iALS matches EASE and autoencoders with three knobs implicit lacks, exposed here with
 * defaults that keep implicit's model: the weight α₀ of the unobserved pairs (`unobservedWeight`), regularisation
 * scaled by each row's frequency, λ·(|I_u| + α₀·|I|)^ν (`regularizationExponent` ν), and an initialisation of
 * standard deviation σ/√d (`initStd` σ). The loss solved is
 *
 *   Σ_observed c_ui (1 − x_uᵀy_i)² + α₀ Σ_unobserved (x_uᵀy_i)² + Σ_u λ_u ‖x_u‖² + Σ_i λ_i ‖y_i‖²,
 *
 * so each row's system is (α₀·YᵀY + Σ_observed (c − α₀) y yᵀ + λ_u I) x = Σ c y; it is solved divided by α₀ (the same
 * x), which is the implicit system with confidences c/α₀ and regularisation λ_u/α₀, so the kernels are implicit's
 * plus a per-row diagonal term. Rendle et al.'s own loss (target 1 with weight 1 on observed pairs, α₀ on all pairs)
 * ranks exactly as this one with `alpha: α₀`, `unobservedWeight: α₀` and λ scaled by 1 + α₀ (the solution differs
 * only by the factor 1 + α₀ on every score).
 */
import { FactorRecommender } from './factor.ts';
import type { FitOptions } from '../recommender.ts';
import { checkAborted, checkDiverged, yieldToEventLoop } from '../progress.ts';
import { mulberry32, normalMatrix, uniformMatrix } from '../random.ts';
import { registerModelKind, type ModelState } from '../registry.ts';
import { factorLayout } from '../options.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Id } from '../../data/vocabulary.ts';
import type { AlsSolveOptions, Backend, Csr, DenseMatrix } from '../../kernels/types.ts';
import { InvalidArgumentError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import { alsNormalEquations, choleskyFactor, choleskySolveFactored } from '../../kernels/reference/als.ts';
import { checkOptionKeys, optionKeys, withDefaults } from '../../options-check.ts';
import { useKernels } from '../../kernels/family.ts';
import { ALS_KERNELS } from '../../kernels/families.ts';
import { registerFitMemory } from '../fit-memory.ts';
import { ALS_FIT_MEMORY } from '../fit-memory-formulas.ts';

// The backend kernels and the fit-memory formula this module uses come with it (issue 18: an app that does not import
// it does not ship them).
useKernels(ALS_KERNELS);
registerFitMemory('als', ALS_FIT_MEMORY);

/** Hyperparameters of {@link AlsRecommender}; defaults are implicit's. */
export interface AlsOptions {
  /** Latent factors per user and item (default 100). */
  factors?: number;
  /** L2 regularization λ (default 0.01). */
  regularization?: number;
  /**
   * Confidence slope (default 1): with `confidence: 'one-plus-alpha'` (default) c = 1 + alpha·w for weight w, as Hu et
   * al. 2008; negative weights mean "disliked" with confidence 1 + alpha·|w|.
   */
  alpha?: number;
  /**
   * How a weight becomes a confidence. `'one-plus-alpha'` (default): c = 1 + alpha·w (Hu et al. 2008, implicit < 0.5
   * users' usual input). `'alpha'`: c = alpha·w, the meaning of implicit ≥ 0.5's `alpha` (it multiplies the matrix it
   * is given), so an implicit model's `alpha` carries over unchanged (`importImplicit` sets it). The same alpha gives
   * different models under the two: choose the one your alpha was tuned for.
   *
   * @example
   * ```ts
   * new AlsRecommender({ alpha: 40, confidence: 'alpha' }); // = implicit.als.AlternatingLeastSquares(alpha=40)
   * ```
   */
  confidence?: 'one-plus-alpha' | 'alpha';
  /** Alternating iterations (default 15). */
  iterations?: number;
  /** 'cg' (default, fast) or 'cholesky' (exact). */
  solver?: 'cg' | 'cholesky';
  /** Conjugate-gradient steps per solve (default 3). */
  cgSteps?: number;
  /** Seed of the factor initialisation (default 42). */
  seed?: number;
  /**
   * Weight α₀ of the unobserved pairs in the loss (default 1, Hu et al. and implicit). Rendle et al. 2022 tune it
   * together with λ; smaller values trust the observed pairs more.
   */
  unobservedWeight?: number;
  /**
   * Frequency scaling ν of the regularisation (default 0: one λ for every row, as implicit): row u's penalty is
   * λ·(|I_u| + α₀·|I|)^ν, with |I_u| its number of interactions and |I| the size of the other side (Rendle et al.
   * 2022 use ν = 1; with ν > 0, useful λ values become much smaller).
   */
  regularizationExponent?: number;
  /**
   * Initialisation scale σ (default 0: implicit's U[0, 0.01)); σ > 0 draws the factors from N(0, σ²/factors), Rendle
   * et al. 2022's initialisation (they use σ = 0.1).
   */
  initStd?: number;
}

/** A user's items for fold-in: ids (weight 1) or ids with weights. */
export type UserItems = readonly (Id | { item: Id; weight?: number })[];

/** Result of {@link AlsRecommender.explain}. */
export interface AlsExplanation {
  /** Predicted score, the sum of every history item's contribution. */
  readonly score: number;
  /** The history items that contribute most, largest first. */
  readonly contributions: readonly { item: Id; score: number }[];
}

const DEFAULTS: Required<AlsOptions> = {
  factors: 100, regularization: 0.01, alpha: 1, confidence: 'one-plus-alpha', iterations: 15, solver: 'cg', cgSteps: 3, seed: 42,
  unobservedWeight: 1, regularizationExponent: 0, initStd: 0,
};

function checkOptions(o: Required<AlsOptions>): void {
  const int = (f: keyof AlsOptions, min: number) => {
    if (!(Number.isInteger(o[f]) && (o[f] as number) >= min)) throw new InvalidArgumentError(f, o[f], `an integer >= ${min}`);
  };
  int('factors', 1);
  int('iterations', 0);
  int('cgSteps', 1);
  int('seed', 0);
  if (!(o.regularization >= 0 && Number.isFinite(o.regularization))) throw new InvalidArgumentError('regularization', o.regularization, 'a finite number >= 0');
  if (!(o.alpha >= 0 && Number.isFinite(o.alpha))) throw new InvalidArgumentError('alpha', o.alpha, 'a finite number >= 0');
  if (!(o.unobservedWeight > 0 && Number.isFinite(o.unobservedWeight))) throw new InvalidArgumentError('unobservedWeight', o.unobservedWeight, 'a finite number > 0');
  if (!(o.regularizationExponent >= 0 && o.regularizationExponent <= 4)) throw new InvalidArgumentError('regularizationExponent', o.regularizationExponent, 'a number in [0, 4] (Rendle et al. use 0 to 1)');
  if (!(o.initStd >= 0 && Number.isFinite(o.initStd))) throw new InvalidArgumentError('initStd', o.initStd, 'a finite number >= 0 (0: implicit\'s uniform initialisation)');
  if (o.solver !== 'cg' && o.solver !== 'cholesky') throw new InvalidArgumentError('solver', o.solver, "'cg' or 'cholesky'");
  if (o.confidence !== 'one-plus-alpha' && o.confidence !== 'alpha') throw new InvalidArgumentError('confidence', o.confidence, "'one-plus-alpha' (c = 1 + alpha·w) or 'alpha' (c = alpha·w, implicit ≥ 0.5)");
}

/**
 * Implicit-feedback ALS.
 *
 * @example
 * ```ts
 * import { AlsRecommender } from 'recwise';
 * const als = await new AlsRecommender({ factors: 64, regularization: 0.05, iterations: 15 }).fit(interactions);
 * als.recommend('alice', { k: 10 });
 * als.recommend('newcomer', { userItems: ['matrix', 'alien'] }); // fold-in by an exact solve
 * als.explain('alice', 'blade-runner');                           // which of alice's items drove it
 * ```
 */
export class AlsRecommender extends FactorRecommender {
  readonly kind = 'als';
  readonly options: Required<AlsOptions>;
  private gramCache?: Float32Array;

  constructor(options: AlsOptions = {}) {
    super();
    this.options = withDefaults('AlsRecommender options', DEFAULTS, options);
    checkOptions(this.options);
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  /**
   * Confidence of weight w: sign(w)·(1 + alpha·|w|), so negative weights are dislikes (implicit's convention), or
   * alpha·w with `confidence: 'alpha'` (implicit ≥ 0.5 scales the matrix by alpha; the sign carries the dislike).
   */
  private confidence(w: number): number {
    const { alpha, confidence, unobservedWeight: a0 } = this.options;
    // divided by α₀: the system is solved divided by α₀ (module comment); at α₀ = 1 the division is exact
    if (confidence === 'alpha') return (alpha * w) / a0;
    return (w >= 0 ? 1 + alpha * w : -(1 + alpha * -w)) / a0;
  }

  /**
   * The regularisation of a row with `count` interactions when the other side has `others` rows, divided by α₀:
   * λ·(count + α₀·others)^ν / α₀ (ν = 0: λ/α₀ for every row).
   */
  private rowRegularization(count: number, others: number): number {
    const { regularization: l, regularizationExponent: nu, unobservedWeight: a0 } = this.options;
    return (nu === 0 ? l : l * (count + a0 * others) ** nu) / a0;
  }

  /** Whether the rows' regularisation differs by row (ν > 0): the Gram then holds none and each row adds its own. */
  private get scaledRows(): boolean {
    return this.options.regularizationExponent !== 0;
  }

  /** Gram of `other` (OᵀO + the shared regularisation) and the per-row terms of the rows of `byRow`, for alsSolve. */
  private system(other: DenseMatrix, byRow: Csr): { gram: Float32Array; rowRegularization?: Float32Array } {
    if (!this.scaledRows) return { gram: this.backend.gram(other, this.rowRegularization(0, 0)) };
    const rowRegularization = new Float32Array(byRow.rows);
    for (let r = 0; r < byRow.rows; r++) rowRegularization[r] = this.rowRegularization(byRow.indptr[r + 1] - byRow.indptr[r], other.rows);
    return { gram: this.backend.gram(other, 0), rowRegularization };
  }

  /** The initial factors: implicit's U[0, 0.01), or N(0, σ²/d) with `initStd` σ. */
  private initialFactors(rows: number, next: () => number): Float32Array {
    const { factors: d, initStd } = this.options;
    return initStd > 0 ? normalMatrix(rows, d, initStd / Math.sqrt(d), next) : uniformMatrix(rows, d, 0.01, next);
  }

  private confidenceCsr(csr: Csr): Csr {
    return { ...csr, data: csr.data.map((w) => this.confidence(w)) };
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    const { factors: d, iterations, solver, cgSteps, seed } = this.options;
    const b = this.backend;
    const next = mulberry32(seed);
    const X = b.matrix(AlsRecommender.zeroEmptyRows(this.initialFactors(data.nUsers, next), d, data.byUser.indptr), data.nUsers, d);
    const Y = b.matrix(AlsRecommender.zeroEmptyRows(this.initialFactors(data.nItems, next), d, data.itemUsers(b).indptr), data.nItems, d);
    const Cui = b.sparseMatrix(this.confidenceCsr(data.byUser));
    const Ciu = b.sparseMatrix(this.confidenceCsr(data.itemUsers(b)));
    try {
      for (let it = 0; it < iterations; it++) {
        checkAborted(options.signal, 'ALS fit');
        await b.alsSolve(X, Cui, Y, ...this.solveArgs(Y, data.byUser, solver, cgSteps));
        await b.alsSolve(Y, Ciu, X, ...this.solveArgs(X, data.itemUsers(b), solver, cgSteps));
        checkDiverged(b.allFinite(X) && b.allFinite(Y), 'als', it + 1, 'check the interaction weights and alpha (confidences 1 + alpha·w beyond ~1e18 overflow float32), and use regularization > 0.');
        options.onProgress?.({ phase: 'fit', done: it + 1, total: iterations });
        this.gramCache = undefined;
        await this.publishEpoch(data, options, { epoch: it + 1 }, X, Y);
        await yieldToEventLoop();
      }
      this.userFactors = X.toArray();
      this.itemFactors = Y.toArray();
    } finally {
      for (const m of [X, Y, Cui, Ciu]) m.dispose();
    }
    this.gramCache = undefined;
    this.invalidateResident();
  }

  /**
   * Zero the initial factors of rows without interactions (issue 15). Their system has b = 0, so Cholesky returns 0,
   * but CG starts from the initial factors and leaves them small and random, and after cosine normalisation such an
   * item looked "similar" to real ones. implicit zeroes them too. Every other row keeps the same random draw.
   */
  private static zeroEmptyRows(m: Float32Array, d: number, indptr: Int32Array): Float32Array {
    for (let r = 0; r + 1 < indptr.length; r++) if (indptr[r] === indptr[r + 1]) m.fill(0, r * d, (r + 1) * d);
    return m;
  }

  /** alsSolve's gram and options for solving the rows of `byRow` against `other`. */
  private solveArgs(other: DenseMatrix, byRow: Csr, solver: 'cg' | 'cholesky', cgSteps: number): [Float32Array, AlsSolveOptions] {
    const { gram, rowRegularization } = this.system(other, byRow);
    return [gram, rowRegularization ? { solver, cgSteps, rowRegularization } : { solver, cgSteps }];
  }

  /** YᵀY (+ λ/α₀ I when the regularisation is not frequency-scaled) of the item factors, cached until they change. */
  private itemGram(): Float32Array {
    if (!this.gramCache) {
      const m = this.backend.matrix(this.itemFactors, this.requireIndex().items.size, this.factorCount);
      this.gramCache = this.backend.gram(m, this.scaledRows ? 0 : this.rowRegularization(0, 0));
      m.dispose();
    }
    return this.gramCache;
  }

  /** The extra diagonal term of a fold-in row with `count` entries against `others` rows (0 unless ν > 0). */
  private foldInRegularization(count: number, others: number): number {
    return this.scaledRows ? this.rowRegularization(count, others) : 0;
  }

  /**
   * One-row confidence CSR from ids with optional weights, over `vocab` (a user's items or an item's users; unknown
   * ids ignored; repeated ids: weights summed).
   */
  private historyRow(entries: UserItems, vocab = this.requireIndex().items): Csr {
    const weights = new Map<number, number>();
    for (const entry of entries) {
      const id = typeof entry === 'object' && entry !== null ? entry.item : entry;
      const w = typeof entry === 'object' && entry !== null ? (entry.weight ?? 1) : 1;
      if (!Number.isFinite(w)) throw new InvalidArgumentError('userItems.weight', w, 'a finite number');
      const i = vocab.indexOf(id);
      if (i !== undefined) weights.set(i, (weights.get(i) ?? 0) + w);
    }
    const indices = Int32Array.from([...weights.keys()].sort((a, c) => a - c));
    const data = Float32Array.from(indices, (i) => this.confidence(weights.get(i)!));
    return { indptr: Int32Array.of(0, indices.length), indices, data, rows: 1, cols: vocab.size };
  }

  /** The exact least-squares factors of one confidence row against fixed `other` factors (Gram `gram` from itemGram/userGram). */
  private async solveRow(row: Csr, other: Float32Array, rows: number, gram: Float32Array): Promise<Float32Array> {
    const d = this.factorCount;
    const b = this.backend;
    const x = b.matrix(new Float32Array(d), 1, d);
    const y = b.matrix(other, rows, d);
    const c = b.sparseMatrix(row);
    const extra = this.foldInRegularization(row.indices.length, rows);
    try {
      await b.alsSolve(x, c, y, gram, extra ? { solver: 'cholesky', cgSteps: 1, rowRegularization: Float32Array.of(extra) } : { solver: 'cholesky', cgSteps: 1 });
      return x.toArray();
    } finally {
      for (const m of [x, y, c]) m.dispose();
    }
  }

  /**
   * Factors for a user from their items alone, by an exact least-squares solve against the trained item factors
   * (implicit's recalculate_user). The model is not changed.
   */
  async recalculateUser(items: UserItems): Promise<Float32Array> {
    return this.solveRow(this.historyRow(items), this.itemFactors, this.requireIndex().items.size, this.itemGram());
  }

  /**
   * Factors for an item from the users who interacted with it (ids, or `{ item: userId, weight }`), by an exact solve
   * against the trained user factors (implicit's recalculate_item, as `similar_items(…, react_users,
   * recalculate_item=True)` uses it). The model is not changed.
   *
   * @example
   * ```ts
   * const v = await als.recalculateItem(['alice', 'bob']);   // then e.g. als.knnIndexes.items.searchVector(v, 10)
   * ```
   */
  async recalculateItem(itemUsers: UserItems): Promise<Float32Array> {
    const { users } = this.requireIndex();
    return this.solveRow(this.historyRow(itemUsers, users), this.userFactors, users.size, this.userGram());
  }

  /** XᵀX (+ λ/α₀ I unless frequency-scaled) of the user factors. */
  private userGram(): Float32Array {
    const m = this.backend.matrix(this.userFactors, this.requireIndex().users.size, this.factorCount);
    try {
      return this.backend.gram(m, this.scaledRows ? 0 : this.rowRegularization(0, 0));
    } finally {
      m.dispose();
    }
  }

  /** Fold-in for recommend({ userItems }): the exact solve, synchronously (one user, d × d system). */
  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const d = this.factorCount;
    const conf = Float32Array.from(items, (_, j) => this.confidence(weights ? weights[j] : 1));
    const extra = this.foldInRegularization(items.length, this.requireIndex().items.size);
    const { A, b } = alsNormalEquations(Int32Array.of(0, items.length), items, conf, this.itemFactors, this.itemGram(), d, 0, extra);
    const x = choleskyFactor(A, d) ? Float32Array.from(choleskySolveFactored(A, b, d)) : new Float32Array(d);
    return this.scoreVector(x);
  }

  /**
   * Recompute (or add) the factors of these users from their items, keeping item factors fixed
   * (implicit's partial_fit_users). New user ids are added to the model; their items also become "seen".
   */
  async partialFitUsers(users: readonly Id[], userItems: readonly UserItems[]): Promise<void> {
    if (users.length !== userItems.length) throw new InvalidArgumentError('userItems', userItems.length, `one list per user (${users.length})`);
    const idx = this.requireIndex();
    const d = this.factorCount;
    const rows: { u: number; items: Int32Array; x: Float32Array }[] = [];
    for (let r = 0; r < users.length; r++) {
      const row = this.historyRow(userItems[r]);
      rows.push({ u: idx.users.add(users[r]), items: row.indices, x: await this.recalculateUser(userItems[r]) });
    }
    const grown = new Float32Array(idx.users.size * d);
    grown.set(this.userFactors.subarray(0, Math.min(this.userFactors.length, grown.length)));
    for (const r of rows) grown.set(r.x, r.u * d);
    this.userFactors = grown;
    this.replaceSeenRows(rows.map((r) => [r.u, r.items] as const));
  }

  /**
   * Recompute (or add) the factors of these items from the users who interacted with them, keeping user factors
   * fixed (implicit's partial_fit_items). Unknown user ids are ignored.
   */
  async partialFitItems(items: readonly Id[], itemUsers: readonly UserItems[]): Promise<void> {
    if (items.length !== itemUsers.length) throw new InvalidArgumentError('itemUsers', itemUsers.length, `one list per item (${items.length})`);
    const idx = this.requireIndex();
    const d = this.factorCount;
    const nUsers = idx.users.size;
    const xtx = this.userGram();
    const updates: { i: number; users: number[]; x: Float32Array }[] = [];
    for (let r = 0; r < items.length; r++) {
      const row = this.historyRow(itemUsers[r], idx.users);
      updates.push({ i: idx.items.add(items[r]), users: Array.from(row.indices), x: await this.solveRow(row, this.userFactors, nUsers, xtx) });
    }
    const grown = new Float32Array(idx.items.size * d);
    grown.set(this.itemFactors);
    for (const u of updates) grown.set(u.x, u.i * d);
    this.itemFactors = grown;
    this.gramCache = undefined;
    this.invalidateResident();
    // every (user, item) pair becomes seen
    const add = new Map<number, number[]>();
    for (const u of updates) for (const user of u.users) (add.get(user) ?? add.set(user, []).get(user)!).push(u.i);
    this.replaceSeenRows([...add].map(([user, its]) => {
      const old = idx.seen.indices.subarray(idx.seen.indptr[user], idx.seen.indptr[user + 1]);
      return [user, Int32Array.from(new Set([...old, ...its])).sort()] as const;
    }));
  }

  /** Rebuild the seen CSR with some rows replaced (rows may be new users; columns may have grown). */
  private replaceSeenRows(rows: readonly (readonly [number, Int32Array])[]): void {
    const idx = this.requireIndex();
    const replaced = new Map(rows);
    const nUsers = idx.users.size;
    const indptr = new Int32Array(nUsers + 1);
    const old = idx.seen;
    const lengthOf = (u: number) => replaced.get(u)?.length ?? (u < old.rows ? old.indptr[u + 1] - old.indptr[u] : 0);
    for (let u = 0; u < nUsers; u++) indptr[u + 1] = indptr[u] + lengthOf(u);
    const indices = new Int32Array(indptr[nUsers]);
    const data = new Float32Array(indptr[nUsers]);
    for (let u = 0; u < nUsers; u++) {
      const rep = replaced.get(u);
      if (rep) {
        indices.set(rep, indptr[u]);
        data.fill(1, indptr[u], indptr[u + 1]);
      } else if (u < old.rows) {
        indices.set(old.indices.subarray(old.indptr[u], old.indptr[u + 1]), indptr[u]);
        data.set(old.data.subarray(old.indptr[u], old.indptr[u + 1]), indptr[u]);
      }
    }
    this.restore({ users: idx.users, items: idx.items, seen: { indptr, indices, data, rows: nUsers, cols: idx.items.size } }, this.backend);
    this.invalidateResident();
  }

  /**
   * Why `item` is recommended to `user`: each history item's share of the score, s_uij = (y_iᵀ W_u) y_j · c_uj with
   * W_u = (YᵀC_uY + λI)⁻¹ (Hu et al. 2008, §5; implicit's explain). The shares sum to the score of the exact
   * least-squares user factors, which equals the model's score when the user factors are exact (Cholesky fit or
   * recalculated users).
   */
  explain(user: Id, item: Id, options: { k?: number; userItems?: UserItems } = {}): AlsExplanation {
    checkOptionKeys('explain options', options, optionKeys<typeof options>({ k: true, userItems: true }));
    const idx = this.requireIndex();
    const i = idx.items.indexOf(item);
    if (i === undefined) throw new UnknownItemError(item, 'item', idx.items);
    let row: Csr;
    if (options.userItems) row = this.historyRow(options.userItems);
    else {
      const u = idx.users.indexOf(user);
      if (u === undefined) throw new UnknownUserError(user, idx.users);
      const s = idx.seen;
      const indices = s.indices.slice(s.indptr[u], s.indptr[u + 1]);
      row = { indptr: Int32Array.of(0, indices.length), indices, data: s.data.slice(s.indptr[u], s.indptr[u + 1]).map((w) => this.confidence(w)), rows: 1, cols: idx.items.size };
    }
    const d = this.factorCount;
    const { A } = alsNormalEquations(row.indptr, row.indices, row.data, this.itemFactors, this.itemGram(), d, 0, this.foldInRegularization(row.indices.length, idx.items.size));
    if (!choleskyFactor(A, d)) throw new InvalidArgumentError('regularization', this.options.regularization, 'a value > 0 for explain()');
    const weighted = choleskySolveFactored(A, this.itemFactors.subarray(i * d, (i + 1) * d), d);
    let total = 0;
    const parts: { item: Id; score: number; index: number }[] = [];
    for (let e = 0; e < row.indices.length; e++) {
      const c = row.data[e];
      if (c < 0) continue;
      const j = row.indices[e];
      let s = 0;
      for (let f = 0; f < d; f++) s += weighted[f] * this.itemFactors[j * d + f];
      s *= c;
      total += s;
      parts.push({ item: idx.items.idAt(j), score: s, index: j });
    }
    parts.sort((a, b) => b.score - a.score || a.index - b.index);
    return { score: total, contributions: parts.slice(0, options.k ?? 10).map(({ item: it, score }) => ({ item: it, score })) };
  }

  /** Rebuild from a model file's state. */
  static fromState(state: ModelState, backend: Backend): AlsRecommender {
    const model = new AlsRecommender(state.params as AlsOptions);
    const cols = (state.shapes.itemFactors ?? [])[1] ?? model.options.factors;
    return model.adoptState(state, backend, cols);
  }

}

registerModelKind('als', (state, backend) => AlsRecommender.fromState(state, backend), {
  layout: (state) => {
    const cols = (state.shapes.itemFactors ?? [])[1] ?? new AlsRecommender(state.params as AlsOptions).options.factors;
    return factorLayout(state, cols, 'tensors.itemFactors.shape');
  },
  create: (params) => new AlsRecommender(params as AlsOptions),
});

