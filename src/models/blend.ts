/**
 * A linear blend of several models' normalised scores, the ensemble practitioners ship (e.g. the Netflix Prize
 * blends, Koren 2009; Dacrema et al. 2019 note item models and matrix factorisation err differently): each member
 * scores the user, its scores are normalised per user over the candidate items (those the user has not seen), and the
 * blend's score is Σ_m w_m · normalised_m. Normalising first puts members on one scale, so a weight says how much a
 * member counts, whatever the raw range of its scores (EASE's are ~0.1, ALS's ~1, RP3beta's sum to the history size).
 *
 * The members are stored inside the blend's model file (one file of kind `blend`, each member's tensors under a
 * `m<i>.` prefix), and each member's layout is checked as if it were loaded on its own (issue 22).
 */
import { Recommender, type FitOptions } from './recommender.ts';
import { modelConstructor, modelFactory, modelLayout, registerModelKind, type ImpliedCsr, type ImpliedTensor, type ModelLayout, type ModelState, type TensorArray } from './registry.ts';
import { checkAborted } from './progress.ts';
import { withDefaults } from '../options-check.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Backend } from '../kernels/types.ts';
import { InvalidArgumentError } from '../errors.ts';

/** How each member's scores are put on one scale before weighting (per user, over the items the user has not seen). */
export type BlendNormalization = 'z-score' | 'min-max' | 'none';

/** A member as stored in params: its kind and hyperparameters. */
export interface BlendMemberSpec {
  readonly kind: string;
  readonly params: Record<string, unknown>;
}

/** Hyperparameters of {@link BlendRecommender}. */
export interface BlendOptions {
  /** The member models (at least one): model instances, or `{ kind, params }` as stored in model files. */
  members: readonly (Recommender | BlendMemberSpec)[];
  /** One finite weight per member (default: equal weights summing to 1). */
  weights?: readonly number[];
  /**
   * `'z-score'` (default): (s − mean) / standard deviation; `'min-max'`: (s − min) / (max − min); `'none'`: raw scores.
   * Statistics are per user over the candidate items, the ones the user has not seen (seen items are filtered from
   * recommendations anyway, and their large scores would dominate the range).
   */
  normalize?: BlendNormalization;
}

/** Most members a blend (and a blend's model file) may have. */
export const MAX_BLEND_MEMBERS = 8;

const NORMALIZATIONS: readonly BlendNormalization[] = ['z-score', 'min-max', 'none'];

function memberSpec(m: Recommender | BlendMemberSpec, r: number): BlendMemberSpec {
  if (m instanceof Recommender) return { kind: m.kind, params: m.params };
  if (m === null || typeof m !== 'object' || typeof m.kind !== 'string' || m.params === null || typeof m.params !== 'object' || Array.isArray(m.params)) {
    throw new InvalidArgumentError(`members[${r}]`, m, 'a Recommender or { kind, params }');
  }
  return { kind: m.kind, params: m.params };
}

/** The validated weights of `count` members. */
function checkWeights(weights: readonly number[] | undefined, count: number): number[] {
  if (weights === undefined) return Array.from({ length: count }, () => 1 / count);
  if (!Array.isArray(weights) || weights.length !== count || !weights.every((w) => typeof w === 'number' && Number.isFinite(w))) {
    throw new InvalidArgumentError('weights', weights, `${count} finite numbers, one per member`);
  }
  return weights.slice();
}

/**
 * Put a row of scores on the blend's scale, in place: statistics over the entries not in `seen` (sorted indices).
 * A row without spread (every candidate equal, or no candidate) becomes 0 under z-score and min-max.
 */
export function normalizeScores(row: Float32Array, seen: ArrayLike<number>, how: BlendNormalization): void {
  if (how === 'none') return;
  const skip = new Uint8Array(row.length);
  for (let j = 0; j < seen.length; j++) skip[seen[j]] = 1;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (skip[i]) continue;
    const v = row[i];
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let shift: number;
  let scale: number;
  if (how === 'z-score') {
    shift = count ? sum / count : 0;
    let sq = 0;
    for (let i = 0; i < row.length; i++) if (!skip[i]) sq += (row[i] - shift) ** 2;
    const sd = count ? Math.sqrt(sq / count) : 0;
    scale = sd > 0 ? 1 / sd : 0;
  } else {
    shift = count ? min : 0;
    scale = max > min ? 1 / (max - min) : 0;
  }
  for (let i = 0; i < row.length; i++) row[i] = (row[i] - shift) * scale;
}

