/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF): the checksum of zlib, PNG
 * and gzip, so a file can be checked with standard tools. Slicing-by-8 tables (Intel, "A Systematic Approach to
 * Building High Performance Software-Based CRC Generators", 2005) make it fast enough for multi-megabyte models.
 */
import { nodeZlib } from '../runtime/zlib.ts';

let tables: Uint32Array[] | undefined;

function buildTables(): Uint32Array[] {
  const t: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0][n];
    for (let s = 1; s < 8; s++) {
      c = t[0][c & 0xff] ^ (c >>> 8);
      t[s][n] = c >>> 0;
    }
  }
  return t;
}

/**
 * CRC-32 of `bytes`. `crc32(new TextEncoder().encode('123456789')) === 0xcbf43926` (the standard check value).
 */
export function crc32(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = (tables ??= buildTables());
  let c = 0xffffffff;
  let i = 0;
  const n = bytes.length;
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const a = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[bytes[i + 4]] ^ t2[bytes[i + 5]] ^ t1[bytes[i + 6]] ^ t0[bytes[i + 7]];
  }
  for (; i < n; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type Crc32 = (bytes: Uint8Array) => number;
let native: Promise<Crc32 | undefined> | undefined;

/**
 * The runtime's native CRC-32 where it has one (`node:zlib`'s `crc32`: Node ≥ 20.15 and 22.2, and Deno/Bun where
 * they provide it; zlib's SIMD code is ~8× the tables above: 0.34 s → 0.05 s on a 275 MB .npz, issue 23),
 * else {@link crc32}. Same values either way (test/unit/interop-fast-paths.test.ts).
 */
export function fastCrc32(): Promise<Crc32> {
  native ??= nodeZlib().then((z) => {
    const f = z?.crc32;
    // a check value guards against a partial polyfill
    return typeof f === 'function' && f(new TextEncoder().encode('123456789')) === 0xcbf43926 ? (b: Uint8Array) => f(b) >>> 0 : undefined;
  });
  return native.then((f) => f ?? crc32);
}
