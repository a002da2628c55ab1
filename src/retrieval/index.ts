// Embedding indexes, kNN search and the retrieve → score → rerank pipeline (issue 8). Re-exports only.
export type { EmbeddingIndex, Metric, Neighbor, SearchOptions } from './types.ts';
export { ExactIndex } from './exact.ts';
export type { ExactOptions } from './exact.ts';
export { HnswIndex } from './hnsw.ts';
export type { HnswOptions, HnswParams, HnswTensors } from './hnsw.ts';
export { CachedIndex } from './cached.ts';
export { saveIndex, loadIndex, addIndexToState, indexFromState, HNSW_INDEX_KIND } from './io.ts';
export { KnnIndexes } from './knn.ts';
export type { KnnOptions, Embeddings } from './knn.ts';
export { SimilarityRecommender, InferenceRecommender, vectorLookup, cosine } from './recoder.ts';
export type { SimilarityOptions, HistoryRecommendOptions, VectorSource } from './recoder.ts';
export { createPipeline, candidates, knnCandidates, itemNeighborCandidates, popularCandidates, trainingHistory, modelScorer, mmr, businessRules, mergeCandidates } from './pipeline.ts';
export type { PipelineRequest, PipelineContext, PipelineOptions, PipelineResult, Proposal, Candidate, CandidateGenerator, Scorer, Reranker, StageStat } from './pipeline.ts';
