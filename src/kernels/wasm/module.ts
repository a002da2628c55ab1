/** Instantiating the kernel module: validates its exports and pairs it with the right kind of memory. */
import { WasmModuleMismatchError } from '../../errors.ts';

/** The exports a kernel module must have; a module from another version or project fails here, not deep inside a call. */
export const REQUIRED_EXPORTS = ['heapBase', 'scoreBlock', 'topk', 'topkRows', 'csrFromCoo', 'csrDedupe', 'csrMaskRows', 'recommendBlock', 'recommendBlockClaim', 'recommendPruned', 'recommendPrunedClaim',
  'gram', 'alsCgRows', 'alsCholeskyRows', 'bprSamples', 'bprSamplesClaim', 'lmfRowsClaim', 'lightfmEpoch', 'lightfmEpochClaim', 'rankMetrics', 'rankMetricsScoredClaim', 'productTopkRows', 'productRecommendRows', 'exactTopk',
  'hnswInsert', 'hnswSearch', 'hnswSearchRows', 'gruForward', 'gruBackward',
  'nnGemm', 'nnActivate', 'nnActivateBackward', 'nnSoftmaxRows', 'nnEmbeddingBag', 'nnEmbeddingBagBackward',
  'allFinite', 'gramRows', 'spdSweepPivot', 'spdSweepUpdate', 'spdSweepFinish', 'spdSymmetrize'] as const;

export type KernelExports = { [K in (typeof REQUIRED_EXPORTS)[number]]: (...args: number[]) => number };

/** Pages a shared memory may grow to; must not exceed the `maximumMemory` in asconfig.json's threads target. */
export const SHARED_MAX_PAGES = 32768;
/**
 * Own memory gets the same 2 GiB cap: the embedded single-thread module is the threads build with its memory
 * unshared (wasm-source.ts), which keeps the declared maximum.
 */
export const SINGLE_MAX_PAGES = SHARED_MAX_PAGES;

export function checkExports(module: WebAssembly.Module): void {
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !names.has(n));
  if (missing.length) throw new WasmModuleMismatchError(missing);
}

export interface KernelInstance {
  exports: KernelExports;
  memory: WebAssembly.Memory;
  shared: boolean;
  maxPages: number;
}

/** Instantiate with a fresh memory: shared when `shared`, else own. Throws a LinkError when the module wants the other kind. */
export async function instantiateKernels(module: WebAssembly.Module, shared: boolean): Promise<KernelInstance> {
  checkExports(module);
  const maxPages = shared ? SHARED_MAX_PAGES : SINGLE_MAX_PAGES;
  const memory = shared
    ? new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor)
    : new WebAssembly.Memory({ initial: 1, maximum: SINGLE_MAX_PAGES });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return { exports: instance.exports as unknown as KernelExports, memory, shared, maxPages };
}

/** For a user-supplied module: try own memory, then shared (the threads build). */
export async function instantiateAnyKernels(module: WebAssembly.Module): Promise<KernelInstance> {
  checkExports(module);
  try {
    return await instantiateKernels(module, false);
  } catch (e) {
    if (!(e instanceof WebAssembly.LinkError)) throw e;
    return instantiateKernels(module, true);
  }
}
