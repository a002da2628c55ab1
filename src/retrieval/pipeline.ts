/**
 * The retrieve → score → rerank pipeline (issue 8): candidate generators (kNN on the user embedding, item-item
 * neighbours of recent items, popularity for cold users, any async function) → merge and de-duplicate → drop seen
 * (and request-excluded) items → score (any model) → rerankers (maximal marginal relevance, business rules) → top k.
 * Every stage is a small typed function; the result reports how many candidates each stage kept.
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import type { Id } from '../data/vocabulary.ts';
import { AbortError, InvalidArgumentError } from '../errors.ts';
import type { Recommender } from '../models/recommender.ts';
import { cosine, vectorLookup, type VectorSource } from './recoder.ts';
import type { EmbeddingIndex } from './types.ts';

/** What one pipeline run is for. */
export interface PipelineRequest {
  /** The user's id (a model's known user, or any id your generators understand). */
  readonly user?: Id;
  /** The user's items, oldest first (default: the pipeline's `history` option for the user, else none). */
  readonly history?: readonly Id[];
  /** How many items to return (default: the pipeline's k, 10). */
  readonly k?: number;
  /** Drop the history's items (default true). */
  readonly filterSeen?: boolean;
  /** Never return these items. Exclusive with `include`. */
  readonly exclude?: readonly Id[];
  /** Return only these items. Exclusive with `exclude`. */
  readonly include?: readonly Id[];
  readonly signal?: AbortSignal;
}

const RUN_KEYS = optionKeys<PipelineRequest>({ user: true, history: true, k: true, filterSeen: true, exclude: true, include: true, signal: true });

/** A request as stages see it: history resolved, k fixed. */
export interface PipelineContext {
  readonly user?: Id;
  readonly history: readonly Id[];
  readonly k: number;
  readonly signal?: AbortSignal;
}

/** A generator's proposal. */
export interface Proposal {
  readonly item: Id;
  readonly score: number;
}

/** A candidate after merging: its best source score and every generator that proposed it. */
export interface Candidate {
  readonly item: Id;
  /** Best source score before scoring; the scorer's score after. */
  score: number;
  /** Generator names that proposed the item, in generator order. */
  readonly sources: string[];
  /** Each proposing generator's score. */
  readonly sourceScores: Record<string, number>;
}

/** A candidate generator: a name (reported in stats and sources) and an async function. */
export interface CandidateGenerator {
  readonly name: string;
  generate(context: PipelineContext): readonly Proposal[] | Promise<readonly Proposal[]>;
}

/** Scores for candidates (same order); non-finite scores drop the candidate. */
export type Scorer = (context: PipelineContext, items: readonly Id[]) => readonly number[] | Promise<readonly number[]>;

/** A reranker: reorders and/or drops candidates (already sorted best first). */
export interface Reranker {
  readonly name: string;
  rerank(context: PipelineContext, ranked: readonly Candidate[]): readonly Candidate[] | Promise<readonly Candidate[]>;
}

/** Candidates kept by one stage. */
export interface StageStat {
  readonly stage: string;
  readonly kept: number;
}

export interface PipelineResult {
  readonly items: readonly Candidate[];
  /** One entry per stage in order: each generator (its own count), 'dedupe', 'filter', 'score', each reranker, 'top-k'. */
  readonly stats: readonly StageStat[];
}

/** Options of {@link createPipeline}. */
export interface PipelineOptions {
  generators: readonly CandidateGenerator[];
  /** Scores candidates (default: keep the best source score). See {@link modelScorer}. */
  scorer?: Scorer;
  rerankers?: readonly Reranker[];
  /** Default k (10). */
  k?: number;
  /** The history of a request that gives none (e.g. {@link trainingHistory}). */
  history?: (user: Id | undefined) => readonly Id[] | Promise<readonly Id[]>;
}

const checkK = (k: unknown, field = 'k') => {
  if (!(Number.isInteger(k) && (k as number) >= 0)) throw new InvalidArgumentError(field, k, 'an integer >= 0');
  return k as number;
};
const checkName = (name: unknown) => {
  if (typeof name !== 'string' || !name) throw new InvalidArgumentError('name', name, 'a non-empty string');
  return name;
};

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('pipeline');
}

