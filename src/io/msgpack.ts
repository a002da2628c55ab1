/**
 * The MessagePack codec of the model format (https://github.com/msgpack/msgpack/blob/master/spec.md), written for what
 * model files hold (issue 18): @msgpack/msgpack's Encoder and Decoder were ~20 KB minified in every app that saves or
 * loads a model, for general features (extension codecs, streams, key caches, BigInt) the format never uses; this
 * is ~3 KB.
 *
 * Encoding writes exactly the bytes @msgpack/msgpack's `Encoder({ sortKeys: true, ignoreUndefined: true })` writes
 * (test/unit/msgpack.test.ts checks it against that library), so files stay byte for byte what they were: the
 * smallest int format for safe integers, float 64 for other numbers, map keys in `.sort()` order, `undefined` map
 * values left out (nil in arrays), typed arrays as `bin`.
 *
 * Decoding reads every format of the spec. The bytes are untrusted (src/io/format.ts): every declared length and count
 * is checked against the bytes that remain before anything is allocated (a string, bin or ext takes its length in
 * bytes, an array element at least one byte, a map entry two), nesting is capped at {@link MAX_DEPTH}, map keys are
 * strings or numbers and never `__proto__`, and trailing bytes are an error. `bin` values are views of the input;
 * an `ext` value comes back as `{ extType, data }` (model files have none; a reader's schema check rejects it).
 */

