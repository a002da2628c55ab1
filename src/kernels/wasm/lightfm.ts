/**
 * Wasm side of hybrid (LightFM) training: parameters live in linear memory for the whole fit, in the padded row
 * layout of assembly/lightfm.ts. One thread walks the shuffled order in sequence (reproducible); several threads
 * claim chunks of it from a shared counter and all update the shared rows without locks (Hogwild).
 */
import type { HybridSession } from '../types.ts';
import { lazyDecay, type HybridData, type HybridParams, type HybridSettings, type HybridStats, type HybridTable } from '../reference/lightfm.ts';
import { checkHybrid, checkOrder } from '../validate-lightfm.ts';
import type { WasmHeap } from './memory.ts';
import type { KernelPool } from './pool.ts';
import { LINE, UNITS_PER_CALL, runClaimed, sampleChunks } from './claimed.ts';

const LOSS_CODE = { logistic: 0, bpr: 1, warp: 2, 'warp-kos': 3 } as const;

type Exports = Record<string, (...a: number[]) => number>;

/** Floats per padded row: components, bias, zeros up to a multiple of 4 (whole f32x4 vectors). */
export function paddedWidth(factors: number): number {
  return (factors + 1 + 3) & ~3;
}

/**
 * One side's parameters in one array: row r holds [weights | accumulator | momentum (adadelta only)], each part dp
 * floats (components, bias in slot d, padding), so an update touches one contiguous span (measured ~15% faster on
 * ml-1m-sized tables than separate arrays, which are not cache-resident there). Adagrad's padding accumulator is 1
 * (its √G divides).
 */
function pack(emb: HybridTable, bias: HybridTable, d: number, dp: number, parts: number, gPad: number): Float32Array {
  const rows = bias.weights.length;
  const stride = parts * dp;
  const out = new Float32Array(rows * stride);
  const tables = [['weights', 0], ['accum', gPad], ['momentum', 0]] as const;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < parts; t++) {
      const [k, pad] = tables[t];
      const at = r * stride + t * dp;
      out.set(emb[k].subarray(r * d, (r + 1) * d), at);
      out[at + d] = bias[k][r];
      if (pad) out.fill(pad, at + d + 1, at + dp);
    }
  }
  return out;
}

function unpack(packed: Float32Array, rows: number, d: number, dp: number, parts: number): [HybridTable, HybridTable] {
  const stride = parts * dp;
  const part = (t: number) => {
    const emb = new Float32Array(rows * d);
    const bias = new Float32Array(rows);
    if (t < parts) {
      for (let r = 0; r < rows; r++) {
        emb.set(packed.subarray(r * stride + t * dp, r * stride + t * dp + d), r * d);
        bias[r] = packed[r * stride + t * dp + d];
      }
    }
    return { emb, bias };
  };
  const W = part(0), G = part(1), M = part(2);
  return [{ weights: W.emb, accum: G.emb, momentum: M.emb }, { weights: W.bias, accum: G.bias, momentum: M.bias }];
}

