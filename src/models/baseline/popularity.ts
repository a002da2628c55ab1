/**
 * The popularity baseline: every user gets the same scores, score(u, i) = number of training users who interacted
 * with item i (the anchors' "popularity" row; with `weighted: true`, the sum of their weights instead). It is the
 * floor any personalised model must beat, and the smallest model that exercises the whole Recommender contract
 * (recommend, batch, filters, fold-in, save/load).
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { Backend } from '../../kernels/types.ts';
import type { FitOptions } from '../recommender.ts';
import { Recommender } from '../recommender.ts';
import { checkAborted } from '../progress.ts';
import { registerModelKind, type ModelState, type TensorArray } from '../registry.ts';
import { checkOptionKeys, optionKeys } from '../../options-check.ts';

/** Options of {@link PopularityRecommender}. */
export interface PopularityOptions {
  /** Score by the sum of interaction weights instead of the number of users (default false). */
  weighted?: boolean;
}

/**
 * Most-popular-items recommender.
 *
 * @example
 * ```ts
 * import { PopularityRecommender } from 'recwise';
 * const model = await new PopularityRecommender().fit(train);
 * model.recommend('alice', { k: 5 });                  // the 5 most popular items alice has not seen
 * model.recommend('newcomer', { userItems: ['dune'] }); // fold-in: the same ranking, minus the given items
 * ```
 */
export class PopularityRecommender extends Recommender {
  readonly kind = 'popularity';
  readonly options: Required<PopularityOptions>;
  /** Score of each item (index order). */
  private popularity: Float32Array = new Float32Array(0);

  constructor(options: PopularityOptions = {}) {
    super();
    checkOptionKeys('PopularityRecommender options', options, optionKeys<PopularityOptions>({ weighted: true }));
    if (options.weighted !== undefined && typeof options.weighted !== 'boolean') {
      throw new InvalidArgumentError('weighted', options.weighted, 'true or false');
    }
    this.options = { weighted: options.weighted ?? false };
  }

  get params(): Record<string, unknown> {
    return { ...this.options };
  }

  protected async fitIndexed(data: Interactions, options: FitOptions): Promise<void> {
    checkAborted(options.signal, 'popularity fit');
    const pop = new Float64Array(data.nItems);
    const { indices, data: weights } = data.byUser;
    // Interactions hold each (user, item) pair once, so counting entries counts users.
    if (this.options.weighted) for (let e = 0; e < indices.length; e++) pop[indices[e]] += weights[e];
    else for (let e = 0; e < indices.length; e++) pop[indices[e]]++;
    this.popularity = Float32Array.from(pop);
    options.onProgress?.({ phase: 'fit', done: 1, total: 1 });
  }

  /** The item scores, in item index order (a copy). */
  get itemScores(): Float32Array {
    this.requireIndex();
    return this.popularity.slice();
  }

  scoreUsers(users: Int32Array): Float32Array {
    const n = this.requireIndex().items.size;
    const out = new Float32Array(users.length * n);
    for (let r = 0; r < users.length; r++) out.set(this.popularity, r * n);
    return out;
  }

  /** Fold-in is trivial: a new user gets the global ranking (their items are filtered as seen). */
  override scoreHistory(): Float32Array {
    this.requireIndex();
    return this.popularity.slice();
  }

  protected exportTensors(): { tensors: Record<string, TensorArray>; shapes: Record<string, number[]> } {
    return { tensors: { popularity: this.popularity }, shapes: { popularity: [this.popularity.length] } };
  }

  /** Rebuild from a model file's state. */
  static fromState(state: ModelState, backend: Backend): PopularityRecommender {
    const model = new PopularityRecommender(state.params as PopularityOptions);
    const index = Recommender.indexFromState(state);
    const pop = state.tensors.popularity;
    if (!(pop instanceof Float32Array) || pop.length !== index.items.size) {
      throw new InvalidArgumentError('tensors.popularity', pop?.length, `a Float32Array of ${index.items.size} item scores`);
    }
    model.popularity = pop;
    model.restore(index, backend);
    return model;
  }
}

registerModelKind('popularity', (state, backend) => PopularityRecommender.fromState(state, backend), {
  layout: (state) => {
    new PopularityRecommender(state.params as PopularityOptions); // validates the params
    return { tensors: { popularity: { shape: [state.items.length], from: 'items' } } };
  },
  create: (params) => new PopularityRecommender(params as PopularityOptions),
});
