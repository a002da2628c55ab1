/**
 * The scale bench's models (issue 23) with the anchors' hyperparameters (../shared/bench/anchors.md: 64 factors; ALS
 * reg 0.05, CG, confidence 1 + w; BPR lr 0.01, reg 0.01; item-kNN BM25 K = 100; LightFM WARP lr 0.05) and the
 * autoencoder with its defaults. Iterations per model are the bench's (s/iteration is what it compares).
 */
import { AlsRecommender, BprRecommender, ItemKnnRecommender, LightFmRecommender, type Recommender } from 'recwise';
import { AutoencoderRecommender } from 'recwise/nn';

export const SCALE_MODELS = ['als', 'bpr', 'itemknn-bm25', 'lightfm-warp', 'autoencoder'] as const;
export type ScaleModel = (typeof SCALE_MODELS)[number];

/**
 * Iterations (epochs) per model: enough for a stable s/iteration and a usable model, few enough that the Gowalla
 * shape's five models take a few minutes on 2 cores (item-kNN has one pass).
 */
export const SCALE_ITERATIONS: Record<ScaleModel, number> = { als: 15, bpr: 30, 'itemknn-bm25': 1, 'lightfm-warp': 5, autoencoder: 2 };

export function makeScaleModel(model: ScaleModel, iterations: number): Recommender {
  switch (model) {
    case 'als':
      return new AlsRecommender({ factors: 64, regularization: 0.05, alpha: 1, solver: 'cg', iterations });
    case 'bpr':
      return new BprRecommender({ factors: 64, learningRate: 0.01, regularization: 0.01, iterations });
    case 'itemknn-bm25':
      return new ItemKnnRecommender({ similarity: 'bm25', neighbors: 100, k1: 1.2, b: 0.75 });
    case 'lightfm-warp':
      return new LightFmRecommender({ loss: 'warp', factors: 64, learningRate: 0.05, epochs: iterations });
    case 'autoencoder':
      return new AutoencoderRecommender({ epochs: iterations });
  }
}
