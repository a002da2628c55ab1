/**
 * What every package entry needs before its first kernel call (issue 18): the `wasm` backend registered, and the
 * kernel module read from the `kernels-mt.wasm` asset shipped beside the modules (one file, not ~76 KB of base64 in
 * every bundle; kernels/wasm/asset.ts says where). A source set first by `recwise/inline` (embedded bytes) or the
 * edge entry (a compiled module import) wins over this one.
 */
import { registerBackend } from '../kernels/registry.ts';
import { wasmBackendFactory } from '../kernels/wasm/factory.ts';
import { kernelAssetUrl } from '../kernels/wasm/asset.ts';
import { readWasmAsset, setDefaultWasmSources, unshareMemoryImport } from '../runtime/wasm-source.ts';

registerBackend('wasm', wasmBackendFactory);

// One asset: the single-thread module is the threads build with its memory unshared (runtime/wasm-source.ts).
const threads = () => readWasmAsset(kernelAssetUrl());
setDefaultWasmSources({ single: async () => unshareMemoryImport(await threads()), threads }, { fallback: true });
