/**
 * Where an index keeps its arrays and which code runs its kernels: the active `wasm` backend's linear memory and
 * exports (Backend.kernels, so workerd uses the package's precompiled module), or — on any other backend — a
 * private growable buffer with the same layout, run by the TS reference (src/kernels/reference/hnsw.ts).
 */
import type { Backend } from '../kernels/types.ts';
import { WasmHeap } from '../kernels/wasm/memory.ts';
import { hnswInsertRef, hnswSearchRef, hnswSearchRowsRef } from '../kernels/reference/hnsw.ts';

/** Kernels the indexes call; 'recommendBlock' (fused score → top-k, assembly/recommend.ts) exists on Wasm only. */
export type IndexKernelName = 'hnswInsert' | 'hnswSearch' | 'hnswSearchRows' | 'recommendBlock' | 'exactTopk';

export interface IndexKernels {
  readonly heap: WasmHeap;
  /** Threads runOnThreads can use. */
  readonly threads: number;
  readonly wasm: boolean;
  call(fn: IndexKernelName, args: number[]): number;
  runOnThreads(fn: IndexKernelName, args: number[][]): Promise<number[]>;
  f32(ptr: number, length: number): Float32Array;
  i32(ptr: number, length: number): Int32Array;
  /** Copy `bytes` bytes from src to dst inside the memory. */
  copy(dst: number, src: number, bytes: number): void;
}

const PAGE = 65536;

/** The WebAssembly.Memory surface WasmHeap uses, over a plain ArrayBuffer (grows by copying). */
class HostMemory {
  buffer: ArrayBuffer = new ArrayBuffer(PAGE);
  grow(pages: number): number {
    const old = this.buffer;
    this.buffer = new ArrayBuffer(old.byteLength + pages * PAGE);
    new Uint8Array(this.buffer).set(new Uint8Array(old));
    return old.byteLength / PAGE;
  }
}

const REFERENCE: Record<Exclude<IndexKernelName, 'recommendBlock' | 'exactTopk'>, (buffer: ArrayBufferLike, ...args: number[]) => number | void> = {
  hnswInsert: hnswInsertRef as (b: ArrayBufferLike, ...a: number[]) => number,
  hnswSearch: hnswSearchRef as (b: ArrayBufferLike, ...a: number[]) => number,
  hnswSearchRows: hnswSearchRowsRef as (b: ArrayBufferLike, ...a: number[]) => void,
};

function views(heap: WasmHeap) {
  return {
    f32: (ptr: number, length: number) => heap.f32(ptr, length),
    i32: (ptr: number, length: number) => heap.i32(ptr, length),
    copy: (dst: number, src: number, bytes: number) => {
      new Uint8Array(heap.memory.buffer).copyWithin(dst, src, src + bytes);
    },
  };
}

export function indexKernels(backend: Backend): IndexKernels {
  const k = backend.kernels;
  if (k) {
    return {
      heap: k.heap, threads: k.threads, wasm: true, ...views(k.heap),
      call: (fn, args) => k.exports[fn](...args),
      runOnThreads: (fn, args) => k.runOnThreads(fn, args),
    };
  }
  const memory = new HostMemory();
  const heap = new WasmHeap(memory as unknown as WebAssembly.Memory, 64, Number.MAX_SAFE_INTEGER / PAGE);
  const call = (fn: IndexKernelName, args: number[]) => {
    if (fn === 'recommendBlock' || fn === 'exactTopk') throw new Error(`recwise internal: ${fn} has no host-memory kernel; use the backend.`);
    return (REFERENCE[fn](memory.buffer, ...args) as number) ?? 0;
  };
  return {
    heap, threads: 1, wasm: false, ...views(heap), call,
    runOnThreads: async (fn, args) => args.map((a) => call(fn, a)),
  };
}
