/**
 * Runtime capability detection: the only place that asks which runtime this is. Detected once, then frozen;
 * everything else reads the object (design.md §1.1, like transformers.js's `apis`).
 */
import { importNodeBuiltin } from './node-builtin.ts';

/** Where the code is running. Informational: model and kernel code never branch on it. */
export type RuntimeName = 'node' | 'deno' | 'bun' | 'browser' | 'workerd' | 'edge-light' | 'unknown';

/** What this runtime can do, as detected by {@link detectCapabilities}. */
export interface Capabilities {
  readonly runtime: RuntimeName;
  /** `WebAssembly` exists at all. */
  readonly wasm: boolean;
  /** Fixed-width SIMD (simd128) validates. */
  readonly wasmSimd: boolean;
  /** Wasm can be compiled from bytes here (false on workerd / Vercel Edge: pass a module instead). */
  readonly wasmCompileFromBytes: boolean;
  /** Shared `WebAssembly.Memory` can be created (needs cross-origin isolation in browsers). */
  readonly sharedMemory: boolean;
  /** How workers are started: `node:worker_threads` (Node, Deno), Web `Worker` (Bun, browsers), or not at all. */
  readonly workers: 'web' | 'node' | 'none';
  /** Threads recwise may use for data-parallel kernels (1 where shared memory or workers are missing). */
  readonly maxThreads: number;
  /** Logical cores reported by the runtime. */
  readonly hardwareConcurrency: number;
  /** `navigator.gpu` exists (presence only: an adapter may still be missing, see design.md §6). */
  readonly webgpuPresent: boolean;
  /** Local file paths can be read and written (Node, Deno, Bun). */
  readonly fileSystem: boolean;
}

declare const Deno: unknown;
declare const Bun: unknown;
declare const EdgeRuntime: unknown;

const g = globalThis as Record<string, any>;

function detectRuntime(): RuntimeName {
  if (typeof Deno !== 'undefined') return 'deno';
  if (typeof Bun !== 'undefined') return 'bun';
  if (typeof EdgeRuntime === 'string') return 'edge-light';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (g.process?.versions?.node && g.process?.release?.name === 'node') return 'node';
  if (typeof g.window !== 'undefined' || typeof g.WorkerGlobalScope !== 'undefined') return 'browser';
  return 'unknown';
}

// Smallest module using a v128 instruction: (func (result v128) v128.const i32x4 0 0 0 0).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 11,
]);
// Empty module: compiling it tells whether the embedder allows code generation from bytes.
const EMPTY_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

function canCompileFromBytes(): boolean {
  try {
    new WebAssembly.Module(EMPTY_MODULE);
    return true;
  } catch {
    return false; // workerd: "Wasm code generation disallowed by embedder"
  }
}

function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (g.crossOriginIsolated === false) return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

async function nodeParallelism(): Promise<number> {
  try {
    const os = await importNodeBuiltin('os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } catch {
    return 1;
  }
}

async function hasNodeWorkerThreads(): Promise<boolean> {
  try {
    const wt = await importNodeBuiltin('worker_threads');
    return typeof wt.Worker === 'function';
  } catch {
    return false;
  }
}

let detected: Promise<Capabilities> | undefined;

/** Detect (once) and return the frozen capabilities of this runtime. */
export function detectCapabilities(): Promise<Capabilities> {
  detected ??= (async () => {
    const runtime = detectRuntime();
    const wasm = typeof WebAssembly === 'object';
    const wasmSimd = wasm && WebAssembly.validate(SIMD_PROBE);
    const wasmCompileFromBytes = wasm && canCompileFromBytes();
    const sharedMemory = wasm && canShareMemory();
    let workers: Capabilities['workers'] = 'none';
    // Deno takes node:worker_threads although it has Web Workers: only those can be unref'd there (workers.ts).
    if ((runtime === 'node' || runtime === 'deno') && (await hasNodeWorkerThreads())) {
      workers = 'node';
    } else if (typeof g.Worker === 'function' && typeof g.Blob === 'function' && typeof g.URL?.createObjectURL === 'function') {
      workers = 'web';
    }
    let hardwareConcurrency = Number(g.navigator?.hardwareConcurrency) || 0;
    if (!hardwareConcurrency && runtime === 'node') hardwareConcurrency = await nodeParallelism();
    hardwareConcurrency ||= 1;
    const maxThreads = sharedMemory && workers !== 'none' ? hardwareConcurrency : 1;
    return Object.freeze({
      runtime,
      wasm,
      wasmSimd,
      wasmCompileFromBytes,
      sharedMemory,
      workers,
      maxThreads,
      hardwareConcurrency,
      webgpuPresent: typeof g.navigator?.gpu === 'object' && g.navigator.gpu !== null,
      fileSystem: runtime === 'node' || runtime === 'deno' || runtime === 'bun',
    });
  })();
  return detected;
}
