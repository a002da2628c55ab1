/**
 * The runtime's zlib (`node:zlib`: Node, Deno, Bun), where it has one: native CRC-32 and inflate for large archives
 * (issue 23). Browsers and workerd get undefined and the callers use their portable code (tables, DecompressionStream).
 */
import { detectCapabilities } from './capabilities.ts';
import { importNodeBuiltin } from './node-builtin.ts';

/** The parts of `node:zlib` used, typed locally (src is compiled without @types/node). */
export interface NodeZlib {
  crc32?: (bytes: Uint8Array, value?: number) => number;
  inflateRaw: (data: Uint8Array, options: { chunkSize: number; maxOutputLength: number }, done: (error: Error | null, out: Uint8Array) => void) => void;
}

let zlib: Promise<NodeZlib | undefined> | undefined;

/** `node:zlib`, or undefined where the runtime has no file system (browsers, workerd) or no such module. */
export function nodeZlib(): Promise<NodeZlib | undefined> {
  zlib ??= (async () => {
    try {
      if (!(await detectCapabilities()).fileSystem) return undefined;
      const m = await importNodeBuiltin('zlib');
      const z = (typeof m.inflateRaw === 'function' ? m : m.default) as NodeZlib;
      return typeof z?.inflateRaw === 'function' ? z : undefined;
    } catch {
      return undefined;
    }
  })();
  return zlib;
}