/**
 * A weighted blend of fitted models' normalised scores (see the module comment). `fit` fits every member on the same
 * data; {@link BlendRecommender.of} blends members that are already fitted on the same data (as `tune` does when it
 * searches blend weights). Recommend, batch, rank, score, fold-in (when every member has it) and save/load work as for
 * any model; `similarItems` is not defined for a blend.
 *
 * @example
 * ```ts
 * import { EaseRecommender, AlsRecommender, saveModel } from 'recwise';
 * import { BlendRecommender } from 'recwise/tune';
 * const blend = await new BlendRecommender({
 *   members: [new EaseRecommender({ lambda: 300 }), new AlsRecommender({ factors: 128, regularization: 5 })],
 *   weights: [0.7, 0.3],                                  // normalize: 'z-score' (default)
 * }).fit(train);
 * blend.recommend('alice', { k: 10 });
 * await saveModel(blend, 'blend.recwise');               // one file, members inside
 * ```
 */
export class BlendRecommender extends Recommender {
  readonly kind = 'blend';
  readonly members: readonly Recommender[];
  readonly weights: readonly number[];
  readonly normalize: BlendNormalization;

  /** `options` may be left out only to name the class's kind (`loadModel(source, BlendRecommender)`); fit needs members. */
  constructor(options: BlendOptions = { members: [] }) {
    super();
    const o = withDefaults('BlendRecommender options', { members: [] as BlendOptions['members'], weights: undefined as BlendOptions['weights'], normalize: 'z-score' as BlendNormalization }, options);
    if (!Array.isArray(o.members) || o.members.length > MAX_BLEND_MEMBERS) {
      throw new InvalidArgumentError('members', o.members, `an array of 1 to ${MAX_BLEND_MEMBERS} models`);
    }
    if (!NORMALIZATIONS.includes(o.normalize)) throw new InvalidArgumentError('normalize', o.normalize, "'z-score', 'min-max' or 'none'");
    this.members = o.members.map((m, r) => {
      if (m instanceof Recommender) return m;
      const spec = memberSpec(m, r);
      if (spec.kind === 'blend') throw new InvalidArgumentError(`members[${r}].kind`, spec.kind, 'a model kind other than blend (blends do not nest)');
      const create = modelConstructor(spec.kind);
      if (!create) throw new InvalidArgumentError(`members[${r}].kind`, spec.kind, 'a registered model kind');
      return create(spec.params);
    });
    this.weights = checkWeights(o.weights, this.members.length);
    this.normalize = o.normalize;
  }

  /**
   * A blend of members already fitted on the same data (same user and item ids, in the same order): nothing is
   * refitted. `tune` uses it to search weights.
   *
   * @example
   * ```ts
   * const blend = BlendRecommender.of([ease, als], { weights: [0.6, 0.4] });
   * ```
   */
  static of(members: readonly Recommender[], options: Omit<BlendOptions, 'members'> = {}): BlendRecommender {
    const blend = new BlendRecommender({ ...options, members });
    blend.requireMembers();
    const first = members[0].trainingIndex;
    members.forEach((m, r) => {
      const idx = m.trainingIndex;
      const same = idx.users.size === first.users.size && idx.items.size === first.items.size &&
        idx.users.ids().every((id, i) => id === first.users.idAt(i)) && idx.items.ids().every((id, i) => id === first.items.idAt(i));
      if (!same) throw new InvalidArgumentError(`members[${r}]`, m.kind, 'models fitted on the same data as members[0] (same user and item ids)', 'fit every member on the same Interactions, or call blend.fit(data).');
    });
    blend.restore(first, members[0]['backend']);
    return blend;
  }

