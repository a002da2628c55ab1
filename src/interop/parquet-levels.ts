/**
 * Checking a Parquet level stream (the RLE / bit-packed hybrid of
 * https://parquet.apache.org/docs/file-format/data-pages/encodings/#run-length-encoding--bit-packing-hybrid-rle--3)
 * against the levels a Spark factor file must have, without decoding it: every definition level at its maximum
 * (no nulls), and repetition levels 0 exactly where a row of `width` values starts. Bit-packed runs are compared a
 * byte at a time with the expected bytes, run-length runs arithmetically; decoding the levels into arrays and
 * checking those was a fifth of a 1M × 64 import (issue 23). A `false` answer says only "not certainly as
 * expected": the caller then decodes the levels and reports exactly where they differ.
 */

/** Values a level stream must hold: one value throughout, or the row starts of rows of `width` values. */
export type LevelPattern = { value: number } | { width: number; phase: number };

/**
 * Whether the `count` levels encoded in `bytes[start, end)` with `bitWidth` bits each all match `pattern` (rows:
 * value `phase + k` is a row start, level 0, exactly when it is a multiple of `width`; bit width 1 only). False on
 * any mismatch, a stream that ends early, or a form this does not check (then decode it).
 */
export function levelsMatch(bytes: Uint8Array, start: number, end: number, bitWidth: number, count: number, pattern: LevelPattern): boolean {
  if (!(start >= 0 && end <= bytes.length && bitWidth >= 1 && bitWidth <= 8)) return false;
  const rows = 'width' in pattern;
  if (rows && (bitWidth !== 1 || !(pattern.width >= 1))) return false;
  const width = rows ? pattern.width : 0;
  const value = rows ? 0 : pattern.value;
  // rows: the expected byte of 8 levels starting at phase w (bit i = level of value w + i, LSB first)
  const rowBytes = rows ? rowStartBytes(width) : undefined;
  // one value: the bitWidth bytes that pack 8 copies of it
  const packed = rows ? undefined : packEight(value, bitWidth);
  let w = rows ? pattern.phase % width : 0;
  let p = start;
  let seen = 0;
  while (seen < count) {
    // varint run header
    let header = 0;
    let shift = 0;
    for (;;) {
      if (p >= end || shift > 28) return false;
      const b = bytes[p++];
      header |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    header >>>= 0;
    if (header & 1) {
      // bit-packed: (header >> 1) groups of 8 values in bitWidth bytes each
      const groups = header >>> 1;
      if (groups === 0 || p + groups * bitWidth > end) return false;
      for (let g = 0; g < groups && seen < count; g++, p += bitWidth) {
        const m = Math.min(8, count - seen); // values of this group that count (the rest is padding)
        if (rows) {
          const diff = bytes[p] ^ rowBytes![w];
          if (m === 8 ? diff !== 0 : (diff & ((1 << m) - 1)) !== 0) return false;
          w += m;
          while (w >= width) w -= width;
        } else if (m === 8) {
          for (let b = 0; b < bitWidth; b++) if (bytes[p + b] !== packed![b]) return false;
        } else {
          for (let k = 0; k < m; k++) if (bitsAt(bytes, p, k * bitWidth, bitWidth) !== value) return false;
        }
        seen += m;
      }
      if (seen >= count) return true; // the rest of this run is padding
      continue;
    }
    // run-length: (header >> 1) copies of one value stored in ceil(bitWidth / 8) bytes (one byte here)
    const run = Math.min(header >>> 1, count - seen);
    if (run === 0 || p >= end) return false;
    const v = bytes[p++];
    if (rows) {
      // ones must stay inside one row; zeros are all row starts (rows of one value, or a single zero at a start)
      if (v === 1 ? !(w !== 0 && w + run <= width) : v === 0 ? !(width === 1 || (run === 1 && w === 0)) : true) return false;
      w = (w + run) % width;
    } else if (v !== value) return false;
    seen += run;
  }
  return true;
}

/** `bits` bits at bit offset `at` of the little-endian bit stream starting at `bytes[p]`. */
function bitsAt(bytes: Uint8Array, p: number, at: number, bits: number): number {
  let out = 0;
  for (let k = 0; k < bits; k++) {
    const bit = at + k;
    out |= ((bytes[p + (bit >>> 3)] >>> (bit & 7)) & 1) << k;
  }
  return out;
}

const rowTables = new Map<number, Uint8Array>();

/** For each phase w < width, the byte of 8 repetition levels starting w values into a row. */
function rowStartBytes(width: number): Uint8Array {
  let t = rowTables.get(width);
  if (!t) {
    t = new Uint8Array(width);
    for (let w = 0; w < width; w++) {
      let b = 0;
      for (let i = 0; i < 8; i++) if ((w + i) % width !== 0) b |= 1 << i;
      t[w] = b;
    }
    if (rowTables.size < 64) rowTables.set(width, t);
  }
  return t;
}

/** 8 copies of `value` bit-packed at `bitWidth` bits: `bitWidth` bytes. */
function packEight(value: number, bitWidth: number): Uint8Array {
  const out = new Uint8Array(bitWidth);
  for (let k = 0; k < 8; k++) {
    for (let b = 0; b < bitWidth; b++) {
      const bit = k * bitWidth + b;
      if ((value >>> b) & 1) out[bit >>> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}
