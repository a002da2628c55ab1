/**
 * The fixed 32-byte prelude of a model file, readable before anything else is decoded or allocated:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0  | 8 | magic `RECWISE\0` (52 45 43 57 49 53 45 00) |
 * | 8  | 2 | format version, u16 LE (bytes 0–9 keep this layout in every future version) |
 * | 10 | 2 | flags, u16 LE: bit 0 resumable profile, bit 1 some tensor stored as f16; other bits 0 |
 * | 12 | 4 | header length, u32 LE: bytes before the payload (32 in version 1) |
 * | 16 | 8 | payload length, u64 LE (below 2^53) |
 * | 24 | 4 | CRC-32 of the payload |
 * | 28 | 4 | CRC-32 of bytes 0–27 |
 *
 * The file is exactly header length + payload length bytes: trailing bytes are an error too, so a file that was
 * appended to or concatenated is caught.
 */
import { IncompatibleModelFileError, ModelFileError } from '../errors.ts';
import { crc32 } from './crc32.ts';

export const MAGIC = Uint8Array.of(0x52, 0x45, 0x43, 0x57, 0x49, 0x53, 0x45, 0x00);
/** The format version this build writes. */
export const MODEL_FORMAT_VERSION = 1;
/** Versions this build reads (inclusive). */
export const SUPPORTED_VERSIONS: readonly [number, number] = [1, 1];
export const PRELUDE_BYTES = 32;
export const FLAG_RESUMABLE = 1;
export const FLAG_F16 = 2;
const KNOWN_FLAGS = FLAG_RESUMABLE | FLAG_F16;

export interface Prelude {
  version: number;
  flags: number;
  headerLength: number;
  payloadLength: number;
  payloadCrc: number;
}

export function writePrelude(flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(PRELUDE_BYTES);
  out.set(MAGIC, 0);
  const v = new DataView(out.buffer);
  v.setUint16(8, MODEL_FORMAT_VERSION, true);
  v.setUint16(10, flags, true);
  v.setUint32(12, PRELUDE_BYTES, true);
  v.setUint32(16, payload.length >>> 0, true);
  v.setUint32(20, Math.floor(payload.length / 2 ** 32), true);
  v.setUint32(24, crc32(payload), true);
  v.setUint32(28, crc32(out.subarray(0, 28)), true);
  return out;
}

const truncated = (have: number, need: number, what: string) =>
  new ModelFileError('MODEL_FILE_TRUNCATED', 'length', have, `the file is truncated: ${need} bytes needed for ${what}`, 'the file was cut short (an interrupted download or copy): fetch or copy it again, or re-save the model.');

/**
 * Check what the first bytes can tell (magic, then version once 10 bytes are there): enough to reject a foreign
 * file or a newer version while it is still streaming in.
 */
export function checkStart(bytes: Uint8Array): void {
  const n = Math.min(bytes.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new ModelFileError('MODEL_FILE_MAGIC', 'magic', String.fromCharCode(...bytes.subarray(0, n)), 'not a recwise model file (it does not start with "RECWISE\\0")', 'pass a file written by saveModel(); check the path or URL.');
    }
  }
  if (bytes.length >= 10) {
    const version = bytes[8] | (bytes[9] << 8);
    if (version < SUPPORTED_VERSIONS[0] || version > SUPPORTED_VERSIONS[1]) throw new IncompatibleModelFileError(version, SUPPORTED_VERSIONS);
  }
}

/**
 * Check the prelude of `bytes` (the whole file, or its first bytes while streaming with `partial`). Order: magic,
 * version, header checksum, header length, flags, declared lengths against the bytes present. Nothing here
 * allocates more than a few bytes.
 */
export function readPrelude(bytes: Uint8Array, partial = false): Prelude {
  checkStart(bytes);
  if (bytes.length < 10) throw truncated(bytes.length, PRELUDE_BYTES, 'the header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint16(8, true);
  if (bytes.length < PRELUDE_BYTES) throw truncated(bytes.length, PRELUDE_BYTES, 'the header');
  const headerCrc = v.getUint32(28, true);
  if (crc32(bytes.subarray(0, 28)) !== headerCrc) {
    throw new ModelFileError('MODEL_FILE_CHECKSUM', 'headerChecksum', headerCrc, 'the header checksum does not match: the file is damaged');
  }
  const flags = v.getUint16(10, true);
  const headerLength = v.getUint32(12, true);
  const lo = v.getUint32(16, true);
  const hi = v.getUint32(20, true);
  const payloadCrc = v.getUint32(24, true);
  if (headerLength !== PRELUDE_BYTES) throw new ModelFileError('MODEL_FILE_INVALID', 'headerLength', headerLength, `expected ${PRELUDE_BYTES} in format version ${version}`);
  if (flags & ~KNOWN_FLAGS) throw new ModelFileError('MODEL_FILE_INVALID', 'flags', flags, `unknown flag bits (version ${version} knows ${KNOWN_FLAGS})`);
  if (hi >= 2 ** 21) throw new ModelFileError('MODEL_FILE_INVALID', 'payloadLength', hi * 2 ** 32 + lo, 'larger than 2^53 bytes');
  const payloadLength = hi * 2 ** 32 + lo;
  const total = headerLength + payloadLength;
  if (!partial) {
    if (bytes.length < total) {
      throw new ModelFileError('MODEL_FILE_TRUNCATED', 'payloadLength', payloadLength, `the header declares ${total} bytes but the file has ${bytes.length}: it is truncated`, 'the file was cut short (an interrupted download or copy): fetch or copy it again, or re-save the model.');
    }
    if (bytes.length > total) {
      throw new ModelFileError('MODEL_FILE_TRAILING', 'payloadLength', payloadLength, `the header declares ${total} bytes but the file has ${bytes.length}: extra bytes follow the payload`, 'pass exactly one model file (it may have been appended to or concatenated).');
    }
  }
  return { version, flags, headerLength, payloadLength, payloadCrc };
}

/** Payload of a checked file: verifies the payload checksum. */
export function checkedPayload(bytes: Uint8Array, p: Prelude): Uint8Array {
  const payload = bytes.subarray(p.headerLength, p.headerLength + p.payloadLength);
  const crc = crc32(payload);
  if (crc !== p.payloadCrc) {
    throw new ModelFileError('MODEL_FILE_CHECKSUM', 'payloadChecksum', crc, `the payload checksum is ${crc.toString(16).padStart(8, '0')}, the header says ${p.payloadCrc.toString(16).padStart(8, '0')}: the file is damaged`);
  }
  return payload;
}
