/**
 * recwise: recommender models, evaluation and serving for every JavaScript runtime.
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
export { demoDataset, DEMO_GENRES } from './data/demo.ts';
export type { DemoDataset, DemoItem, DemoRecord, DemoOptions } from './data/demo.ts';
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
export { FactorRecommender } from './models/factor.ts';
export { AlsRecommender } from './models/als.ts';
export type { AlsOptions, AlsExplanation, UserItems } from './models/als.ts';
export { LightFmRecommender } from './models/lightfm.ts';
export type { LightFmOptions, LightFmFitOptions, LightFmEpoch, LightFmExplanation, FeatureInput, FeatureRecords, FeatureSource } from './models/lightfm.ts';
export type { HybridLoss, HybridParams, HybridTable, HybridSettings, HybridData, HybridStats } from './kernels/reference/lightfm.ts';
export type { HybridSession } from './kernels/types.ts';
export { hybridEpochRef, exampleGradients, exampleLoss, updateElement, xorshift32, predictFromRepr } from './kernels/reference/lightfm.ts';
export type { HybridTrace, HybridScales } from './kernels/reference/lightfm.ts';
export { BprRecommender } from './models/bpr.ts';
export type { BprOptions } from './models/bpr.ts';
export { LmfRecommender } from './models/lmf.ts';
export { PopularityRecommender } from './models/popularity.ts';
export type { PopularityOptions } from './models/popularity.ts';
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
export { rankMetricsRef } from './kernels/reference/metrics.ts';
export type { LmfOptions } from './models/lmf.ts';
export { ItemKnnRecommender } from './models/itemknn.ts';
export type { ItemKnnOptions, ItemSimilarity } from './models/itemknn.ts';
export { EaseRecommender, InaccurateInverseError, easeMemoryBytes } from './models/ease.ts';
export type { EaseOptions } from './models/ease.ts';
export { Rp3BetaRecommender } from './models/rp3beta.ts';
export type { Rp3BetaOptions } from './models/rp3beta.ts';
export { tune } from './tune/tune.ts';
export type { TuneOptions, TuneResult, TuneTrial, TuneMetric } from './tune/tune.ts';
export { SEARCH_SPACES, DEFAULT_TUNE_MODELS } from './tune/spaces.ts';
export type { SearchSpace, Random } from './tune/spaces.ts';
export { MemoryLimitError } from './errors.ts';
export { scoreBlockRef } from './kernels/reference/score.ts';
export { topkRef } from './kernels/reference/topk.ts';
export { alsCgRef, gramRef } from './kernels/reference/als.ts';
export { recommendBlockRef } from './kernels/reference/recommend.ts';
export { matmulRef, denseForwardRef, denseBackwardRef } from './kernels/reference/dense.ts';
export type { Activation, MatmulOptions } from './kernels/reference/dense.ts';
export { webgpuKernels, GPU_TOPK_MAX, GPU_CG_MAX_FACTORS } from './kernels/webgpu/backend.ts';
export type { WebGpuKernels, WebGpuBackend } from './kernels/webgpu/backend.ts';
export type { GpuInfo } from './runtime/gpu.ts';

// Model files
export { saveModel, loadModel, readModelState, encodeModelState, decodeModelState, MODEL_FORMAT_VERSION, DEFAULT_LOAD_BUDGET } from './io/index.ts';
export type { SaveOptions, LoadOptions, ModelClass, ModelSource, EncodeOptions, DecodedModelState, ModelFileInfo } from './io/index.ts';

// Serving
export { createHandler, lazyModel } from './serve/index.ts';
export type { HandlerOptions, RecwiseHandler, RecommendResponse, KeyValueStore, KeyValueSource, ServedModelSource, CorsOptions } from './serve/index.ts';

// Interop: implicit / LightFM / Spark ALS models in, .npz and Spark ALSModel out
export { InteropError } from './errors.ts';
export { importImplicit, exportNpz, importSpark, exportSpark, importLightFm, readNpz, writeNpz, parseNpy, encodeNpy, parseIdList } from './interop/index.ts';
export type {
  InteropSource, NdArray, NdData, NpyValue, ImportImplicitOptions, ImplicitKind, ImplicitModel, ExportNpzOptions, ImportSparkOptions, SparkFiles,
  ImportLightFmOptions, LightFmMapping, LightFmSource, SeenRecord,
} from './interop/index.ts';

// Embeddings, nearest-neighbour search, pipeline
export { KnnNotInitializedError } from './errors.ts';
export * from './retrieval/index.ts';

// Neural training core and models (issue 9, engineer A): optimizers, layers, losses; autoencoder, sampled and hashed MF
export { createOptimizer, createParam, zeroGrad, Rng } from './nn/optim.ts';
export type { SgdConfig, AdamConfig, AdagradConfig, RmspropConfig, AnyOptimizerConfig, ParamInit } from './nn/optim.ts';
export type { Param, Optimizer, OptimizerConfig } from './nn/types.ts';
export { Embedding } from './nn/embedding.ts';
export { Dense } from './nn/dense.ts';
export { Dropout } from './nn/dropout.ts';
export { ActivationLayer } from './nn/activations.ts';
export type { NnActivation, NnKernels } from './nn/activations.ts';
export { weightedMse, bceWithLogits, multinomialNll } from './nn/losses.ts';
export type { LossName } from './nn/losses.ts';
export { gradCheck } from './nn/gradcheck.ts';
export { sampleBatch, shuffledBatches, denseTargets } from './nn/batches.ts';
export type { SampledBatch, BatchSampling } from './nn/batches.ts';
export type { GradCheckResult, GradCheckOptions, GradTarget } from './nn/gradcheck.ts';
export { AutoencoderRecommender, AUTOENCODER_SAMPLED_ABOVE } from './models/autoencoder.ts';
export type { AutoencoderOptions } from './models/autoencoder.ts';
export { SampledMfRecommender } from './models/sampled-mf.ts';
export type { SampledMfOptions } from './models/sampled-mf.ts';
export { HashedMfRecommender } from './models/hashed-mf.ts';
export type { HashedMfOptions, HashCollisions } from './models/hashed-mf.ts';
export type { NeuralTrainingOptions, NeuralFitOptions, NeuralEpoch } from './models/neural-common.ts';

// Sequence layers and retrieval models (issue 9, engineer B): GRU, pooling, sampled softmax; GRU and two-tower
export { Gru } from './nn/gru.ts';
export type { GruOptions, GruState } from './nn/gru.ts';
export { poolForward, poolBackward } from './nn/pooling.ts';
export type { PoolMode } from './nn/pooling.ts';
export { SampledSoftmax, createSampler } from './nn/sampled-softmax.ts';
export type { NegativeSampler, SamplerKind, SampledSoftmaxInput } from './nn/sampled-softmax.ts';
export { sampledOutputStep } from './nn/sampled-output.ts';
export type { SampledOutputInput } from './nn/sampled-output.ts';
export { gruForwardRef, gruBackwardRef } from './kernels/reference/gru.ts';
export { GruRecommender } from './models/gru.ts';
export type { GruOptions as GruRecommenderOptions, RetrievalTrainingOptions, DynUserOptions } from './models/gru.ts';
export { TwoTowerRecommender } from './models/two-tower.ts';
export type { TwoTowerOptions, TwoTowerFitOptions, UserFeatureSource } from './models/two-tower.ts';

// Types the API above mentions (options, results, kernel parameters): exported so they can be named and documented
export type { RowMaps } from './models/sampled-mf.ts';
export type { WasmKernelAccess, SparseMatrix, AlsSolveOptions, BprEpochOptions, LmfEpochOptions } from './kernels/types.ts';
export type { GradCheckEntry } from './nn/gradcheck.ts';
export type { HybridCsr } from './kernels/reference/lightfm.ts';
export type { GruForward, GruWeights, GruGrads } from './kernels/reference/gru.ts';
export type { ModelFactory } from './models/registry.ts';
export type { RankMetricsRefOut } from './kernels/reference/metrics.ts';
export type { DenseOptions } from './nn/dense.ts';
export type { EmbeddingOptions } from './nn/embedding.ts';
export type { WasmHeap } from './kernels/wasm/memory.ts';
export { referenceNnKernels } from './kernels/reference/nn.ts';
