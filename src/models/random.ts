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

/** Standard normal draws (Box–Muller) from a uniform generator. */
export function normal(next: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** rows × cols values drawn from N(0, std²) (Rendle et al. 2022's iALS initialisation, std = σ/√factors). */
export function normalMatrix(rows: number, cols: number, std: number, next: () => number): Float32Array {
  const draw = normal(next);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = draw() * std;
  return out;
}