/** Merge proposals: one candidate per item, best source score, sources in generator order; first-seen order kept. */
export function mergeCandidates(lists: readonly { name: string; proposals: readonly Proposal[] }[]): Candidate[] {
  const at = new Map<Id, Candidate>();
  for (const { name, proposals } of lists) {
    for (const p of proposals) {
      const c = at.get(p.item);
      if (!c) at.set(p.item, { item: p.item, score: p.score, sources: [name], sourceScores: { [name]: p.score } });
      else {
        if (!c.sources.includes(name)) c.sources.push(name);
        c.sourceScores[name] = Math.max(c.sourceScores[name] ?? -Infinity, p.score);
        if (p.score > c.score) c.score = p.score;
      }
    }
  }
  return [...at.values()];
}

/** Sort best first, stable (ties keep merge order). */
function ranked(cands: Candidate[]): Candidate[] {
  return cands.map((c, i) => ({ c, i })).sort((a, b) => b.c.score - a.c.score || a.i - b.i).map((x) => x.c);
}

/**
 * Build a pipeline: generators → dedupe → filter (seen, request include/exclude) → score → rerankers → top k.
 *
 * @example
 * ```ts
 * await als.initKnn({ approximate: true, simType: 'inner-product' });
 * const items = als.knnIndexes!.items;
 * const pipeline = createPipeline({
 *   generators: [
 *     knnCandidates({ index: items, k: 200, vector: (c) => (c.user !== undefined && als.userIds.includes(c.user) ? als.getUserEmbedding(c.user) : undefined) }),
 *     itemNeighborCandidates({ index: items, recent: 5, perItem: 20 }),
 *     popularCandidates({ model: popularity, k: 100 }),
 *   ],
 *   scorer: modelScorer(als),
 *   rerankers: [businessRules({ category: (i) => genre[i], maxPerCategory: 3 }), mmr({ vectors: items, lambda: 0.7 })],
 *   history: trainingHistory(als),
 * });
 * const { items: top, stats } = await pipeline.run({ user: 'alice', k: 10 });
 * // stats: [{ stage: 'knn', kept: 200 }, { stage: 'item-item', kept: 100 }, …, { stage: 'top-k', kept: 10 }]
 * ```
 */
export function createPipeline(options: PipelineOptions): { run(request: PipelineRequest): Promise<PipelineResult> } {
  checkOptionKeys('createPipeline options', options, optionKeys<PipelineOptions>({ generators: true, scorer: true, rerankers: true, k: true, history: true }));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object with generators');
  const { generators, scorer, rerankers = [] } = options;
  if (!Array.isArray(generators) || !generators.length) throw new InvalidArgumentError('generators', generators, 'a non-empty array of candidate generators', 'add e.g. knnCandidates(...) or popularCandidates(...).');
  const names = new Set<string>();
  for (const g of generators) {
    if (!g || typeof g.generate !== 'function') throw new InvalidArgumentError('generators', g, 'objects { name, generate(context) }', 'wrap a function with candidates(name, fn).');
    if (names.has(checkName(g.name))) throw new InvalidArgumentError('generators.name', g.name, 'unique generator names', 'give each generator its own name.');
    names.add(g.name);
  }
  if (scorer !== undefined && typeof scorer !== 'function') throw new InvalidArgumentError('scorer', scorer, 'a function (context, items) => scores', 'use modelScorer(model).');
  if (!Array.isArray(rerankers)) throw new InvalidArgumentError('rerankers', rerankers, 'an array of rerankers');
  for (const r of rerankers) if (!r || typeof r.rerank !== 'function') throw new InvalidArgumentError('rerankers', r, 'objects { name, rerank(context, ranked) }');
  const defaultK = checkK(options.k ?? 10);

  return {
    async run(request: PipelineRequest): Promise<PipelineResult> {
      if (request === null || typeof request !== 'object') throw new InvalidArgumentError('request', request, 'an object such as { user: "alice", k: 10 }');
      checkOptionKeys('pipeline.run request', request, RUN_KEYS);
      const k = checkK(request.k ?? defaultK);
      if (request.include && request.exclude) throw new InvalidArgumentError('include', request.include, 'include or exclude, not both', 'pass only include or only exclude.');
      for (const f of ['include', 'exclude', 'history'] as const) {
        if (request[f] !== undefined && !Array.isArray(request[f])) throw new InvalidArgumentError(f, request[f], 'an array of item ids');
      }
      const { signal } = request;
      aborted(signal);
      const history = request.history ?? (options.history ? await options.history(request.user) : []);
      const context: PipelineContext = { user: request.user, history, k, signal };
      const stats: StageStat[] = [];

      const lists = await Promise.all(generators.map(async (g) => ({ name: g.name, proposals: await g.generate(context) })));
      for (const l of lists) {
        if (!Array.isArray(l.proposals)) throw new InvalidArgumentError(`generator ${l.name}`, l.proposals, 'an array of { item, score }');
        stats.push({ stage: l.name, kept: l.proposals.length });
      }
      aborted(signal);
      let cands = mergeCandidates(lists);
      stats.push({ stage: 'dedupe', kept: cands.length });

      const seen = request.filterSeen ?? true ? new Set(history) : new Set<Id>();
      const exclude = new Set(request.exclude ?? []);
      const include = request.include ? new Set(request.include) : undefined;
      cands = cands.filter((c) => !seen.has(c.item) && !exclude.has(c.item) && (!include || include.has(c.item)));
      stats.push({ stage: 'filter', kept: cands.length });

      if (scorer) {
        const scores = await scorer(context, cands.map((c) => c.item));
        if (!scores || scores.length !== cands.length) throw new InvalidArgumentError('scorer result', scores?.length, `${cands.length} scores (one per candidate)`);
        cands.forEach((c, i) => (c.score = scores[i]));
        cands = cands.filter((c) => Number.isFinite(c.score));
      }
      stats.push({ stage: 'score', kept: cands.length });
      let list: readonly Candidate[] = ranked(cands);

      for (const r of rerankers) {
        aborted(signal);
        list = await r.rerank(context, list);
        stats.push({ stage: r.name, kept: list.length });
      }
      list = list.slice(0, k);
      stats.push({ stage: 'top-k', kept: list.length });
      return { items: list, stats };
    },
  };
}

