/**
 * Typed arrays ↔ little-endian bytes with a declared dtype and shape. The file stores every array as raw
 * little-endian bytes (msgpack `bin`), never as msgpack number arrays: 4 bytes per f32 instead of 5, and no
 * per-number decode. Decoding checks dtype, shape and byte length against each other before it allocates.
 */
import type { TensorArray } from '../models/registry.ts';
import { ModelFileError } from '../errors.ts';
import { decodeFloat16, encodeFloat16 } from './float16.ts';

/**
 * Element types a file can declare. `f16` and `q8` are storage types: they decode to a Float32Array. `q8` (precision
 * 'int8', issue 10) holds signed bytes with one f32 scale per row (first dimension) in the tensor's `scale` field:
 * value = byte × scale[row].
 */
export type Dtype = 'f32' | 'f16' | 'f64' | 'i32' | 'u32' | 'u8' | 'q8';

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { f32: 4, f16: 2, f64: 8, i32: 4, u32: 4, u8: 1, q8: 1 };

/** A tensor as stored: `{ dtype, shape, data }`, data the little-endian bytes. */
export interface StoredTensor {
  dtype: Dtype;
  shape: number[];
  data: Uint8Array;
  /** q8 only: one little-endian f32 scale per row. */
  scale?: Uint8Array;
}

/**
 * Symmetric per-row int8 quantisation: scale = max |x| / 127 of the row, byte = round(x / scale). The error of an
 * element is at most scale / 2, i.e. 0.4% of the row's largest magnitude. Rows with a non-finite value cannot be
 * quantised: the caller stores such tensors unquantised (returns undefined).
 */
function quantiseRows(a: Float32Array, rows: number): { q: Int8Array; scale: Float32Array } | undefined {
  const cols = rows ? a.length / rows : 0;
  const q = new Int8Array(a.length);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) {
      const v = Math.abs(a[j]);
      if (!Number.isFinite(v)) return undefined;
      if (v > max) max = v;
    }
    const s = Math.fround(max / 127);
    scale[r] = s;
    if (s === 0) continue;
    for (let j = r * cols; j < (r + 1) * cols; j++) q[j] = Math.max(-127, Math.min(127, Math.round(a[j] / s)));
  }
  return { q, scale };
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
  // Always a fresh, aligned buffer: the file's bytes may be reused or unaligned. Uint8Array's slice, never the
  // argument's own: Node's Buffer#slice is a view, so a file read into Node's 8 KiB Buffer pool (readFileSync of a
  // small model) gave tensors over the whole pool.
  const out = Uint8Array.prototype.slice.call(le);
  if (!LITTLE_ENDIAN && width > 1) {
    for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  }
  return out.buffer;
}

/**
 * Store a typed array; `f16` converts a Float32Array to half precision; `int8` quantises a Float32Array of two or more
 * dimensions per row (1-D tensors, e.g. biases, stay f32: one scale for a whole vector would cost too much).
 */
export function encodeTensor(a: TensorArray, shape: number[], f16: boolean, int8 = false): StoredTensor {
  const dtype = dtypeOf(a)!;
  if (int8 && dtype === 'f32' && shape.length >= 2) {
    const rows = a.length === 0 ? 0 : shape[0];
    const quantised = quantiseRows(a as Float32Array, rows);
    if (quantised) return { dtype: 'q8', shape, data: new Uint8Array(quantised.q.buffer), scale: leBytes(quantised.scale, 4) };
  }
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
    case 'q8': {
      const rows = count === 0 ? 0 : (shape[0] as number);
      const scaleBytes = (t as Record<string, unknown>).scale;
      if (shape.length < 2 || !(scaleBytes instanceof Uint8Array) || scaleBytes.byteLength !== rows * 4) {
        throw new ModelFileError('MODEL_FILE_INVALID', `${field}.scale`, scaleBytes instanceof Uint8Array ? scaleBytes.byteLength : scaleBytes, `a q8 tensor needs 2+ dimensions and one f32 scale per row (${rows} × 4 bytes)`);
      }
      const scale = new Float32Array(nativeBytes(scaleBytes, 4));
      const q = new Int8Array(buf);
      const out = new Float32Array(count);
      const cols = rows ? count / rows : 0;
      for (let r = 0; r < rows; r++) {
        const s = scale[r];
        for (let j = r * cols; j < (r + 1) * cols; j++) out[j] = q[j] * s;
      }
      array = out;
      break;
    }
    default: array = new Uint8Array(buf); break;
  }
  return { array, shape: shape.slice() as number[], dtype: dtype as Dtype };
}
