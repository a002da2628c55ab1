// Model-file bytes as an attacker edits them: CRC-32 to re-sign an edited file, and a seeded PRNG (shared by the
// io cases and the fuzz suite).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Make both checksums of an edited file right again, so the edit reaches the payload checks. */
export function resign(file: Uint8Array): Uint8Array {
  if (file.length < 32) return file;
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const declared = v.getUint32(16, true) + v.getUint32(20, true) * 2 ** 32;
  v.setUint32(24, crc(file.subarray(32, Math.min(file.length, 32 + declared))), true);
  v.setUint32(28, crc(file.subarray(0, 28)), true);
  return file;
}

/** Deterministic 32-bit PRNG (mulberry32), so every runtime fuzzes the same files. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

