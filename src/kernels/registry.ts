/**
 * Backend registry and `init()`. Backends register a factory with a priority (tfjs `registerBackend`,
 * onnxruntime execution-provider lists); `auto` takes the best one that starts, warning when it had to demote.
 */
import { checkOptionKeys, optionKeys } from '../options-check.ts';
import { BackendUnavailableError, InvalidArgumentError, RecwiseError, UnknownBackendError } from '../errors.ts';
import { detectCapabilities, type Capabilities } from '../runtime/capabilities.ts';
import type { WasmSource } from '../runtime/wasm-source.ts';
import type { GpuInfo } from '../runtime/gpu.ts';
import type { AsyncReleasable } from '../dispose.ts';
import type { Backend, BackendName } from './types.ts';
import { createJsBackend } from './js/backend.ts';

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Which kernels to run: a name demands that backend; `'auto'` (default) picks the fastest CPU backend that works
   * here (`wasm`, else `js`) and never touches the GPU, so plain CPU use prints nothing and probes no driver. WebGPU
   * is used only when asked for: `backend: 'webgpu'`, or `auto` with a `gpu` object passed (hardware adapters only).
   */
  backend?: 'auto' | BackendName;
  /** A compiled kernel module (or its bytes) to use instead of the one the package entry provides (e.g. on edge runtimes). */
  wasmModule?: WasmSource;
  /** Threads for data-parallel kernels; defaults to every core where shared memory and workers exist, else 1. */
  threads?: number;
  /**
   * A WebGPU `GPU` object for `backend: 'webgpu'` where the runtime has no `navigator.gpu` (Node, Bun): e.g.
   * `create([])` from the `webgpu` package. Without it recwise imports that package itself when it is installed.
   */
  gpu?: unknown;
}

const INIT_KEYS = optionKeys<InitOptions>({ backend: true, wasmModule: true, threads: true, gpu: true });

