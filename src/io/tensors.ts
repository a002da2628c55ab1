/**
 * Typed arrays ↔ little-endian bytes with a declared dtype and shape. The file stores every array as raw
 * little-endian bytes (msgpack `bin`), never as msgpack number arrays: 4 bytes per f32 instead of 5, and no
 * per-number decode. Decoding checks dtype, shape and byte length against each other before it allocates.
 */
import type { TensorArray } from '../models/registry.ts';
import { ModelFileError } from '../errors.ts';
import { decodeFloat16, encodeFloat16 } from './float16.ts';

/** Element types a file can declare. `f16` is a storage type: it decodes to a Float32Array. */
export type Dtype = 'f32' | 'f16' | 'f64' | 'i32' | 'u32' | 'u8';

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { f32: 4, f16: 2, f64: 8, i32: 4, u32: 4, u8: 1 };

/** A tensor as stored: `{ dtype, shape, data }`, data the little-endian bytes. */
export interface StoredTensor {
  dtype: Dtype;
  shape: number[];
  data: Uint8Array;
}

/** Largest element count of one tensor (2^31 − 1: typed-array indices stay int32 in every engine). */
export const MAX_ELEMENTS = 0x7fffffff;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function dtypeOf(a: TensorArray): Dtype | undefined {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint8Array) return 'u8';
  return undefined;
}

/** Copy of the array's bytes in little-endian order. */
function leBytes(a: ArrayBufferView, width: number): Uint8Array {
  const src = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = src.slice();
  if (!LITTLE_ENDIAN && width > 1) {
    for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  }
  return out;
}

/** Aligned, native-order copy of little-endian bytes. */
function nativeBytes(le: Uint8Array, width: number): ArrayBuffer {
  const out = le.slice(); // always a fresh, aligned buffer: the file's bytes may be reused or unaligned
  if (!LITTLE_ENDIAN && width > 1) {
    for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  }
  return out.buffer;
}

/** Store a typed array; `f16` converts a Float32Array to half precision. */
export function encodeTensor(a: TensorArray, shape: number[], f16: boolean): StoredTensor {
  const dtype = dtypeOf(a)!;
  if (f16 && dtype === 'f32') return { dtype: 'f16', shape, data: leBytes(encodeFloat16(a as Float32Array), 2) };
  return { dtype, shape, data: leBytes(a, DTYPE_BYTES[dtype]) };
}

/**
 * Check a stored tensor's declaration (dtype known, shape of non-negative integers, product = byte length / width)
 * and decode it. `field` names it in errors.
 */
export function decodeTensor(t: unknown, field: string): { array: TensorArray; shape: number[]; dtype: Dtype } {
  if (t === null || typeof t !== 'object' || Array.isArray(t) || ArrayBuffer.isView(t)) {
    throw new ModelFileError('MODEL_FILE_INVALID', field, t, 'expected a tensor { dtype, shape, data }');
  }
  const { dtype, shape, data } = t as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw new ModelFileError('MODEL_FILE_INVALID', `${field}.dtype`, dtype, `expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.length > 8) {
    throw new ModelFileError('MODEL_FILE_INVALID', `${field}.shape`, shape, 'expected an array of at most 8 dimensions');
  }
  let count = 1;
  for (const d of shape) {
    if (!(Number.isSafeInteger(d) && d >= 0 && d <= MAX_ELEMENTS)) {
      throw new ModelFileError('MODEL_FILE_INVALID', `${field}.shape`, shape, 'expected non-negative integer dimensions');
    }
    count *= d;
    if (count > MAX_ELEMENTS) throw new ModelFileError('MODEL_FILE_INVALID', `${field}.shape`, shape, `more than ${MAX_ELEMENTS} elements`);
  }
  if (!(data instanceof Uint8Array)) {
    throw new ModelFileError('MODEL_FILE_INVALID', `${field}.data`, data, 'expected binary data (msgpack bin)');
  }
  const width = DTYPE_BYTES[dtype as Dtype];
  if (data.byteLength !== count * width) {
    throw new ModelFileError('MODEL_FILE_INVALID', `${field}.data`, data.byteLength, `byte length must be shape product ${count} × ${width} bytes (${dtype})`);
  }
  const buf = nativeBytes(data, width);
  let array: TensorArray;
  switch (dtype as Dtype) {
    case 'f32': array = new Float32Array(buf); break;
    case 'f16': array = decodeFloat16(new Uint16Array(buf)); break;
    case 'f64': array = new Float64Array(buf); break;
    case 'i32': array = new Int32Array(buf); break;
    case 'u32': array = new Uint32Array(buf); break;
    default: array = new Uint8Array(buf); break;
  }
  return { array, shape: shape.slice() as number[], dtype: dtype as Dtype };
}
