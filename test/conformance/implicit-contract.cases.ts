// The common Recommender contract (recommender-contract.ts) for the implicit family's factor models, on the
// checkerboard fixture: two taste groups, each user missing one item of their own group, which must come first.
import { AlsRecommender, BprRecommender, LmfRecommender } from 'recwise';
import { describeRecommender } from './recommender-contract.ts';
import { checkerboard } from './fixtures.ts';

const top1 = Array.from({ length: 20 }, (_, u) => [`u${u}`, `i${(u < 10 ? 0 : 10) + (u % 10)}`] as const);

describeRecommender('als', {
  makeModel: () => new AlsRecommender({ factors: 4, regularization: 0.1, iterations: 10, alpha: 10 }),
  fixture: checkerboard,
  top1,
  foldIn: 'supported',
  scoreTolerance: 0,
});

describeRecommender('bpr', {
  makeModel: () => new BprRecommender({ factors: 8, learningRate: 0.05, iterations: 300 }),
  fixture: checkerboard,
  top1,
  foldIn: 'supported',
});

describeRecommender('lmf', {
  makeModel: () => new LmfRecommender({ factors: 8, iterations: 30 }),
  fixture: checkerboard,
  top1,
  foldIn: 'supported',
});