/** What {@link init} settled on. */
export interface InitResult extends AsyncReleasable {
  readonly backend: BackendName;
  readonly threads: number;
  readonly capabilities: Capabilities;
  /** The adapter behind the `webgpu` backend (vendor, architecture, isFallbackAdapter, limits); absent otherwise. */
  readonly gpu?: GpuInfo;
  /**
   * {@link shutdown}, for `await using`: stops every started backend's worker threads and frees kernel memory when
   * the scope ends. Not needed for a process to exit (idle threads never hold it).
   *
   * @example
   * ```ts
   * await using recwise = await init({ threads: 4 });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A backend factory; throws {@link BackendUnavailableError} when it cannot run here. */
export interface BackendFactory {
  readonly priority: number;
  create(caps: Capabilities, options: InitOptions): Promise<Backend>;
}

const factories = new Map<BackendName, BackendFactory>();

/** Backends that live in their own package entry, named by `init({ backend })` when it was not imported (issue 18). */
const BACKEND_ENTRIES: Partial<Record<string, string>> = { webgpu: 'recwise/webgpu', wasm: 'recwise' };

/** Register (or replace) a backend factory. Higher priority is tried first by `backend: 'auto'`. */
export function registerBackend(name: BackendName, factory: BackendFactory): void {
  factories.set(name, factory);
}

/** Names of the registered backends, best first. */
export function registeredBackends(): BackendName[] {
  return [...factories.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

/** Started backends by options key: switching back and forth reuses them, so resident data stays valid. */
const started = new Map<string, Promise<{ backend: Backend; info: InitResult }>>();
let activeKey: string | undefined;
const fallback = createJsBackend();

function optionsKey(o: InitOptions): string {
  return `${o.backend ?? 'auto'}|${o.threads ?? ''}`;
}

function validate(options: InitOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object such as { backend: "auto" }');
  const b = options.backend;
  if (b !== undefined && b !== 'auto' && !factories.has(b)) {
    const entry = BACKEND_ENTRIES[b];
    if (entry) throw new BackendUnavailableError(b, `the '${b}' backend is not loaded`, `add \`import '${entry}';\` once in the application (it registers the backend), then init({ backend: '${b}' }).`);
    throw new UnknownBackendError(b, registeredBackends());
  }
  const t = options.threads;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1)) throw new InvalidArgumentError('threads', t, 'an integer >= 1', 'pass threads: 1 for the calling thread only, or omit it to use every core.');
}

async function start(options: InitOptions): Promise<{ backend: Backend; info: InitResult }> {
  const caps = await detectCapabilities();
  const wanted = options.backend ?? 'auto';
  // auto never probes a GPU on its own (issue 15): requestAdapter() prints driver noise to stderr (Deno without
  // XDG_RUNTIME_DIR) or the page console (Chromium: "No available adapters") and costs start-up time, for kernels that
  // pay off only on large batches. It tries WebGPU only when the caller handed it a GPU object (init({ gpu })), and
  // then only on a hardware adapter (webgpu/factory.ts); that refusal is the normal case, so it is not warned about.
  const gpuPossible = options.gpu !== undefined;
  const candidates = wanted === 'auto' ? registeredBackends().filter((n) => n !== 'webgpu' || gpuPossible) : [wanted];
  let firstError: unknown;
  for (const name of candidates) {
    try {
      const backend = await factories.get(name)!.create(caps, options);
      if (firstError && wanted === 'auto') console.warn(`recwise: using the '${name}' backend: ${(firstError as Error).message}`);
      const gpu = (backend as { gpu?: { info?: GpuInfo } }).gpu?.info;
      const info: InitResult = { backend: backend.name, threads: backend.threads, capabilities: caps, ...(gpu ? { gpu } : {}), [Symbol.asyncDispose]: shutdown };
      return { backend, info: Object.freeze(info) };
    } catch (e) {
      if (wanted !== 'auto' || !(e instanceof RecwiseError)) throw e;
      if (name !== 'webgpu') firstError ??= e;
    }
  }
  throw firstError ?? new BackendUnavailableError(wanted, 'no backend could start', "use backend: 'js'.");
}

/**
 * Detect the runtime's capabilities and start the kernel backend. Idempotent: calling it again with the same
 * options returns the same result; other options make another backend active (ones already started stay valid,
 * so matrices created on them keep working). Models call it for you on fit/load.
 *
 * @example
 * ```ts
 * import { init } from 'recwise';
 * const { backend, threads, capabilities } = await init();            // best available: wasm SIMD, threads where possible
 * await init({ backend: 'js' });                                       // plain TypeScript kernels
 * await init({ wasmModule: myModule });                                // edge hosts that import .wasm as a module
 * ```
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  checkOptionKeys('init options', options, INIT_KEYS);
  validate(options);
  // A custom module is its own backend instance: never served from (or cached under) the default-module key.
  const key = options.wasmModule || options.gpu ? undefined : optionsKey(options);
  let result = key ? started.get(key) : undefined;
  if (!result) {
    result = start(options);
    const k = key ?? `custom:${started.size}:${Math.random()}`;
    started.set(k, result);
    result.catch(() => started.delete(k));
    await result;
    activeKey = k;
  } else {
    await result;
    activeKey = key;
  }
  return (await result).info;
}

/**
 * Initialise with defaults unless a backend is already active. Models call this (not `init()`), so a backend the
 * application chose with `init({ backend, threads })` stays in use.
 */
export async function ensureInit(): Promise<void> {
  const result = activeKey ? started.get(activeKey) : undefined;
  if (result && (await result.then(() => true, () => false))) return;
  await init();
}

/** The backend chosen by the last successful {@link init}; the js reference backend before that. */
export async function getBackend(): Promise<Backend> {
  const result = activeKey ? started.get(activeKey) : undefined;
  return result ? (await result).backend : fallback;
}

/** Stop worker threads and release kernel memory of every started backend (tests and short scripts). */
export async function shutdown(): Promise<void> {
  const all = [...started.values()];
  started.clear();
  activeKey = undefined;
  for (const r of all) (await r.catch(() => undefined))?.backend.dispose();
}

// Only the plain-TypeScript backend is built in. The package entries register the others (issue 18): `wasm` by every
// entry (src/entry/setup.ts), `webgpu` by `recwise/webgpu` alone, so an app that never asks for a GPU never ships
// the shaders, and the registry imports no backend (no kernels/registry ↔ wasm/factory ↔ webgpu/factory cycle).
registerBackend('js', { priority: 1, create: async () => createJsBackend() });
