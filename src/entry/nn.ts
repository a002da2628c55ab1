/**
 * `recwise/nn`: the neural stack (issue 9): optimizers, layers, losses, batching and gradient checks, and the neural
 * models (autoencoder, sampled and hashed MF, GRU, two-tower). Importing it registers those model kinds for
 * `loadModel()`; apps that never import it never ship it.
 *
 * @module recwise/nn
 */
import './setup.ts';

// Neural training core and models (issue 9, engineer A): optimizers, layers, losses; autoencoder, sampled and hashed MF
export { createOptimizer, createParam, zeroGrad, Rng } from '../nn/optim.ts';
export type { SgdConfig, AdamConfig, AdagradConfig, RmspropConfig, AnyOptimizerConfig, ParamInit } from '../nn/optim.ts';
export type { Param, Optimizer, OptimizerConfig } from '../nn/types.ts';
export { Embedding } from '../nn/embedding.ts';
export { Dense } from '../nn/dense.ts';
export { Dropout } from '../nn/dropout.ts';
export { ActivationLayer } from '../nn/activations.ts';
export type { NnActivation, NnKernels } from '../nn/activations.ts';
export { weightedMse, bceWithLogits, multinomialNll } from '../nn/losses.ts';
export type { LossName } from '../nn/losses.ts';
export { gradCheck } from '../nn/gradcheck.ts';
export { sampleBatch, shuffledBatches, denseTargets } from '../nn/batches.ts';
export type { SampledBatch, BatchSampling } from '../nn/batches.ts';
export type { GradCheckResult, GradCheckOptions, GradTarget } from '../nn/gradcheck.ts';
export { AutoencoderRecommender, AUTOENCODER_SAMPLED_ABOVE } from '../models/neural/autoencoder.ts';
export type { AutoencoderOptions } from '../models/neural/autoencoder.ts';
export { sampledOutputStep } from '../nn/sampled-output.ts';
export type { SampledOutputInput } from '../nn/sampled-output.ts';
export { SampledMfRecommender } from '../models/neural/sampled-mf.ts';
export type { SampledMfOptions } from '../models/neural/sampled-mf.ts';
export { HashedMfRecommender } from '../models/neural/hashed-mf.ts';
export type { HashedMfOptions, HashCollisions } from '../models/neural/hashed-mf.ts';
export type { NeuralTrainingOptions, NeuralFitOptions, NeuralEpoch } from '../models/neural/neural-common.ts';
// The infinitely wide autoencoder in closed form (issue 19): kernel ridge regression with the network's NTK
export { InfiniteAeRecommender, InaccurateKernelInverseError } from '../models/neural/infinite-ae.ts';
export type { InfiniteAeOptions } from '../models/neural/infinite-ae.ts';

// Sequence layers and retrieval models (issue 9, engineer B): GRU, pooling, sampled softmax; GRU and two-tower
export { Gru } from '../nn/gru.ts';
export type { GruOptions, GruState } from '../nn/gru.ts';
export { poolForward, poolBackward } from '../nn/pooling.ts';
export type { PoolMode } from '../nn/pooling.ts';
export { SampledSoftmax, createSampler } from '../nn/sampled-softmax.ts';
export type { NegativeSampler, SamplerKind, SampledSoftmaxInput } from '../nn/sampled-softmax.ts';
export { GruRecommender } from '../models/neural/gru.ts';
export type { GruOptions as GruRecommenderOptions, RetrievalTrainingOptions, DynUserOptions } from '../models/neural/gru.ts';
export { TwoTowerRecommender } from '../models/neural/two-tower.ts';
export type { TwoTowerOptions, TwoTowerFitOptions, UserFeatureSource } from '../models/neural/two-tower.ts';


// Types the API above mentions
export type { RowMaps } from '../models/neural/sampled-mf.ts';
export type { GradCheckEntry } from '../nn/gradcheck.ts';
export type { DenseOptions } from '../nn/dense.ts';
export type { EmbeddingOptions } from '../nn/embedding.ts';
