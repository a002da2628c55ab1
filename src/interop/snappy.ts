/**
 * Snappy decompression (the format of https://github.com/google/snappy/blob/main/format_description.txt), for the
 * Parquet pages of Spark's factor files (parquet-columns.ts). hyparquet's decoder copies literals byte by byte, which
 * was a third of a 1M × 64 import (issue 23): here literals and non-overlapping back-references are block copies.
 */

/**
 * Decompress `input` into `size` bytes: a new array, or `into` (exactly `size` bytes long, e.g. a window of the final
 * factor matrix, so pages need no buffer of their own). Throws on a malformed stream or a size mismatch.
 */
export function snappyDecompress(input: Uint8Array, size: number, into?: Uint8Array): Uint8Array {
  if (into && into.length !== size) throw new Error(`snappy: a ${into.length}-byte target for ${size} bytes`);
  const out = into ?? new Uint8Array(size);
  const n = input.length;
  let pos = 0;
  // preamble: the uncompressed length as a varint
  while (pos < n && input[pos++] & 0x80);
  let at = 0;
  while (pos < n) {
    const tag = input[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (pos + bytes > n) throw new Error('snappy: literal length past the end of the input');
        len = 0;
        for (let b = 0; b < bytes; b++) len |= input[pos + b] << (8 * b);
        len = (len >>> 0) + 1;
        pos += bytes;
      }
      if (pos + len > n || at + len > size) throw new Error('snappy: literal past the end of the input or output');
      if (len > 16) out.set(input.subarray(pos, pos + len), at);
      else for (let k = 0; k < len; k++) out[at + k] = input[pos + k];
      pos += len;
      at += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= n) throw new Error('snappy: copy past the end of the input');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos++];
    } else if (kind === 2) {
      if (pos + 2 > n) throw new Error('snappy: copy past the end of the input');
      len = (tag >>> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8);
      pos += 2;
    } else {
      if (pos + 4 > n) throw new Error('snappy: copy past the end of the input');
      len = (tag >>> 2) + 1;
      offset = (input[pos] | (input[pos + 1] << 8) | (input[pos + 2] << 16) | (input[pos + 3] << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > at || at + len > size) throw new Error(`snappy: invalid copy (offset ${offset} at ${at}, length ${len})`);
    // overlapping copies repeat a pattern: byte by byte, as the format defines them
    if (offset >= len) out.copyWithin(at, at - offset, at - offset + len);
    else for (let k = 0; k < len; k++) out[at + k] = out[at - offset + k];
    at += len;
  }
  if (at !== size) throw new Error(`snappy: ${at} bytes decompressed, the page header says ${size}`);
  return out;
}
