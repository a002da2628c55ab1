/**
 * NumPy's .npy format (NEP 1, numpy/lib/format.py): magic `\x93NUMPY`, version 1.0 (u16 header length), 2.0 (u32)
 * or 3.0 (u32, UTF-8 header), then a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
 * and the raw array. Numbers come back as typed arrays in C order (Fortran-ordered arrays are transposed), halves
 * widened to f32, 64-bit integers narrowed when every value fits; strings ('<U', '|S') as string arrays. The header
 * is checked against the buffer (declared size = shape product × item size) before the array is allocated.
 */
import { InteropError } from '../errors.ts';
import { decodeFloat16 } from '../io/float16.ts';

/** Array data of an {@link NdArray}. */
export type NdData = Float32Array | Float64Array | Int32Array | Uint8Array | string[];

/** A decoded .npy array: C-order data, NumPy's dtype string (byte order dropped, e.g. 'f4', 'i8', 'b1', 'U7'), shape. */
export interface NdArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: NdData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type HeaderValue = string | number | boolean | null | HeaderValue[] | { [k: string]: HeaderValue };

/** A tiny parser for the Python literals NumPy writes in headers: dicts, tuples, lists, strings, ints, booleans. */
function parseLiteral(text: string, fail: (reason: string) => never): HeaderValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): HeaderValue => {
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: HeaderValue[] = [];
      const dict: Record<string, HeaderValue> = {};
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const v = value();
        ws();
        if (c === '{') {
          if (text[i] !== ':' || typeof v !== 'string') fail(`expected 'key': value at ${i}`);
          i++;
          dict[v] = value();
          ws();
        } else items.push(v);
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}' at ${i}`);
      }
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 40));
    if (!m) fail(`unexpected ${JSON.stringify(text.slice(i, i + 10))} at ${i}`);
    i += m[0].length;
    return m[0] === 'True' ? true : m[0] === 'False' ? false : m[0] === 'None' ? null : Number.parseInt(m[0], 10);
  };
  const v = value();
  ws();
  if (i !== text.length) fail(`trailing ${JSON.stringify(text.slice(i, i + 10))}`);
  return v;
}

interface DtypeInfo {
  kind: 'f' | 'i' | 'u' | 'b' | 'U' | 'S';
  size: number;
  little: boolean;
}

function parseDescr(descr: unknown, fail: (field: string, value: unknown, reason: string, fix?: string) => never): DtypeInfo {
  if (typeof descr !== 'string') fail('descr', descr, 'structured dtypes are not supported', 'save plain numeric or string arrays (one per key).');
  const m = /^([<>|=])([fiubUS])(\d+)$/.exec(descr);
  if (!m) {
    const fix = descr.includes('O') ? 'object arrays need pickle, which is never loaded: convert to numbers or str (np.asarray(x, dtype=str)).' : 'convert the array to float32, float64, float16, int32, int64, bool or str before saving.';
    fail('descr', descr, 'unsupported dtype', fix);
  }
  const kind = m[2] as DtypeInfo['kind'];
  const size = Number(m[3]);
  const ok =
    (kind === 'f' && (size === 2 || size === 4 || size === 8)) ||
    ((kind === 'i' || kind === 'u') && (size === 1 || size === 2 || size === 4 || size === 8)) ||
    (kind === 'b' && size === 1) ||
    ((kind === 'U' || kind === 'S') && size >= 0);
  if (!ok) fail('descr', descr, 'unsupported dtype', 'convert the array to float32, float64, float16, int32, int64, bool or str before saving.');
  // 'U<n>' counts UTF-32 characters: n × 4 bytes per item
  return { kind, size: kind === 'U' ? size * 4 : size, little: m[1] !== '>' };
}

