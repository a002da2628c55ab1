/**
 * WebGPU device acquisition (design.md §6): the only place that knows where a `GPU` object comes from.
 * `navigator.gpu` where the runtime has one (browsers, Deno); on Node and Bun the optional `webgpu` npm package
 * (Dawn), loaded by a dynamic import that bundles keep external, or a `GPU` the caller passes to `init({ gpu })`.
 * Presence is not availability: the adapter is always requested and a null one is an error.
 */
import { WebGpuUnavailableError } from '../errors.ts';
import type { Capabilities } from './capabilities.ts';

/** What the adapter reported, recorded when the `webgpu` backend starts (see {@link recwise!InitResult.gpu | InitResult.gpu}). */
export interface GpuInfo {
  /** Where the GPU object came from. */
  readonly source: 'navigator' | 'webgpu-package' | 'user';
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /**
   * The adapter is a software/fallback one (SwiftShader, llvmpipe). `undefined` when the runtime could not say
   * (Bun's Dawn binding throws "Not implemented"); treated as a fallback by `backend: 'auto'`.
   */
  readonly isFallbackAdapter: boolean | undefined;
  /** The limits the device was created with (those the kernels depend on). */
  readonly limits: Readonly<Record<(typeof LIMIT_NAMES)[number], number>>;
}

/** Limits the kernels size their work by; requested at the adapter's maximum. */
const LIMIT_NAMES = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** The least the kernels need: 256 invocations (topk.wgsl, matmul.wgsl), 10 KiB workgroup memory, 7 storage bindings. */
const REQUIRED: Partial<Record<(typeof LIMIT_NAMES)[number], number>> = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 12 * 1024,
  maxStorageBuffersPerShaderStage: 6,
  maxComputeWorkgroupsPerDimension: 65535,
};

/** A started device. */
export interface GpuHandle {
  readonly device: any;
  /**
   * The GPU and adapter objects, held for the device's lifetime: with Dawn on Node, a garbage-collected `GPU`
   * (from `create()`) tears down the native instance under a live device and the process crashes.
   */
  readonly keepAlive: readonly unknown[];
  readonly info: GpuInfo;
}

/** Options of {@link acquireGpu}. */
export interface AcquireOptions {
  /** A `GPU` object (e.g. `create([])` from the `webgpu` package on Node). */
  gpu?: unknown;
  /** Refuse software adapters (used by `backend: 'auto'`). */
  refuseFallback: boolean;
  /** Try the `webgpu` npm package when the runtime has no `navigator.gpu` (explicit `backend: 'webgpu'` only). */
  allowPackage: boolean;
}

const g = globalThis as Record<string, any>;

function importOptional(name: string): Promise<any> {
  // A parameter, not a constant: esbuild's minifier would inline a constant specifier (see node-builtin.ts).
  return import(/* @vite-ignore */ /* webpackIgnore: true */ name);
}

const PACKAGE_FIX =
  'install the optional `webgpu` package (npm install webgpu) and point Vulkan at a driver, e.g. ' +
  '`export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json` (software, from Debian\'s chromium package) ' +
  'or your GPU vendor\'s ICD; or pass init({ backend: "webgpu", gpu: create([]) }).';

function fixFor(caps: Capabilities): string {
  switch (caps.runtime) {
    case 'node':
    case 'bun':
      return PACKAGE_FIX;
    case 'deno':
      return 'Deno has WebGPU built in: check that a Vulkan/Metal/DX12 driver is installed (on Linux without a GPU, set VK_ICD_FILENAMES to a software driver such as SwiftShader or lavapipe).';
    case 'browser':
      return 'use a browser with WebGPU enabled (Chrome 113+, or Chromium with --enable-unsafe-webgpu on Linux), on a secure context (https or localhost).';
    default:
      return "this runtime has no WebGPU; use backend: 'wasm'.";
  }
}

async function findGpu(caps: Capabilities, options: AcquireOptions): Promise<{ gpu: any; source: GpuInfo['source'] }> {
  if (options.gpu) return { gpu: options.gpu, source: 'user' };
  const nav = g.navigator?.gpu;
  if (nav) return { gpu: nav, source: 'navigator' };
  if (options.allowPackage && (caps.runtime === 'node' || caps.runtime === 'bun')) {
    let mod: any;
    try {
      mod = await importOptional('webgpu');
    } catch (e) {
      throw new WebGpuUnavailableError('no-webgpu', `the optional 'webgpu' package could not be loaded (${(e as Error).message})`, PACKAGE_FIX);
    }
    try {
      return { gpu: mod.create([]), source: 'webgpu-package' };
    } catch (e) {
      throw new WebGpuUnavailableError('no-webgpu', `the 'webgpu' package failed to start (${(e as Error).message})`, PACKAGE_FIX);
    }
  }
  throw new WebGpuUnavailableError('no-webgpu', `this runtime (${caps.runtime}) has no navigator.gpu`, fixFor(caps));
}

function readFallback(adapter: any): boolean | undefined {
  // Bun's Dawn binding throws "Not implemented" from this getter; older runtimes have adapter.isFallbackAdapter.
  try {
    const v = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter;
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|warp/i;

/**
 * Request an adapter and a device with the limits the kernels need, at the adapter's maxima.
 * Throws {@link WebGpuUnavailableError} naming the failed step and the fix.
 */
export async function acquireGpu(caps: Capabilities, options: AcquireOptions): Promise<GpuHandle> {
  const { gpu, source } = await findGpu(caps, options);
  let adapter: any;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    adapter = null;
    void e;
  }
  if (!adapter) {
    throw new WebGpuUnavailableError('no-adapter', 'requestAdapter() returned no adapter (WebGPU is present, but no usable GPU driver was found)', fixFor(caps));
  }
  const ai = adapter.info ?? {};
  const vendor = String(ai.vendor ?? '');
  const architecture = String(ai.architecture ?? '');
  const description = String(ai.description ?? '');
  let isFallbackAdapter = readFallback(adapter);
  if (isFallbackAdapter === undefined && SOFTWARE.test(`${vendor} ${architecture} ${description}`)) isFallbackAdapter = true;
  if (options.refuseFallback && isFallbackAdapter !== false) {
    throw new WebGpuUnavailableError(
      'fallback-refused',
      `the adapter (${[vendor, architecture, description].filter(Boolean).join(' ') || 'unknown'}) is a software/fallback adapter, slower than Wasm SIMD`,
      "ask for it explicitly with init({ backend: 'webgpu' }) if you want it anyway.",
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const have = Number(adapter.limits?.[name] ?? 0);
    const need = REQUIRED[name] ?? 0;
    if (have < need) {
      throw new WebGpuUnavailableError('limits', `the adapter's ${name} is ${have}, the kernels need ${need}`, "use backend: 'wasm' on this device.");
    }
    if (have > 0) requiredLimits[name] = have;
  }
  let device: any;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new WebGpuUnavailableError('no-device', `requestDevice() failed (${(e as Error).message})`, "use backend: 'wasm', or update the GPU driver.");
  }
  if (!device) throw new WebGpuUnavailableError('no-device', 'requestDevice() returned no device', "use backend: 'wasm', or update the GPU driver.");
  const limits = {} as Record<(typeof LIMIT_NAMES)[number], number>;
  for (const name of LIMIT_NAMES) limits[name] = Number(device.limits?.[name] ?? requiredLimits[name] ?? 0);
  return { device, keepAlive: [gpu, adapter], info: Object.freeze({ source, vendor, architecture, description, isFallbackAdapter, limits: Object.freeze(limits) }) };
}
