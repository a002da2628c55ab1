/**
 * recwise: recommender models, evaluation and serving for every JavaScript runtime.
 * This file only re-exports; see the modules for documentation.
 */
export { init, shutdown, getBackend, registerBackend, registeredBackends } from './kernels/registry.ts';
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
  DimensionMismatchError,
  UnknownBackendError,
  BackendUnavailableError,
  WasmModuleMismatchError,
  AbortError,
} from './errors.ts';
export { scoreBlockRef } from './kernels/reference/score.ts';
export { topkRef } from './kernels/reference/topk.ts';
