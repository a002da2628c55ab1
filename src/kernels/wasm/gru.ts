/** The `wasm` backend's GRU kernels (assembly/gru.ts): operands copied into linear memory per call. */
import type { GruForward, GruGrads, GruWeights } from '../reference/gru.ts';
import { checkGru } from '../validate-gru.ts';
import type { WasmHeap } from './memory.ts';

type Exports = Record<string, (...a: number[]) => number>;

function putBytes(heap: WasmHeap, bytes: Uint8Array): number {
  const p = heap.alloc(bytes.length);
  new Uint8Array(heap.memory.buffer, p, bytes.length).set(bytes);
  return p;
}

export function wasmGruForward(heap: WasmHeap, x: Exports, w: GruWeights, xs: Float32Array, mask: Uint8Array, T: number, B: number, h0?: Float32Array): GruForward {
  checkGru(w, xs, mask, T, B, h0);
  const H = w.hidden;
  const p = {
    x: heap.put(xs), mask: putBytes(heap, mask), W: heap.put(w.W), U: heap.put(w.U), bx: heap.put(w.bx), bh: heap.put(w.bh),
    h0: h0 ? heap.put(h0) : 0, hs: heap.alloc(T * B * H * 4), cache: heap.alloc(T * B * 16 * H), scratch: heap.alloc(24 * H),
  };
  try {
    heap.f32(p.cache, T * B * 4 * H).fill(0); // padding steps leave their gates unwritten
    x.gruForward(T, B, w.inputs, H, p.x, p.mask, p.W, p.U, p.bx, p.bh, p.h0, p.hs, p.cache, p.scratch);
    return { hs: heap.f32(p.hs, T * B * H).slice(), cache: heap.f32(p.cache, T * B * 4 * H).slice() };
  } finally {
    for (const v of Object.values(p)) if (v) heap.release(v);
  }
}

export function wasmGruBackward(
  heap: WasmHeap, x: Exports, w: GruWeights, grads: GruGrads, xs: Float32Array, mask: Uint8Array, T: number, B: number,
  h0: Float32Array | undefined, fwd: GruForward, dhs: Float32Array,
): { dx: Float32Array; dh0: Float32Array } {
  checkGru(w, xs, mask, T, B, h0, grads, fwd, dhs);
  const E = w.inputs, H = w.hidden;
  const p = {
    x: heap.put(xs), mask: putBytes(heap, mask), W: heap.put(w.W), U: heap.put(w.U), h0: h0 ? heap.put(h0) : 0,
    hs: heap.put(fwd.hs), cache: heap.put(fwd.cache), dhs: heap.put(dhs), dx: heap.alloc(T * B * E * 4),
    dW: heap.put(grads.W), dU: heap.put(grads.U), dbx: heap.put(grads.bx), dbh: heap.put(grads.bh), dh0: heap.alloc(B * H * 4), scratch: heap.alloc(24 * H),
  };
  try {
    heap.f32(p.dx, T * B * E).fill(0);
    heap.f32(p.dh0, B * H).fill(0);
    x.gruBackward(T, B, E, H, p.x, p.mask, p.W, p.U, p.h0, p.hs, p.cache, p.dhs, p.dx, p.dW, p.dU, p.dbx, p.dbh, p.dh0, p.scratch);
    grads.W.set(heap.f32(p.dW, grads.W.length));
    grads.U.set(heap.f32(p.dU, grads.U.length));
    grads.bx.set(heap.f32(p.dbx, grads.bx.length));
    grads.bh.set(heap.f32(p.dbh, grads.bh.length));
    return { dx: heap.f32(p.dx, T * B * E).slice(), dh0: heap.f32(p.dh0, B * H).slice() };
  } finally {
    for (const v of Object.values(p)) if (v) heap.release(v);
  }
}