  get params(): Record<string, unknown> {
    return { members: this.members.map((m) => ({ kind: m.kind, params: m.params })), weights: this.weights.slice(), normalize: this.normalize };
  }

  private requireMembers(): void {
    if (this.members.length === 0) throw new InvalidArgumentError('members', this.members, `an array of 1 to ${MAX_BLEND_MEMBERS} models`, 'construct the blend with its members: new BlendRecommender({ members: [...] }).');
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    this.requireMembers();
    for (let r = 0; r < this.members.length; r++) {
      checkAborted(options.signal, 'blend fit');
      await this.members[r].fit(data, { signal: options.signal });
      options.onProgress?.({ phase: 'fit', done: r + 1, total: this.members.length });
    }
  }

  /** Σ_m w_m · normalised member scores, one row per user. */
  scoreUsers(users: Int32Array): Float32Array {
    const { seen, items } = this.requireIndex();
    const n = items.size;
    const out = new Float32Array(users.length * n);
    for (let m = 0; m < this.members.length; m++) {
      if (this.weights[m] === 0) continue;
      const rows = this.members[m].scoreUsers(users);
      for (let r = 0; r < users.length; r++) {
        const row = rows.subarray(r * n, (r + 1) * n);
        normalizeScores(row, seen.indices.subarray(seen.indptr[users[r]], seen.indptr[users[r] + 1]), this.normalize);
        addScaled(out, r * n, row, this.weights[m]);
      }
    }
    return out;
  }

  override scoreHistory(items: Int32Array, weights?: Float32Array): Float32Array {
    const out = new Float32Array(this.requireIndex().items.size);
    for (let m = 0; m < this.members.length; m++) {
      if (this.weights[m] === 0) continue;
      const row = this.members[m].scoreHistory(items, weights);
      normalizeScores(row, items, this.normalize);
      addScaled(out, 0, row, this.weights[m]);
    }
    return out;
  }

  protected override releaseBackendMemory(): void {
    for (const m of this.members) void m[Symbol.asyncDispose]();
  }

  /** Each member's tensors under `m<i>.`; the vocabularies and seen items are the blend's (shared by all members). */
  protected exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    const tensors: Record<string, TensorArray> = {};
    const shapes: Record<string, number[]> = {};
    this.members.forEach((m, r) => {
      const s = m.toState('inference');
      for (const [name, a] of Object.entries(s.tensors)) {
        tensors[`m${r}.${name}`] = a;
        shapes[`m${r}.${name}`] = s.shapes[name] ?? [a.length];
      }
    });
    return { tensors, shapes };
  }

  /** Rebuild from a model file's state: each member from its own part of the state, by its kind's factory. */
  static fromState(state: ModelState, backend: Backend): BlendRecommender {
    const specs = blendSpecs(state.params);
    const members = specs.map((spec, r) => modelFactory(spec.kind)(memberState(state, spec, r), backend));
    const blend = new BlendRecommender({ members, weights: state.params.weights as number[], normalize: state.params.normalize as BlendNormalization });
    blend.restore(BlendRecommender.indexFromState(state), backend);
    return blend;
  }
}

function addScaled(out: Float32Array, offset: number, row: Float32Array, w: number): void {
  for (let i = 0; i < row.length; i++) out[offset + i] += w * row[i];
}

/** The member specs of an (untrusted) blend state's params, checked as the constructor checks them. */
function blendSpecs(params: Record<string, unknown>): BlendMemberSpec[] {
  const members = params.members;
  if (!Array.isArray(members) || members.length < 1 || members.length > MAX_BLEND_MEMBERS) {
    throw new InvalidArgumentError('members', members, `an array of 1 to ${MAX_BLEND_MEMBERS} { kind, params }`);
  }
  return members.map((m, r) => {
    const spec = memberSpec(m as BlendMemberSpec, r);
    if (spec.kind === 'blend' || !modelLayout(spec.kind) || !modelConstructor(spec.kind)) {
      throw new InvalidArgumentError(`members[${r}].kind`, spec.kind, 'a registered model kind other than blend');
    }
    return spec;
  });
}