/** Decoded header: dtype, order, shape and where the data starts. */
export function readNpyHeader(bytes: Uint8Array, name: string): { info: DtypeInfo; dtype: string; fortran: boolean; shape: number[]; dataStart: number } {
  const fail = (field: string, value: unknown, reason: string, fix?: string): never => {
    throw new InteropError(field === 'descr' ? 'NPY_DTYPE' : 'NPY_INVALID', name, field, value, reason, fix);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('magic', bytes.length, 'not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major !== 1 && major !== 2 && major !== 3) fail('version', `${major}.${bytes[7]}`, 'unknown .npy format version (this reads 1.0, 2.0 and 3.0)', 'save with NumPy >= 1.0 (np.save).');
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) fail('header', bytes.length, 'truncated header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerStart + headerLen > bytes.length) fail('header', headerStart + headerLen, `header runs past the end (${bytes.length} bytes): truncated`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen)).trim();
  const header = parseLiteral(text, (reason) => fail('header', text, `not a Python dict literal: ${reason}`));
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header', text, 'not a dict');
  const h = header as Record<string, HeaderValue>;
  const info = parseDescr(h.descr, fail);
  if (typeof h.fortran_order !== 'boolean') fail('fortran_order', h.fortran_order, 'expected True or False');
  const shape = h.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) fail('shape', shape, 'expected a tuple of non-negative integers');
  const dims = shape as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  const need = count * info.size;
  const have = bytes.length - headerStart - headerLen;
  if (!Number.isSafeInteger(need) || need !== have) {
    fail('data', have, `shape (${dims.join(', ')}) of ${h.descr} needs ${need} bytes, the array has ${have}${have < need ? ': truncated' : ''}`);
  }
  return { info, dtype: `${info.kind}${info.kind === 'U' ? info.size / 4 : info.size}`, fortran: h.fortran_order as boolean, shape: dims, dataStart: headerStart + headerLen };
}

/** Fortran (column-major) order → C (row-major) order for any rank. */
function toCOrder<T extends { length: number; [i: number]: unknown }>(src: T, shape: readonly number[], make: (n: number) => T): T {
  if (shape.length < 2) return src;
  const n = src.length;
  const out = make(n);
  if (shape.length === 2) {
    const [r, c] = shape;
    for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out[i * c + j] = src[j * r + i];
    return out;
  }
  const nd = shape.length;
  const fStride = new Array<number>(nd);
  fStride[0] = 1;
  for (let k = 1; k < nd; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
  const idx = new Array<number>(nd).fill(0);
  for (let p = 0; p < n; p++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += idx[k] * fStride[k];
    out[p] = src[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Options of {@link parseNpy}. */
export interface ParseNpyOptions {
  /**
   * The bytes are the caller's to give away (e.g. a file it just read): little-endian f4/f8/i4 data in C order come
   * back as a view of them instead of a copy, and the bytes before the data may be overwritten to align it.
   * Default false: the bytes are left as they are and the array is a copy.
   */
  owned?: boolean;
}

/**
 * Decode a .npy array. `name` (a file or archive member) goes into every error. 64-bit integers come back as
 * Int32Array when every value fits, else Float64Array when every value is a safe integer, else an error.
 *
 * @example
 * ```ts
 * const { shape, data } = parseNpy(bytes, 'item_factors.npy'); // data: Float32Array in C order
 * const fast = parseNpy(await readFile('big.npy'), 'big.npy', { owned: true }); // no copy of the data
 * ```
 */
export function parseNpy(bytes: Uint8Array, name: string, options: ParseNpyOptions = {}): NdArray {
  const { info, dtype, fortran, shape, dataStart } = readNpyHeader(bytes, name);
  const count = shape.reduce((a, b) => a * b, 1);
  let raw = bytes.subarray(dataStart);
  const le = info.little;
  let data: NdData;
  const nativeCopy = <A extends Float32Array | Float64Array | Int32Array>(Ctor: { new (n: number): A; new (b: ArrayBuffer, at: number, n: number): A; BYTES_PER_ELEMENT: number }): A => {
    const size = Ctor.BYTES_PER_ELEMENT;
    if (options.owned && !fortran && raw.buffer instanceof ArrayBuffer) {
      // Bytes given away: the array is a view of them, moved down onto an aligned offset (over the already-parsed
      // header, which is at least 10 bytes) when it is not aligned. Fresh memory is what an import pays for: NumPy
      // allocates with madvise(MADV_HUGEPAGE), V8 cannot, and zero-filling a new 256 MB array took longer than
      // np.load's whole read on the bench machine (issue 23).
      const shift = raw.byteOffset % size;
      if (shift) {
        new Uint8Array(raw.buffer).copyWithin(raw.byteOffset - shift, raw.byteOffset, raw.byteOffset + raw.byteLength);
        raw = new Uint8Array(raw.buffer, raw.byteOffset - shift, raw.byteLength);
      }
      return new Ctor(raw.buffer as ArrayBuffer, raw.byteOffset, count);
    }
    // copy through a fresh buffer: the source may be a Node Buffer, whose slice() is a view, and may be unaligned
    const out = new Ctor(count);
    new Uint8Array(out.buffer).set(raw);
    return out;
  };
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (`${info.kind}${info.size}`) {
    case 'f4':
      if (le) data = nativeCopy(Float32Array);
      else {
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, false);
      }
      break;
    case 'f8':
      if (le) data = nativeCopy(Float64Array);
      else {
        data = new Float64Array(count);
        for (let i = 0; i < count; i++) data[i] = view.getFloat64(i * 8, false);
      }
      break;
    case 'f2': {
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, le);
      data = decodeFloat16(bits);
      break;
    }
    case 'i4':
      data = le ? nativeCopy(Int32Array) : Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, false));
      break;
    case 'i1':
    case 'u1':
    case 'i2':
    case 'u2':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const at = i * info.size;
        data[i] = info.size === 1 ? (info.kind === 'i' ? view.getInt8(at) : view.getUint8(at)) : info.kind === 'i' ? view.getInt16(at, le) : view.getUint16(at, le);
      }
      break;
    case 'u4':
    case 'i8':
    case 'u8': {
      // 64-bit values as two 32-bit halves (no BigInt per value: a million int64 ids took 0.3 s, issue 23); a value
      // is exact when its high half keeps it within ±2^53
      const wide = new Float64Array(count);
      let int32 = true;
      const signed = info.kind === 'i';
      const lo = le ? 0 : 4;
      const hi = le ? 4 : 0;
      for (let i = 0; i < count; i++) {
        let v: number;
        if (info.size === 4) v = view.getUint32(i * 4, le);
        else {
          const h = signed ? view.getInt32(i * 8 + hi, le) : view.getUint32(i * 8 + hi, le);
          const l = view.getUint32(i * 8 + lo, le);
          // safe: -2^53 < v < 2^53, i.e. the high half in [-2^21, 2^21) except -2^53 itself (h = -2^21, l = 0)
          if (h >= 0x200000 || h < -0x200000 || (h === -0x200000 && l === 0)) {
            const big = signed ? view.getBigInt64(i * 8, le) : view.getBigUint64(i * 8, le);
            throw new InteropError('NPY_RANGE', name, `data[${i}]`, String(big), `${info.kind}${info.size} value beyond ±2^53 cannot be represented exactly`, 'store ids as strings or smaller integers.');
          }
          v = h * 4294967296 + l;
        }
        wide[i] = v;
        if (v > 2147483647 || v < -2147483648) int32 = false;
      }
      data = int32 ? new Int32Array(wide) : wide;
      break;
    }
    case 'b1':
      data = new Uint8Array(raw);
      for (let i = 0; i < count; i++) if (data[i] > 1) throw new InteropError('NPY_INVALID', name, `data[${i}]`, data[i], 'a bool array holds a value other than 0 or 1');
      break;
    default: {
      // strings: 'U' = UTF-32 code points (size counts characters), 'S' = bytes; trailing NULs are padding
      const width = info.size;
      const chars = info.kind === 'U' ? width / 4 : width;
      const strings: string[] = new Array(count);
      for (let i = 0; i < count; i++) {
        let s = '';
        for (let c = 0; c < chars; c++) {
          const code = info.kind === 'U' ? view.getUint32(i * width + c * 4, le) : view.getUint8(i * width + c);
          if (code === 0) break;
          if (code > 0x10ffff) throw new InteropError('NPY_INVALID', name, `data[${i}]`, code, 'not a Unicode code point');
          s += String.fromCodePoint(code);
        }
        strings[i] = s;
      }
      data = strings;
    }
  }
  if (fortran) {
    data = Array.isArray(data)
      ? toCOrder(data, shape, (n) => new Array<string>(n))
      : toCOrder(data as Float32Array, shape, (n) => new (data.constructor as { new (n: number): Float32Array })(n));
  }
  return { dtype, shape, data };
}

