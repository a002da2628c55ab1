/**
 * What every package entry needs before its first kernel call (issue 18): the `wasm` backend registered, and the
 * kernel module read from the `kernels-mt.wasm` asset shipped beside the modules (one file, not ~76 KB of base64 in
 * every bundle). `new URL(…, import.meta.url)` with a literal path is the pattern Node, Deno, Bun, browsers and the
 * bundlers (webpack 5, Vite, Parcel, Rollup plugins) all resolve to the asset. A source set first by
 * `recwise/inline` (embedded bytes) or the edge entry (a compiled module import) wins over this one.
 */
import { registerBackend } from '../kernels/registry.ts';
import { wasmBackendFactory } from '../kernels/wasm/factory.ts';
import { readWasmAsset, setDefaultWasmSources, unshareMemoryImport } from '../runtime/wasm-source.ts';

registerBackend('wasm', wasmBackendFactory);

// One asset: the single-thread module is the threads build with its memory unshared (runtime/wasm-source.ts).
const threads = () => readWasmAsset(new URL('../kernels/wasm/kernels-mt.wasm', import.meta.url));
setDefaultWasmSources({ single: async () => unshareMemoryImport(await threads()), threads }, { fallback: true });
