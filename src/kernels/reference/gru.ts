/**
 * Reference for assembly/gru.ts (the spec): a GRU layer over a masked, time-major batch of sequences, forward and
 * backward. Gate equations as PyTorch's nn.GRU / cuDNN (Cho et al. 2014, with the reset gate applied after the
 * recurrent product, which LibRecommender's RNN4Rec uses through torch.nn.GRU):
 *
 *   r = σ(x·W_r + bx_r + h·U_r + bh_r)
 *   z = σ(x·W_z + bx_z + h·U_z + bh_z)
 *   n = tanh(x·W_n + bx_n + r ⊙ (h·U_n + bh_n))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Where mask[t, b] = 0 (padding) the state is carried unchanged: h'_b = h_b, so a row's last state is its state
 * after its last real item wherever the padding sits. Layouts (row-major): x T×B×E, mask T×B, W E×3H, U H×3H,
 * bx and bh 3H (gate blocks in the order r, z, n), h0 B×H, hs T×B×H (state after each step), cache T×B×4H
 * (r, z, n and hn = h·U_n + bh_n per active step, what backward needs).
 */

/** The learned tensors of a GRU layer (shapes in the module comment). */
export interface GruWeights {
  readonly inputs: number;
  readonly hidden: number;
  readonly W: Float32Array;
  readonly U: Float32Array;
  readonly bx: Float32Array;
  readonly bh: Float32Array;
}

/** Gradient buffers with {@link GruWeights}' shapes; backward ADDS into them. */
export interface GruGrads {
  readonly W: Float32Array;
  readonly U: Float32Array;
  readonly bx: Float32Array;
  readonly bh: Float32Array;
}

/** Forward result: hs (T×B×H) and the gate cache (T×B×4H). */
export interface GruForward {
  readonly hs: Float32Array;
  readonly cache: Float32Array;
}

export const sigmoidRef = (v: number): number => 1 / (1 + Math.exp(-v));

/** Forward over T steps; `h0` (B×H) defaults to zeros. */
export function gruForwardRef(w: GruWeights, x: Float32Array, mask: Uint8Array, T: number, B: number, h0?: Float32Array): GruForward {
  const E = w.inputs, H = w.hidden, G = 3 * H;
  const hs = new Float32Array(T * B * H);
  const cache = new Float32Array(T * B * 4 * H);
  const gx = new Float64Array(G), gh = new Float64Array(G);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const prev = t === 0 ? h0 : hs;
      const po = t === 0 ? b * H : ((t - 1) * B + b) * H;
      const out = (t * B + b) * H;
      if (!mask[t * B + b]) {
        for (let j = 0; j < H; j++) hs[out + j] = prev ? prev[po + j] : 0;
        continue;
      }
      const xo = (t * B + b) * E;
      for (let j = 0; j < G; j++) {
        let s = w.bx[j];
        for (let e = 0; e < E; e++) s += x[xo + e] * w.W[e * G + j];
        gx[j] = s;
        let q = w.bh[j];
        if (prev) for (let k = 0; k < H; k++) q += prev[po + k] * w.U[k * G + j];
        gh[j] = q;
      }
      const co = (t * B + b) * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = Math.fround(sigmoidRef(gx[j] + gh[j]));
        const z = Math.fround(sigmoidRef(gx[H + j] + gh[H + j]));
        const hn = Math.fround(gh[2 * H + j]);
        const n = Math.fround(Math.tanh(gx[2 * H + j] + r * hn));
        const hp = prev ? prev[po + j] : 0;
        hs[out + j] = (1 - z) * n + z * hp;
        cache[co + j] = r;
        cache[co + H + j] = z;
        cache[co + 2 * H + j] = n;
        cache[co + 3 * H + j] = hn;
      }
    }
  }
  return { hs, cache };
}

/**
 * Backward: `dhs` (T×B×H) is the loss gradient w.r.t. each step's output state (often only the last step is
 * non-zero). Adds the weight gradients into `grads`; returns dx (T×B×E) and dh0 (B×H).
 */
export function gruBackwardRef(
  w: GruWeights, grads: GruGrads, x: Float32Array, mask: Uint8Array, T: number, B: number,
  h0: Float32Array | undefined, fwd: GruForward, dhs: Float32Array,
): { dx: Float32Array; dh0: Float32Array } {
  const E = w.inputs, H = w.hidden, G = 3 * H;
  const dx = new Float32Array(T * B * E);
  const carry = new Float64Array(B * H);
  const dgx = new Float64Array(G), dgh = new Float64Array(G);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const ho = (t * B + b) * H;
      const cb = b * H;
      for (let j = 0; j < H; j++) carry[cb + j] += dhs[ho + j];
      if (!mask[t * B + b]) continue; // state passed through: its gradient flows to h_{t-1} unchanged
      const prev = t === 0 ? h0 : fwd.hs;
      const po = t === 0 ? b * H : ((t - 1) * B + b) * H;
      const co = (t * B + b) * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = fwd.cache[co + j], z = fwd.cache[co + H + j], n = fwd.cache[co + 2 * H + j], hn = fwd.cache[co + 3 * H + j];
        const hp = prev ? prev[po + j] : 0;
        const dh = carry[cb + j];
        const dan = dh * (1 - z) * (1 - n * n);
        const daz = dh * (hp - n) * z * (1 - z);
        const dar = dan * hn * r * (1 - r);
        dgx[j] = dar; dgx[H + j] = daz; dgx[2 * H + j] = dan;
        dgh[j] = dar; dgh[H + j] = daz; dgh[2 * H + j] = dan * r;
        carry[cb + j] = dh * z;
      }
      const xo = (t * B + b) * E;
      for (let e = 0; e < E; e++) {
        let s = 0;
        const xe = x[xo + e];
        for (let j = 0; j < G; j++) {
          s += dgx[j] * w.W[e * G + j];
          grads.W[e * G + j] += xe * dgx[j];
        }
        dx[xo + e] = s;
      }
      for (let j = 0; j < G; j++) {
        grads.bx[j] += dgx[j];
        grads.bh[j] += dgh[j];
      }
      for (let k = 0; k < H; k++) {
        let s = 0;
        const hk = prev ? prev[po + k] : 0;
        for (let j = 0; j < G; j++) {
          s += dgh[j] * w.U[k * G + j];
          grads.U[k * G + j] += hk * dgh[j];
        }
        carry[cb + k] += s;
      }
    }
  }
  return { dx, dh0: Float32Array.from(carry) };
}
