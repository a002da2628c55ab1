/**
 * `recwise/testing`: the plain-TypeScript reference kernels each Wasm and WebGPU kernel is checked against, and
 * helpers for writing such checks. Not needed to use recwise; the conformance suite imports it.
 *
 * @module recwise/testing
 */
export { hybridEpochRef, exampleGradients, exampleLoss, updateElement, xorshift32, predictFromRepr } from '../kernels/reference/lightfm.ts';
export type { HybridTrace, HybridScales } from '../kernels/reference/lightfm.ts';
export { rankMetricsRef } from '../kernels/reference/metrics.ts';
export { scoreBlockRef } from '../kernels/reference/score.ts';
export { topkRef } from '../kernels/reference/topk.ts';
export { alsCgRef, gramRef } from '../kernels/reference/als.ts';
export { recommendBlockRef } from '../kernels/reference/recommend.ts';
export { matmulRef, denseForwardRef, denseBackwardRef } from '../kernels/reference/dense.ts';
export type { Activation, MatmulOptions } from '../kernels/reference/dense.ts';
export { gruForwardRef, gruBackwardRef } from '../kernels/reference/gru.ts';
export type { GruForward, GruWeights, GruGrads } from '../kernels/reference/gru.ts';
export type { RankMetricsRefOut } from '../kernels/reference/metrics.ts';
export { referenceNnKernels } from '../kernels/reference/nn.ts';
