/**
 * Where the kernel module comes from. The package entries register a default source (issue 18):
 * - every entry (`entry/setup.ts`): the `kernels-mt.wasm` asset beside the modules, read by URL (fs for `file:`,
 *   fetch otherwise), unless another source was set first;
 * - `recwise/inline` (`entry/inline.ts`): the bytes embedded as base64, for hosts that cannot serve an asset;
 * - the `workerd`/`edge-light` condition (`entry/workerd.ts`): `kernels.wasm` imported as a module, because workerd
 *   and Vercel Edge refuse to compile bytes.
 * `init({ wasmModule })` overrides them all.
 */

import { importNodeBuiltin } from './node-builtin.ts';
import { BackendUnavailableError } from '../errors.ts';

/** A compiled module or the bytes of one. */
export type WasmSource = WebAssembly.Module | Uint8Array<ArrayBuffer>;

/** The two builds of assembly/: own-memory single-thread, and shared-memory for worker threads. */
export interface WasmSources {
  single: () => WasmSource | Promise<WasmSource>;
  /** Absent where threads are impossible anyway (edge entries). */
  threads?: () => WasmSource | Promise<WasmSource>;
}

let defaultSources: WasmSources | undefined;

/**
 * Called by the package entries; not public API. `fallback`: keep a source an entry set earlier (the asset default
 * must not replace the inline or edge source, whichever entry a module graph evaluates first).
 */
export function setDefaultWasmSources(sources: WasmSources, options: { fallback?: boolean } = {}): void {
  if (options.fallback && defaultSources) return;
  defaultSources = sources;
}

/**
 * The bytes of a kernel asset shipped beside the modules: `file:` URLs (Node, Deno, Bun) through `fs`, which Node's
 * fetch does not serve; anything else (a page, a bundler's asset URL) through `fetch`.
 */
export async function readWasmAsset(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  const fix = "serve the package's kernels-mt.wasm at that URL (copy it with your bundler's asset handling), import 'recwise/inline' (kernels embedded), or pass init({ wasmModule }).";
  try {
    if (url.protocol === 'file:') {
      const fs = await importNodeBuiltin('fs/promises');
      const bytes: Uint8Array = await fs.readFile(url);
      return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    throw new BackendUnavailableError('wasm', `the kernel module ${url.href} could not be read (${(e as Error)?.message ?? e})`, fix);
  }
}

export function getDefaultWasmSources(): WasmSources | undefined {
  return defaultSources;
}

/** Compile bytes, or pass a module through. */
export async function toModule(source: WasmSource): Promise<WebAssembly.Module> {
  return source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
}

function readLeb(b: Uint8Array, p: number): [number, number] {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = b[p++];
    result |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return [result >>> 0, p];
}

/**
 * The single-thread kernel module derived from the threads build: the same bytes with the "shared" bit of the
 * memory import cleared. Atomic read-modify-write instructions stay valid on unshared memory (WebAssembly threads
 * proposal), so the default entry embeds one build instead of two (≈25 KB less gzip).
 */
export function unshareMemoryImport(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  let p = 8; // magic + version
  while (p < out.length) {
    const id = out[p++];
    let size: number;
    [size, p] = readLeb(out, p);
    const end = p + size;
    if (id === 2) {
      let count: number;
      [count, p] = readLeb(out, p);
      for (let i = 0; i < count; i++) {
        let len: number;
        [len, p] = readLeb(out, p); // module name
        p += len;
        [len, p] = readLeb(out, p); // field name
        p += len;
        const kind = out[p++];
        if (kind === 2) {
          out[p] &= ~0x02; // limits flags: bit 1 = shared
          return out;
        }
        throw new Error('recwise: unexpected import in the kernel module');
      }
    }
    p = end;
  }
  throw new Error('recwise: the kernel module has no memory import');
}

/** Decode base64 without Buffer (absent in browsers and workerd) and without a dependency. */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> }).fromBase64;
  if (typeof fromBase64 === 'function') return fromBase64(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
