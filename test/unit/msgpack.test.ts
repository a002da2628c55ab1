// The model format's MessagePack codec (src/io/msgpack.ts, issue 18) against @msgpack/msgpack, the library it replaced
// (a dev dependency, used here as the oracle): the same bytes for every value a payload holds, the same values back,
// and the untrusted-input checks (declared lengths against the bytes left, nesting, keys, trailing bytes).
import { expect, test } from 'vitest';
import { Decoder, Encoder } from '@msgpack/msgpack';
import { decodeMsgpack, encodeMsgpack, MAX_DEPTH } from '../../src/io/msgpack.ts';

// Byte equality without vitest's per-element diffing (slow on long arrays).
const sameBytes = (a: Uint8Array, b: Uint8Array, what = '') => expect(Buffer.from(a).equals(Buffer.from(b)), what).toBe(true);
const reference = new Encoder({ sortKeys: true, ignoreUndefined: true });
const referenceDecode = (b: Uint8Array) => new Decoder().decode(b);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// Every boundary of every integer, float, string, bin, array and map format.
const edges = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e300];
const numbers = [...edges, ...edges.map((v) => -v), -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000, -0x80000001, 0.5, -1.25, 1 / 3, NaN, Infinity, -Infinity, -0, 5e-324];
const strings = ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(63), 'y'.repeat(64), 'z'.repeat(255), 'z'.repeat(256), 'w'.repeat(65535), 'w'.repeat(65536), 'é', 'ü'.repeat(40), '日本語', '🎬 film', 'naïve'.repeat(30)];
const bins = [0, 1, 255, 256, 65535, 65536].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff));

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 4 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return numbers[Math.floor(r() * numbers.length)];
    case 3: return Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 54));
    case 4: return strings[Math.floor(r() * strings.length)].slice(0, 300);
    case 5: return bins[Math.floor(r() * 4)];
    case 6: return Array.from({ length: [0, 1, 15, 16, 17][Math.floor(r() * 5)] }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = [0, 1, 15, 16, 20][Math.floor(r() * 5)];
      for (let i = 0; i < n; i++) o[`k${Math.floor(r() * 1000)}${strings[i % 4].slice(0, 3)}`] = i % 7 === 3 ? undefined : randomValue(r, depth + 1);
      return o;
    }
  }
}

test('encodes every format boundary exactly as @msgpack/msgpack did (sorted keys, undefined map values left out)', () => {
  for (const v of [...numbers, ...strings, ...bins, Float32Array.of(1.5, -2), Int32Array.of(-1, 7), null, undefined, true, false, [], {}, [undefined, 1], { b: 1, a: undefined, c: [1, 'x'] }]) {
    sameBytes(encodeMsgpack(v), reference.encode(v), String(v).slice(0, 40));
  }
  for (const n of [15, 16, 65535, 65536]) {
    const arr = Array.from({ length: n }, (_, i) => i);
    sameBytes(encodeMsgpack(arr), reference.encode(arr));
    const map = Object.fromEntries(arr.slice(0, Math.min(n, 65536)).map((i) => [`k${i}`, i]));
    sameBytes(encodeMsgpack(map), reference.encode(map));
  }
});

test('random payload-like values: the same bytes as @msgpack/msgpack, and decoded back to what that library decodes', () => {
  const r = rng(18);
  for (let i = 0; i < 400; i++) {
    const v = randomValue(r, 0);
    const bytes = encodeMsgpack(v);
    sameBytes(bytes, reference.encode(v));
    expect(decodeMsgpack(bytes)).toEqual(referenceDecode(bytes));
  }
});

test('decodes formats the encoder never writes: float 32, ext, str 8 of a short string, uint 64 and int 64', () => {
  expect(decodeMsgpack(Uint8Array.of(0xca, 0x3f, 0xc0, 0, 0))).toBe(1.5);
  expect(decodeMsgpack(Uint8Array.of(0xd9, 2, 0x68, 0x69))).toBe('hi');
  expect(decodeMsgpack(Uint8Array.of(0xcf, 0, 0, 0, 1, 0, 0, 0, 2))).toBe(2 ** 32 + 2);
  expect(decodeMsgpack(Uint8Array.of(0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe))).toBe(-2);
  expect(decodeMsgpack(Uint8Array.of(0xd4, 5, 9))).toEqual({ extType: 5, data: Uint8Array.of(9) });
  expect(decodeMsgpack(Uint8Array.of(0xc7, 2, 0xff, 1, 2))).toEqual({ extType: -1, data: Uint8Array.of(1, 2) });
  expect(decodeMsgpack(Uint8Array.of(0x81, 0x01, 0xa1, 0x78))).toEqual({ 1: 'x' });
});

test('untrusted bytes: declared lengths beyond the bytes left, deep nesting, bad keys and trailing bytes throw before allocating', () => {
  const bad: [number[], RegExp][] = [
    [[0xdd, 0xff, 0xff, 0xff, 0xff], /array of 4294967295/],
    [[0xdf, 0xff, 0xff, 0xff, 0xff], /map of 8589934590/],
    [[0xdb, 0xff, 0xff, 0xff, 0xff], /string of 4294967295/],
    [[0xc6, 0x7f, 0xff, 0xff, 0xff, 1, 2], /bin of 2147483647/],
    [[0xc9, 0xff, 0xff, 0xff, 0xf0, 1], /ext of 4294967281/],
    [[0x92, 0x01], /past the end/],
    [[0xcb, 0, 0], /float of 8/],
    [[0xc1], /0xc1 .* not a MessagePack type/],
    [[0x01, 0x02], /1 extra byte/],
    [[0x81, 0x90, 0x01], /map key must be a string or number/],
    [[0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x01], /__proto__/],
    [[], /past the end/],
  ];
  for (const [bytes, message] of bad) expect(() => decodeMsgpack(Uint8Array.from(bytes)), bytes.join(',')).toThrow(message);
  const deep = new Uint8Array(MAX_DEPTH + 2).fill(0x91);
  deep[deep.length - 1] = 0xc0;
  expect(() => decodeMsgpack(deep)).toThrow(/deeper than 100/);
  expect(decodeMsgpack(deep.subarray(2))).toBeInstanceOf(Array);
  expect(() => encodeMsgpack(() => 1)).toThrow(/cannot encode a function/);
});
