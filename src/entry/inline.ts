/**
 * `recwise/inline`: the root entry with the kernel module embedded as base64 (~76 KB more), for hosts that cannot
 * serve or read a `.wasm` asset (a bundler without asset handling, a single-file script). Import it instead of
 * `recwise`, or once beside the other entries: it replaces the asset source whichever entry loads first.
 *
 * @module recwise/inline
 */
import { setDefaultWasmSources, decodeBase64, unshareMemoryImport } from '../runtime/wasm-source.ts';
import { KERNELS_THREADS_BASE64 } from '../kernels/wasm/embedded.gen.ts';

export * from './default.ts';

setDefaultWasmSources({
  single: () => unshareMemoryImport(decodeBase64(KERNELS_THREADS_BASE64)),
  threads: () => decodeBase64(KERNELS_THREADS_BASE64),
});