/** A value {@link encodeNpy} can write: a typed array with a shape, a string array, or a scalar. */
export type NpyValue =
  | { data: Float32Array | Float64Array | Int32Array | Uint8Array; shape: readonly number[]; bool?: boolean }
  | { strings: readonly string[]; shape?: readonly number[] }
  | number
  | boolean
  | string;

/**
 * Encode one array as .npy version 1.0 (C order, little-endian), header padded to 64 bytes as NumPy does. Scalars
 * become 0-d arrays: integers '<i8', other numbers '<f8', booleans '|b1', strings '<U…' (what np.savez writes for
 * Python values).
 */
export function encodeNpy(value: NpyValue): Uint8Array {
  let descr: string;
  let shape: readonly number[];
  let body: Uint8Array;
  if (typeof value === 'number') {
    shape = [];
    if (Number.isSafeInteger(value)) {
      descr = '<i8';
      body = new Uint8Array(8);
      new DataView(body.buffer).setBigInt64(0, BigInt(value), true);
    } else {
      descr = '<f8';
      body = new Uint8Array(new Float64Array([value]).buffer);
    }
  } else if (typeof value === 'boolean') {
    (descr = '|b1'), (shape = []), (body = Uint8Array.of(value ? 1 : 0));
  } else if (typeof value === 'string' || 'strings' in value) {
    const strings = typeof value === 'string' ? [value] : value.strings;
    shape = typeof value === 'string' ? [] : (value.shape ?? [strings.length]);
    const cps = strings.map((s) => Array.from(s, (ch) => ch.codePointAt(0)!));
    const width = Math.max(1, ...cps.map((c) => c.length));
    descr = `<U${width}`;
    body = new Uint8Array(strings.length * width * 4);
    const view = new DataView(body.buffer);
    cps.forEach((c, i) => c.forEach((cp, j) => view.setUint32((i * width + j) * 4, cp, true)));
  } else {
    shape = value.shape;
    const d = value.data;
    descr = d instanceof Float32Array ? '<f4' : d instanceof Float64Array ? '<f8' : d instanceof Int32Array ? '<i4' : value.bool ? '|b1' : '|u1';
    body = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}
