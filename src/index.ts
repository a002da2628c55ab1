/**
 * The root entry's public surface (`recwise`): backends, data, the core models (factorization, neighbourhood,
 * baselines), evaluation and model files. The neural stack, retrieval, serving, interop, WebGPU and the
 * reference kernels are their own entries (src/entry/*.ts, issue 18), so an app pays only for what it imports.
 * This file only re-exports; see the modules for documentation.
 */
export { init, ensureInit, shutdown, getBackend, registerBackend, registeredBackends } from './kernels/registry.ts';
export type { InitOptions, InitResult, BackendFactory } from './kernels/registry.ts';
export type { Backend, BackendName, DenseMatrix, SparseRows, Csr, CsrArrays, TopK, RowMask, DuplicatePolicy } from './kernels/types.ts';
export { detectCapabilities } from './runtime/capabilities.ts';
export type { Capabilities, RuntimeName } from './runtime/capabilities.ts';
export type { WasmSource } from './runtime/wasm-source.ts';
export { selfCheck } from './selfcheck.ts';
export type { SelfCheckReport } from './selfcheck.ts';
export {
  RecwiseError,
  InvalidArgumentError,
  UnknownOptionError,
  TrainingDivergedError,
  DimensionMismatchError,
  UnknownBackendError,
  BackendUnavailableError,
  WasmModuleMismatchError,
  AbortError,
  UnknownUserError,
  UnknownItemError,
  NotSupportedError,
  NotFittedError,
  NotPositiveDefiniteError,
  ModelFileError,
  IncompatibleModelFileError,
  DataFormatError,
  WebGpuUnavailableError,
} from './errors.ts';
export type { WebGpuUnavailableReason, KnownIds } from './errors.ts';
export type { AsyncReleasable } from './dispose.ts';

// Data
export { Vocabulary } from './data/vocabulary.ts';
export type { Id } from './data/vocabulary.ts';
export { Interactions } from './data/interactions.ts';
export { DatasetBuilder, buildFeatures } from './data/dataset.ts';
export type { DatasetBuilderOptions, InteractionRecord, InteractionColumns, UnknownIdPolicy, BuildStats, FeatureSpec, BuildFeaturesOptions, FeatureMatrix } from './data/dataset.ts';
export { murmur3_32, moduloBucket, murmurBucket, HashedVocabulary } from './data/hashing.ts';
export type { HashedVocabularyOptions } from './data/hashing.ts';
export { readInteractions, readRecords, describeDecisions } from './data/readers.ts';
export { readAttributes } from './data/attributes.ts';
export type { ReadAttributesOptions, AttributeTable } from './data/attributes.ts';
export type { InteractionSource, InteractionFormat, ColumnMapping, ReadOptions, ReadRecordsResult, ReadInteractionsOptions, ReadInteractionsResult, BadLine, ReadDecisions, TextEncodingName } from './data/readers.ts';
export { randomSplit, temporalSplit, leaveKOut, globalTemporalSplit, globalRandomSplit } from './data/splits.ts';
export type { Split, GlobalSplit, RandomSplitOptions, TemporalSplitOptions, LeaveKOutOptions, GlobalTemporalSplitOptions, GlobalRandomSplitOptions } from './data/splits.ts';

// Models
export { Recommender, FILTERED_SCORE } from './models/recommender.ts';
export type { Recommendation, RecommendOptions, RecommendBatchOptions, RankOptions, ColdStart, FitOptions, EpochReport } from './models/recommender.ts';
export type { SimilarOptions } from './models/similar.ts';
export type { Progress, LongRunOptions } from './models/progress.ts';
export { registerModelKind, registeredModelKinds, modelFactory } from './models/registry.ts';
export type { ModelLayout, ImpliedTensor, ImpliedCsr, LayoutOf, ModelConstructor } from './models/registry.ts';
export type { ModelState, TensorArray } from './models/registry.ts';
export { FactorRecommender } from './models/factorization/factor.ts';
export { AlsRecommender } from './models/factorization/als.ts';
export type { AlsOptions, AlsExplanation, UserItems } from './models/factorization/als.ts';
export { LightFmRecommender } from './models/factorization/lightfm.ts';
export type { LightFmOptions, LightFmFitOptions, LightFmEpoch, LightFmExplanation, FeatureInput, FeatureRecords, FeatureSource } from './models/factorization/lightfm.ts';
export type { HybridLoss, HybridParams, HybridTable, HybridSettings, HybridData, HybridStats } from './kernels/reference/lightfm.ts';
export type { HybridSession } from './kernels/types.ts';
export { BprRecommender } from './models/factorization/bpr.ts';
export type { BprOptions } from './models/factorization/bpr.ts';
export { LmfRecommender } from './models/factorization/lmf.ts';
export { PopularityRecommender } from './models/baseline/popularity.ts';
export type { PopularityOptions } from './models/baseline/popularity.ts';
export type { TrainingIndex } from './models/recommender.ts';

// Evaluation
export { evaluate, alignTestData } from './eval/evaluate.ts';
export type { EvaluateOptions, EvaluationData, EvaluationResult, AlignedTestData } from './eval/evaluate.ts';
export {
  METRIC_NAMES, METRIC_DEFINITIONS, metricDefinitions, precisionAtK, recallAtK, recallMinAtK, ndcgAtK, mapAtK, reciprocalRank, aucScore,
  implicitPrecision, implicitPrecisionMean, implicitAuc, lightfmPrecision, lightfmRecall, lightfmReciprocalRank, lightfmAuc,
} from './eval/metrics.ts';
export type { MetricName, UserMetricName, MetricDefinition, UserRankFacts } from './eval/metrics.ts';
export type { RankMetrics } from './kernels/types.ts';
export type { LmfOptions } from './models/factorization/lmf.ts';
export { ItemKnnRecommender } from './models/neighbourhood/itemknn.ts';
export type { ItemKnnOptions, ItemSimilarity } from './models/neighbourhood/itemknn.ts';
export { EaseRecommender, InaccurateInverseError, easeMemoryBytes } from './models/neighbourhood/ease.ts';
export type { EaseOptions } from './models/neighbourhood/ease.ts';
export { Rp3BetaRecommender } from './models/neighbourhood/rp3beta.ts';
export type { Rp3BetaOptions } from './models/neighbourhood/rp3beta.ts';
export { MemoryLimitError } from './errors.ts';
export { fitMemoryEstimate, maxFitInteractions, FIT_MEMORY_KINDS } from './models/fit-memory.ts';
export type { FitShape, FitMemoryEstimate } from './models/fit-memory.ts';

// Model files
export { saveModel, loadModel, readModelState, encodeModelState, decodeModelState, MODEL_FORMAT_VERSION, DEFAULT_LOAD_BUDGET } from './io/index.ts';
export type { SaveOptions, LoadOptions, ModelClass, ModelSource, EncodeOptions, DecodedModelState, ModelFileInfo } from './io/index.ts';

// Types the API above mentions (options, results, kernel parameters): exported so they can be named and documented
export type { WasmKernelAccess, SparseMatrix, AlsSolveOptions, BprEpochOptions, LmfEpochOptions } from './kernels/types.ts';
export type { HybridCsr } from './kernels/reference/lightfm.ts';
export type { ModelFactory } from './models/registry.ts';
export type { WasmHeap } from './kernels/wasm/memory.ts';