// ── Generators ──

/**
 * Wrap any (async) function as a generator.
 *
 * @example
 * ```ts
 * candidates('trending', async () => (await fetchTrending()).map((item, r) => ({ item, score: 1 / (r + 1) })));
 * ```
 */
export function candidates(name: string, generate: (context: PipelineContext) => readonly Proposal[] | Promise<readonly Proposal[]>): CandidateGenerator {
  checkName(name);
  if (typeof generate !== 'function') throw new InvalidArgumentError('generate', generate, 'a function (context) => [{ item, score }]');
  return { name, generate };
}

/**
 * kNN on the user's embedding: the `k` stored items nearest to `vector(context)` in `index` (none when the vector
 * is undefined, e.g. an unknown user). Score: the index's similarity.
 *
 * @example
 * ```ts
 * knnCandidates({ index: model.knnIndexes!.items, k: 200, vector: (c) => model.getUserEmbedding(c.user!) });
 * ```
 */
export function knnCandidates(options: { index: EmbeddingIndex; vector: (context: PipelineContext) => ArrayLike<number> | undefined; k?: number; ef?: number; name?: string }): CandidateGenerator {
  checkOptionKeys('knnCandidates options', options, optionKeys<Parameters<typeof knnCandidates>[0]>({ index: true, vector: true, k: true, ef: true, name: true }));
  const { index, vector } = options ?? ({} as typeof options);
  if (!index || typeof index.searchVector !== 'function') throw new InvalidArgumentError('index', index, 'an EmbeddingIndex');
  if (typeof vector !== 'function') throw new InvalidArgumentError('vector', vector, 'a function (context) => the user vector or undefined');
  const k = checkK(options.k ?? 100);
  return candidates(options.name ?? 'knn', (c) => {
    const v = vector(c);
    return v ? index.searchVector(v, k, options.ef ? { ef: options.ef } : {}).map((n) => ({ item: n.id, score: n.score })) : [];
  });
}

/**
 * Item-item neighbours of the user's `recent` latest history items (default 5), `perItem` each (default 20), from
 * an index (its `search`) or any `similar(item, k)` (e.g. `(i, k) => model.similarItems(i, { k })`). Score: the
 * best similarity to any of those items. Items unknown to the source are skipped.
 */
