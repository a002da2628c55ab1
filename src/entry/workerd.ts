/**
 * The kernel source for workerd (Cloudflare Workers) and Vercel Edge, picked by the `workerd` / `edge-light` export
 * conditions: they refuse to compile Wasm from bytes ("Wasm code generation disallowed by embedder", design.md §5),
 * so the kernels are imported as a module, which their bundlers (Wrangler, Next.js) turn into a WebAssembly.Module.
 * No threads there, so only the single-thread build. scripts/build.mjs writes one edge wrapper per entry
 * (dist/esm/edge/*.js) that imports this module first and then re-exports the entry.
 */
import { setDefaultWasmSources } from '../runtime/wasm-source.ts';
import kernels from '../kernels/wasm/kernels.wasm';

setDefaultWasmSources({ single: () => kernels });
