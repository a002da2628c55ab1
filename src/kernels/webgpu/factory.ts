/**
 * The `webgpu` backend factory: a wasm backend for everything, plus a GPU device for the batched dense kernels
 * (./backend.ts). `backend: 'webgpu'` takes any adapter, software ones included (the caller asked for it);
 * `backend: 'auto'` (tried only when `init({ gpu })` passed a GPU object, registry.ts) only a hardware adapter, so auto never becomes
 * slower than Wasm SIMD by landing on SwiftShader/llvmpipe (design.md §6.2) and never loads the `webgpu` package.
 */
import type { BackendFactory } from '../registry.ts';
import { acquireGpu } from '../../runtime/gpu.ts';
import { wasmBackendFactory } from '../wasm/factory.ts';
import { GpuContext } from './device.ts';
import { createWebGpuBackend } from './backend.ts';

export const webgpuBackendFactory: BackendFactory = {
  priority: 3,
  async create(caps, options) {
    const auto = (options.backend ?? 'auto') === 'auto';
    const handle = await acquireGpu(caps, { gpu: options.gpu, refuseFallback: auto, allowPackage: !auto });
    let wasm;
    try {
      wasm = await wasmBackendFactory.create(caps, options);
    } catch (e) {
      handle.device.destroy?.();
      throw e;
    }
    return createWebGpuBackend(wasm, new GpuContext(handle));
  },
};