export function itemNeighborCandidates(options: {
  index?: EmbeddingIndex;
  similar?: (item: Id, k: number) => readonly { item?: Id; id?: Id; score: number }[];
  recent?: number;
  perItem?: number;
  name?: string;
}): CandidateGenerator {
  checkOptionKeys('itemNeighborCandidates options', options, optionKeys<Parameters<typeof itemNeighborCandidates>[0]>({ index: true, similar: true, recent: true, perItem: true, name: true }));
  const { index, similar } = options ?? {};
  if (!index === !similar) throw new InvalidArgumentError('index', index, 'exactly one of index or similar');
  const recent = checkK(options.recent ?? 5, 'recent');
  const perItem = checkK(options.perItem ?? 20, 'perItem');
  return candidates(options.name ?? 'item-item', (c) => {
    const out: Proposal[] = [];
    for (const j of c.history.slice(-recent || c.history.length).reverse()) {
      if (index) {
        if (index.has(j)) for (const n of index.search(j, perItem)) out.push({ item: n.id, score: n.score });
      } else {
        let list: readonly { item?: Id; id?: Id; score: number }[];
        try {
          list = similar!(j, perItem + 1);
        } catch (e) {
          if ((e as { code?: string }).code === 'UNKNOWN_ITEM') continue;
          throw e;
        }
        for (const n of list) {
          const id = (n.item ?? n.id) as Id;
          if (id !== j) out.push({ item: id, score: n.score });
        }
      }
    }
    // one proposal per item: its best similarity
    return mergeCandidates([{ name: '', proposals: out }]).map((m) => ({ item: m.item, score: m.score }));
  });
}

/**
 * The most popular items, for cold users (no history, by default) or always. `model` is a fitted
 * PopularityRecommender (or any object with `itemScores` and `itemIds`), or give `items` already ranked.
 */
export function popularCandidates(options: { model?: { itemScores: Float32Array; itemIds: Id[] }; items?: readonly Proposal[]; k?: number; when?: 'cold' | 'always'; name?: string }): CandidateGenerator {
  checkOptionKeys('popularCandidates options', options, optionKeys<Parameters<typeof popularCandidates>[0]>({ model: true, items: true, k: true, when: true, name: true }));
  const when = options?.when ?? 'cold';
  if (when !== 'cold' && when !== 'always') throw new InvalidArgumentError('when', when, "'cold' or 'always'");
  const k = checkK(options.k ?? 100);
  let top: Proposal[] | undefined = options.items ? [...options.items] : undefined;
  if (!top && !options.model) throw new InvalidArgumentError('model', options.model, 'a fitted PopularityRecommender, or `items`');
  return candidates(options.name ?? 'popular', (c) => {
    if (when === 'cold' && c.history.length) return [];
    if (!top) {
      const s = options.model!.itemScores, ids = options.model!.itemIds;
      top = ids.map((item, i) => ({ item, score: s[i], i })).sort((a, b) => b.score - a.score || a.i - b.i).map(({ item, score }) => ({ item, score }));
    }
    return top.slice(0, k);
  });
}

// ── History and scoring from a model ──

/** A known user's training items (none for unknown users), for {@link PipelineOptions.history}. */
export function trainingHistory(model: Recommender): (user: Id | undefined) => Id[] {
  return (user) => {
    const idx = model.trainingIndex;
    const u = user === undefined ? undefined : idx.users.indexOf(user);
    if (u === undefined) return [];
    return Array.from(idx.seen.indices.subarray(idx.seen.indptr[u], idx.seen.indptr[u + 1]), (i) => idx.items.idAt(i));
  };
}

/**
 * A model as the scorer: `model.score(user, items)` for a known user without an explicit history, otherwise the
 * model's fold-in scores for the history (`scoreHistory`). Items the model does not know score −∞ (dropped).
 */
export function modelScorer(model: Recommender): Scorer {
  if (!model || typeof model.scoreHistory !== 'function') throw new InvalidArgumentError('model', model, 'a fitted Recommender');
  return (context, items) => {
    const idx = model.trainingIndex;
    const u = context.user === undefined ? undefined : idx.users.indexOf(context.user);
    let row: Float32Array;
    if (u !== undefined) row = model.scoreUsers(Int32Array.of(u));
    else {
      const rows = Int32Array.from(new Set(context.history.map((id) => idx.items.indexOf(id)).filter((i): i is number => i !== undefined))).sort();
      row = model.scoreHistory(rows);
    }
    return items.map((id) => {
      const i = idx.items.indexOf(id);
      return i === undefined ? -Infinity : row[i];
    });
  };
}

// ── Rerankers ──

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998, "The use of MMR, diversity-based reranking for
 * reordering documents and producing summaries", SIGIR '98): pick greedily
 * argmax_{i∉S} λ·rel(i) − (1−λ)·max_{j∈S} sim(i, j), with sim the cosine of item embeddings (0 for items without a
 * vector) and rel the score min-max scaled to [0, 1] over the list (`normalize`, default true, so λ trades
 * comparable quantities). λ = 1 keeps the scorer's order; smaller λ diversifies. Selects `k` (default the request's k).
 *
 * @example
 * ```ts
 * mmr({ vectors: model.itemEmbeddings(), lambda: 0.7 });
 * ```
 */
