// Entry of the SIMD Wasm kernel module. One file per kernel family; each has a TS reference in src/kernels/reference.
export { scoreBlock } from './score';
export { topk, topkRows } from './topk';
export { csrFromCoo, csrDedupe, csrMaskRows } from './csr';
export { recommendBlock, recommendBlockClaim } from './recommend';
export { exactTopk } from './exact';
export { recommendPruned, recommendPrunedClaim } from './pruned';
export { gram, alsCgRows, alsCholeskyRows } from './als';
export { bprSamples, bprSamplesClaim, lmfRowsClaim } from './sgd';
export { lightfmEpoch, lightfmEpochClaim, lightfmRegularize } from './lightfm';
export { rankMetrics, rankMetricsScoredClaim } from './metrics';
export { allFinite } from './finite';
export { productTopkRows, productRecommendRows } from './knn';
export { hnswInsert, hnswSearch, hnswSearchRows } from './hnsw';
export { gruForward, gruBackward } from './gru';
export { gramRows, spdSweepPivot, spdSweepUpdate, spdSweepFinish, spdSymmetrize } from './spd';
export { nnGemm, nnActivate, nnActivateBackward, nnSoftmaxRows, nnEmbeddingBag, nnEmbeddingBagBackward } from './nn';

/** First byte the JS-side allocator may use (after the module's static data). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
