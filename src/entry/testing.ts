/**
 * `recwise/testing`: the plain-TypeScript reference kernels each Wasm and WebGPU kernel is checked against, and
 * helpers for writing such checks, and `demoDataset` (the synthetic data `recwise demo` trains on: planted tastes, no
 * download). Not needed to use recwise; the conformance suite imports it. (Outside the root entry so the root stays
 * within its size budget, issue 18.)
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
export { demoDataset, DEMO_GENRES } from '../data/demo.ts';
export type { DemoDataset, DemoItem, DemoRecord, DemoOptions } from '../data/demo.ts';
