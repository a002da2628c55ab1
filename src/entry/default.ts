/**
 * Default package entry (Node, Deno, Bun, browsers): the kernel bytes are embedded in the bundle, so no asset has
 * to be located at run time (runtimes.md §5, option A).
 *
 * @module recwise
 */
import { setDefaultWasmSources, decodeBase64, unshareMemoryImport } from '../runtime/wasm-source.ts';
import { KERNELS_THREADS_BASE64 } from '../kernels/wasm/embedded.gen.ts';

setDefaultWasmSources({
  single: () => unshareMemoryImport(decodeBase64(KERNELS_THREADS_BASE64)),
  threads: () => decodeBase64(KERNELS_THREADS_BASE64),
});

export * from '../index.ts';
