/**
 * `recwise/webgpu`: the WebGPU backend and its WGSL kernels. Importing it registers the backend, so
 * `init({ backend: 'webgpu' })` (or `init({ gpu })` with `auto`) can start it; without this import that call throws
 * BackendUnavailableError naming it.
 *
 * @module recwise/webgpu
 */
import './setup.ts';

import { registerBackend } from '../kernels/registry.ts';
import { webgpuBackendFactory } from '../kernels/webgpu/factory.ts';

registerBackend('webgpu', webgpuBackendFactory);

export { webgpuKernels, GPU_TOPK_MAX, GPU_CG_MAX_FACTORS } from '../kernels/webgpu/backend.ts';
export type { WebGpuKernels, WebGpuBackend } from '../kernels/webgpu/backend.ts';
export type { GpuInfo } from '../runtime/gpu.ts';
