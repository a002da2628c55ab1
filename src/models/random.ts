/** Seeded pseudo-random numbers (mulberry32): fast, 32-bit state, same sequence in every runtime. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows × cols values uniform in [0, scale), implicit's factor initialisation (`rand(n, f) * 0.01`). */
export function uniformMatrix(rows: number, cols: number, scale: number, next: () => number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = next() * scale;
  return out;
}