export function createWasmHybridSession(
  heap: WasmHeap, x: Exports, pool: KernelPool | undefined, params: HybridParams, data: HybridData, s: HybridSettings,
): HybridSession {
  checkHybrid(params, data, s);
  const d = params.factors;
  const dp = paddedWidth(d);
  const nUserRows = params.userBiases.weights.length;
  const nItemRows = params.itemBiases.weights.length;
  const gPad = s.adadelta ? 0 : 1;
  const lazy = lazyDecay(s);
  const ptrs: number[] = [];
  const put = (a: Float32Array | Int32Array) => {
    const p = heap.put(a.length ? a : new Int32Array(1));
    ptrs.push(p);
    return p;
  };
  // adagrad keeps no momentum: its M pointer aliases G and is never written
  const parts = s.adadelta ? 3 : 2;
  const table = (e: HybridTable, b: HybridTable) => {
    const base = put(pack(e, b, d, dp, parts, gPad));
    return [base, base + dp * 4, base + (parts - 1) * dp * 4];
  };
  const [UW, UG, UM] = table(params.userEmbeddings, params.userBiases);
  const [IW, IG, IM] = table(params.itemEmbeddings, params.itemBiases);
  const words = [
    LOSS_CODE[s.loss], s.adadelta ? 1 : 0, dp, d, data.itemFeatures.indptr.length - 1, s.maxSampled, s.k, s.n,
    0, 0, 0, 0, 0, // f32 slots 8..12
    put(data.userFeatures.indptr), put(data.userFeatures.indices), put(data.userFeatures.data),
    put(data.itemFeatures.indptr), put(data.itemFeatures.indices), put(data.itemFeatures.data),
    put(data.positives.indptr), put(data.positives.indices),
    put(data.users), put(data.items), put(data.labels), put(data.weights),
    0, UW, UG, UM, IW, IG, IM, data.users.length, parts * dp * 4,
    lazy ? 1 : 0, 0 /* scales, below */, nUserRows, nItemRows,
  ];
  const ctx = heap.alloc(words.length * 4);
  // LightFM's lazy L2 scales (f64 item, f64 user), then the lock of their mid-epoch regularize and the count of threads
  // training (assembly/lightfm.ts lazyScales)
  const scales = heap.alloc(LINE);
  new Float64Array(heap.memory.buffer, scales, 2).fill(1);
  words[35] = scales;
  ptrs.push(ctx, scales);
  const writeCtx = (order: number) => {
    const w = heap.i32(ctx, words.length);
    w.set(words);
    w[25] = order;
    const f = heap.f32(ctx, words.length);
    f[8] = s.learningRate;
    f[9] = s.rho;
    f[10] = s.epsilon;
    f[11] = s.itemAlpha;
    f[12] = s.userAlpha;
  };
  const maxThreads = pool?.threads ?? 1;
  // Per-thread blocks are whole multiples of 128 bytes: the random state is written on every draw, and two threads
  // sharing its cache line would bounce the line between cores (false sharing).
  const scratchBytes = Math.ceil((6 * dp * 4 + 2 * s.n * 4) / LINE) * LINE;
  const scratch = heap.alloc(maxThreads * scratchBytes + LINE);
  const state = heap.alloc(maxThreads * LINE + LINE); // per thread: rng u32 at +0, stats (updates, sampled, loss f64) at +16
  const counter = heap.alloc(LINE); // next unclaimed example of the epoch (multi-thread epochs)
  ptrs.push(scratch, state, counter);
  let disposed = false;
  const live = () => {
    if (disposed) throw new TypeError('recwise: this training session was disposed.');
  };

  return {
    threads: maxThreads,
    async epoch(order, seeds) {
      live();
      checkOrder(order, data, s);
      const threads = Math.max(1, Math.min(seeds.length, maxThreads, order.length || 1));
      const orderPtr = heap.put(order.length ? order : new Int32Array(1));
      try {
        writeCtx(orderPtr);
        // no thread trains between epochs: lock and count start at 0 (even after an epoch a worker failed in)
        heap.i32(scales + 16, 2).fill(0);
        for (let t = 0; t < threads; t++) {
          new Uint32Array(heap.memory.buffer, state + t * LINE, 1)[0] = seeds[t] || 0x2545f491;
          heap.i32(state + t * LINE + 16, 4).fill(0);
        }
        const perExample = dp * (s.loss === 'logistic' ? 4 : s.maxSampled + 3 + (s.loss === 'warp-kos' ? s.n : 0));
        const step = Math.max(64, Math.floor(UNITS_PER_CALL / perExample));
        const args = (a: number, b: number, t: number) => [ctx, a, b, scratch + t * scratchBytes, state + t * LINE, state + t * LINE + 16];
        if (threads === 1) {
          for (let a = 0; a < order.length; a += step) x.lightfmEpoch(...args(a, Math.min(order.length, a + step), 0));
        } else {
          // Examples claimed in chunks (claimed.ts).
          const { share, perCall, calls } = sampleChunks(order.length, step, threads, 128);
          heap.i32(counter, 1)[0] = 0;
          await runClaimed(x, pool, 'lightfmEpochClaim', threads, calls,
            (t) => [ctx, counter, order.length, share, perCall, scratch + t * scratchBytes, state + t * LINE, state + t * LINE + 16]);
        }
        // LightFM regularizes at the end of every epoch (fit_* end with regularize()), so the weights read are decayed
        if (lazy) x.lightfmRegularize(ctx);
        const out: HybridStats = { updates: 0, sampled: 0, loss: 0 };
        for (let t = 0; t < threads; t++) {
          const w = heap.i32(state + t * LINE + 16, 2);
          out.updates += w[0];
          out.sampled += w[1];
          out.loss += new Float64Array(heap.memory.buffer, state + t * LINE + 24, 1)[0];
        }
        return out;
      } finally {
        heap.release(orderPtr);
      }
    },
    allFinite(): boolean {
      live();
      return x.allFinite(UW, nUserRows * parts * dp) === 1 && x.allFinite(IW, nItemRows * parts * dp) === 1;
    },
    read(): HybridParams {
      live();
      const [userEmbeddings, userBiases] = unpack(heap.f32(UW, nUserRows * parts * dp), nUserRows, d, dp, parts);
      const [itemEmbeddings, itemBiases] = unpack(heap.f32(IW, nItemRows * parts * dp), nItemRows, d, dp, parts);
      return { factors: d, userEmbeddings, userBiases, itemEmbeddings, itemBiases };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of ptrs) heap.release(p);
    },
  };
}
