/**
 * IEEE 754 binary16 ("half") conversion for f16 tensor storage. Written out because `Float16Array` and
 * `Math.f16round` are missing from Node 20 and older browsers. float32 → float16 rounds to nearest, ties to even,
 * from the float32 bits (no double rounding through float64), and keeps ±0, ±Infinity, NaN (quiet, top payload bits
 * kept) and subnormals; magnitudes at or above 65520 overflow to Infinity, as IEEE rounding requires.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16 bits of a float32 given as its bits. */
export function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00; // NaN stays NaN (quiet bit set)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → ±Infinity
  if (e <= 0) {
    // Subnormal half: h = m · 2^(e−14) with the implicit bit restored; below 2^-25 everything rounds to ±0.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h; // a carry to 0x400 is exactly the smallest normal
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is correct (up to Infinity)
  return sign | h;
}

/** float32 value of float16 bits. */
export function f16ToF32Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) {
    if (!mant) return sign * Infinity;
    u32[0] = ((h & 0x8000) << 16) | 0x7f800000 | (mant << 13);
    return f32[0];
  }
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let decodeTable: Float32Array | undefined;

/** float32 values → float16 bits. */
export function encodeFloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]);
  return out;
}

/** float16 bits → float32 values (exact: every float16 is a float32). */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) decodeTable[h] = f16ToF32Value(h);
  }
  const t = decodeTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}
