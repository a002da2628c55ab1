/**
 * Entry for workerd (Cloudflare Workers) and Vercel Edge: they refuse to compile Wasm from bytes ("Wasm code
 * generation disallowed by embedder", see design.md §5), so the kernels are imported as a module, which their
 * bundlers (Wrangler, Next.js) turn into a WebAssembly.Module. No threads there, so only the single-thread build.
 */
import { setDefaultWasmSources } from '../runtime/wasm-source.ts';
import kernels from './kernels.wasm';

setDefaultWasmSources({ single: () => kernels });

export * from '../index.ts';