/** Deepest nesting of arrays and maps either way (model payloads nest a few levels; params at most 32). */
export const MAX_DEPTH = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encode a value (null, undefined, boolean, number, string, array, typed array, plain object) as MessagePack. */
export function encodeMsgpack(value: unknown): Uint8Array {
  let bytes = new Uint8Array(1 << 16);
  let view = new DataView(bytes.buffer);
  let pos = 0;
  const room = (n: number) => {
    if (pos + n <= bytes.length) return;
    const grown = new Uint8Array(Math.max(bytes.length * 2, pos + n));
    grown.set(bytes);
    bytes = grown;
    view = new DataView(bytes.buffer);
  };
  const u8 = (v: number) => {
    room(1);
    bytes[pos++] = v;
  };
  const u32 = (v: number) => {
    room(4);
    view.setUint32(pos, v);
    pos += 4;
  };
  // A type byte then a big-endian unsigned of `width` bytes (1, 2 or 4).
  const head = (type: number, v: number, width: number) => {
    room(1 + width);
    bytes[pos++] = type;
    if (width === 1) view.setUint8(pos, v);
    else if (width === 2) view.setUint16(pos, v);
    else view.setUint32(pos, v);
    pos += width;
  };
  // fix form below `fixLimit`, else the 8 (when `t8`), 16 and 32-bit forms.
  const sized = (n: number, fix: number, fixLimit: number, t8: number, t16: number, what: string) => {
    if (n < fixLimit) u8(fix + n);
    else if (t8 && n < 0x100) head(t8, n, 1);
    else if (n < 0x10000) head(t16, n, 2);
    else if (n < 0x100000000) head(t16 + 1, n, 4);
    else throw new Error(`${what} too large: ${n}`);
  };
  const str = (s: string) => {
    // Short ASCII strings (ids, keys) in JS: a TextEncoder call per id costs more than the loop.
    const n = s.length;
    let ascii = n < 64;
    for (let i = 0; ascii && i < n; i++) ascii = s.charCodeAt(i) < 0x80;
    if (ascii) {
      sized(n, 0xa0, 32, 0xd9, 0xda, 'string');
      room(n);
      for (let i = 0; i < n; i++) bytes[pos++] = s.charCodeAt(i);
      return;
    }
    const b = encoder.encode(s);
    sized(b.length, 0xa0, 32, 0xd9, 0xda, 'string');
    room(b.length);
    bytes.set(b, pos);
    pos += b.length;
  };
  const any = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH} levels`);
    if (v === null || v === undefined) u8(0xc0);
    else if (typeof v === 'boolean') u8(v ? 0xc3 : 0xc2);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) {
        if (v >= 0) {
          if (v < 0x80) u8(v);
          else if (v < 0x100) head(0xcc, v, 1);
          else if (v < 0x10000) head(0xcd, v, 2);
          else if (v < 0x100000000) head(0xce, v, 4);
          else head(0xcf, Math.floor(v / 0x100000000), 4), u32(v >>> 0); // high word, low word
        } else if (v >= -0x20) u8(0xe0 | (v + 0x20));
        else if (v >= -0x80) head(0xd0, v & 0xff, 1);
        else if (v >= -0x8000) head(0xd1, v & 0xffff, 2);
        else if (v >= -0x80000000) head(0xd2, v >>> 0, 4);
        else head(0xd3, Math.floor(v / 0x100000000) >>> 0, 4), u32(v >>> 0);
      } else {
        room(9);
        bytes[pos++] = 0xcb;
        view.setFloat64(pos, v);
        pos += 8;
      }
    } else if (typeof v === 'string') str(v);
    else if (Array.isArray(v)) {
      sized(v.length, 0x90, 16, 0, 0xdc, 'array');
      for (const x of v) any(x, depth + 1);
    } else if (ArrayBuffer.isView(v)) {
      sized(v.byteLength, 0, 0, 0xc4, 0xc5, 'bin');
      room(v.byteLength);
      bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), pos);
      pos += v.byteLength;
    } else if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort().filter((k) => o[k] !== undefined);
      sized(keys.length, 0x80, 16, 0, 0xde, 'map');
      for (const k of keys) {
        str(k);
        any(o[k], depth + 1);
      }
    } else throw new Error(`cannot encode a ${typeof v}`);
  };
  any(value, 0);
  return bytes.slice(0, pos);
}

/** Decode one MessagePack value that fills `bytes` exactly (see the module notes on untrusted input). */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let pos = 0;
  const need = (n: number, what: string) => {
    if (n > end - pos) throw new Error(`${what} of ${n} at byte ${pos} runs past the end (${end - pos} left)`);
  };
  const uint = (width: number): number => {
    need(width, 'a number');
    const v = width === 1 ? bytes[pos] : width === 2 ? view.getUint16(pos) : width === 4 ? view.getUint32(pos) : view.getUint32(pos) * 0x100000000 + view.getUint32(pos + 4);
    pos += width;
    return v;
  };
  const take = (n: number, what: string): Uint8Array => {
    need(n, what);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const text = (n: number): string => {
    const b = take(n, 'a string');
    if (n < 64) {
      let s = '';
      for (let i = 0; i < n; i++) {
        if (b[i] >= 0x80) return decoder.decode(b);
        s += String.fromCharCode(b[i]);
      }
      return s;
    }
    return decoder.decode(b);
  };
  const ext = (n: number) => {
    need(n + 1, 'an ext');
    const extType = view.getInt8(pos++);
    return { extType, data: take(n, 'an ext') };
  };
  const array = (n: number, depth: number): unknown[] => {
    need(n, 'an array');
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = any(depth + 1);
    return out;
  };
  const map = (n: number, depth: number): Record<string, unknown> => {
    need(2 * n, 'a map');
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = any(depth + 1);
      if ((typeof key !== 'string' && typeof key !== 'number') || key === '__proto__') throw new Error(`a map key must be a string or number other than __proto__, not ${typeof key === 'string' ? key : typeof key}`);
      out[key] = any(depth + 1);
    }
    return out;
  };
  const any = (depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH} levels`);
    const t = uint(1);
    if (t < 0x80) return t;
    if (t < 0x90) return map(t - 0x80, depth);
    if (t < 0xa0) return array(t - 0x90, depth);
    if (t < 0xc0) return text(t - 0xa0);
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: case 0xc5: case 0xc6: return take(uint(1 << (t - 0xc4)), 'a bin');
      case 0xc7: case 0xc8: case 0xc9: return ext(uint(1 << (t - 0xc7)));
      case 0xca: need(4, 'a float'); pos += 4; return view.getFloat32(pos - 4);
      case 0xcb: need(8, 'a float'); pos += 8; return view.getFloat64(pos - 8);
      case 0xcc: case 0xcd: case 0xce: case 0xcf: return uint(1 << (t - 0xcc));
      case 0xd0: need(1, 'a number'); return view.getInt8(pos++);
      case 0xd1: need(2, 'a number'); pos += 2; return view.getInt16(pos - 2);
      case 0xd2: need(4, 'a number'); pos += 4; return view.getInt32(pos - 4);
      case 0xd3: need(8, 'a number'); pos += 8; return view.getInt32(pos - 8) * 0x100000000 + view.getUint32(pos - 4);
      case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return ext(1 << (t - 0xd4));
      case 0xd9: case 0xda: case 0xdb: return text(uint(1 << (t - 0xd9)));
      case 0xdc: case 0xdd: return array(uint(2 << (t - 0xdc)), depth);
      case 0xde: case 0xdf: return map(uint(2 << (t - 0xde)), depth);
    }
    throw new Error(`byte 0x${t.toString(16)} at ${pos - 1} is not a MessagePack type`);
  };
  const value = any(0);
  if (pos !== end) throw new Error(`${end - pos} extra byte(s) after the value at byte ${pos}`);
  return value;
}