/** Member r's own state inside a blend's state: the shared vocabularies and seen items, its `m<r>.` tensors. */
function memberState(state: ModelState, spec: BlendMemberSpec, r: number): ModelState {
  const prefix = `m${r}.`;
  const tensors: Record<string, TensorArray> = {};
  const shapes: Record<string, number[]> = {};
  for (const [name, a] of Object.entries(state.tensors)) {
    if (!name.startsWith(prefix)) continue;
    tensors[name.slice(prefix.length)] = a;
    if (state.shapes[name]) shapes[name.slice(prefix.length)] = state.shapes[name];
  }
  return { kind: spec.kind, params: spec.params, users: state.users, items: state.items, seen: state.seen, tensors, shapes };
}

/**
 * Largest |score| a factor-model member could give: the product of its largest user and item row norms
 * (Cauchy–Schwarz), as src/io checks top-level factor models; 0 for members without factor tables.
 */
function factorBound(state: ModelState): number {
  const { userFactors: uf, itemFactors: itf } = state.tensors;
  const cols = state.shapes.itemFactors?.[1];
  if (!(uf instanceof Float32Array) || !(itf instanceof Float32Array) || !(cols! > 0)) return 0;
  const maxNorm = (a: Float32Array) => {
    let max = 0;
    for (let r = 0; r * cols! < a.length; r++) {
      let s = 0;
      for (let j = r * cols!; j < Math.min(a.length, (r + 1) * cols!); j++) s += a[j] * a[j];
      if (!(s <= max)) max = s;
    }
    return Math.sqrt(max);
  };
  return maxNorm(uf) * maxNorm(itf);
}

/**
 * The layout of a blend file: every member's own layout (its tensors, CSRs and derived allocations under its
 * prefix), and a score bound over the members, so a member that would overflow float32 scores refuses the file.
 */
function blendLayout(state: ModelState): ModelLayout {
  const specs = blendSpecs(state.params);
  checkWeights(state.params.weights as number[] | undefined, specs.length);
  if (!NORMALIZATIONS.includes(state.params.normalize as BlendNormalization)) throw new InvalidArgumentError('normalize', state.params.normalize, "'z-score', 'min-max' or 'none'");
  const tensors: Record<string, ImpliedTensor> = {};
  const csr: ImpliedCsr[] = [];
  const derived: { elements: number; from: string }[] = [];
  const bounds: (() => { bound: number; from: string })[] = [];
  const own = new Set<string>();
  specs.forEach((spec, r) => {
    const prefix = `m${r}.`;
    const sub = memberState(state, spec, r);
    for (const name of Object.keys(sub.tensors)) own.add(prefix + name);
    const layout = modelLayout(spec.kind)!(sub);
    for (const [name, t] of Object.entries(layout.tensors)) tensors[prefix + name] = { ...t, from: `params.members[${r}] (${t.from})` };
    for (const c of layout.csr ?? []) csr.push({ ...c, indptr: prefix + c.indptr, indices: prefix + c.indices, data: c.data && prefix + c.data });
    for (const d of layout.derived ?? []) derived.push({ elements: d.elements, from: `params.members[${r}] (${d.from})` });
    if (layout.scoreBound) bounds.push(() => { const b = layout.scoreBound!(); return { bound: b.bound, from: prefix + b.from }; });
    bounds.push(() => ({ bound: factorBound(sub), from: `${prefix}tensors.userFactors/itemFactors` }));
  });
  const stray = Object.keys(state.tensors).find((name) => !own.has(name));
  if (stray !== undefined) throw new InvalidArgumentError('tensors', stray, `tensors named m<member>.<name> for members 0–${specs.length - 1}`);
  return {
    tensors, csr, derived,
    scoreBound: () => bounds.map((b) => b()).reduce((a, b) => (b.bound > a.bound || Number.isNaN(b.bound) ? b : a), { bound: 0, from: 'tensors' }),
  };
}

registerModelKind('blend', (state, backend) => BlendRecommender.fromState(state, backend), {
  layout: blendLayout,
  create: (params) => new BlendRecommender({ ...params, members: blendSpecs(params) } as BlendOptions),
});