export function mmr(options: { vectors: VectorSource; lambda?: number; k?: number; normalize?: boolean; name?: string }): Reranker {
  checkOptionKeys('mmr options', options, optionKeys<Parameters<typeof mmr>[0]>({ vectors: true, lambda: true, k: true, normalize: true, name: true }));
  const lambda = options?.lambda ?? 0.7;
  if (!(lambda >= 0 && lambda <= 1)) throw new InvalidArgumentError('lambda', lambda, 'a number in [0, 1]', 'use 1 for pure relevance, lower for more diversity.');
  const lookup = vectorLookup(options.vectors, 'vectors');
  const fixedK = options.k === undefined ? undefined : checkK(options.k);
  return {
    name: options.name ?? 'mmr',
    rerank(context, list) {
      const n = Math.min(fixedK ?? context.k, list.length);
      if (!list.length) return [];
      let lo = Infinity, hi = -Infinity;
      for (const c of list) {
        lo = Math.min(lo, c.score);
        hi = Math.max(hi, c.score);
      }
      const rel = list.map((c) => (options.normalize ?? true ? (hi > lo ? (c.score - lo) / (hi - lo) : 1) : c.score));
      const vecs = list.map((c) => lookup(c.item));
      const maxSim = new Float64Array(list.length).fill(-Infinity);
      const taken = new Uint8Array(list.length);
      const out: Candidate[] = [];
      while (out.length < n) {
        let best = -1, bestValue = -Infinity;
        for (let i = 0; i < list.length; i++) {
          if (taken[i]) continue;
          const v = out.length ? lambda * rel[i] - (1 - lambda) * maxSim[i] : rel[i];
          if (v > bestValue) {
            bestValue = v;
            best = i;
          }
        }
        taken[best] = 1;
        out.push(list[best]);
        const b = vecs[best];
        for (let i = 0; i < list.length; i++) {
          if (taken[i]) continue;
          const s = b && vecs[i] ? cosine(b, vecs[i]!) : 0;
          if (s > maxSim[i]) maxSim[i] = s;
        }
      }
      return out;
    },
  };
}

/**
 * Business rules: drop `exclude`d items, keep only `include`d ones (if given), and cap items per category
 * (`maxPerCategory`: one cap for all, or per category with `default` for the rest), walking the list best first.
 * Items whose `category` is undefined are not capped.
 *
 * @example
 * ```ts
 * businessRules({ exclude: outOfStock, category: (item) => genreOf[item], maxPerCategory: { Horror: 1, default: 3 } });
 * ```
 */
export function businessRules(options: {
  include?: readonly Id[];
  exclude?: readonly Id[];
  category?: (item: Id) => string | undefined;
  maxPerCategory?: number | Readonly<Record<string, number>>;
  name?: string;
}): Reranker {
  checkOptionKeys('businessRules options', options, optionKeys<Parameters<typeof businessRules>[0]>({ include: true, exclude: true, category: true, maxPerCategory: true, name: true }));
  const o = options ?? {};
  if (o.include && o.exclude) throw new InvalidArgumentError('include', o.include, 'include or exclude, not both');
  const caps = o.maxPerCategory;
  if (caps !== undefined) {
    if (typeof o.category !== 'function') throw new InvalidArgumentError('category', o.category, 'a function item => category', 'maxPerCategory needs a category function.');
    for (const v of typeof caps === 'number' ? [caps] : Object.values(caps)) checkK(v, 'maxPerCategory');
  }
  const include = o.include ? new Set(o.include) : undefined;
  const exclude = new Set(o.exclude ?? []);
  const capOf = (cat: string) => (typeof caps === 'number' ? caps : caps?.[cat] ?? caps?.default ?? Infinity);
  return {
    name: o.name ?? 'rules',
    rerank(_context, list) {
      const used = new Map<string, number>();
      return list.filter((c) => {
        if (exclude.has(c.item) || (include && !include.has(c.item))) return false;
        if (caps === undefined) return true;
        const cat = o.category!(c.item);
        if (cat === undefined) return true;
        const n = used.get(cat) ?? 0;
        if (n >= capOf(cat)) return false;
        used.set(cat, n + 1);
        return true;
      });
    },
  };
}
