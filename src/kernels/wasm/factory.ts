/** The `wasm` backend factory: picks the build (threads or single), instantiates it and starts the pool. */
import { BackendUnavailableError } from '../../errors.ts';
import type { BackendFactory } from '../registry.ts';
import { getDefaultWasmSources, toModule, type WasmSource } from '../../runtime/wasm-source.ts';
import type { Capabilities } from '../../runtime/capabilities.ts';
import { instantiateAnyKernels, instantiateKernels, type KernelInstance } from './module.ts';
import { KernelPool } from './pool.ts';
import { createWasmBackend } from './backend.ts';

const EDGE_FIX =
  "import recwise through its 'workerd' or 'edge-light' export condition (bundlers for Cloudflare and Vercel pick it), " +
  "or pass init({ wasmModule }) with the module imported from 'recwise/kernels.wasm'.";

async function compile(source: WasmSource, caps: Capabilities): Promise<WebAssembly.Module> {
  if (!(source instanceof WebAssembly.Module) && !caps.wasmCompileFromBytes) {
    throw new BackendUnavailableError('wasm', 'this runtime does not allow compiling WebAssembly from bytes', EDGE_FIX);
  }
  return toModule(source);
}

export const wasmBackendFactory: BackendFactory = {
  priority: 2,
  async create(caps, options) {
    if (!caps.wasm) throw new BackendUnavailableError('wasm', 'WebAssembly is not available', "use backend: 'js'.");
    if (!caps.wasmSimd) throw new BackendUnavailableError('wasm', 'WebAssembly SIMD is not supported', "use backend: 'js', or a runtime with Wasm SIMD (Node 16.4+, Chrome 91+, Safari 16.4+).");
    const wanted = Math.min(options.threads ?? caps.maxThreads, caps.maxThreads);
    let kernels: KernelInstance;
    let module: WebAssembly.Module;
    if (options.wasmModule) {
      module = await compile(options.wasmModule, caps);
      kernels = await instantiateAnyKernels(module);
    } else {
      const sources = getDefaultWasmSources();
      if (!sources) throw new BackendUnavailableError('wasm', 'no kernel module was provided by the package entry', EDGE_FIX);
      if (wanted > 1 && sources.threads) {
        module = await compile(await sources.threads(), caps);
        kernels = await instantiateKernels(module, true);
      } else {
        module = await compile(await sources.single(), caps);
        kernels = await instantiateKernels(module, false);
      }
    }
    let pool: KernelPool | undefined;
    if (kernels.shared && wanted > 1) {
      try {
        pool = await KernelPool.start(caps, module, kernels.memory, wanted);
      } catch (e) {
        console.warn(`recwise: worker threads could not start (${(e as Error).message}); running on one thread.`);
      }
    }
    return createWasmBackend(kernels, pool);
  },
};
